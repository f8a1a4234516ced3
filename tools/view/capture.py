#!/usr/bin/env python3
"""Boots Pagoda, runs a small workload, and captures every process's page tables and layout as
JSON through the gdb extension (`pagoda dump-json`), for tools/view/build.py.

    python3 tools/view/capture.py --kernel build/riscv/kernel/kernel --fs build/riscv/fs.img \\
        --out build/view/capture.json

The workload is `vmview` (user/vmview.cc): a heap of 4 KiB pages, a lazily grown gap, a 2 MiB
superpage (when the kernel has them), a MAP_SHARED file mapping and a MAP_PRIVATE anonymous one,
then a forked child; neither touches any of it after fork, so the capture holds init, the shell
and two vmview processes sharing copy-on-write pages and the MAP_SHARED frames. What vmview says it
built is added to the capture as "workload" (addresses, whether the 2 MiB is a superpage, the
child's pid), so that a test can find it in the tables. vmview holds still until the capture sends
it a line.
The run is bounded by --timeout; the machine is stopped only while gdb reads it.
"""

import argparse
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gdb"))

from harness import Qemu, TestFailure, parse_args  # noqa: E402
import gdbdrive  # noqa: E402

WORKLOAD = "vmview"
READY = r"vmview: ready\n"
DONE = r"vmview: OK"


def workload_facts(log):
    """What vmview printed about its memory: {heap, heap_pages, lazy, lazy_pages, super,
    superpage (bool), shared, private, mapped_pages, child} (addresses as ints; shared and
    private None on a kernel without mmap)."""
    facts = {}
    if re.search(r"vmview: no mmap", log):
        facts.update(shared=None, private=None, mapped_pages=0)
    pats = {
        r"vmview: heap 0x([0-9a-f]+) (\d+) pages, lazy 0x([0-9a-f]+) (\d+) pages":
            ("heap", "heap_pages", "lazy", "lazy_pages"),
        r"vmview: super 0x([0-9a-f]+) (superpage|4k)": ("super", "superpage"),
        r"vmview: shared 0x([0-9a-f]+) private 0x([0-9a-f]+) (\d+) pages each":
            ("shared", "private", "mapped_pages"),
        r"vmview: child (\d+)": ("child",),
    }
    for pat, names in pats.items():
        m = re.search(pat, log)
        if m is None and names[0] in facts:
            continue  # said otherwise (no mmap)
        if m is None:
            raise TestFailure("vmview did not print %r" % pat)
        for name, text in zip(names, m.groups()):
            if name == "superpage":
                facts[name] = text == "superpage"
            elif name in ("heap_pages", "lazy_pages", "mapped_pages", "child"):
                facts[name] = int(text)
            else:
                facts[name] = int(text, 16)
    return facts


def capture(kernel, fs, out, cpus=1, timeout=300):
    """Boots, runs the workload, dumps to `out` (with the workload's facts); returns the console
    log."""
    port = gdbdrive.free_port()
    args = parse_args(["--kernel", kernel, "--fs", fs, "--cpus", str(cpus), "--timeout",
                       str(timeout), "--qemu-extra", "-gdb tcp:127.0.0.1:%d" % port])
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with Qemu(args) as q:
        q.boot()
        start = len(q.log)
        q.send(WORKLOAD + "\n")
        q.expect(READY, timeout=60)
        facts = workload_facts(q.log[start:])
        res = gdbdrive.run_commands(kernel, port, ["pagoda dump-json %s --walk" % os.path.abspath(out)],
                                    timeout=240)
        text = next(iter(v for k, v in res.items() if k.startswith("pagoda")))
        if "wrote" not in text:
            raise TestFailure("pagoda dump-json failed:\n" + text + res["__stderr__"])
        q.send("\n")  # vmview lets its child go
        q.expect(DONE, timeout=120)
        q.expect(r"\$ ", timeout=30)
        q.halt()
    with open(out) as f:
        data = json.load(f)
    data["workload"] = dict(facts, command=WORKLOAD)
    with open(out, "w") as f:
        json.dump(data, f, separators=(",", ":"))
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
