#!/usr/bin/env python3
"""The gdb extension's PTE formats and walker on the host, without gdb or QEMU: Sv39 and i386
entries decode to the right flags, frames, marks and spans; the RSW/AVL bits it names agree with
the kernel's headers (kernel/arch/riscv/sv39.h, kernel/arch/x86/i386.h); translate() walks fake
trees (4 KiB pages, superpages, invalid entries, MAXVA) step by step; print_vmprint() prints the
kernel's vmprint format."""

import os
import re
import sys
import types
import unittest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def import_pagoda():
    """pagoda.py with a stub `gdb` module: enough for its classes and pure functions."""
    gdb = types.ModuleType("gdb")

    class Command:
        def __init__(self, *a, **k):
            pass

    gdb.Command = Command
    gdb.COMMAND_DATA = 0
    gdb.error = RuntimeError
    gdb.GdbError = RuntimeError
    sys.modules["gdb"] = gdb
    sys.path.insert(0, os.path.join(ROOT, "tools", "gdb"))
    import pagoda
    return pagoda


pagoda = import_pagoda()


class FakeMem:
    """Tables as lists of raw entries keyed by physical address (as PhysMem.table returns)."""

    def __init__(self, fmt):
        self.fmt = fmt
        self.tables = {}

    def table(self, fmt, pa):
        return self.tables.setdefault(pa, [0] * fmt.entries)

    def set(self, pa, index, raw):
        self.table(self.fmt, pa)[index] = raw


def sv39_leaf(pa, bits):
    return (pa >> 12) << 10 | bits


def sv39_table(pa):
    return (pa >> 12) << 10 | 1


def header_constant(path, name):
    with open(os.path.join(ROOT, path)) as f:
        text = f.read()
    m = re.search(r"k%s = 1 << (\d+);" % name, text)
    assert m, "%s not found in %s" % (name, path)
    return 1 << int(m.group(1))


class Sv39Test(unittest.TestCase):
    fmt = pagoda.Sv39Format()

    def test_leaf_flags_and_frame(self):
        p = self.fmt.decode(0x0000000021FD645B, 0, 3)
        self.assertTrue(p.valid and p.leaf)
        self.assertEqual(p.pa, 0x87F59000)
        self.assertEqual(p.flags, ["V", "R", "X", "U", "A"])
        self.assertEqual(p.perm_string(), "r-xu")
        self.assertFalse(p.cow or p.borrowed or p.superpage)
        self.assertEqual(p.span, 4096)

    def test_table_entry(self):
        p = self.fmt.decode(0x0000000021FD6801, 2)
        self.assertTrue(p.valid and not p.leaf)
        self.assertEqual(p.pa, 0x87F5A000)
        self.assertEqual(p.span, 1 << 30)

    def test_rsw_bits_match_the_kernel(self):
        self.assertEqual(self.fmt.BORROWED, header_constant("kernel/arch/riscv/sv39.h", "Borrowed"))
        borrowed = self.fmt.decode(sv39_table(0x80000000) | self.fmt.BORROWED, 2)
        self.assertTrue(borrowed.borrowed and not borrowed.cow)
        self.assertIn("BORROWED", borrowed.flag_string())
        self.assertEqual(self.fmt.COW, header_constant("kernel/arch/riscv/sv39.h", "Cow"))
        cow = self.fmt.decode(sv39_leaf(0x80001000, 0x13) | self.fmt.COW, 0)
        self.assertTrue(cow.cow and not cow.borrowed)
        self.assertIn("COW", cow.flag_string())
        # Bit 8 means something on a table entry only: a leaf with it is not copy-on-write.
        self.assertFalse(self.fmt.decode(sv39_leaf(0x80001000, 0x13) | self.fmt.BORROWED, 0).cow)

    def test_superpage(self):
        p = self.fmt.decode(sv39_leaf(0x80200000, 0x7), 1)
        self.assertTrue(p.leaf and p.superpage)
        self.assertEqual(p.span, 2 << 20)
        self.assertIn("SUPER", p.flag_string())

    def test_invalid(self):
        self.assertFalse(self.fmt.decode(0x21FD6800, 0).valid)

    def test_index_and_satp(self):
        va = (5 << 30) | (7 << 21) | (9 << 12) | 0x123
        self.assertEqual([self.fmt.index(va, l) for l in (2, 1, 0)], [5, 7, 9])
        self.assertEqual(self.fmt.va_bits_of(2), (38, 30))
        self.assertEqual(self.fmt.root_from_token(0x8000000000087FFF), 0x87FFF000)
        self.assertIsNone(self.fmt.root_from_token(0))  # Bare: paging off

    def tree(self):
        mem = FakeMem(self.fmt)
        mem.set(0x1000, 0, sv39_table(0x2000))
        mem.set(0x2000, 0, sv39_table(0x3000))
        mem.set(0x3000, 1, sv39_leaf(0x80005000, 0x17))  # V R W U at VA 0x1000
        mem.set(0x2000, 1, sv39_leaf(0x80200000, 0x0F))  # a 2 MiB superpage at VA 2 MiB
        mem.set(0x1000, 255, sv39_table(0x4000))
        return mem

    def test_translate_4k(self):
        steps, pa, why = pagoda.translate(self.fmt, self.tree(), 0x1000, 0x1ABC)
        self.assertEqual(pa, 0x80005ABC)
        self.assertIsNone(why)
        self.assertEqual([(l, i) for l, i, _, _ in steps], [(2, 0), (1, 0), (0, 1)])
        self.assertEqual(steps[2][2], 0x3000 + 8)  # where the PTE was read

    def test_translate_superpage(self):
        steps, pa, _ = pagoda.translate(self.fmt, self.tree(), 0x1000, 0x2F1234)
        self.assertEqual(pa, 0x80200000 + 0xF1234)
        self.assertEqual(len(steps), 2)

    def test_translate_stops(self):
        steps, pa, why = pagoda.translate(self.fmt, self.tree(), 0x1000, 0x5000)
        self.assertIsNone(pa)
        self.assertIn("level-0 PTE is not valid", why)
        steps, pa, why = pagoda.translate(self.fmt, self.tree(), 0x1000, 0x40000000)
        self.assertIn("level-2 PTE is not valid", why)
        self.assertEqual(len(steps), 1)
        steps, pa, why = pagoda.translate(self.fmt, self.tree(), 0x1000, 1 << 38)
        self.assertIn("MAXVA", why)
        self.assertEqual(steps, [])

    def test_vmprint_format(self):
        lines = []
        pagoda.print_vmprint(self.fmt, self.tree(), 0x1000, out=lines.append)
        self.assertEqual(lines, [
            "page table 0x0000000000001000",
            " ..0: pte 0x0000000000000801 pa 0x0000000000002000",
            " .. ..0: pte 0x0000000000000c01 pa 0x0000000000003000",
            " .. .. ..1: pte 0x0000000020001417 pa 0x0000000080005000",
            " .. ..1: pte 0x000000002008000f pa 0x0000000080200000",
            " ..255: pte 0x0000000000001001 pa 0x0000000000004000",
        ])

    def test_leaves_and_tables(self):
        mem = self.tree()
        self.assertEqual([va for va, _ in pagoda.leaves(self.fmt, mem, 0x1000)], [0x1000, 0x200000])
        self.assertEqual(sorted(pagoda.table_pages(self.fmt, mem, 0x1000)), [0x1000, 0x2000, 0x3000, 0x4000])


class I386Test(unittest.TestCase):
    fmt = pagoda.I386Format()

    def test_leaf(self):
        p = self.fmt.decode(0x00403067, 0)
        self.assertTrue(p.leaf)
        self.assertEqual(p.pa, 0x403000)
        self.assertEqual(p.flags, ["V", "R", "W", "X", "U", "A", "D"])
        self.assertEqual(p.span, 4096)

    def test_directory_entries(self):
        table = self.fmt.decode(0x00005007, 1)
        self.assertTrue(table.valid and not table.leaf)
        self.assertEqual(table.span, 4 << 20)
        big = self.fmt.decode(0x00400083, 1)  # PS: a 4 MiB page
        self.assertTrue(big.leaf and big.superpage)
        self.assertEqual(big.pa, 0x400000)

    def test_avl_bits_match_the_kernel(self):
        self.assertEqual(self.fmt.BORROWED, header_constant("kernel/arch/x86/i386.h", "Borrowed"))
        self.assertEqual(0x80, header_constant("kernel/arch/x86/i386.h", "PageSize"))
        self.assertTrue(self.fmt.decode(0x5007 | self.fmt.BORROWED, 1).borrowed)
        self.assertEqual(self.fmt.COW, header_constant("kernel/arch/x86/i386.h", "Cow"))
        self.assertTrue(self.fmt.decode(0x00403005 | self.fmt.COW, 0).cow)

    def test_translate_two_levels(self):
        mem = FakeMem(self.fmt)
        mem.set(0x1000, 0x200, 0x2007)  # directory entry for VA 0x80000000
        mem.set(0x2000, 3, 0x00123003)
        steps, pa, _ = pagoda.translate(self.fmt, mem, 0x1000, 0x80003456)
        self.assertEqual(pa, 0x123456)
        self.assertEqual([(l, i) for l, i, _, _ in steps], [(1, 0x200), (0, 3)])
        self.assertEqual(steps[1][2], 0x2000 + 12)
        self.assertEqual(self.fmt.root_from_token(0x00345018), 0x345000)


class FakeInfo:
    def __init__(self, root, size, regions):
        self.mem = {"root": root, "size": size, "regions": regions, "kernel_root": None,
                    "trapframe": None}


class LayoutTest(unittest.TestCase):
    fmt = pagoda.Sv39Format()

    def test_mapping_pages_stay_in_their_region(self):
        # text at 0, and two pages of a mapping far above the size: one region each, nothing
        # "other" (the pages past the first are in the mapping's region too).
        mem = FakeMem(self.fmt)
        mem.set(0x1000, 0, sv39_table(0x2000))
        mem.set(0x2000, 0, sv39_table(0x3000))
        mem.set(0x3000, 0, sv39_leaf(0x80005000, 0x1B))  # text: V R X U
        mem.set(0x1000, 1, sv39_table(0x4000))
        mem.set(0x4000, 0, sv39_table(0x5000))
        mem.set(0x5000, 4, sv39_leaf(0x80006000, 0x17))
        mem.set(0x5000, 5, sv39_leaf(0x80007000, 0x17))
        regions = [{"start": 0, "size": 4096, "perm": 5 | 8, "kind": "kText"},
                   {"start": (1 << 30) + 0x4000, "size": 0x2000, "perm": 3 | 8, "kind": "kFileMap"}]
        got = pagoda.layout_of(self.fmt, mem, FakeInfo(0x1000, 4096, regions))
        self.assertEqual([(r["kind"], r["pages"]) for r in got], [("text", 1), ("filemap", 2)])


class FrameOwnersTest(unittest.TestCase):
    def test_counts_are_one_more_than_the_extra_references(self):
        class Mem:
            reads = 0

            def read(self, pa, n):
                Mem.reads += 1
                words = [0] * 1024
                words[3] = 2 if pa == 0x9000 else 0
                return b"".join(w.to_bytes(4, "little") for w in words)

        refs = {"first": 0x80000000, "frames": 2048, "per_page": 1024, "pages": [0x8000, 0x9000]}
        owners = pagoda.FrameOwners(refs, Mem())
        self.assertEqual(owners.owners(0x80000000 + 3 * 4096), 1)
        self.assertEqual(owners.owners(0x80000000 + (1024 + 3) * 4096), 3)
        self.assertEqual(owners.owners(0x80000000 + (1024 + 4) * 4096), 1)
        self.assertIsNone(owners.owners(0x80000000 + 2048 * 4096))  # past the table
        self.assertIsNone(pagoda.FrameOwners(None, Mem()).owners(0x80000000))
        self.assertEqual(Mem.reads, 2)  # each page of counts once


if __name__ == "__main__":
    unittest.main()
