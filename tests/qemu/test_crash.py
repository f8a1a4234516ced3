#!/usr/bin/env python3
"""Crash safety: cut the power in the middle of heavy writing, boot again from the same image, and
find every completed file intact, every unlinked file gone, and the file system clean (host fsck).

fscrash (user/tests/fscrash.cc) writes fc0, fc1, ... printing "done fcN" once fcN is written and
closed; after "done fcN" it unlinks fc(N-16) and prints "gone fc(N-16)". So after the cut:
  - fcN with "done fcN" but no "done fc(N+16)" seen: its unlink has not started; it must be intact;
  - fcN with "gone fcN" seen: it must not exist.
The same test runs on x86 (tests/qemu/test_x86_crash.py) with xv6-x86's disk format."""
# matrix: cpus=3 kpt=per-process

import os
import random
import re
import shutil
import struct
import subprocess
import sys
import tempfile

from harness import Qemu, TestFailure, check, parse_args

KEEP = 16       # fscrash's kKeep
MAX_ARGS = 28   # exec allows MAXARG (32) arguments; fscrash and check take two
ROUNDS = 3


def find_fsck(args):
    """The host fsck: $PAGODA_FSCK, else from the host build the riscv build was made with."""
    env = os.environ.get("PAGODA_FSCK")
    if env:
        return env
    riscv_build = os.path.dirname(os.path.abspath(args.fs))
    candidates = []
    cache = os.path.join(riscv_build, "CMakeCache.txt")
    if os.path.exists(cache):
        with open(cache) as f:
            for line in f:
                if line.startswith("PAGODA_HOST_BUILD:"):
                    candidates.append(os.path.join(line.split("=", 1)[1].strip(), "tools/fsck/fsck"))
    repo = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    candidates.append(os.path.join(repo, "build/host/tools/fsck/fsck"))
    for c in candidates:
        if os.path.exists(c):
            return c
    raise TestFailure(f"no fsck found (tried {candidates}); set PAGODA_FSCK")


# The two on-disk formats (kernel/fs/format.h FsFormat): block size, and the superblock's words
# in block 1 with the index of logstart among them. xv6-riscv's superblock starts with a magic
# number; xv6-x86's is seven words {size, nblocks, ninodes, nlog, logstart, inodestart, bmapstart}.
FORMATS = {
    "riscv": {"fsck": "xv6-riscv", "block_size": 1024, "sb_words": 8, "logstart": 5},
    "x86": {"fsck": "xv6-x86", "block_size": 512, "sb_words": 7, "logstart": 4},
}


def disk_format(args):
    return FORMATS[getattr(args, "arch", "riscv")]


def run_fsck(fsck, image, fmt=FORMATS["riscv"]):
    r = subprocess.run([fsck, "--format=" + fmt["fsck"], image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    out = r.stdout.decode(errors="replace")
    check(r.returncode == 0, f"fsck reports the image clean (exit {r.returncode})", out)
    return out


def log_header_count(image, fmt=FORMATS["riscv"]):
    """n of the on-disk log header (kernel/fs.h; the same int n first in both formats): > 0 means
    the cut left a committed transaction for recovery to install. For information only; whether a
    cut lands there is luck."""
    bs = fmt["block_size"]
    with open(image, "rb") as f:
        f.seek(bs)  # block 1: the superblock
        sb = struct.unpack(f"<{fmt['sb_words']}I", f.read(4 * fmt["sb_words"]))
        f.seek(sb[fmt["logstart"]] * bs)
        return struct.unpack("<i", f.read(4))[0]


def crash_round(args, image, fsck, round_no):
    # Write until the cut, at a random point after some files are done, so the cut lands inside
    # some file's transactions (the writer never pauses between them). Later rounds start again
    # at fc0 over the files of earlier rounds (O_TRUNC), so they also cut rewrites and unlinks.
    target = random.randint(18, 30)
    with Qemu(args, image=image, keep_image=True) as q:
        q.boot()
        q.send("fscrash write\n")
        q.expect(rf"^done fc{target}\n", timeout=300)
        q.kill()  # the power cut: SIGKILL, nothing flushed
        log = q.log
    check("panic" not in log, "no panic while writing", log)
    pending = log_header_count(image, disk_format(args))
    done = [int(n) for n in re.findall(r"^done fc(\d+)\n", log, re.MULTILINE)]
    gone = [int(n) for n in re.findall(r"^gone fc(\d+)\n", log, re.MULTILINE)]
    check(len(done) >= target, "the writer completed files before the cut", log)
    last = max(done)
    intact = [n for n in done if n + KEEP > last]
    absent = sorted(gone)[-(MAX_ARGS - len(intact)):]
    print(f"round {round_no}: cut after fc{last}; checking {len(intact)} intact, "
          f"{len(absent)} unlinked; {pending} committed blocks in the log", flush=True)

    # Boot from the cut image (the log is replayed at mount) and check the files.
    with Qemu(args, image=image, keep_image=True) as q:
        q.boot()
        argv = " ".join([f"+fc{n}" for n in intact] + [f"-fc{n}" for n in absent])
        out = q.run(f"fscrash check {argv}", timeout=300)
        check("check ok" in out and "BAD" not in out, "every completed file is intact", out)
        q.halt()

    # The image after recovery and a clean shutdown is consistent.
    out = run_fsck(fsck, image, disk_format(args))
    print(out.strip().splitlines()[-1] if out.strip() else "fsck: clean", flush=True)


def main():
    args = parse_args()
    fsck = find_fsck(args)
    tmp = tempfile.mkdtemp(prefix="pagoda-crash-")
    try:
        image = os.path.join(tmp, "fs.img")
        shutil.copyfile(args.fs, image)

        for round_no in range(ROUNDS):
            crash_round(args, image, fsck, round_no)
    except TestFailure as e:
        print(str(e), file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS")


if __name__ == "__main__":
    main()
