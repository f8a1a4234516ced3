#!/usr/bin/env python3
"""Issue 15: the file system out of disk blocks and inodes by injection (allocfail's
ALLOCFAIL_BLOCKS and ALLOCFAIL_INODES, kernel/allocfail.h), exactly as a full disk or a full inode
table would be.

Boot 1 runs fsfailtests (user/tests/fsfailtests.cc): create, mkdir, link and a long write with each
of their block and inode allocations failing in turn (each gives -1 and leaves nothing behind), and
echo/cat through a pipe under random failures; it cleans up after itself, so after a clean halt the
image must have exactly the free blocks and free inodes it started with (counted from its bitmap
and inode table here), be clean by the host fsck, and have an empty log.
Boot 2 runs the file-system suite (fstests -fsfail P SEED: every subtest with both allocators
failing at random); its subtests may fail, leaving files behind, but nothing may panic, hang or
lose a page, and the image must again be clean by fsck (no block marked but unused, no inode
allocated but unreachable, link counts right) with an empty log.
The x86 twin (test_x86_fsfail.py) runs the same on the xv6-x86 disk format."""
# matrix: cpus=3 kpt=per-process timeout=900

import os
import re
import shutil
import struct
import tempfile

from harness import Qemu, check, free_pages, main_guard
from test_crash import disk_format, find_fsck, log_header_count, run_fsck

P = 3000  # about 4.6% of block and inode allocations fail
DINODE_SIZE = 64  # kernel/fs.h struct dinode: 4 shorts, size, 13 addresses (both formats)


def free_counts(image, fmt):
    """(free data blocks, free inodes) of an image, from its bitmap and inode table."""
    bs = fmt["block_size"]
    with open(image, "rb") as f:
        data = f.read()
    words = struct.unpack_from(f"<{fmt['sb_words']}I", data, bs)
    if fmt["sb_words"] == 8:
        words = words[1:]  # the magic number
    size, nblocks, ninodes, _nlog, _logstart, inodestart, bmapstart = words
    free_blocks = 0
    for b in range(size - nblocks, size):
        byte = data[bmapstart * bs + b // 8]
        if not byte & (1 << (b % 8)):
            free_blocks += 1
    free_inodes = 0
    for inum in range(1, ninodes):
        off = inodestart * bs + inum * DINODE_SIZE
        if struct.unpack_from("<h", data, off)[0] == 0:
            free_inodes += 1
    return free_blocks, free_inodes


def run_checked(q, command, timeout):
    out = q.run(command, timeout=timeout)
    failed = [line for line in out.splitlines() if "FAILED" in line and "SOME TESTS" not in line]
    check(not failed, f"{command}: nothing lost, no timeout: " + "; ".join(failed[:5]), out)
    check("ALL TESTS PASSED" in out, f"{command}: the runner's verdict", out)
    return out


def check_image(fsck, image, fmt, what):
    out = run_fsck(fsck, image, fmt)
    check(log_header_count(image, fmt) == 0, f"{what}: the log is empty after a clean halt")
    print(f"{what}: fsck clean", flush=True)
    return out


def run(args):
    fmt = disk_format(args)
    fsck = find_fsck(args)
    with tempfile.TemporaryDirectory(prefix="pagoda-fsfail-") as tmp:
        image = os.path.join(tmp, "fs.img")
        shutil.copyfile(args.fs, image)
        # The baseline is the image after one plain boot: init makes the console's device node.
        with Qemu(args, image=image, keep_image=True) as q:
            q.boot(timeout=300)
            q.halt()
        start_free = free_counts(image, fmt)

        with Qemu(args, image=image, keep_image=True) as q:
            q.boot(timeout=300)
            before, _ = free_pages(q)
            out = run_checked(q, "fsfailtests", timeout=600)
            points = sum(int(n) for n in re.findall(r"^fsfail: .*: (\d+) failure points", out, re.M))
            m = re.search(r"^fsfail: programs: (\d+) failures injected", out, re.M)
            check(points >= 20 and m is not None and int(m.group(1)) > 0,
                  f"the sweeps failed {points} allocations, the programs some", out)
            after, _ = free_pages(q)
            check(after == before, f"free pages unchanged: {before} -> {after}", out)
            q.halt()
        check_image(fsck, image, fmt, "after fsfailtests")
        end_free = free_counts(image, fmt)
        check(end_free == start_free,
              f"free (blocks, inodes) as at the start: {start_free} -> {end_free}")
        print(f"fsfailtests: {points} failure points swept, {m.group(1)} random failures; "
              f"free (blocks, inodes) {end_free} unchanged", flush=True)

        with Qemu(args, image=image, keep_image=True) as q:
            q.boot(timeout=300)
            before, _ = free_pages(q)
            out = run_checked(q, f"fstests -fsfail {P} 7", timeout=700)
            hit = out.count("under injection: exited")
            check(hit >= 3, f"the injection made fstests subtests fail ({hit} did)", out)
            after, _ = free_pages(q)
            check(after == before, f"free pages unchanged: {before} -> {after}", out)
            q.halt()
        check_image(fsck, image, fmt, "after fstests -fsfail")
        print(f"fstests -fsfail: {hit} subtests failed under injection; free (blocks, inodes) "
              f"{free_counts(image, fmt)}", flush=True)


def main():
    main_guard(run)  # also test_x86_fsfail.py's


if __name__ == "__main__":
    main()
