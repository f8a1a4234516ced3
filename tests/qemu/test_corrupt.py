#!/usr/bin/env python3
"""A damaged disk never takes the kernel down: boot copies of fs.img with 1-4 bytes changed in the
superblock, the log header, an inode block, the root inode, the root directory, the bitmap or an
indirect block; run ls, cat, echo > file, mkdir, rm. Each boot must either power off by itself
after saying why (a disk that cannot be mounted) or give a shell that runs every command and halts;
never a panic, never a hang. The damage is seeded (PAGODA_CORRUPT_SEED, default 15), so a failure
can be rerun; the summary line counts each outcome. The image's format is read from it
(kernel/fs/format.h): xv6-riscv when block 1 of 1024 bytes starts with FSMAGIC, else xv6-x86
(512-byte blocks, a superblock of seven words without magic)."""
# matrix: cpus=1 kpt=per-process timeout=300

import os
import random
import re
import shutil
import struct
import sys
import tempfile
import time

from harness import PROMPT, Qemu, TestFailure, parse_args

FSMAGIC = 0x10203040
BSIZE = 1024  # set by use_format_of
IPB = BSIZE // 64
SB_BYTES = 32  # the superblock's size on disk
NDIRECT = 12
REGIONS = ["superblock", "log header", "inode block", "root inode", "root directory", "bitmap",
           "indirect block"]
PER_REGION = 6
BOOT_TIMEOUT = 20
COMMAND_TIMEOUT = 10
COMMANDS = ["ls", "cat README", "echo hi > newfile", "cat newfile", "mkdir newdir", "rm newfile",
            "ls newdir"]


def use_format_of(img):
    """Sets BSIZE, IPB and SB_BYTES from the image's format; its name."""
    global BSIZE, IPB, SB_BYTES
    riscv = struct.unpack_from("<I", img, 1024)[0] == FSMAGIC
    BSIZE, SB_BYTES = (1024, 32) if riscv else (512, 28)
    IPB = BSIZE // 64
    return "xv6-riscv" if riscv else "xv6-x86"


def superblock(img):
    names = ["magic", "size", "nblocks", "ninodes", "nlog", "logstart", "inodestart", "bmapstart"]
    if SB_BYTES == 28:  # no magic
        return dict(zip(names, (0,) + struct.unpack_from("<7I", img, BSIZE)))
    return dict(zip(names, struct.unpack_from("<8I", img, BSIZE)))


def dinode(img, sb, inum):
    off = (sb["inodestart"] + inum // IPB) * BSIZE + (inum % IPB) * 64
    ftype, major, minor, nlink, size = struct.unpack_from("<hhhhI", img, off)
    addrs = struct.unpack_from(f"<{NDIRECT + 1}I", img, off + 12)
    return off, ftype, size, addrs


def region_bytes(img, sb, region, rng):
    """(first byte, length) of the region in the image."""
    if region == "superblock":
        return BSIZE, SB_BYTES
    if region == "log header":
        return sb["logstart"] * BSIZE, 16  # the count and the first block numbers
    if region == "inode block":  # one holding inodes in use (mkfs allocates them in order)
        used = max(i for i in range(1, sb["ninodes"]) if dinode(img, sb, i)[1] != 0)
        return (sb["inodestart"] + rng.randrange(used // IPB + 1)) * BSIZE, BSIZE
    if region == "root inode":
        return dinode(img, sb, 1)[0], 64
    if region == "root directory":
        return dinode(img, sb, 1)[3][0] * BSIZE, 16 * 8
    if region == "bitmap":
        return sb["bmapstart"] * BSIZE, sb["size"] // 8
    if region == "indirect block":
        for inum in range(2, sb["ninodes"]):
            _, ftype, _, addrs = dinode(img, sb, inum)
            if ftype == 2 and addrs[NDIRECT] != 0:
                return addrs[NDIRECT] * BSIZE, 64
    raise AssertionError(region)


def root_entry(img, sb, name):
    """The inode number the root directory gives name."""
    _, _, size, addrs = dinode(img, sb, 1)
    for off in range(0, size, 16):
        block = addrs[off // BSIZE]
        inum, raw = struct.unpack_from("<H14s", img, block * BSIZE + off % BSIZE)
        if inum != 0 and raw.rstrip(b"\0").decode(errors="replace") == name:
            return inum
    raise AssertionError(name)


def program_damaged(pristine, name):
    """fs.img with the type of /name's inode made invalid: init (or sh) cannot be loaded."""
    img = bytearray(pristine)
    sb = superblock(img)
    off = dinode(img, sb, root_entry(img, sb, name))[0]
    struct.pack_into("<h", img, off, 7)
    return img, f"type of /{name} = 7"


def damaged_copy(pristine, region, rng):
    img = bytearray(pristine)
    sb = superblock(img)
    first, length = region_bytes(img, sb, region, rng)
    changes = []
    for _ in range(rng.randint(1, 4)):
        off = first + rng.randrange(length)
        x = rng.randint(1, 255)
        img[off] ^= x
        changes.append(f"{off}^{x}")
    return img, " ".join(changes)


def boot_one(args, path):
    """Boots path; returns (outcome, detail). Outcomes: 'shell', 'refused' (powered off by itself
    with no panic), 'panic', 'hang'."""
    q = Qemu(args, image=path)
    q.args = args
    q.start()
    try:
        try:
            q.expect(re.escape(PROMPT), timeout=BOOT_TIMEOUT)
        except TestFailure as e:
            if "panic: " in q.log:
                return "panic", q.log[-300:]
            if q.proc.poll() is not None:
                return "refused", q.log.strip().splitlines()[-1] if q.log.strip() else ""
            return "hang", str(e)
        for cmd in COMMANDS:
            try:
                q.run(cmd, timeout=COMMAND_TIMEOUT)
            except TestFailure as e:
                if "panic: " in q.log:
                    return "panic", q.log[-300:]
                return "hang", f"{cmd}: {e}"
        try:
            q.halt(timeout=COMMAND_TIMEOUT)
        except TestFailure as e:
            return ("panic" if "panic: " in q.log else "hang"), f"halt: {e}"
        return "shell", ""
    finally:
        q.kill()


def main():
    args = parse_args()
    seed = int(os.environ.get("PAGODA_CORRUPT_SEED", "15"))
    rng = random.Random(seed)
    with open(args.fs, "rb") as f:
        pristine = f.read()
    print(f"format {use_format_of(pristine)}")
    tmp = tempfile.mkdtemp(prefix="pagoda-corrupt-")
    counts = {}
    bad = []
    start = time.monotonic()
    cases = [(region, lambda region=region: damaged_copy(pristine, region, rng))
             for region in REGIONS for _ in range(PER_REGION)]
    # Without /init or /sh there is nothing to run: the machine must power off, not panic or spin.
    cases += [(f"/{p} inode", lambda p=p: program_damaged(pristine, p)) for p in ("init", "sh")]
    try:
        for region, make in cases:
            img, what = make()
            path = os.path.join(tmp, "fs.img")
            with open(path, "wb") as f:
                f.write(img)
            outcome, detail = boot_one(args, path)
            counts[outcome] = counts.get(outcome, 0) + 1
            line = f"{region:15} {what:40} {outcome}"
            print(line + (f"  ({detail.strip()[-200:]})" if outcome != "shell" else ""))
            if outcome in ("panic", "hang"):
                bad.append(line)
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    total = sum(counts.values())
    print(f"seed {seed}: {total} damaged images in {time.monotonic() - start:.0f}s: " +
          ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if bad:
        print("FAIL: panicked or hung:\n" + "\n".join(bad))
        sys.exit(1)


if __name__ == "__main__":
    main()
