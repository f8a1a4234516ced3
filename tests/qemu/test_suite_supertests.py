#!/usr/bin/env python3
"""User-space test suite: supertests (superpages and pgpte, issue 12; the xv6 page-table lab 2024).
Boots Pagoda, runs user/tests/supertests.cc from the shell and requires every subtest to pass, no
kernel panic, and the machine's free page count (the `free` program) unchanged across the whole run.
The lab profile (--lab) says whether the kernel maps superpages: the default kernel and pgtbl2024 do;
on the others (pgtbl2020 ...) the suite runs with -4k and checks 4 KiB behaviour instead."""
# matrix: cpus=1,3 kpt=per-process,global lab=pgtbl2024 timeout=600

import sys

from harness import parse_args, run_suite

# The profiles with superpages on (cmake/lab_profiles.cmake).
SUPERPAGE_PROFILES = {"default", "pgtbl2024"}

if __name__ == "__main__":
    args = parse_args()
    flag = "-super" if args.lab in SUPERPAGE_PROFILES else "-4k"
    if args.arch == "x86":
        flag = "-4k"  # the x86 profile has no superpages
    run_suite("supertests " + flag, run_timeout=400)
