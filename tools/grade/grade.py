#!/usr/bin/env python3
"""Grades a lab profile from Pagoda's own tests, the way the course's graders do:

    make grade LAB=pgtbl2020            (or: python3 tools/grade/grade.py --lab pgtbl2020)
    make grade LAB=                     (lists the profiles: pgtbl2020 pgtbl2024 lazy2020 cow mmap)

builds the profile's kernel, boots it once (again only if a test kills the machine), runs the
tests that define the lab, and prints one line per test with its points and a total:

    == Test vmprint at boot == vmprint at boot: OK (1.2s)  [5/5]
    ...
    Score: 60/60

A profile is one entry of PROFILES: the make target that builds it, the kernel it boots, and its
tests (name, points, function). The functions reuse the checks of tests/qemu/test_pgtbl.py and the
gdb extension. Exit status 0 only with a full score.
"""

import argparse
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
sys.path.insert(0, os.path.join(ROOT, "tools", "gdb"))

from harness import Qemu, TestFailure, check, free_pages, parse_args  # noqa: E402
import gdbdrive  # noqa: E402
import test_pgtbl as pg  # noqa: E402


SUPERTESTS = "superpages and pgpte (supertests)"


class Run:
    """One boot of the profile's kernel, shared by the tests until one of them kills it."""

    def __init__(self, kernel, fs, cpus, timeout, kernel_lab):
        self.kernel, self.fs = kernel, fs
        # The profile the booted kernel was built with (it says whether there is a usyscall page).
        self.usyscall = kernel_lab in pg.USYSCALL_LABS
        self.port = gdbdrive.free_port()
        self.args = parse_args(["--kernel", kernel, "--fs", fs, "--cpus", str(cpus), "--timeout",
                                str(timeout), "--qemu-extra", "-gdb tcp:127.0.0.1:%d" % self.port])
        self.q = Qemu(self.args)
        self.q.start()
        self.q.boot()
        self.fsroot = os.path.join(os.path.dirname(os.path.abspath(fs)), "fsroot")

    def alive(self):
        return self.q.proc.poll() is None

    def close(self):
        self.q.__exit__(None, None, None)


# -- the tests of pgtbl2020 (MIT 6.S081 fall 2020, lab pgtbl) -------------------------------------

def vmprint_at_boot(run):
    """exec prints pid 1's page table with the structure /init's ELF implies, and only that one."""
    boot = run.q.log[:run.q.log.index("init: starting sh")]
    pg.check_vmprint(boot, os.path.join(run.fsroot, "init"), "pid 1 at boot", run.usyscall)
    check(len(re.findall(r"^page table 0x", boot, re.M)) == 1, "exec prints only pid 1's table", boot)


def vmprint_program(run):
    """The kpgtbl system call prints the calling program's table (in the 2024 lab's format: each
    entry's virtual address; pgtbl2020 has no usyscall page)."""
    out = run.q.run("vmprint")
    pg.check_vmprint(out, os.path.join(run.fsroot, "vmprint"), "vmprint program", run.usyscall,
                     style="va")


def kernel_table_per_process(run):
    """Each process runs on its own kernel table: its own kernel stack only, an exact user mirror
    (^P while pgtbltest's four children sleep)."""
    pg.check_kernel_tables(run.q, per_process=True)


def mirror_through_gdb(run):
    """Seen from outside (gdb): the shell's kernel table maps its user pages to the same frames,
    without PTE_U, and no other process's kernel table is the same."""
    cmds = ["pagoda procs", "pagoda vtop 0 2", "pagoda vtop 0 2 --kernel"]
    out = gdbdrive.run_commands(run.kernel, run.port, cmds, timeout=180)
    roots = re.findall(r"^\d+ +\d+ +\S+ +\S+ +\d+ +0x[0-9a-f]{16} +(\S+)", out[cmds[0]], re.M)
    check(roots and "-" not in roots and len(set(roots)) == len(roots),
          "every process has a kernel table of its own", out[cmds[0]])
    pa = [re.search(r"pa = .* = 0x([0-9a-f]+)  \((.*)\)", out[c]) for c in cmds[1:]]
    check(all(pa), "VA 0 of sh translates in both tables", out[cmds[1]] + out[cmds[2]])
    check(pa[0].group(1) == pa[1].group(1), "the mirror maps the same frame", out[cmds[2]])
    check("kernel only" not in pa[0].group(2) and "kernel only" in pa[1].group(2),
          "U in the user table, not in the kernel's mirror", out[cmds[2]])


def copyin_through_kernel_table(run):
    """copyin/copyinstr edge cases pass and are counted."""
    c0 = pg.copystats(run.q)
    pg.run_pgtbltest(run.q, "copyin")
    c1 = pg.copystats(run.q)
    check(c1[0] > c0[0] + 20 and c1[1] > c0[1] + 10, "the counters grow: %s -> %s" % (c0, c1))


def sbrk_limit(run):
    """sbrk below the PLIC works, past it fails with -1, shrinking removes access."""
    pg.run_pgtbltest(run.q, "sbrk")


def no_page_lost(run):
    """2000 fork/sbrk/exec/exit cycles lose no physical page."""
    before, _ = free_pages(run.q)
    pg.run_pgtbltest(run.q, "leak 2000", timeout=600)
    after, out = free_pages(run.q)
    check(after == before, "free pages %d before, %d after" % (before, after), out)


def usertests(program):
    def t(run):
        before, _ = free_pages(run.q)
        out = run.q.run(program, timeout=600)
        failed = [l for l in out.splitlines() if "FAILED" in l]
        check(not failed and "ALL TESTS PASSED" in out, "%s passes: %s" % (program, failed[:3]), out)
        after, _ = free_pages(run.q)
        check(after == before, "free pages unchanged by %s" % program)
    t.__doc__ = "user/tests/%s: every subtest, no page lost" % program
    return t


def suite(program, *subtests):
    """user/tests/PROGRAM [SUBTEST...]: every subtest named passes, no page lost."""
    def t(run):
        cmd = " ".join((program,) + subtests)
        before, _ = free_pages(run.q)
        out = run.q.run(cmd, timeout=600)
        failed = [l for l in out.splitlines() if "FAILED" in l]
        check(not failed and "ALL TESTS PASSED" in out, "%s passes: %s" % (cmd, failed[:3]), out)
        after, _ = free_pages(run.q)
        check(after == before, "free pages unchanged by %s" % cmd)
    t.__doc__ = "user/tests/%s %s: every subtest, no page lost" % (program, " ".join(subtests))
    return t


# -- the tests of pgtbl2024 (MIT 6.1810 fall 2024, lab pgtbl) -------------------------------------

# The 2024 grader's print_kpgtbl check: these VAs, at these depths, in this order, for a program
# whose text and data fill pages 0..3 (pgtbltest there; Pagoda's vmprint program: checked against
# its own ELF below, then this prefix of lines).
KPGTBL_2024_LINES = [
    r"^page table 0x[0-9a-f]{16}$",
    r"^ \.\.0x0000000000000000: pte 0x[0-9a-f]{16} pa 0x[0-9a-f]{16}$",
    r"^ \.\. \.\.0x0000000000000000: pte ",
    r"^ \.\. \.\. \.\.0x0000000000000000: pte ",
    r"^ \.\. \.\. \.\.0x0000000000001000: pte ",
    r"^ \.\.0x0000003fc0000000: pte ",
    r"^ \.\. \.\.0x0000003fffe00000: pte ",
    r"^ \.\. \.\. \.\.0x0000003fffffd000: pte ",
    r"^ \.\. \.\. \.\.0x0000003fffffe000: pte ",
    r"^ \.\. \.\. \.\.0x0000003ffffff000: pte ",
]


def kpgtbl_2024(run):
    """kpgtbl prints the caller's table as the 2024 lab does: the VA of every valid entry, the
    usyscall page (R|U) below the trapframe, structure exactly what the program's ELF implies."""
    out = run.q.run("vmprint")
    pg.check_vmprint(out, os.path.join(run.fsroot, "vmprint"), "kpgtbl", usyscall=True, style="va")
    lines = out[out.index("page table 0x"):].split("\n")
    pos = 0
    for pat in KPGTBL_2024_LINES:
        while pos < len(lines) and not re.match(pat, lines[pos]):
            pos += 1
        check(pos < len(lines), "kpgtbl prints a line matching %r, in order" % pat, out)
        pos += 1
    m = re.search(r"^ \.\. \.\. \.\.0x0000003fffffd000: pte 0x([0-9a-f]{16})", out, re.M)
    check(int(m.group(1), 16) & 0x1f == 0x13, "the usyscall page is V|R|U only", out)


class Profile:
    def __init__(self, title, make_target, kernel, tests):
        self.title, self.make_target, self.kernel, self.tests = title, make_target, kernel, tests


PROFILES = {
    "pgtbl2020": Profile(
        "page tables (6.S081 fall 2020): vmprint, a kernel page table per process, copyin through it",
        ["lab", "LAB=pgtbl2020"], "build/riscv-pgtbl2020/kernel/kernel", [
            ("vmprint at boot", 10, vmprint_at_boot),
            ("vmprint of a program", 5, vmprint_program),
            ("kernel page table per process", 20, kernel_table_per_process),
            ("user mirror seen through gdb", 5, mirror_through_gdb),
            ("copyin and copyinstr through it", 15, copyin_through_kernel_table),
            ("sbrk below the PLIC", 5, sbrk_limit),
            ("no page lost", 10, no_page_lost),
            ("usertests: copytests", 5, usertests("copytests")),
            ("usertests: vmtests", 5, usertests("vmtests")),
        ]),
    "pgtbl2024": Profile(
        "page tables (6.1810 fall 2024): the usyscall page, kpgtbl's format, pgaccess (2021), "
        "superpages and pgpte",
        ["lab", "LAB=pgtbl2024"], "build/riscv-pgtbl2024/kernel/kernel", [
            ("ugetpid and the usyscall page", 15,
             suite("usystests", "ugetpid_matches", "ugetpid_in_children", "ugetpid_after_exec",
                   "usyscall_read_only", "usyscall_above_heap")),
            ("kpgtbl in the 2024 format", 15, kpgtbl_2024),
            ("pgaccess", 15,
             suite("usystests", "pgaccess_lab", "pgaccess_unaligned_base", "pgaccess_mask_size",
                   "pgaccess_512_pages", "pgaccess_bad_arguments",
                   "pgaccess_unmapped_and_kernel_pages", "pgaccess_kernel_copies_do_not_count",
                   "pgaccess_fork_child_own_bits")),
            # Engineer `super`'s suite (superpages, their fork and split, pgpte 33): missing from
            # a tree without it, and then this part scores 0.
            (SUPERTESTS, 25, usertests("supertests")),
            ("usertests: copytests", 5, usertests("copytests")),
            ("usertests: vmtests", 5, usertests("vmtests")),
            ("usertests: proctests", 5, usertests("proctests")),
        ]),
    # Skeletons: each grades the suite that defines the lab (from the engineers who build it; a
    # tree without it scores 0 there) and the classic suites that must still pass.
    "lazy2020": Profile(
        "lazy page allocation (6.S081 fall 2020): every sbrk lazy",
        ["lab", "LAB=lazy2020"], "build/riscv-lazy2020/kernel/kernel", [
            ("lazytests", 50, usertests("lazytests")),
            ("usertests: vmtests", 10, usertests("vmtests")),
            ("usertests: copytests", 10, usertests("copytests")),
            ("usertests: proctests", 10, usertests("proctests")),
        ]),
    "cow": Profile(
        "copy-on-write fork (6.S081 2020 to 6.1810 2024)",
        ["lab", "LAB=cow"], "build/riscv-cow/kernel/kernel", [
            ("cowtests", 50, usertests("cowtests")),
            ("usertests: vmtests", 10, usertests("vmtests")),
            ("usertests: copytests", 10, usertests("copytests")),
            ("usertests: proctests", 10, usertests("proctests")),
        ]),
    "mmap": Profile(
        "mmap (6.S081 2020 to 6.1810 2024)",
        ["lab", "LAB=mmap"], "build/riscv-mmap/kernel/kernel", [
            ("mmaptests", 50, usertests("mmaptests")),
            ("usertests: vmtests", 10, usertests("vmtests")),
            ("usertests: copytests", 10, usertests("copytests")),
            ("usertests: proctests", 10, usertests("proctests")),
            ("usertests: fstests", 10, usertests("fstests")),
        ]),
}


def grade(lab, kernel=None, fs=None, cpus=1, timeout=1800, build=True, out=print, kernel_lab=None):
    """Runs the profile; returns (score, possible, [(name, points, got, seconds, error)]).
    kernel_lab: the profile `kernel` was built with, when it is not the lab's own."""
    kernel_lab = kernel_lab or lab
    prof = PROFILES[lab]
    kernel = kernel or os.path.join(ROOT, prof.kernel)
    fs = fs or os.path.join(ROOT, "build", "riscv", "fs.img")
    if build:
        target = prof.make_target if isinstance(prof.make_target, list) else [prof.make_target]
        subprocess.run(["make", "-s", "-C", ROOT] + target, check=True,
                       stdout=subprocess.DEVNULL)
    out("Grading %s: %s" % (lab, prof.title))
    results = []
    run = None
    try:
        for name, points, fn in prof.tests:
            start = time.monotonic()
            err = None
            try:
                if run is None or not run.alive():
                    if run is not None:
                        run.close()
                    run = Run(kernel, fs, cpus, timeout, kernel_lab)
                fn(run)
            except (TestFailure, RuntimeError, ValueError) as e:
                err = str(e).strip().split("\n")[0]
                # The console may be mid-command: start the next test on a fresh machine.
                if run is not None:
                    run.close()
                    run = None
            secs = time.monotonic() - start
            got = 0 if err else points
            results.append((name, points, got, secs, err))
            out("== Test %s == %s: %s (%.1fs)  [%d/%d]" % (name, name, "FAIL" if err else "OK",
                                                         secs, got, points))
            if err:
                out("    " + err)
    finally:
        if run is not None:
            run.close()
    score = sum(r[2] for r in results)
    possible = sum(r[1] for r in results)
    out("Score: %d/%d" % (score, possible))
    return score, possible, results


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--lab", default="")
    p.add_argument("--kernel", help="grade this kernel instead of the profile's")
    p.add_argument("--fs")
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--list", action="store_true")
    a = p.parse_args()
    if a.list or a.lab not in PROFILES:
        if not a.list:
            print("grade: unknown lab %r; LAB= one of:" % a.lab, file=sys.stderr)
        for name, prof in PROFILES.items():
            print("  %-12s %s (%d tests, %d points)" % (name, prof.title, len(prof.tests),
                                                       sum(t[1] for t in prof.tests)))
        sys.exit(0 if a.list else 2)
    score, possible, _ = grade(a.lab, a.kernel, a.fs, a.cpus, build=not a.no_build)
    sys.exit(0 if score == possible else 1)


if __name__ == "__main__":
    main()
