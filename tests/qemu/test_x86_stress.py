#!/usr/bin/env python3
"""x86 (issue 15): the stress suites on the x86 kernel: every frame-allocation failure point of
fork, exec and sbrk and seeded random failures (failtests, through allocfail), seeded random system
calls from several processes (grindtests), and the seeded system-call fuzzer (fuzztests). No
panic, no subtest failure, and no physical page lost across all three."""
# matrix: cpus=1,2 arch=x86 timeout=1200

from harness import Qemu, check, free_pages, parse_args

SUITES = ["failtests", "grindtests", "fuzztests"]


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        for program in SUITES:
            out = q.run(program, timeout=900)
            failed = [line for line in out.splitlines() if "FAILED" in line]
            check(not failed, f"no {program} subtest fails: " + "; ".join(failed[:5]), out)
            check("ALL TESTS PASSED" in out, f"{program} prints ALL TESTS PASSED", out)
            check("skipped on" not in out, f"{program} skips nothing on x86", out)
        check("panic" not in q.log, "no panic", q.log)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by the suites: {before} -> {after}", q.log)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
