#!/usr/bin/env python3
"""The gdb extension (tools/gdb/pagoda.py) against what the kernel itself says: boots with -gdb,
attaches `gdb-multiarch -batch` once the shell runs, runs every `pagoda` command and checks
  * `pagoda pt 1 --vmprint` against the vmprint exec printed for pid 1 at boot (line for line; the
    hardware may have set A and D since), and `pagoda pt 1`'s leaves against init's ELF segments;
  * `pagoda vtop` of known addresses: VA 0 of init (the frame the boot vmprint names), the
    trampoline (the kernel's `trampoline` symbol), the trapframe, the guard page (kernel only), an
    unmapped VA and one above MAXVA (where and why the walk stops), and `main` of sh, whose bytes
    read through the translation are those of sh's ELF;
  * `pagoda layout` of init against exec's layout, `pagoda procs` against ^P, `pagoda free` against
    the boot count and its own free-list walk;
and that the machine runs on after gdb detaches."""
# matrix: cpus=1,3 kpt=per-process,global timeout=400

import os
import re
import sys

from elf_image import loaded_bytes, symbol
from harness import Qemu, check, parse_args
import test_pgtbl as pg

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "gdb"))
import gdbdrive  # noqa: E402

AD = 0xC0  # Sv39 A and D: set by the hardware as pages are used
# Copy-on-write fork (issue 12): once init has forked the shell, its writable user pages are
# read-only with the COW mark (RSW bit 9), or, once init stored to them, copies (another frame).
# So for the leaves writable in the boot vmprint, W, COW and the frame may differ.
PTE_W, PTE_COW = 0x4, 0x200


# The profiles whose kernel counts references per frame for copy-on-write fork
# (cmake/lab_profiles.cmake): one page of counts per 1024 frames, from the kernel's end to the top
# of RAM, taken at boot (kernel/kmem/kernel_memory.cc).
COW_LABS = ("default", "cow")


# RISC-V: the kernel direct-maps RAM at PA + this (kernel/arch/riscv/arch_impl.h kDirectMapOffset).
DIRECT_MAP = 0xffffffc000000000


def frame_refcount_pages(kernel_elf, boot):
    """The pages of frame counts the kernel allocated, from its image's end and the RAM line."""
    m = re.search(r"pagoda: RAM 0x[0-9a-f]+-0x([0-9a-f]+)", boot)
    check(m is not None, "the boot line with the RAM range", boot)
    end = symbol(kernel_elf, "end")
    end = end - DIRECT_MAP if end >= DIRECT_MAP else end  # the kernel's end as a physical address
    first = (end + 4095) // 4096 * 4096
    frames = (int(m.group(1), 16) - first) // 4096
    return -(-frames // 1024), frames


def parse_vmprint_lines(text):
    lines = text.split("\n")
    start = next(i for i, l in enumerate(lines) if pg.HEADER.match(l))
    out = [lines[start]]
    for l in lines[start + 1:]:
        if not pg.PTE_LINE.match(l):
            break
        out.append(l)
    return out


def mask_ad(line, cow=False):
    m = pg.PTE_LINE.match(line)
    if not m:
        return line
    pte = int(m.group(3), 16) & ~AD
    if cow:
        return "%s%s: flags 0x%03x pa (any)" % (m.group(1), m.group(2),
                                               pte & 0x3ff & ~(PTE_W | PTE_COW))
    return "%s%s: pte 0x%016x pa 0x%s" % (m.group(1), m.group(2), pte, m.group(4))


def is_user_writable_leaf(line):
    m = pg.PTE_LINE.match(line)
    if not m or len(m.group(1)) != 9:
        return False
    pte = int(m.group(3), 16)
    return bool(pte & PTE_W)  # user pages and the stack guard page (R|W, no U)


LAYOUT_LINE = re.compile(r"^  0x([0-9a-f]+)-0x([0-9a-f]+) +[\d.]+ \S+ +[-rwxu]{4} +(\S+) +(\d+) pages$",
                         re.M)
VTOP_PA = re.compile(r"pa = 0x[0-9a-f]+ \+ offset 0x[0-9a-f]+ = 0x([0-9a-f]+)  \((.*)\)")
LEVEL = re.compile(r"level (\d): index +(\d+) .* = 0x([0-9a-f]+)  (.*?) +-> (.*)$", re.M)


def vtop_pa(out, what):
    m = VTOP_PA.search(out)
    check(m is not None, what + ": vtop ends with a physical address", out)
    return int(m.group(1), 16), m.group(2)


def main():
    args = parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    build = os.path.dirname(os.path.abspath(args.fs))
    init_elf = os.path.join(build, "fsroot", "init")
    sh_elf = os.path.join(build, "user", "bin", "sh")
    # The kernel runs in the upper half (PA + DIRECT_MAP): `trampoline` is a kernel address; its
    # frame is that minus the direct map's offset.
    trampoline_va = symbol(args.kernel, "trampoline")
    trampoline = trampoline_va - DIRECT_MAP if trampoline_va >= DIRECT_MAP else trampoline_va
    sh_main = symbol(sh_elf, "main")
    leaves = pg.expected_leaves(init_elf, args.lab in pg.USYSCALL_LABS)  # the 2024 usyscall page
    guard = max(va for va, perm in leaves.items() if va < pg.TRAPFRAME and not perm & pg.U)
    per_process = args.kpt != "global"

    port = gdbdrive.free_port()
    args.qemu_extra = (args.qemu_extra + " -gdb tcp:127.0.0.1:%d" % port).strip()
    cmds = {
        "procs": "pagoda procs",
        "vmprint": "pagoda pt 1 --vmprint",
        "pt1": "pagoda pt 1",
        "va0": "pagoda vtop 0 1",
        "tramp": "pagoda vtop 0x%x 1" % pg.TRAMPOLINE,
        "tf": "pagoda vtop 0x%x 1" % pg.TRAPFRAME,
        "guard": "pagoda vtop 0x%x 1" % guard,
        "unmapped": "pagoda vtop 0x10000000 1",
        "maxva": "pagoda vtop 0x%x 1" % pg.MAXVA,
        "shmain": "pagoda vtop 0x%x 2 --bytes=16" % sh_main,
        "layout1": "pagoda layout 1",
        "layout2": "pagoda layout 2",
        "free": "pagoda free --walk",
        "kernel": "pagoda pt kernel",
        "ktramp": "pagoda vtop 0x%x kernel" % pg.TRAMPOLINE,
        "kident": "pagoda vtop 0x%x kernel" % trampoline_va,
        "kpt1": "pagoda pt 1 --kernel",
        "default": "pagoda pt",
        "help": "help pagoda",
    }
    with Qemu(args) as q:
        q.boot()
        boot = q.log[:q.log.index("init: starting sh")]
        m = re.search(r"pagoda: (\d+) free pages \((\d+) total\)", boot)
        check(m is not None, "the boot line with the page counts", boot)
        boot_total = int(m.group(2))
        try:
            raw = gdbdrive.run_commands(args.kernel, port, list(cmds.values()), timeout=240)
        except RuntimeError as e:
            check(False, "gdb runs every command: %s" % e)
        out = {k: raw[c] for k, c in cmds.items()}
        for k, text in out.items():
            expected_error = k == "kpt1" and not per_process
            check(expected_error or ("error:" not in text and "Traceback" not in text),
                  "`%s` runs without error" % cmds[k], text)

        # pt 1 --vmprint is the boot vmprint, but for A and D.
        boot_lines = parse_vmprint_lines(boot)
        cow_masked = [i for i, l in enumerate(boot_lines) if is_user_writable_leaf(l)]
        want = [mask_ad(l, i in cow_masked) for i, l in enumerate(boot_lines)]
        got = [mask_ad(l, i in cow_masked) for i, l in enumerate(parse_vmprint_lines(out["vmprint"]))]
        check(got == want, "pagoda pt 1 --vmprint matches the boot vmprint (A/D masked)\n got  %s\n"
              " want %s" % (got, want), out["vmprint"])
        # pt 1: one leaf line per expected leaf, with its permissions and the boot vmprint's frame.
        boot_pas = [int(pg.PTE_LINE.match(l).group(4), 16) if i not in cow_masked else None
                    for i, l in enumerate(boot_lines) if i > 0
                    and len(pg.PTE_LINE.match(l).group(1)) == 9]
        tree_leaves = re.findall(r"^ +\[\d+\] 0x([0-9a-f]+)-0x[0-9a-f]+ pte 0x[0-9a-f]+ pa 0x([0-9a-f]+) "
                                 r"(.*)$", out["pt1"], re.M)
        check([int(v, 16) for v, _, _ in tree_leaves] == sorted(leaves),
              "pagoda pt 1 shows exactly init's leaves", out["pt1"])
        check([int(p, 16) if b is not None else None for (_, p, _), b in zip(tree_leaves, boot_pas)]
              == boot_pas, "pagoda pt 1's frames are the boot vmprint's (but COW's)", out["pt1"])
        for va, _pa, flags in tree_leaves:
            perm = leaves[int(va, 16)] | pg.V
            f = set(flags.split())
            got_perm = sum(b for n, b in (("V", 1), ("R", 2), ("W", 4), ("X", 8), ("U", 16)) if n in f)
            check(got_perm == perm or (perm & PTE_W and got_perm == perm & ~PTE_W),
                  "leaf 0x%s decodes as V R W X U bits 0x%x (W may be COW's)" % (va, perm), out["pt1"])

        # vtop of known addresses.
        pa, _ = vtop_pa(out["va0"], "VA 0")
        check(pa == boot_pas[0], "VA 0 of init is the first frame of the boot vmprint", out["va0"])
        check(len(LEVEL.findall(out["va0"])) == 3, "a user page takes three levels", out["va0"])
        pa, note = vtop_pa(out["tramp"], "TRAMPOLINE")
        check(pa == trampoline and "kernel only" in note,
              "the trampoline page is the kernel's `trampoline` (0x%x), kernel only" % trampoline,
              out["tramp"])
        pa, note = vtop_pa(out["tf"], "TRAPFRAME")
        check(0x80000000 <= pa < 0x88000000 and pa % 4096 == 0 and "kernel only" in note,
              "the trapframe is a page of RAM, kernel only", out["tf"])
        _, note = vtop_pa(out["guard"], "guard")
        check("kernel only" in note, "init's stack guard page has no U", out["guard"])
        check(re.search(r"stops: the level-\d PTE is not valid", out["unmapped"]) is not None,
              "an unmapped VA stops at an invalid PTE", out["unmapped"])
        check("stops: VA 0x%x is at or above MAXVA" % pg.MAXVA in out["maxva"],
              "a VA at MAXVA is refused", out["maxva"])
        pa, _ = vtop_pa(out["shmain"], "sh main")
        dumped = bytes(int(b, 16) for line in re.findall(r"^  0x[0-9a-f]+: ((?:[0-9a-f]{2} ?)+)$",
                                                         out["shmain"], re.M) for b in line.split())
        check(dumped == loaded_bytes(sh_elf, sh_main, 16),
              "the bytes at sh's main, read through vtop, are sh's code", out["shmain"])
        pa, _ = vtop_pa(out["ktramp"], "kernel TRAMPOLINE")
        check(pa == trampoline, "the kernel table maps the trampoline too", out["ktramp"])
        pa, _ = vtop_pa(out["kident"], "kernel direct map")
        check(pa == trampoline, "the kernel table maps its text at PA + the direct map's offset",
              out["kident"])
        check("kernel page table" in out["kernel"] and "0x%016x" % trampoline in out["kernel"],
              "pagoda pt kernel shows the trampoline's frame", out["kernel"])
        if per_process:
            check("BORROWED" in out["kpt1"] and "kernel page table of pid 1" in out["kpt1"],
                  "pid 1's own kernel table borrows the kernel's subtrees", out["kpt1"])
        else:
            check("no kernel page table of its own" in out["kpt1"],
                  "the global design has no per-process kernel table", out["kpt1"])
        check(re.search(r"pid \d|satp", out["default"]) is not None,
              "pagoda pt without a pid shows the current table", out["default"])
        check(all(w in out["help"] for w in ("procs", "pt", "vtop", "layout", "free", "dump-json")),
              "help pagoda lists every command", out["help"])

        # layout 1: exec's layout of init.
        kinds = LAYOUT_LINE.findall(out["layout1"])
        by_kind = {k: int(s, 16) for s, _e, k, _n in kinds}
        check(by_kind.get("guard") == guard and by_kind.get("stack") == guard + 4096
              and by_kind.get("trapframe") == pg.TRAPFRAME and by_kind.get("trampoline") == pg.TRAMPOLINE
              and kinds[0][2] == "text" and int(kinds[0][0], 16) == 0,
              "layout of init: text from 0, guard, stack, trapframe, trampoline", out["layout1"])
        size = int(re.search(r"size (\d+)", out["layout2"]).group(1))
        ends = [int(e, 16) + 1 for s, e, k, n in LAYOUT_LINE.findall(out["layout2"])
            if k not in ("trapframe", "trampoline", "usyscall")]
        check(ends and ends[-1] == (size + 4095) // 4096 * 4096,
              "layout of sh covers its size", out["layout2"])

        # procs: the same processes as the size and the kernel's own ^P.
        procs = re.findall(r"^\d+ +(\d+) +(\S+) +(\S+) +(\d+) +0x([0-9a-f]{16}) +(\S+)", out["procs"], re.M)
        check(("1", "init") in [(p[0], p[2]) for p in procs] and ("2", "sh") in [(p[0], p[2]) for p in procs],
              "pagoda procs lists init and sh", out["procs"])
        check(all((p[5] != "-") == per_process for p in procs),
              "a kernel table per process exactly in the per-process design", out["procs"])

        # free: the boot total, a free list as long as the count, everything else accounted for.
        m = re.search(r"(\d+) total, (\d+) free", out["free"])
        check(m and int(m.group(1)) == boot_total, "pagoda free's total is the boot total %d" % boot_total,
              out["free"])
        check("(matches)" in out["free"], "the free list is as long as the free count", out["free"])
        other = int(re.search(r"other .* +(-?\d+)$", out["free"], re.M).group(1))
        check(0 <= other <= 4, "every frame in use is accounted for (other: %d)" % other, out["free"])
        held = re.search(r"^  frame refcounts +(\d+)$", out["free"], re.M)
        if args.lab in COW_LABS:
            pages, frames = frame_refcount_pages(args.kernel, boot)
            check(held is not None and int(held.group(1)) == pages,
                  "free names the %d pages of frame refcounts the kernel took for %d frames"
                  % (pages, frames), out["free"])
            check("frame refcounts: %d pages, one per 1024 frames, for %d frames" % (pages, frames)
                  in out["free"], "free says what the refcounts cover", out["free"])
        else:
            check(held is None, "no frame refcounts without copy-on-write fork", out["free"])
        check(re.search(r"kernel stacks +64\b", out["free"]),
              "64 kernel stacks (NPROC)", out["free"])

        # The machine runs on after gdb detached; ^P names the same processes.
        out2 = q.run("echo alive")
        check("alive" in out2, "the shell works after gdb detaches", out2)
        mark = len(q.log)
        q.send("\x10")
        q.expect(r"\n\d+ \S+ +sh\n", timeout=30)
        dump = q.log[mark:]
        for pid, _state, name, *_ in procs:
            check(re.search(r"^%s \S+ +%s$" % (pid, re.escape(name)), dump, re.M) is not None,
                  "^P lists pid %s (%s) as pagoda procs does" % (pid, name), dump)
        q.send("\n")
        q.expect(r"\$ ", timeout=30)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
