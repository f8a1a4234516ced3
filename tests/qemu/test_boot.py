#!/usr/bin/env python3
"""First boot: the kernel starts on every hart, turns paging on, reports the free page count that the
RAM size and the kernel's `end` imply, reaches the shell, and powers QEMU off through the virt test
device with the exit code `halt` asks for."""
# matrix: cpus=1,3 kpt=per-process,global ncpu=per-process

import re
import subprocess

from harness import Qemu, check, parse_args

KERNBASE = 0x80000000
DIRECT_MAP_OFFSET = 0xffffffc000000000  # kernel/arch/riscv/memlayout.h: kernel VA = PA + this
PHYSTOP = KERNBASE + 128 * 1024 * 1024
PAGE = 4096
NPROC = 64


def kernel_end(kernel):
    """The address of the kernel's `end` symbol (first byte after the image)."""
    out = subprocess.run(["riscv64-linux-gnu-nm", kernel], check=True, capture_output=True,
                         text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[2] == "end":
            # The kernel is linked in the upper half (issue 13): its physical address is below.
            return int(parts[0], 16) - DIRECT_MAP_OFFSET
    raise RuntimeError("no `end` symbol in " + kernel)


def main():
    args = parse_args()
    end = kernel_end(args.kernel)
    expected_total = (PHYSTOP - ((end + PAGE - 1) & ~(PAGE - 1))) // PAGE

    with Qemu(args) as q:
        m = q.expect(r"pagoda: paging on, kernel page table 0x([0-9a-f]{16})\n", timeout=60)
        root = int(m.group(1), 16)
        check(KERNBASE <= root < PHYSTOP and root % PAGE == 0,
              "the kernel page table is a page of RAM", q.log)
        m = q.expect(r"pagoda: booting on (\d+) harts \((\d+) with paging on\)\n", timeout=30)
        check(int(m.group(1)) == args.cpus, f"the kernel counts {args.cpus} harts", q.log)
        check(int(m.group(2)) == args.cpus, f"paging is on on all {args.cpus} harts", q.log)
        m = q.expect(r"pagoda: (\d+) free pages \((\d+) total\)\n", timeout=30)
        free, total = int(m.group(1)), int(m.group(2))
        check(total == expected_total,
              f"total pages {total} == (PHYSTOP - end) / 4096 = {expected_total} (end 0x{end:x})", q.log)
        # The kernel page table (about 70 tables for 128 MiB in 4 KiB pages) and one stack per
        # process slot are allocated at boot; nothing else of any size.
        used = total - free
        check(NPROC + 60 <= used <= NPROC + 200,
              f"boot used {used} pages: kernel page table and {NPROC} kernel stacks", q.log)
        q.boot()

        # User space sees the same memory: free pages from sysinfo (minus the few pages the first
        # processes hold) close to the boot count.
        out = q.run("free")
        m = re.search(r"free: (\d+) pages", out)
        check(m is not None, "free prints the page count", out)
        user_free = int(m.group(1))
        check(free - 100 <= user_free < free, f"sysinfo free pages {user_free} near {free}", out)

        q.halt()
        check(q.log.count("pagoda: booting on") == 1, "booted once", q.log)

    # A failure code reaches QEMU's exit status: (code << 16) | 0x3333 makes QEMU exit with code.
    with Qemu(args) as q:
        q.boot()
        q.send("halt 3\n")
        try:
            q.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            check(False, "QEMU powers off after halt 3", q.log)
        q._drain()
        check(q.proc.returncode == 3, f"QEMU exit status 3 after `halt 3` (got {q.proc.returncode})", q.log)
    print("PASS")


if __name__ == "__main__":
    main()
