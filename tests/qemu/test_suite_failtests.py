#!/usr/bin/env python3
"""User-space suite: failtests (fork, exec, sbrk, pipes, files and kpgtbl with their 1st, 2nd, ...
page allocation failing in turn, then seeded random failures and "all fail" under several
processes). Boots Pagoda, runs user/tests/failtests.cc from the shell and requires every subtest to
pass, no kernel panic, and the machine's free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 ncpu=per-process

from harness import run_suite

if __name__ == "__main__":
    run_suite("failtests", run_timeout=300)
