#!/usr/bin/env python3
"""User-space test suite: lazytests (lazy sbrk and the page-fault path, issue 12: sbrklazy of 1 GiB,
lazy pages through copyin/copyout/copyinstr, shrink then touch killed, fork with lazy pages, out of
memory in a lazy fault). Boots Pagoda, runs user/tests/lazytests.cc with the kernel's lab profile
(so that a profile without lazy sbrk is held to what it promises), requires every subtest to
pass, no kernel panic, and the free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 lab=lazy2020

from harness import Qemu, check, free_pages, main_guard


def run(args):
    # harness.run_suite, with the profile passed on: "lazytests lab=NAME".
    with Qemu(args) as q:
        q.boot()
        before, _ = free_pages(q)
        out = q.run("lazytests lab=" + args.lab, timeout=300)
        failed = [line for line in out.splitlines() if "FAILED" in line]
        check(not failed, "no lazytests subtest fails: " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, "lazytests prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by lazytests: {before} before, {after} after", out)
        q.halt()


if __name__ == "__main__":
    main_guard(run)
