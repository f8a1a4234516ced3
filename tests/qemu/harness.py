"""Boots Pagoda in QEMU for a test, drives its console, and checks what it prints.

Every QEMU run is bounded: each wait has a timeout, and the whole run has one (--timeout). A failure
prints what was expected and the tail of the console, and the script exits 1.

    from harness import Qemu, parse_args, check
    args = parse_args()
    with Qemu(args) as q:
        q.expect(r"\\$ ")
        out = q.run("echo hi")
        check("hi" in out, "echo prints hi", out)
        q.halt()
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PROMPT = "$ "


class TestFailure(Exception):
    pass


def parse_args(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True)
    p.add_argument("--fs", required=True, help="fs.img to boot from (a private copy is used)")
    p.add_argument("--cpus", type=int, default=1)
    p.add_argument("--kpt", default="per-process", help="kernel page-table design (informational)")
    p.add_argument("--timeout", type=float, default=600, help="bound on the whole QEMU run, seconds")
    p.add_argument("--qemu-extra", default="", help="extra QEMU arguments")
    p.add_argument("--mem", default=None,
                   help="RAM for QEMU's -m (RISC-V default 128M, x86 512; the kernel reads it from "
                        "the device tree on RISC-V)")
    p.add_argument("--lab", default="default",
                   help="the kernel's lab profile (cmake/lab_profiles.cmake); default: everything on")
    p.add_argument("--arch", default="riscv", choices=["riscv", "x86"], help="the kernel's ISA")
    return p.parse_args(argv)


def check(cond, what, context=""):
    """Fails the test with `what` (and some context) unless cond holds."""
    if not cond:
        raise TestFailure(f"check failed: {what}\n--- context ---\n{context[-3000:]}")


class Qemu:
    """One QEMU run. `image` reuses an existing disk image instead of a fresh copy of --fs."""

    def __init__(self, args, image=None, cpus=None, keep_image=False, mem=None):
        self.args = args
        # QEMU's -m for this run: mem, else --mem (callers that build args by hand may lack it).
        self.mem = mem or getattr(args, "mem", None)
        self.cpus = cpus or args.cpus
        self._tmpdir = None
        if image is None:
            self._tmpdir = tempfile.mkdtemp(prefix="pagoda-qemu-")
            image = os.path.join(self._tmpdir, "fs.img")
            shutil.copyfile(args.fs, image)
        self.image = image
        self.keep_image = keep_image
        self.log = ""  # everything the console printed so far
        self._pos = 0  # how far expect() has consumed self.log
        self.proc = None
        self.deadline = None

    # -- life cycle --------------------------------------------------------------------------
    def __enter__(self):
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb):
        self.kill()
        if self._tmpdir and not self.keep_image:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
        if exc_type is TestFailure:
            print(str(exc), file=sys.stderr)
            print("--- console tail ---", file=sys.stderr)
            print(self.log[-4000:], file=sys.stderr)
            sys.exit(1)
        return False

    def command_line(self):
        if self.args.arch == "x86":
            # Exactly the line the README gives (make qemu ARCH=x86), with the test's disk copy.
            cmd = [
                "qemu-system-i386", "-nographic", "-no-reboot", "-kernel", self.args.kernel,
                "-drive", f"file={self.image},index=1,media=disk,format=raw",
                "-smp", str(self.cpus), "-m", self.mem or "512",
            ]
            if self.args.qemu_extra:
                cmd += self.args.qemu_extra.split()
            return cmd
        cmd = [
            "qemu-system-riscv64", "-machine", "virt", "-bios", "none",
            "-kernel", self.args.kernel, "-m", self.mem or "128M", "-smp", str(self.cpus),
            "-nographic",
            "-global", "virtio-mmio.force-legacy=false",
            "-drive", f"file={self.image},if=none,format=raw,id=x0",
            "-device", "virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0",
            "-monitor", "none", "-serial", "stdio",
        ]
        if self.args.qemu_extra:
            cmd += self.args.qemu_extra.split()
        return cmd

    def start(self):
        self.deadline = time.monotonic() + self.args.timeout
        self.proc = subprocess.Popen(
            self.command_line(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        os.set_blocking(self.proc.stdout.fileno(), False)

    def kill(self):
        """Stops QEMU at once (a power cut, as far as the disk is concerned)."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
        self._drain()

    # -- console ------------------------------------------------------------------------------
    def _drain(self):
        if not self.proc or not self.proc.stdout:
            return False
        try:
            data = self.proc.stdout.read()
        except (BlockingIOError, ValueError):
            data = None
        if data:
            self.log += data.decode("utf-8", errors="replace").replace("\r\n", "\n")
            return True
        return False

    def send(self, text):
        """Types text on the console, a little at a time (the UART has a small input buffer)."""
        for i in range(0, len(text), 16):
            self.proc.stdin.write(text[i:i + 16].encode())
            self.proc.stdin.flush()
            time.sleep(0.01)

    def expect(self, pattern, timeout=60):
        """Waits for a regex in the console output after what earlier expects consumed."""
        regex = re.compile(pattern, re.MULTILINE)
        limit = min(time.monotonic() + timeout, self.deadline)
        while True:
            m = regex.search(self.log, self._pos)
            if m:
                self._pos = m.end()
                return m
            if "panic: " in self.log[self._pos:]:
                time.sleep(0.2)
                self._drain()
                raise TestFailure(f"kernel panic while waiting for {pattern!r}")
            if self.proc.poll() is not None:
                self._drain()
                m = regex.search(self.log, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                raise TestFailure(
                    f"QEMU exited ({self.proc.returncode}) while waiting for {pattern!r}")
            if time.monotonic() > limit:
                raise TestFailure(f"timed out after {timeout}s waiting for {pattern!r}")
            if not self._drain():
                time.sleep(0.02)

    def boot(self, timeout=120):
        """Waits for the first shell prompt."""
        return self.expect(re.escape(PROMPT), timeout=timeout)

    def run(self, command, timeout=120):
        """Types a command at the shell prompt and returns what it printed before the next prompt."""
        self.send(command + "\n")
        start = self._pos
        self.expect(re.escape(PROMPT), timeout=timeout)
        out = self.log[start:self._pos - len(PROMPT)]
        # Drop the echoed command line.
        if out.startswith(command):
            out = out[len(command):]
        return out.lstrip("\n")

    def halt(self, timeout=60):
        """Powers the machine off through `halt`; QEMU must exit by itself with status 0."""
        self.send("halt\n")
        limit = time.monotonic() + timeout
        while self.proc.poll() is None:
            if time.monotonic() > limit:
                raise TestFailure("QEMU did not power off after halt")
            if not self._drain():
                time.sleep(0.05)
        self._drain()
        if self.proc.returncode != 0:
            raise TestFailure(f"QEMU exited with status {self.proc.returncode} after halt")
        check("panic: " not in self.log, "no kernel panic during the run", self.log)


def free_pages(q):
    """Free physical pages as the `free` program reports them, and its output."""
    out = q.run("free")
    m = re.search(r"free: (\d+) pages", out)
    check(m is not None, "free prints the page count", out)
    return int(m.group(1)), out


def run_suite(program, run_timeout, pass_lab=False):
    """Boots, runs one user/tests program from the shell, and requires every subtest to pass, no
    kernel panic, and the free page count unchanged across the whole run; then halts. pass_lab:
    the program is told the kernel's lab profile ("PROGRAM lab=NAME", harness --lab)."""
    args = parse_args()
    command = f"{program} lab={args.lab}" if pass_lab else program
    with Qemu(args) as q:
        q.boot()
        before, _ = free_pages(q)
        out = q.run(command, timeout=run_timeout)
        failed = [line for line in out.splitlines() if "FAILED" in line]
        check(not failed, f"no {program} subtest fails: " + "; ".join(failed[:5]), out)
        check("ALL TESTS PASSED" in out, f"{program} prints ALL TESTS PASSED", out)
        check("panic" not in out, "no kernel panic", out)
        after, _ = free_pages(q)
        check(after == before, f"free pages unchanged by {program}: {before} before, {after} after", out)
        q.halt()
    print("PASS")


def main_guard(fn):
    """Runs fn(args) and turns a TestFailure raised outside a Qemu block into exit status 1."""
    args = parse_args()
    try:
        fn(args)
    except TestFailure as e:
        print(str(e), file=sys.stderr)
        sys.exit(1)
    print("PASS")
