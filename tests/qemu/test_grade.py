#!/usr/bin/env python3
"""The lab grader (tools/grade/grade.py) scores what it should: the pgtbl2020 profile gives the
per-process kernel full marks, and on the classic global-kernel-table kernel it fails exactly the
tests that need a kernel page table per process, scores the rest, and goes on after a failure.
The pgtbl2024 profile, on its own kernel, gives full marks for the usyscall page, kpgtbl and
pgaccess and the classic suites; its superpage part needs user/tests/supertests (engineer
`super`'s suite): where the file system has no such program that part alone may fail, and where
it has one, the score must be full."""
# matrix: cpus=1 kpt=global timeout=900 lab=pgtbl2020,pgtbl2024

import os
import sys

from harness import TestFailure, check, parse_args

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "grade"))
import grade  # noqa: E402

NEEDS_PER_PROCESS = {"kernel page table per process", "user mirror seen through gdb"}


def main():
    args = parse_args()
    lines = []
    # The default run (the classic global kernel) grades pgtbl2020; a lab run grades its own.
    lab = args.lab if args.lab in grade.PROFILES else "pgtbl2020"
    fsroot = os.path.join(os.path.dirname(os.path.abspath(args.fs)), "fsroot")
    try:
        score, possible, results = grade.grade(lab, kernel=args.kernel, fs=args.fs,
                                               cpus=args.cpus, timeout=args.timeout - 60,
                                               build=False, out=lambda l: (lines.append(l), print(l)),
                                               kernel_lab=args.lab)
        text = "\n".join(lines)
        check(len(results) == len(grade.PROFILES[lab].tests), "every test of the profile ran", text)
        check(all(("== Test %s ==" % r[0]) in text for r in results), "a line per test", text)
        check("Score: %d/%d" % (score, possible) in text, "the total is printed", text)
        failed = {r[0] for r in results if r[2] == 0}
        if lab == "pgtbl2024":
            allowed = set() if os.path.exists(os.path.join(fsroot, "supertests")) else {grade.SUPERTESTS}
            check(failed <= allowed, "pgtbl2024: full marks but for %s (failed: %s)"
                  % (sorted(allowed), sorted(failed)), text)
            check(score == possible - sum(r[1] for r in results if r[0] in failed), "the total adds up", text)
        elif args.kpt == "global":
            check(failed == NEEDS_PER_PROCESS,
                  "the global design fails exactly %s (failed: %s)" % (sorted(NEEDS_PER_PROCESS), sorted(failed)), text)
            check(score == possible - sum(r[1] for r in results if r[0] in NEEDS_PER_PROCESS),
                  "the other tests still score", text)
        else:
            check(score == possible, "the per-process kernel gets full marks (%d/%d)" % (score, possible), text)
    except TestFailure as e:
        print(str(e), file=sys.stderr)
        sys.exit(1)
    print("PASS")


if __name__ == "__main__":
    main()
