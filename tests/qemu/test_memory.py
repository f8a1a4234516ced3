#!/usr/bin/env python3
"""RAM from the device tree (issue 12): the kernel sizes its memory from the memory node QEMU's DTB
carries, not a fixed 128 MiB. Boots -m 256M and -m 2G; on each, the boot lines and `free`
(meminfo) give the RAM QEMU was asked for, the frame allocator's total is that RAM minus the
kernel image (the direct map covers it: kvm_check probes the last page at boot), and a large
eager sbrk works: on the 2 GiB machine 1.5 GiB in the global design, a page per MiB written and
read back, then freed, with free pages back where they started. The per-process design caps user
memory below the PLIC (192 MiB) until that cap is lifted, so there it takes 160 MiB, which the
256 MiB machine gets too. With -m 128M everything is as before (tests/qemu/test_boot.py). A device tree without a memory
node (QEMU's own, dumped and renamed, passed with -dtb on a 256 MiB machine) makes the kernel say
so in one line and use 128 MiB."""
# matrix: cpus=1,3 kpt=per-process,global timeout=600

import argparse
import os
import re
import subprocess
import tempfile

from harness import Qemu, check, free_pages, main_guard

KERNBASE = 0x80000000
DIRECT_MAP_OFFSET = 0xffffffc000000000  # kernel/arch/riscv/memlayout.h: kernel VA = PA + this
PAGE = 4096
MiB = 1 << 20


def kernel_end(kernel):
    out = subprocess.run(["riscv64-linux-gnu-nm", kernel], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "end":
            # The kernel is linked in the upper half (issue 13): its physical address is below.
            return int(parts[0], 16) - DIRECT_MAP_OFFSET
    raise RuntimeError("no `end` symbol in " + kernel)


def one_machine(args, mem, ram_mib, sbrk_mib):
    end = (kernel_end(args.kernel) + PAGE - 1) & ~(PAGE - 1)
    want_total = (KERNBASE + ram_mib * MiB - end) // PAGE
    with Qemu(args, mem=mem) as q:
        m = q.expect(r"pagoda: (\d+) free pages \((\d+) total\)\n", timeout=120)
        total = int(m.group(2))
        check(total == want_total, f"-m {mem}: {total} frames == (RAM top - end) / 4096 = {want_total}",
              q.log)
        m = q.expect(r"pagoda: RAM 0x([0-9a-f]+)-0x([0-9a-f]+) \((\d+) MiB\)\n", timeout=30)
        check(int(m.group(1), 16) == KERNBASE and int(m.group(2), 16) == KERNBASE + ram_mib * MiB
              and int(m.group(3)) == ram_mib, f"-m {mem}: the boot line names the RAM", q.log)
        check("no usable memory node" not in q.log, "the device tree was read", q.log)
        q.boot(timeout=120)
        before, out = free_pages(q)
        m = re.search(r"total: (\d+) pages \((\d+) bytes\), RAM (\d+) MiB", out)
        check(m is not None and int(m.group(1)) == total and int(m.group(3)) == ram_mib,
              f"-m {mem}: free shows {total} pages in all and {ram_mib} MiB of RAM", out)
        check(before > total - 2000, f"-m {mem}: most of it is free ({before} of {total})", out)
        out = q.run(f"pgtbltest bigsbrk {sbrk_mib}", timeout=400)
        check(f"pgtbltest bigsbrk: OK ({sbrk_mib} MiB" in out and "FAILED" not in out,
              f"-m {mem}: an eager sbrk of {sbrk_mib} MiB works and gives every page back", out)
        after, out = free_pages(q)
        check(after == before, f"-m {mem}: free pages {before} before, {after} after", out)
        q.halt()


def no_memory_node(args):
    """A DTB whose memory node is renamed away: the one-line fallback to 128 MiB."""
    with tempfile.TemporaryDirectory(prefix="pagoda-dtb-") as tmp:
        dtb = os.path.join(tmp, "virt.dtb")
        subprocess.run(["qemu-system-riscv64", "-machine", f"virt,dumpdtb={dtb}", "-m", "256M",
                        "-smp", str(args.cpus), "-bios", "none", "-nographic"],
                       check=True, capture_output=True)
        data = open(dtb, "rb").read()
        check(b"memory@80000000" in data and b"memory\0" in data, "QEMU's tree has a memory node")
        # Same lengths: the node's name and its device_type string no longer say memory.
        data = data.replace(b"memory@80000000", b"nomemo@80000000").replace(b"memory\0", b"nomemo\0")
        open(dtb, "wb").write(data)
        end = (kernel_end(args.kernel) + PAGE - 1) & ~(PAGE - 1)
        dargs = argparse.Namespace(**{**vars(args),
                                      "qemu_extra": (args.qemu_extra + " -dtb " + dtb).strip()})
        with Qemu(dargs, mem="256M") as q:
            m = q.expect(r"pagoda: no usable memory node in the device tree \(not found\); "
                         r"assuming 128 MiB of RAM\n", timeout=120)
            m = q.expect(r"pagoda: (\d+) free pages \((\d+) total\)\n", timeout=60)
            check(int(m.group(2)) == (KERNBASE + 128 * MiB - end) // PAGE,
                  "the fallback is 128 MiB of frames", q.log)
            check(q.log.count("no usable memory node") == 1, "one line says so", q.log)
            q.boot(timeout=120)
            _, out = free_pages(q)
            check("RAM 128 MiB" in out, "free shows 128 MiB", out)
            q.halt()


def main(args):
    big = 1536 if args.kpt == "global" else 160
    one_machine(args, "256M", 256, 160)
    one_machine(args, "2G", 2048, big)
    no_memory_node(args)


if __name__ == "__main__":
    main_guard(main)
