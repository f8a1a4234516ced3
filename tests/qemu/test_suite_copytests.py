#!/usr/bin/env python3
"""User-space test suite: copytests (bad pointers through every system call that takes one (copyin/copyout/copyinstr)).
Boots Pagoda, runs user/tests/copytests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 ncpu=per-process

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("copytests", run_timeout=300)
