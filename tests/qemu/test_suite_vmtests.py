#!/usr/bin/env python3
"""User-space test suite: vmtests (sbrk, the xv6 user address-space layout, fork's copy of the heap, running out of memory).
Boots Pagoda, runs user/tests/vmtests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 ncpu=per-process,global

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("vmtests", run_timeout=300)
