#!/usr/bin/env python3
"""User-space test suite: grindtests (random system calls with garbage arguments from several processes (fixed seeds)).
Boots Pagoda, runs user/tests/grindtests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=540 ncpu=per-process,global

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("grindtests", run_timeout=420)
