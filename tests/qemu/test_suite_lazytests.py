#!/usr/bin/env python3
"""User-space test suite: lazytests (lazy sbrk and the page-fault path, issue 12: sbrklazy of 1 GiB,
lazy pages through copyin/copyout/copyinstr, shrink then touch killed, fork with lazy pages, out of
memory in a lazy fault). Boots Pagoda, runs user/tests/lazytests.cc with the kernel's lab profile
(so that a profile without lazy sbrk is held to what it promises), requires every subtest to
pass, no kernel panic, and the free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 lab=lazy2020

from harness import run_suite

if __name__ == "__main__":
    # Seconds for the program under TCG; each subtest also has its own watchdog.
    run_suite("lazytests", run_timeout=300, pass_lab=True)
