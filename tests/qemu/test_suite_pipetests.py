#!/usr/bin/env python3
"""User-space test suite: pipetests (pipes: many writers, closing ends, large transfers, running out of pipes).
Boots Pagoda, runs user/tests/pipetests.cc from the shell and requires every subtest to pass, no kernel
panic, and the machine's free page count (the `free` program) unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=420

import re

from harness import Qemu, check, parse_args

PROGRAM = "pipetests"
RUN_TIMEOUT = 300  # seconds for the program under TCG; each subtest also has its own watchdog


def free_pages(q):
    out = q.run("free")
    m = re.search(r"free: (\d+) pages", out)
    check(m is not None, "free prints the page count", out)
    return int(m.group(1))


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot()
        before = free_pages(q)
        out = q.run(PROGRAM, timeout=RUN_TIMEOUT)
        failed = [line for line in out.splitlines() if "FAILED" in line]
        check(not failed, f"no {PROGRAM} subtest fails: " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, f"{PROGRAM} prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after = free_pages(q)
        check(after == before, f"free pages unchanged by {PROGRAM}: {before} before, {after} after", out)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
