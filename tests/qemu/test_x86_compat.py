#!/usr/bin/env python3
"""Binary compatibility with xv6-x86 (issue 11): xv6prog (user/x86/compat) is made as xv6-x86
makes its user programs: its own int $64 stubs (number in %eax, arguments on the stack), xv6-x86's
user.h prototypes (exit(void), wait(void)), struct stat and dirent, -m32 -static -fno-pic, linked
-N -e main -Ttext 0 with no crt, one RWX segment at file offset 0x80. It runs unchanged on Pagoda
x86: argv from exec's frame, files and fstat, directory entries, pipe, fork, exit(void) and
wait(void), sbrk, a killed child. Every check prints "ok" and no page is lost."""
# matrix: cpus=1,2 arch=x86 timeout=300

import re

from harness import Qemu, check, free_pages, parse_args

CHECKS = ["argv", "getpid", "mkdir", "open create", "write", "fstat", "stat type file",
          "stat nlink", "stat size", "stat ino", "read back", "stat type dir", "stat type device",
          "dirent", "pipe", "pipe read", "wait", "wait none left", "sbrk", "killed child reaped",
          "unlink file", "unlink dir", "gone"]


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        out = q.run("xv6prog one two", timeout=120)
        for name in CHECKS:
            check(re.search(rf"^xv6prog: {name} ok ", out, re.M), f"xv6prog: {name}", out)
        check("FAILED" not in out, "no check fails", out)
        check("xv6prog: all ok" in out, "xv6prog: all ok", out)
        kills = re.findall(r"^pid \d+ \(xv6prog\): killed: page fault at 0x0*80000000 ", out, re.M)
        check(len(kills) == 1, "the faulting child is killed with one line", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged: {before} -> {after}", q.log)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
