#!/usr/bin/env python3
"""User-space test suite: proctests (fork/exit/wait, kill of sleeping, running and blocked children, orphans, preemption, the process limit).
Boots Pagoda, runs user/tests/proctests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 ncpu=per-process,global

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("proctests", run_timeout=300)
