#!/usr/bin/env python3
"""Wall-clock comparison of kernels in one run (issue 13): the host seconds a boot to the shell
takes, and the seconds a user-space suite takes at that shell, without -icount (QEMU TCG as the
tests run it), on 1 and on 3 harts. Kernels are run interleaved (A, B, A, B, ...) so that a change
in the host's load hits every kernel alike; the median of --runs is reported.

    python3 bench/wallclock.py --kernel before=/work/base/build/riscv/kernel/kernel \\
        --kernel after=build/riscv/kernel/kernel --fs build/riscv/fs.img --suite proctests

Wall clock is noisy: compare figures of one run only, never across runs or machines.
"""

import argparse
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "qemu"))

from harness import Qemu, TestFailure, parse_args  # noqa: E402


def one_run(kernel, fs, cpus, suite, timeout):
    args = parse_args(["--kernel", kernel, "--fs", fs, "--cpus", str(cpus), "--timeout", str(timeout)])
    with Qemu(args) as q:
        t0 = time.monotonic()
        q.boot(timeout=timeout)
        boot = time.monotonic() - t0
        run = None
        if suite:
            t1 = time.monotonic()
            out = q.run(suite, timeout=timeout)
            run = time.monotonic() - t1
            if "ALL TESTS PASSED" not in out and "OK" not in out:
                raise TestFailure(f"{suite} did not pass on {kernel}:\n{out[-2000:]}")
        q.halt()
    return boot, run


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", action="append", required=True, help="LABEL=PATH (repeatable)")
    p.add_argument("--fs", required=True)
    p.add_argument("--suite", default="", help="a program to time at the shell, e.g. proctests")
    p.add_argument("--cpus", default="1,3")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=600)
    a = p.parse_args()
    kernels = [k.split("=", 1) for k in a.kernel]
    cpus_list = [int(c) for c in a.cpus.split(",")]
    results = {(label, c): ([], []) for label, _ in kernels for c in cpus_list}
    for _ in range(a.runs):
        for c in cpus_list:
            for label, path in kernels:
                boot, run = one_run(path, a.fs, c, a.suite, a.timeout)
                results[(label, c)][0].append(boot)
                if run is not None:
                    results[(label, c)][1].append(run)
    cols = ["kernel", "harts", "boot to shell (s, median)"] + ([f"`{a.suite}` (s, median)"] if a.suite else [])
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for c in cpus_list:
        for label, _ in kernels:
            boots, runs = results[(label, c)]
            row = [label, str(c), f"{statistics.median(boots):.2f}"]
            if a.suite:
                row.append(f"{statistics.median(runs):.2f}")
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
