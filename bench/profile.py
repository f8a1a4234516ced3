#!/usr/bin/env python3
"""Guest-instruction profile of one vmbench benchmark (issue 13): where the instructions of one
operation go, function by function, counted by QEMU itself.

    python3 bench/profile.py --kernel build/riscv/kernel/kernel --fs build/riscv/fs.img \\
        --user-elf build/riscv/user/bin/vmbench --bench getpid --window getpid

How: QEMU runs with deterministic time (-icount shift=0,sleep=off, 1 hart) and logs every
translated block (`-d in_asm`, which gives each block's instructions) from boot; once the shell is
up, its monitor switches on `exec,nochain` (one log line per block executed, chaining off so that
none is skipped) for the run of `vmbench -q BENCH` (--full: without -q) and off again. The window is what lies between
the first and the last execution of the user function --window (e.g. the getpid stub): the
benchmark's own loop, timer interrupts included, without exec, the shell or the warm-up. Each
executed block's instruction count goes to the function it starts in (the kernel's symbols as
QEMU names them, the user program's from --user-elf, the trampoline by its labels), and the totals
are divided by the number of operations: the window's executions of --window, less one.

Prints a Markdown table (function, instructions per operation, share) and, with --out, writes it
there. Needs qemu-system-riscv64, the riscv64 binutils' nm, and c++filt.
"""

import argparse
import bisect
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))

from harness import Qemu, TestFailure, parse_args  # noqa: E402

TRACE = re.compile(r"^Trace \d+: 0x[0-9a-f]+ \[[0-9a-f]+/([0-9a-f]+)/")
INSN = re.compile(r"^0x([0-9a-f]+):\s")
NM_TOOLS = ["riscv64-linux-gnu-nm", "riscv64-unknown-elf-nm", "nm"]


class Symbols:
    """Address -> function name from an ELF's symbol table (nm), demangled."""

    def __init__(self, elf, lo=0, hi=1 << 64):
        self.addrs, self.names = [], []
        if not elf:
            return
        for tool in NM_TOOLS:
            try:
                out = subprocess.run([tool, "-C", "--defined-only", "-n", elf], check=True,
                                     capture_output=True, text=True).stdout
                break
            except (OSError, subprocess.CalledProcessError):
                continue
        else:
            raise SystemExit("profile: no nm for " + elf)
        for line in out.splitlines():
            parts = line.split(" ", 2)
            if len(parts) < 3 or parts[1].lower() not in ("t", "w"):
                continue
            addr = int(parts[0], 16)
            if lo <= addr < hi:
                self.addrs.append(addr)
                self.names.append(parts[2])

    def name(self, pc):
        i = bisect.bisect_right(self.addrs, pc) - 1
        return self.names[i] if i >= 0 else None


def short(name):
    """A function's name without its parameter list (C++ overloads fold together)."""
    depth = 0
    for i, ch in enumerate(name):
        if ch == "<":
            depth += 1
        elif ch == ">":
            depth -= 1
        elif ch == "(" and depth == 0:
            return name[:i]
    return name


def monitor(path, command):
    """One command on QEMU's human monitor (a unix socket)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.connect(path)
        s.settimeout(10)
        time.sleep(0.2)
        try:
            s.recv(65536)  # the banner
        except socket.timeout:
            pass
        s.sendall((command + "\n").encode())
        time.sleep(0.5)


def run(args, log, sock):
    qargs = parse_args([
        "--kernel", args.kernel, "--fs", args.fs, "--cpus", "1", "--timeout", str(args.timeout),
        "--qemu-extra",
        f"-icount shift=0,sleep=off -d in_asm,nochain -D {log} -monitor unix:{sock},server,nowait"])
    with Qemu(qargs) as q:
        q.boot(timeout=args.timeout)
        monitor(sock, "log in_asm,exec,nochain")
        quick = "-q " if args.quick else ""
        out = q.run(f"vmbench {quick}{args.bench}", timeout=args.timeout)
        monitor(sock, "log in_asm,nochain")
        q.halt()
    m = re.search(r"BENCH name=%s ticks_per_op=([0-9.]+)" % re.escape(args.bench), out)
    if not m:
        raise TestFailure("vmbench printed no figure:\n" + out)
    return float(m.group(1))


def profile(log, kernel_syms, user_syms, trampoline, window):
    """Returns (instructions per function inside the window, operations)."""
    sizes = {}           # block pc -> instructions, from the latest translation
    cur_pc, cur_n = None, 0
    events = []          # (pc, instructions) of every executed block, in order
    with open(log, errors="replace") as f:
        for line in f:
            if line.startswith("Trace "):
                m = TRACE.match(line)
                if m:
                    pc = int(m.group(1), 16)
                    events.append((pc, sizes.get(pc, 0)))
                continue
            m = INSN.match(line)
            if m:
                pc = int(m.group(1), 16)
                if cur_n == 0:
                    cur_pc = pc
                cur_n += 1
                continue
            if cur_n:
                sizes[cur_pc] = cur_n
                cur_n = 0
    if cur_n:
        sizes[cur_pc] = cur_n

    def where(pc):
        if trampoline and trampoline[0] <= pc < trampoline[0] + 4096:
            return trampoline[1].name(pc - trampoline[0] + trampoline[2]) or "trampoline"
        if pc >= kernel_syms.lo:
            return short(kernel_syms.name(pc) or "kernel?")
        return "user: " + short(user_syms.name(pc) or "?")

    names = [where(pc) for pc, _ in events]
    marks = [i for i, n in enumerate(names) if n == "user: " + window]
    # Only a block that starts the function counts as a call (a loop inside it would not be one).
    entry = user_syms.addrs[user_syms.names.index(window)] if window in user_syms.names else None
    marks = [i for i in marks if events[i][0] == entry]
    if len(marks) < 2:
        raise SystemExit(f"profile: the window function {window!r} ran {len(marks)} times")
    per = collections.Counter()
    for i in range(marks[0], marks[-1]):
        per[names[i]] += events[i][1]
    missing = sum(1 for i in range(marks[0], marks[-1]) if events[i][1] == 0)
    if missing:
        print(f"profile: {missing} executed blocks had no translation in the log", file=sys.stderr)
    return per, len(marks) - 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernel", required=True)
    p.add_argument("--fs", required=True)
    p.add_argument("--user-elf", required=True, help="vmbench with symbols (build/riscv/user/bin)")
    p.add_argument("--bench", default="getpid")
    p.add_argument("--window", default="getpid",
                   help="user function whose first and last run bound the window; one op per run")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--full", dest="quick", action="store_false",
                   help="vmbench's full iteration counts (default: -q, an eighth of them)")
    p.add_argument("--timeout", type=float, default=600)
    p.add_argument("--out", help="also write the table here (Markdown)")
    a = p.parse_args()

    kernel_syms = Symbols(a.kernel, lo=0x80000000)
    kernel_syms.lo = 0x80000000
    user_syms = Symbols(a.user_elf, hi=0x80000000)
    # The trampoline runs at the top of the address space; name its blocks by the kernel's
    # labels (uservec, userret) at their offsets from `trampoline`.
    tramp = None
    if "trampoline" in kernel_syms.names:
        base = kernel_syms.addrs[kernel_syms.names.index("trampoline")]
        tramp = (0x3ffffff000, kernel_syms, base)
    with tempfile.TemporaryDirectory(prefix="pagoda-profile-") as tmp:
        log = os.path.join(tmp, "qemu.log")
        sock = os.path.join(tmp, "monitor.sock")
        try:
            ticks = run(a, log, sock)
        except TestFailure as e:
            raise SystemExit(f"profile: {e}")
        per, ops = profile(log, kernel_syms, user_syms, tramp, a.window)
    total = sum(per.values())
    lines = [f"Profile of `vmbench {a.bench}` (window: user `{a.window}`, {ops} operations; "
             f"vmbench measured {ticks:.2f} ticks/op, QEMU counted {total / ops:.1f} "
             "instructions/op):", "",
             "| function | instructions/op | share |", "|---|---:|---:|"]
    for name, n in per.most_common(a.top):
        lines.append(f"| `{name}` | {n / ops:.1f} | {100.0 * n / total:.1f}% |")
    rest = sum(n for _, n in per.most_common()[a.top:])
    if rest:
        lines.append(f"| (the rest: {len(per) - a.top} functions) | {rest / ops:.1f} | "
                     f"{100.0 * rest / total:.1f}% |")
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
