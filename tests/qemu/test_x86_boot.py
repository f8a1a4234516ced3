#!/usr/bin/env python3
"""x86 (issue 11): the kernel boots under the exact QEMU line of the README, turns paging on with
the boot directory and then the kernel map, frees memory in two phases, runs the scheduler on every
CPU, reaches the shell from fs.img on the IDE disk, runs everyday commands, prints the first
process's page directory (vmprint), kills faulting programs with one line naming the trap, keeps
xv6-x86's exit(void)/wait(void) for numbers 2 and 3 (user/x86/xv6abi.c), and powers off through
`halt`."""
# matrix: cpus=1,2 arch=x86 timeout=900

import re

from harness import Qemu, check, free_pages, parse_args

KILL_LINE = re.compile(
    r"^pid (\d+) \((\w+)\): killed: ([a-z -]+) at 0x([0-9a-f]{16}) \(eip 0x([0-9a-f]{16})\)$", re.M)

# x86fault KIND -> (trap name, fault address or None)
FAULTS = [
    ("text", "page fault", 0x0),
    ("kernel", "page fault", 0x80000000),
    ("io", "general protection fault", 0),
    ("ud", "invalid opcode", 0),
    ("guard", "page fault", None),
]


def main():
    args = parse_args()
    with Qemu(args) as q:
        m = q.expect(r"pagoda: kinit1: (\d+) pages below 4 MiB\n", timeout=120)
        kinit1 = int(m.group(1))
        check(500 < kinit1 < 1024, f"kinit1 frees the pages the boot directory maps ({kinit1})", q.log)
        m = q.expect(r"pagoda: paging on, kernel page directory 0x([0-9a-f]{8}), "
                     r"PHYSTOP 0x([0-9a-f]{8})\n", timeout=60)
        root, phystop = int(m.group(1), 16), int(m.group(2), 16)
        check(root % 4096 == 0 and root < 4 << 20, "the kernel directory comes from kinit1", q.log)
        check(500 << 20 <= phystop <= 512 << 20, f"PHYSTOP from multiboot (0x{phystop:x})", q.log)
        m = q.expect(r"pagoda: booting on (\d+) CPUs\n", timeout=300)
        check(int(m.group(1)) == args.cpus, f"the kernel finds {args.cpus} CPUs", q.log)
        m = q.expect(r"pagoda: (\d+) free pages \((\d+) total\)\n", timeout=60)
        free, total = int(m.group(1)), int(m.group(2))
        check(total > (phystop >> 12) - 400, "kinit2 adds every page up to PHYSTOP", q.log)
        check(total - free < 400, f"boot used {total - free} pages", q.log)
        # vmprint of init's directory: the user pages under entry 0, the per-process top entry,
        # and none of the kernel map it borrows. The table ends where a line not starting with a
        # space follows (init's), not where the console output so far ends.
        m = q.expect(r"page table 0x[0-9a-f]{16}\n((?: \.\..*\n)+)(?=[^ ])", timeout=120)
        lines = m.group(1).splitlines()
        top = [l for l in lines if re.match(r"^ \.\.\d+:", l)]
        check([l.split(":")[0] for l in top] == [" ..0", " ..1023"],
              "init's directory: entry 0 (user) and 1023 (its own top), kernel map left out", q.log)
        q.boot()
        out = q.run("echo hello x86")
        check(out.strip() == "hello x86", "echo", out)
        out = q.run("ls")
        for name in ("README", "sh", "init", "x86fault", "console"):
            check(re.search(rf"^{name} +\d+ \d+ \d+$", out, re.M), f"ls lists {name}", out)
        q.run("mkdir d")
        q.run("echo abc > d/f")
        out = q.run("cat d/f")
        check(out.strip() == "abc", "a file written and read back in a new directory", out)
        q.run("rm d/f")
        out = q.run("ls d")
        check("f " not in out, "rm removes it", out)
        out = q.run("cat README | wc")
        check(re.search(r"\d+ \d+ \d+", out), "a pipeline", out)
        before, _ = free_pages(q)
        for kind, trap, addr in FAULTS:
            out = q.run(f"x86fault {kind}")
            kills = KILL_LINE.findall(out)
            check(len(kills) == 1, f"x86fault {kind}: one kill line", out)
            _, name, cause, at, eip = kills[0]
            check(name == "x86fault", "the line names the program", out)
            check(cause == trap, f"x86fault {kind}: {cause!r} == {trap!r}", out)
            if addr is not None:
                check(int(at, 16) == addr, f"x86fault {kind}: address 0x{at}", out)
            check("survived" not in out, f"x86fault {kind} is killed", out)
        out = q.run("xv6abi")
        check("xv6abi: OK" in out, "system calls 2 and 3 are xv6-x86's exit(void)/wait(void)", out)
        out = q.run("forktest")
        check("fork test OK" in out, "forktest", out)
        after, _ = free_pages(q)
        check(after == before, f"no page lost to faults and forks ({before} -> {after})", out)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
