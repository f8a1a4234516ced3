#!/usr/bin/env python3
"""Issue 15 on x86: the user-space suites under random frame-allocation failure. Each suite runs
with `-allocfail P SEED` (user/tests/testlib.h): every subtest's process has allocfail's
ALLOCFAIL_RANDOM armed (P/65536 per allocation, a fixed seed per suite), so fork, exec, sbrk, pipe
and page-table growth fail at random points inside the tests. The subtests' own checks may then
fail ("failed under injection"), but the kernel must not panic or hang, and the runner's accounting
after every subtest must hold: no physical page and no process lost. (exectests and failtests are
left out: exectests reads its first argument as its own mode, failtests arms allocfail itself, and
pipetests' ping_pong does not check fork's result, so a failed fork leaves it reading a pipe whose
writer is itself until the watchdog fires.)"""
# matrix: cpus=1,2 arch=x86 timeout=1200

from harness import Qemu, check, free_pages, parse_args

P = 2000  # about 3% of allocations fail
SUITES = ["proctests", "fstests", "copytests", "vmtests", "faulttests", "grindtests"]


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        injected = 0
        for seed, program in enumerate(SUITES, start=1):
            out = q.run(f"{program} -allocfail {P} {seed}", timeout=900)
            lost = [line for line in out.splitlines() if "FAILED" in line]
            check(not lost, f"{program} under injection loses nothing and never times out: "
                  + "; ".join(lost[:5]), out)
            check("ALL TESTS PASSED" in out, f"{program} under injection: the runner's verdict", out)
            injected += out.count("under injection: exited")
        check(injected > 20, f"the injection made subtests fail ({injected} did)", q.log)
        check("panic" not in q.log, "no panic", q.log)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by the suites: {before} -> {after}", q.log)
        q.halt()
        print(f"{injected} subtests failed under injection, nothing lost")
    print("PASS")


if __name__ == "__main__":
    main()
