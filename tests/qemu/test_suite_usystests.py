#!/usr/bin/env python3
"""User-space test suite: usystests (the usyscall page and ugetpid, pgaccess with its bad arguments
and bounds, kpgtbl). Boots Pagoda, runs user/tests/usystests.cc from the shell and requires every
subtest to pass, no kernel panic, and the machine's free page count (the `free` program) unchanged
across the whole run. The pgtbl2024 profile has the usyscall page too; pgtbl2020 does not."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 lab=pgtbl2024

from harness import run_suite

if __name__ == "__main__":
    run_suite("usystests", run_timeout=300)
