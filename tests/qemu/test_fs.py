#!/usr/bin/env python3
"""File system through the shell: redirection, pipelines, files, directories, links, the console
device. Boots to the shell, runs commands and checks exactly what they print."""
# matrix: cpus=1,3 kpt=per-process,global

import os
import re

from harness import Qemu, check, parse_args

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")


def wc_of(data: bytes) -> str:
    """What xv6 wc prints (without the name) for data."""
    words = len(re.split(rb"[ \r\t\n\v]+", data.strip(b" \r\t\n\v"))) if data.strip(b" \r\t\n\v") else 0
    lines = data.count(b"\n")
    return f"{lines} {words} {len(data)}"


def grep_of(pattern: bytes, data: bytes) -> bytes:
    """xv6 grep with a literal pattern: whole lines (newline-terminated) containing it."""
    lines = data.split(b"\n")[:-1]
    return b"".join(line + b"\n" for line in lines if pattern in line)


def ls_names(out):
    """Names printed by ls (first word of each entry line)."""
    return [line.split()[0] for line in out.splitlines() if len(line.split()) == 4]


def main():
    args = parse_args()
    with open(README, "rb") as f:
        readme = f.read()

    with Qemu(args) as q:
        q.boot()

        # Output redirection creates the file; cat and input redirection read it back.
        out = q.run("echo hello world > a.txt")
        check(out.strip() == "", "echo > a.txt prints nothing", out)
        out = q.run("cat a.txt")
        check(out == "hello world\n", "cat a.txt", out)
        out = q.run("wc a.txt")
        check(out.strip() == "1 2 12 a.txt", "wc a.txt", out)
        out = q.run("wc < a.txt")
        check(out.strip() == "1 2 12", "wc < a.txt", out)

        # O_TRUNC: a shorter rewrite leaves no tail of the old content.
        q.run("echo bye > a.txt")
        out = q.run("cat a.txt")
        check(out == "bye\n", "rewrite truncates", out)

        # A file bigger than the 12 direct blocks (five READMEs), made through a redirection.
        big = readme * max(5, (13 * 1024) // max(len(readme), 1) + 1)
        n = len(big) // len(readme)
        out = q.run("cat " + " ".join(["README"] * n) + " > big")
        check(out.strip() == "", "cat README... > big", out)
        out = q.run("wc big")
        check(out.strip() == wc_of(big) + " big", "wc of the big copy", out)
        out = q.run("wc README")
        check(out.strip() == wc_of(readme) + " README", "wc README", out)

        # A pipe of three programs.
        expected = wc_of(grep_of(b"the", readme))
        out = q.run("cat README | grep the | wc")
        check(out.strip() == expected, f"cat | grep | wc prints {expected}", out)
        out = q.run("grep the big | wc")
        check(out.strip() == wc_of(grep_of(b"the", big)), "grep | wc on the big copy", out)

        # Directories, relative and absolute paths, . and ..
        out = q.run("mkdir d")
        check(out.strip() == "", "mkdir d", out)
        out = q.run("mkdir d")
        check("failed" in out, "mkdir of an existing name fails", out)
        q.run("echo inner > d/f")
        out = q.run("cd d")
        check(out.strip() == "", "cd d", out)
        out = q.run("cat f")
        check(out == "inner\n", "relative path after cd", out)
        out = q.run("cat ../a.txt")
        check(out == "bye\n", "cat ../a.txt", out)
        out = q.run("cat ./f")
        check(out == "inner\n", "cat ./f", out)
        out = q.run("mkdir e")
        q.run("echo deep > e/g")
        q.run("cd /")
        out = q.run("cat /d/e/g")
        check(out == "deep\n", "absolute path three levels down", out)
        out = q.run("cat d/e/../f")
        check(out == "inner\n", "path through ..", out)
        out = q.run("ls d")
        names = ls_names(out)
        check(sorted(names) == sorted([".", "..", "f", "e"]), "ls d lists . .. f e", out)
        out = q.run("cd nosuchdir")
        check("cannot cd" in out, "cd into a missing directory fails", out)
        out = q.run("cd a.txt")
        check("cannot cd" in out, "cd into a file fails", out)
        out = q.run("echo x > nosuchdir/y")
        check("failed" in out, "creating in a missing directory fails", out)

        # Hard links and unlink.
        out = q.run("ln a.txt b.txt")
        check(out.strip() == "", "ln a.txt b.txt", out)
        out = q.run("ls a.txt")
        a_ino = out.split()[2]
        out = q.run("ls b.txt")
        check(out.split()[2] == a_ino, "link shares the inode", out)
        out = q.run("rm a.txt")
        check(out.strip() == "", "rm a.txt", out)
        out = q.run("cat a.txt")
        check("cannot open" in out, "removed name is gone", out)
        out = q.run("cat b.txt")
        check(out == "bye\n", "the other link still reads", out)
        out = q.run("ln d dlink")
        check("failed" in out, "ln of a directory is refused", out)

        # rm refuses a non-empty directory, then works once it is empty.
        out = q.run("rm d")
        check("failed" in out, "rm of a non-empty directory fails", out)
        out = q.run("cat d/f")
        check(out == "inner\n", "refused rm left d intact", out)
        out = q.run("rm d/e/g d/e d/f")
        check(out.strip() == "", "rm d/e/g d/e d/f", out)
        out = q.run("rm d")
        check(out.strip() == "", "rm of the emptied directory", out)
        out = q.run("ls d")
        check("cannot" in out, "d is gone", out)
        out = q.run("rm .")
        check("failed" in out, "rm . is refused", out)

        # The console is a device file (major 1).
        out = q.run("ls console")
        check(out.split()[1:2] == ["3"], "console is a device (type 3)", out)
        out = q.run("echo through the device > console")
        check("through the device" in out, "writing to the console device file", out)

        # Several files, then ls sees exactly them.
        q.run("mkdir many")
        for i in range(20):
            q.run(f"echo {i} > many/f{i}")
        out = q.run("ls many")
        names = ls_names(out)
        check(sorted(names) == sorted([".", ".."] + [f"f{i}" for i in range(20)]), "ls many", out)
        out = q.run("cat many/f7 many/f19")
        check(out == "7\n19\n", "cat two of them", out)

        # Bad fds, pointers, paths and modes fail with -1 and leak nothing.
        out = q.run("fscrash badargs")
        check("badargs ok" in out and "FAIL" not in out, "fscrash badargs", out)

        # Running out of blocks and inodes fails the calls, and everything comes back when the
        # files are removed (the same counts fit twice). About a minute, so once per hart count.
        if args.kpt == "per-process":
            out = q.run("fscrash fill", timeout=500)
            check("fill ok" in out and "FAIL" not in out, "fscrash fill", out)

        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
