#!/usr/bin/env python3
"""User-space test suite: fstests (file-system semantics, maximum file size, many files, concurrent writers, disk full, out of inodes).
Boots Pagoda, runs user/tests/fstests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=660 ncpu=per-process

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("fstests", run_timeout=540)
