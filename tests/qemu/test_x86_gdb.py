#!/usr/bin/env python3
"""The gdb extension (tools/gdb/pagoda.py) on the x86 kernel (issue 14: "the same commands work on
the x86 kernel, two-level tables"): boots the i386 kernel with -gdb, attaches gdb-multiarch once
the shell runs, and checks each command against what the kernel and the files say:
  * `pagoda procs` names init (pid 1) and sh (pid 2);
  * `pagoda pt 1` decodes init's directory as i386, with init's user pages and the kernel map above
    KERNBASE (borrowed tables);
  * `pagoda vtop 0 1` walks two levels to a 4 KiB page whose bytes, read through the kernel's direct
    map at KERNBASE + pa, are init's ELF bytes at VA 0;
  * `pagoda layout 1` is init's region list (text, guard, stack), nothing from the kernel map;
  * `pagoda free` agrees with the boot line's total and free count, names the pages of frame
    refcounts (copy-on-write fork) the kernel took for the frames from its end to PHYSTOP, the
    trapframes (kernel addresses at KERNBASE + pa) and the other CPUs' scheduler stacks, and
    leaves no frame unexplained at the idle shell;
on 1 and 2 CPUs."""
# matrix: cpus=1,2 arch=x86 timeout=300

import os
import re
import sys

from elf_image import loaded_bytes, symbol
from harness import Qemu, check, parse_args

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "gdb"))
import gdbdrive  # noqa: E402

KERNBASE = 0x80000000


def main():
    args = parse_args()
    port = gdbdrive.free_port()
    args.qemu_extra = (args.qemu_extra + " -gdb tcp:127.0.0.1:%d" % port).strip()
    fsroot = os.path.join(os.path.dirname(os.path.abspath(args.fs)), "fsroot")
    with Qemu(args) as q:
        boot = q.expect(r"pagoda: (\d+) free pages \((\d+) total\)\n", timeout=120)
        boot_free, boot_total = int(boot.group(1)), int(boot.group(2))
        q.boot()
        cmds = ["pagoda procs", "pagoda pt 1", "pagoda vtop 0 1", "pagoda layout 1", "pagoda free"]
        out = gdbdrive.run_commands(args.kernel, port, cmds, timeout=180, arch="i386")
        text = "\n".join("== %s\n%s" % (c, out[c]) for c in cmds)

        procs = out["pagoda procs"]
        check(re.search(r"^\d+\s+1\s+\w+\s+init\b", procs, re.M), "procs lists init as pid 1", text)
        check(re.search(r"^\d+\s+2\s+\w+\s+sh\b", procs, re.M), "procs lists sh as pid 2", text)

        pt = out["pagoda pt 1"]
        check("i386" in pt and "error" not in pt, "pt 1 decodes init's directory as i386", text)
        check(re.search(r"0x00000000-0x00000fff pte 0x[0-9a-f]+ pa 0x[0-9a-f]+ V R X U", pt),
              "pt 1 shows init's first page, user and executable", text)
        check(re.search(r"\[512\] 0x80000000-0x803fffff .*BORROWED", pt),
              "pt 1 shows the kernel map at KERNBASE, borrowed from the kernel's directory", text)

        vtop = out["pagoda vtop 0 1"]
        m = re.search(r"pa = 0x([0-9a-f]+) \+ offset 0x0 = 0x([0-9a-f]+)\s+\(4 KiB page", vtop)
        check(m and "level 1:" in vtop and "level 0:" in vtop,
              "vtop 0 1 walks two levels to a 4 KiB page", text)
        pa = int(m.group(2), 16)
        probe = gdbdrive.run_commands(args.kernel, port, ["x/16xb 0x%x" % (KERNBASE + pa)],
                                      timeout=120, arch="i386")["x/16xb 0x%x" % (KERNBASE + pa)]
        got = bytes(int(b, 16) for b in re.findall(r"0x([0-9a-f]{2})\b", probe.split(":", 1)[1]))
        want = loaded_bytes(os.path.join(fsroot, "init"), 0, 16)
        check(got == want, "init's bytes at VA 0 through vtop's frame: %s, ELF %s" %
              (got.hex(), want.hex()), text + "\n" + probe)

        layout = out["pagoda layout 1"]
        kinds = re.findall(r"^\s+0x([0-9a-f]+)-0x[0-9a-f]+\s+\S+ \S+\s+\S+\s+(\w+)", layout, re.M)
        check([k for _, k in kinds] == ["text", "guard", "stack"],
              "layout 1 is init's text, guard and stack: %s" % kinds, text)
        check(all(int(a, 16) < KERNBASE for a, _ in kinds), "layout 1 stays below KERNBASE", text)

        free = out["pagoda free"]
        m = re.search(r"(\d+) total, (\d+) free, (\d+) in use", free)
        check(m and int(m.group(1)) == boot_total,
              "free's total equals the boot line's (%d)" % boot_total, text)
        check(int(m.group(2)) <= boot_free and int(m.group(1)) - int(m.group(2)) == int(m.group(3)),
              "free's counts are consistent with the boot line", text)
        check(re.search(r"kernel stacks\s+[1-9]", free), "free finds the kernel stacks", text)
        # The copy-on-write counts (kernel/kmem/kernel_memory.cc): one page per 1024 frames from
        # the kernel's end to PHYSTOP, taken at boot.
        phystop = re.search(r"PHYSTOP 0x([0-9a-f]+)", q.log)
        check(phystop is not None, "the boot line with PHYSTOP", q.log)
        first = (symbol(args.kernel, "end") - KERNBASE + 4095) // 4096 * 4096
        frames = (int(phystop.group(1), 16) - first) // 4096
        pages = -(-frames // 1024)
        held = re.search(r"^  frame refcounts +(\d+)$", free, re.M)
        check(held is not None and int(held.group(1)) == pages,
              "free names the %d pages of frame refcounts the kernel took for %d frames" % (pages, frames),
              text)
        check("for %d frames" % frames in free, "free says what the refcounts cover", text)
        # Each CPU but the boot one runs its scheduler on a page from the allocator (start_others).
        sched = re.search(r"^  scheduler stacks +(\d+)$", free, re.M)
        check((int(sched.group(1)) if sched else 0) == args.cpus - 1,
              "free finds the other CPUs' scheduler stacks (%d)" % (args.cpus - 1), text)
        other = re.search(r"^  other .* +(-?\d+)$", free, re.M)
        check(other is not None and int(other.group(1)) == 0,
              "every frame in use is accounted for at the idle shell (other: %s)"
              % (other and other.group(1)), text)
        check(re.search(r"^  pid 1 init: trapframe +1$", free, re.M),
              "free finds init's trapframe page", text)
        q.run("echo alive", timeout=30)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # a TestFailure or a gdb error: one line and the status
        print(str(e), file=sys.stderr)
        sys.exit(1)
