#!/usr/bin/env python3
"""Processes and traps: fork/exit/wait, kill, sbrk, sleep, exec failures, faulting programs (killed
with status -1 and one line naming pid, cause and address, while the kernel goes on), bad pointers in
system calls, orphans, ^P, and no physical page lost across all of it. Drives user/tests/proctest."""
# matrix: cpus=1,3 kpt=per-process,global timeout=600 ncpu=per-process,global

import re
import time

from harness import Qemu, check, free_pages, parse_args

KILL_LINE = re.compile(
    r"^pid (\d+) \((\w+)\): killed: ([a-z ]+) at 0x([0-9a-f]{16}) \(sepc 0x([0-9a-f]{16})\)$", re.M)

# proctest fault: (cause, address) of each child, in order.
EXPECTED_FAULTS = [
    ("store page fault", 0x0),             # store to text
    ("store page fault", 0x10),            # store to text page
    ("load page fault", 0x3000000000),     # unmapped
    ("load page fault", 0x80000000),       # kernel memory
    ("store page fault", 0x80001000),      # kernel memory
    ("store page fault", 0x3fffffe000),    # the trapframe (no U)
    ("instruction page fault", 0x3ffffff000),  # the trampoline (no U)
    ("store page fault", None),            # stack guard page
    ("illegal instruction", None),
    ("instruction page fault", None),      # jump into data (not executable)
    ("store page fault", None),            # stack overflow into the guard page
]


def run_proctest(q, name, timeout=120):
    out = q.run(f"proctest {name}", timeout=timeout)
    check(f"proctest {name}: OK" in out and "FAILED" not in out, f"proctest {name} passes", out)
    return out


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot()
        before, _ = free_pages(q)

        out = run_proctest(q, "fault")
        kills = KILL_LINE.findall(out)
        check(len(kills) == len(EXPECTED_FAULTS), f"one kill line per faulting child ({len(kills)})", out)
        for (pid, name, cause, addr, sepc), (want_cause, want_addr) in zip(kills, EXPECTED_FAULTS):
            check(name == "proctest", "the kill line names the program", out)
            check(cause == want_cause, f"cause {cause!r} == {want_cause!r}", out)
            if want_addr is not None:
                check(int(addr, 16) == want_addr, f"fault address 0x{addr} == 0x{want_addr:x}", out)
            if cause in ("illegal instruction", "instruction page fault"):
                check(addr == sepc, "an instruction fault is reported at the pc", out)
        pids = [int(k[0]) for k in kills]
        check(len(set(pids)) == len(pids), "each kill line is a different process", out)
        stack = [int(k[3], 16) for k in kills][7]
        check(stack % 4096 >= 4096 - 8, "the stack guard fault is at the top of the guard page", out)

        out = run_proctest(q, "sbrk")
        check(len(KILL_LINE.findall(out)) == 1, "touching freed heap kills the child", out)
        run_proctest(q, "exec")
        out = run_proctest(q, "kill")
        run_proctest(q, "wait")
        run_proctest(q, "badptr")
        run_proctest(q, "orphan")
        run_proctest(q, "leak")
        run_proctest(q, "oom", timeout=300)
        run_proctest(q, "sleep")
        run_proctest(q, "rdtime")

        out = q.run("forktest", timeout=120)
        check("fork test OK" in out, "forktest fills the process table and waits for all", out)

        # A program that exits while its child is a zombie: init reaps the orphan.
        q.run("zombie", timeout=60)
        out = q.run("kill 99999")
        check("panic" not in out, "kill of a missing pid is harmless", out)

        # The console's line discipline: backspace (DEL and ^H), ^U kills the line, ^D ends input.
        q.send("echo abc\x7fd\x08e\n")
        q.expect(r"\nabe\n\$ ", timeout=20)
        q.send("echo wrong\x15echo right\n")
        q.expect(r"\nright\n\$ ", timeout=20)
        q.send("cat\n")
        time.sleep(0.5)
        q.send("typed line\n")
        q.expect(r"typed line\ntyped line\n", timeout=20)
        q.send("\x04")
        q.expect(r"\$ ", timeout=20)

        # ^P lists the processes: init and sh at least.
        q.send("\x10")
        q.expect(r"1 sleep +init", timeout=10)
        q.expect(r"sleep +sh", timeout=10)
        q.send("\n")
        q.expect(r"\$ ")

        after, out = free_pages(q)
        check(after == before, f"no page lost: {before} free pages before, {after} after", out)
        check("processes: 3" in out, "only init, sh and free are left", out)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
