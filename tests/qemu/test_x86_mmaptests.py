#!/usr/bin/env python3
"""x86 (issue 12): mmaptests, the mmap/munmap suite, on the x86 kernel (page faults through trap
14 and %cr2), with no physical page lost across it."""
# matrix: cpus=1,2 arch=x86 timeout=600

from harness import Qemu, check, free_pages, parse_args


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        out = q.run("mmaptests", timeout=400)
        failed = [line for line in out.splitlines() if "FAILED" in line]
        check(not failed, "no mmaptests subtest fails: " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, "mmaptests prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by mmaptests: {before} -> {after}", q.log)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
