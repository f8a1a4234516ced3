#!/usr/bin/env python3
"""The page-table labs: vmprint of pid 1 at boot (the 2020 lab's format, entry indices) and of the
vmprint program (kpgtbl, the 2024 lab's format: each entry's virtual address), each with the exact
structure derived from the programs' ELF headers (addresses may differ) and the usyscall page
where the kernel has one, the copyin/copyinstr counters,
copyin/copyinstr edge cases, sbrk past the PLIC, no page lost over thousands of fork/exec/exit
cycles, and (per-process design) that each process's kernel page table maps its own kernel stack
and no other's, with an exact user mirror, as ^P reports. Drives user/tests/pgtbltest."""
# matrix: cpus=1,3 kpt=per-process,global timeout=900 ncpu=per-process

import os
import re
import struct

from harness import Qemu, check, free_pages, parse_args

PAGE = 4096
MAXVA = 1 << 38
TRAMPOLINE = MAXVA - PAGE
TRAPFRAME = TRAMPOLINE - PAGE
USYSCALL = TRAPFRAME - PAGE  # 2024 lab: R|U, in the profiles with features::kUsyscall
USYSCALL_LABS = ("default", "pgtbl2024")  # cmake/lab_profiles.cmake
V, R, W, X, U = 1, 2, 4, 8, 16

HEADER = re.compile(r"^page table 0x([0-9a-f]{16})$")
PTE_LINE = re.compile(r"^((?: \.\.)+)(\d+): pte 0x([0-9a-f]{16}) pa 0x([0-9a-f]{16})$")
# The 2024 lab's kpgtbl: " .. .. ..0x0000000000001000: pte 0x... pa 0x..."
PTE_LINE_VA = re.compile(r"^((?: \.\.)+)0x([0-9a-f]{16}): pte 0x([0-9a-f]{16}) pa 0x([0-9a-f]{16})$")
KPT_LINE = re.compile(
    r"^(\d+) (\S+) +(\S+)\n  kpt 0x([0-9a-f]{16}): kstacks \[([0-9 ]*)\] slot (\d+), "
    r"mirror (\d+) pages (ok|BAD), fallbacks (\d+)$", re.M)


def round_up(a):
    return (a + PAGE - 1) // PAGE * PAGE


def load_segments(path):
    """(vaddr, memsz, flags) of each PT_LOAD of a 64-bit little-endian ELF."""
    with open(path, "rb") as f:
        data = f.read()
    check(data[:4] == b"\x7fELF" and data[4] == 2, f"{path} is a 64-bit ELF")
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    segs = []
    for i in range(phnum):
        p_type, p_flags, _off, vaddr, _paddr, _filesz, memsz, _align = struct.unpack_from(
            "<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            segs.append((vaddr, memsz, p_flags))
    return sorted(segs)


def expected_leaves(elf_path, usyscall=False):
    """VA -> permission bits of every leaf exec builds for the program (xv6 exec's layout):
    segments grown one after another, then a guard page without U and one stack page, then (2024
    lab) the usyscall page, the trapframe and the trampoline."""
    size = 0
    leaves = {}
    for vaddr, memsz, flags in load_segments(elf_path):
        end = vaddr + memsz
        if end <= size:
            continue
        perm = R | U | (W if flags & 2 else 0) | (X if flags & 1 else 0)
        for a in range(round_up(size), round_up(end), PAGE):
            leaves[a] = perm
        size = end
    guard = round_up(size)
    leaves[guard] = R | W
    leaves[guard + PAGE] = R | W | U
    if usyscall:
        leaves[USYSCALL] = R | U
    leaves[TRAPFRAME] = R | W
    leaves[TRAMPOLINE] = R | X
    return leaves


def expected_shape(leaves):
    """The (depth, index, kind) lines vmprint prints for these leaves, depth first; kind is
    'table' or the leaf's V|R|W|X|U bits."""
    tree = {}
    for va, perm in leaves.items():
        i2, i1, i0 = (va >> 30) & 511, (va >> 21) & 511, (va >> 12) & 511
        tree.setdefault(i2, {}).setdefault(i1, {})[i0] = perm
    shape = []
    for i2 in sorted(tree):
        shape.append((1, i2, "table"))
        for i1 in sorted(tree[i2]):
            shape.append((2, i1, "table"))
            for i0 in sorted(tree[i2][i1]):
                shape.append((3, i0, V | tree[i2][i1][i0]))
    return shape


def parse_vmprint(text, what, style="index"):
    """The (depth, index, kind) of each line of the first vmprint in text, in `style`: "index"
    (the 2020 lab: each entry's index) or "va" (the 2024 lab's kpgtbl: the VA it maps, which must
    be its parent's VA plus index << shift). Checks every line's form and that pa is the PTE's
    PPN."""
    lines = text.split("\n")
    start = next((i for i, l in enumerate(lines) if HEADER.match(l)), None)
    check(start is not None, f"{what}: a 'page table 0x<16 hex>' line", text)
    shape = []
    parents = {0: 0}  # depth -> VA of the entry last seen there (the root covers from 0)
    for line in lines[start + 1:]:
        m = (PTE_LINE_VA if style == "va" else PTE_LINE).match(line)
        if not m:
            other = (PTE_LINE if style == "va" else PTE_LINE_VA).match(line)
            check(other is None, f"{what}: every line in the {style} style: {line!r}", text)
            break
        depth = len(m.group(1)) // 3
        pte, pa = int(m.group(3), 16), int(m.group(4), 16)
        if style == "va":
            va = int(m.group(2), 16)
            shift = 12 + 9 * (3 - depth)
            check(depth - 1 in parents and va & ((1 << shift) - 1) == 0 and
                  va >> (shift + 9) == parents[depth - 1] >> (shift + 9) and va < MAXVA,
                  f"{what}: the VA fits the entry's level and parent in {line!r}", text)
            parents[depth] = va
            index = (va >> shift) & 511
        else:
            index = int(m.group(2))
        check(pa == (pte >> 10) << 12, f"{what}: pa is the PTE's PPN in {line!r}", text)
        check(index < 512, f"{what}: index below 512 in {line!r}", text)
        if depth < 3:
            check(pte & 0x3ff == V, f"{what}: table entry has only V set: {line!r}", text)
            shape.append((depth, index, "table"))
        else:
            shape.append((depth, index, pte & 0x1f))
    return shape


def check_vmprint(text, elf_path, what, usyscall=False, style="index"):
    got = parse_vmprint(text, what, style)
    want = expected_shape(expected_leaves(elf_path, usyscall))
    check(got == want, f"{what}: vmprint structure\n got  {got}\n want {want}", text)


def copystats(q):
    out = q.run("stats")
    m = re.search(r"copyin: (\d+)\ncopyinstr: (\d+)", out)
    check(m is not None, "stats prints both counters", out)
    return int(m.group(1)), int(m.group(2))


def run_pgtbltest(q, name, timeout=120):
    out = q.run(f"pgtbltest {name}", timeout=timeout)
    check(f"pgtbltest {name.split()[0]}: OK" in out and "FAILED" not in out,
          f"pgtbltest {name} passes", out)
    return out


def check_kernel_tables(q, per_process):
    """^P while four children sleep: in the per-process design, each process's kernel table maps
    exactly its own kernel stack (slots differ between processes) and mirrors its user memory."""
    q.send("pgtbltest kstacks\n")
    q.expect(r"pgtbltest kstacks: ready\n", timeout=60)
    mark = len(q.log)
    q.send("\x10")
    # The interrupt prints the whole list long before the children wake up (sleep(40)).
    m = q.expect(r"pgtbltest kstacks: OK", timeout=60)
    dump = q.log[mark:m.start()]
    q.expect(r"\$ ", timeout=30)
    entries = KPT_LINE.findall(dump)
    if not per_process:
        check("kpt" not in dump, "the global design has no per-process kernel tables", dump)
        return
    names = [e[2] for e in entries]
    check(names.count("pgtbltest") == 5 and "init" in names and "sh" in names,
          "^P shows a kernel table for init, sh, pgtbltest and its 4 children", dump)
    slots = set()
    for pid, _state, name, _root, stacks, slot, pages, ok, fallbacks in entries:
        check(stacks.split() == [slot], f"pid {pid} ({name}) maps only its own kernel stack", dump)
        slots.add(slot)
        check(ok == "ok", f"pid {pid} ({name}): the user mirror matches its page table", dump)
        check(int(pages) > 0, f"pid {pid} ({name}) has user pages mirrored", dump)
        check(fallbacks == "0", "every copyin went through the per-process table", dump)
    check(len(slots) == len(entries), "no two processes share a kernel stack slot", dump)
    roots = {e[3] for e in entries}
    check(len(roots) == len(entries), "each process has its own kernel table", dump)


def main():
    args = parse_args()
    fsroot = os.path.join(os.path.dirname(os.path.abspath(args.fs)), "fsroot")
    per_process = args.kpt != "global"
    usyscall = args.lab in USYSCALL_LABS
    with Qemu(args) as q:
        q.boot()
        # exec printed pid 1's page table (/init) before init started the shell: 2020 format.
        boot = q.log[:q.log.index("init: starting sh")]
        check_vmprint(boot, os.path.join(fsroot, "init"), "pid 1 at boot", usyscall)
        check(len(re.findall(r"^page table 0x", boot, re.M)) == 1, "exec prints only pid 1's table", boot)

        # kpgtbl: the 2024 format.
        out = q.run("vmprint")
        check_vmprint(out, os.path.join(fsroot, "vmprint"), "vmprint program", usyscall, "va")
        out = q.run("echo hi")
        check("page table" not in out, "exec of other processes prints no table", out)

        before, _ = free_pages(q)
        c0 = copystats(q)
        run_pgtbltest(q, "copyin")
        c1 = copystats(q)
        check(c1[0] > c0[0] + 20 and c1[1] > c0[1] + 10, f"the counters grow: {c0} -> {c1}")
        run_pgtbltest(q, "sbrk")
        out = run_pgtbltest(q, "leak 2000", timeout=600)
        check_kernel_tables(q, per_process)

        after, out = free_pages(q)
        check(after == before, f"no page lost: {before} free pages before, {after} after", out)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
