#!/usr/bin/env python3
"""x86 (issue 11, milestone 5): the user-space suites whose programs need nothing RISC-V-specific
(pipetests, proctests, fstests) pass on the x86 kernel, with no physical page lost across them.
exectests (two subtests build RISC-V ELF images), copytests, vmtests, faulttests, grindtests and
proctest name Sv39 addresses or RISC-V instructions and are not built for x86 yet."""
# matrix: cpus=1,2 arch=x86 timeout=900

from harness import Qemu, check, free_pages, parse_args

SUITES = ["pipetests", "proctests", "fstests"]


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        for program in SUITES:
            out = q.run(program, timeout=400)
            failed = [line for line in out.splitlines() if "FAILED" in line]
            check(not failed, f"no {program} subtest fails: " + "; ".join(failed[:5]), out)
            check("ALL TESTS PASSED" in out, f"{program} prints ALL TESTS PASSED", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by the suites: {before} -> {after}", q.log)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
