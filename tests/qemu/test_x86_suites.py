#!/usr/bin/env python3
"""x86 (issues 11 and 15): the user-space suites pass on the x86 kernel with no physical page lost
across them. The suites take the address-space layout from kernel/arch/user_abi.h and make raw
system calls through testlib.h's syscall6 (int $64, arguments on the stack); the checks x86 cannot
make (MAXVA and 64-bit addresses do not fit a 32-bit pointer, i386 paging has no no-execute bit)
print "<subtest>: skipped on x86: <why>", and exactly those are expected here. The stress suites
(failtests, grindtests, fuzztests) are tests/qemu/test_x86_stress.py."""
# matrix: cpus=1,2 arch=x86 timeout=1200

from harness import Qemu, check, free_pages, parse_args

SUITES = ["pipetests", "proctests", "fstests", "copytests", "vmtests", "faulttests", "exectests"]

# What x86 cannot check, and says so: (program, subtest) -> number of "skipped on x86" lines.
EXPECTED_SKIPS = {
    ("copytests", "copytests"): 3,  # MAXVA, MAXVA+4096 and 2^63 as bad buffers
    ("vmtests", "stack_and_layout"): 1,  # a load from MAXVA
    ("faulttests", "jump_into_data"): 1,  # no NX bit in i386 two-level paging
    ("faulttests", "jump_into_kernel"): 1,  # a jump to MAXVA
    ("exectests", "elf_vaddr_at_kernel_pages"): 2,  # ELF32 segments at MAXVA and 2^63
    ("exectests", "elf_huge_memsz"): 1,  # an ELF32 size of 2^36
}


def skips_of(program, out):
    found = {}
    for line in out.splitlines():
        if ": skipped on x86: " in line:
            key = (program, line.split(":", 1)[0])
            found[key] = found.get(key, 0) + 1
    return found


def main():
    args = parse_args()
    with Qemu(args) as q:
        q.boot(timeout=300)
        before, _ = free_pages(q)
        skips = {}
        for program in SUITES:
            out = q.run(program, timeout=600)
            failed = [line for line in out.splitlines() if "FAILED" in line]
            check(not failed, f"no {program} subtest fails: " + "; ".join(failed[:5]), out)
            check("ALL TESTS PASSED" in out, f"{program} prints ALL TESTS PASSED", out)
            skips.update(skips_of(program, out))
        check(skips == EXPECTED_SKIPS, f"the x86 skips are the expected ones: {skips}", q.log)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by the suites: {before} -> {after}", q.log)
        q.halt()
    print("PASS")


if __name__ == "__main__":
    main()
