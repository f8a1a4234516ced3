#!/usr/bin/env python3
"""User-space test suite: cowtests (copy-on-write fork, issue 12: sharing, isolation, taking the last reference back,
copyout into a shared page, exit orders, concurrent fork/exit/fault on 3 harts, out of memory in a
COW fault, a store to text). Boots Pagoda, runs user/tests/cowtests.cc with the kernel's lab profile
(default or cow), requires every subtest to
pass, no kernel panic, and the free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 lab=cow

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("cowtests", run_timeout=300, pass_lab=True)
