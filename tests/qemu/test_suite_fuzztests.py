#!/usr/bin/env python3
"""User-space suite: fuzztests, the seeded random system-call fuzzer (user/tests/fuzztests.cc).
Boots Pagoda, runs the fuzzer from the shell with a seed of its own for each kernel design and hart
count (printed; rerun one with `fuzztests -seed S`), and requires every subtest to pass, no kernel
panic, and the machine's free page count unchanged across the whole run."""
# matrix: cpus=1,3 kpt=per-process,global timeout=600 ncpu=per-process,global

import re

from harness import Qemu, check, free_pages, parse_args


def seed_for(args):
    # Different calls on each configuration, each reproducible: 15 + harts (+ 100 for global).
    return 15 + args.cpus + (100 if args.kpt == "global" else 0)


def main():
    args = parse_args()
    seed = seed_for(args)
    print(f"fuzztests seed {seed} ({args.kpt}, {args.cpus} harts)")
    with Qemu(args) as q:
        q.boot()
        before, _ = free_pages(q)
        out = q.run(f"fuzztests -seed {seed}", timeout=480)
        for line in out.splitlines():
            if re.match(r"fuzz_\w+: (seed|\d+ (calls|finished))", line):
                print(line)
        failed = [line for line in out.splitlines() if "FAILED" in line or "implausible" in line]
        check(not failed, f"no fuzztests subtest fails (seed {seed}): " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, "fuzztests prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by fuzztests: {before} before, {after} after",
              out)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
