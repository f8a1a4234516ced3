#!/usr/bin/env python3
"""User-space test suite: cowtests (copy-on-write fork, issue 12: sharing, isolation, taking the last reference back,
copyout into a shared page, exit orders, concurrent fork/exit/fault on 3 harts, out of memory in a
COW fault, a store to text). Boots Pagoda, runs user/tests/cowtests.cc with the kernel's lab profile
(default or cow), requires every subtest to
pass, no kernel panic, and the free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420 lab=cow

from harness import Qemu, check, free_pages, main_guard


def run(args):
    # harness.run_suite, with the profile passed on: "cowtests lab=NAME".
    with Qemu(args) as q:
        q.boot()
        before, _ = free_pages(q)
        out = q.run("cowtests lab=" + args.lab, timeout=300)
        failed = [line for line in out.splitlines() if "FAILED" in line]
        check(not failed, "no cowtests subtest fails: " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, "cowtests prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by cowtests: {before} before, {after} after", out)
        q.halt()


if __name__ == "__main__":
    main_guard(run)
