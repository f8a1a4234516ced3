#!/usr/bin/env python3
"""Issue 15 on RISC-V: the user-space suites under random frame-allocation failure, on both kernel
page-table designs. Each suite runs with `-allocfail P SEED` (user/tests/testlib.h): every subtest's
process has allocfail's ALLOCFAIL_RANDOM armed (P/65536 per allocation, a fixed seed per suite), so
fork, exec, sbrk, pipe, page faults (lazy, copy-on-write, mapped pages) and page-table growth fail
at random points inside the tests. The subtests' own checks may then fail ("failed under
injection"), but the kernel must not panic or hang, and the runner's accounting after every subtest
must hold: no physical page and no process lost. The injection must really bite: the test counts
the subtests it made fail. (exectests and failtests are left out: exectests reads its first
argument as its own mode, failtests arms allocfail itself; fuzztests arms it at random anyway.)
The x86 twin is test_x86_inject.py."""
# matrix: cpus=1,3 kpt=per-process,global timeout=900

from harness import Qemu, check, free_pages, parse_args

P = 2000  # about 3% of allocations fail
# Every suite of the default kernel that can run under injection, the demand-paging ones included.
SUITES = ["proctests", "fstests", "copytests", "vmtests", "faulttests", "grindtests", "pipetests",
          "lazytests", "cowtests", "mmaptests", "supertests", "usystests"]


def main(suites=SUITES, min_injected=30, suite_timeout=600):
    """Runs each of suites under injection in one boot (also test_x86_inject.py's body)."""
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        injected = {}
        for seed, program in enumerate(suites, start=1):
            out = q.run(f"{program} -allocfail {P} {seed}", timeout=suite_timeout)
            lost = [line for line in out.splitlines() if "FAILED" in line]
            check(not lost, f"{program} under injection loses nothing and never times out: "
                  + "; ".join(lost[:5]), out)
            check("ALL TESTS PASSED" in out, f"{program} under injection: the runner's verdict", out)
            injected[program] = out.count("under injection: exited")
        total = sum(injected.values())
        check(total > min_injected, f"the injection made subtests fail ({injected})", q.log)
        check("panic" not in q.log, "no panic", q.log)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by the suites: {before} -> {after}", q.log)
        q.halt()
        print(f"{total} subtests failed under injection, nothing lost: {injected}")
    print("PASS")


if __name__ == "__main__":
    main()
