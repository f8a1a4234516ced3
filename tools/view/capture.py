#!/usr/bin/env python3
"""Boots Pagoda, runs a small workload, and captures every process's page tables and layout as
JSON through the gdb extension (`pagoda dump-json`), for tools/view/build.py.

    python3 tools/view/capture.py --kernel build/riscv/kernel/kernel --fs build/riscv/fs.img \\
        --out build/view/capture.json

The workload is `pgtbltest kstacks`: it forks four children that each grow their heap by 1 to 4
pages with sbrk and then sleep, so the capture holds init, the shell, a parent and four forked
processes with heaps of different sizes. (When COW, mmap and superpages exist, add them here.)
The run is bounded by --timeout; the machine is stopped only while gdb reads it.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gdb"))

from harness import Qemu, TestFailure, parse_args  # noqa: E402
import gdbdrive  # noqa: E402

WORKLOAD = "pgtbltest kstacks"
READY = r"pgtbltest kstacks: ready\n"
DONE = r"pgtbltest kstacks: OK"


def capture(kernel, fs, out, cpus=1, timeout=300):
    """Boots, runs the workload, dumps to `out`; returns the console log."""
    port = gdbdrive.free_port()
    args = parse_args(["--kernel", kernel, "--fs", fs, "--cpus", str(cpus), "--timeout",
                       str(timeout), "--qemu-extra", "-gdb tcp:127.0.0.1:%d" % port])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with Qemu(args) as q:
        q.boot()
        q.send(WORKLOAD + "\n")
        q.expect(READY, timeout=60)
        res = gdbdrive.run_commands(kernel, port, ["pagoda dump-json %s --walk" % os.path.abspath(out)],
                                    timeout=240)
        text = next(iter(v for k, v in res.items() if k.startswith("pagoda")))
        if "wrote" not in text:
            raise TestFailure("pagoda dump-json failed:\n" + text + res["__stderr__"])
        q.expect(DONE, timeout=120)
        q.expect(r"\$ ", timeout=30)
        q.halt()
        return q.log


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--fs", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--timeout", type=float, default=300)
    a = p.parse_args()
    try:
        capture(a.kernel, a.fs, a.out, a.cpus, a.timeout)
    except (TestFailure, RuntimeError) as e:
        print("capture: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("capture: wrote %s" % a.out)


if __name__ == "__main__":
    main()
