#!/usr/bin/env python3
"""User-space test suite: mmaptests (mmap/munmap, issue 12: lazy file pages, zeros past the end of
the file, MAP_SHARED write-back at munmap and exit without growing the file, MAP_PRIVATE stores
kept private, mappings outliving close and unlink, munmap of any part, fork's copy, bad arguments,
kills for bad accesses and for running out of memory in a fault).
Boots Pagoda, runs user/tests/mmaptests.cc from the shell and requires every subtest to pass, no
kernel panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global lab=mmap timeout=420

from harness import run_suite

if __name__ == "__main__":
    run_suite("mmaptests", run_timeout=300)
