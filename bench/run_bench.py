#!/usr/bin/env python3
"""Runs Pagoda's benchmarks and writes bench/results.{md,json} (issue 7; see bench/README.md).

Guest benchmarks: boots each kernel page-table design (RISC-V per-process and global, the pgtbl2020
lab kernel, the x86 kernel, and any --baseline kernels of an older revision) under QEMU with
`-icount shift=0,sleep=off` (virtual time advances with instructions, so figures repeat run to run)
on one hart, runs `vmbench` at the shell, then `halt`. Each design is run --runs times, each time on
a fresh private copy of its fs.img. Every figure is printed beside its goal (GOALS) and, for a
design with a baseline, beside the baseline's figure. Host micro-benchmarks: runs the Google
Benchmark binary of the page-table core if it exists.

Not a test: nothing here passes or fails on a figure. A missing kernel or binary is reported in the
output; the exit status is 1 only if no guest run produced figures.

    python3 bench/run_bench.py --kernel build/riscv/kernel/kernel \\
        --kernel-global build/riscv-global/kernel/kernel --fs build/riscv/fs.img \\
        --kernel-x86 build/x86/kernel/kernel --fs-x86 build/x86/fs.img \\
        --host-bench build/host/bench/pagetable_bench --out bench \\
        [--baseline per-process=OLD/build/riscv/kernel/kernel --baseline global=...]
"""

import argparse
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # leave no __pycache__ in the source tree
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
import harness  # noqa: E402  (the QEMU test harness: boot, drive the console, halt)

ICOUNT = "-icount shift=0,sleep=off"
TICK_NS = 100  # QEMU virt's timebase is 10 MHz; every figure in the tables is in these ticks
# Virtual nanoseconds per count of each architecture's benchmark clock. RISC-V: the 10 MHz `time`
# CSR. x86: the TSC, which QEMU derives from the virtual clock (with -icount shift=0 one count per
# guest instruction, i.e. 1 ns; the clock_insn_loop benchmark measures it in every run).
CLOCK_NS = {"riscv": 100, "x86": 1}
CLOCK_UNIT = {"riscv": "ticks of the 10 MHz `time` CSR",
              "x86": "TSC counts (QEMU's TSC follows the virtual clock: 1 ns, so with -icount "
                     "shift=0 one count per instruction)"}
BENCH_RE = re.compile(r"^BENCH name=(\S+) (?:ticks_per_op=([0-9.]+) iters=(\d+) ticks=(\d+)|error=(\S+))",
                      re.MULTILINE)
# vmbench's benchmarks, one shell command per group (file_read_200kib reports the read half of
# file_write_200kib's rounds, so the two run in one process).
GROUPS = [["clock_insn_loop"], ["getpid"], ["fork_exit_wait"], ["fork_exit_wait_4mib"], ["exec"],
          ["sbrk_touch_4mib"], ["sbrk_touch_4mib_aligned"],
          ["pipe_4mib_512b"], ["file_write_200kib", "file_read_200kib"], ["copyin_write_4kib"],
          ["lazy_sbrk_1gib_touch64"], ["page_fault_zero_4kib"],
          ["file_read_once_200kib", "file_mmap_once_200kib"]]
# The goals of issue 13, in ticks of 100 ns of virtual time per operation (RISC-V `time` ticks; an
# x86 figure is converted with CLOCK_NS before it is compared). A benchmark not listed here has the
# goal "at or below its baseline" (no regression), checkable when the run has a baseline kernel of
# the same design (--baseline). None: no goal (a calibration, not a cost).
GOALS = {
    "clock_insn_loop": None,
    "getpid": 3.0,
    "fork_exit_wait": 500,
    "fork_exit_wait_4mib": 4000,
    "exec": 1500,
    "sbrk_touch_4mib": 10500,  # 2x the zeroing floor: 524,288 eight-byte stores, ~5,250 ticks
    "pipe_4mib_512b": 400000,
    "copyin_write_4kib": 300,
}
# A figure whose runs spread more than this (percent) is disk-bound (the file benchmarks): "at or
# below the baseline" is then judged against the ranges of both, not the means.
NOISY_SPREAD_PCT = 1.0
BASELINE_SUFFIX = "@base"
# Figures that are ratios of two benchmarks of the same run (issue 12): (label, numerator,
# denominator).
RATIOS = [("mmap of a file read once / read() of it into a buffer", "file_mmap_once_200kib",
           "file_read_once_200kib")]
README_BEGIN = "<!-- results:begin -->"
README_END = "<!-- results:end -->"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--kernel", required=True, help="kernel with per-process kernel page tables")
    p.add_argument("--kernel-global", default="", help="kernel with the global kernel page table")
    p.add_argument("--kernel-eager", default=os.path.join(ROOT, "build", "riscv-pgtbl2020", "kernel",
                                                          "kernel"),
                   help="an eager kernel (lab profile pgtbl2020: no lazy sbrk, no COW fork), run as "
                        "design 'pgtbl2020' for the demand-paging ratios (issue 12)")
    p.add_argument("--fs", required=True, help="fs.img holding vmbench and nop (a copy is used)")
    p.add_argument("--kernel-x86", default="", help="the x86 kernel (design 'x86': the kernel "
                   "mapped in every page directory, as xv6-x86 does)")
    p.add_argument("--fs-x86", default="", help="x86 fs.img holding vmbench and nop")
    p.add_argument("--kernel-4k", default=os.path.join(ROOT, "build", "riscv-pgtbl2020", "kernel", "kernel"),
                   help="a kernel without superpages (`make lab LAB=pgtbl2020`) for the superpage "
                        "figure; when it is --kernel-eager and design pgtbl2020 runs, that boot's "
                        "figures serve (one boot); '' to skip")
    p.add_argument("--baseline", action="append", default=[], metavar="DESIGN=PATH",
                   help="a kernel of an older revision for DESIGN (per-process, global, pgtbl2020 "
                        "or x86), run in the same invocation as design 'DESIGN@base' with the "
                        "same fs.img; repeatable, or comma-separated")
    p.add_argument("--baseline-kernel", default="", help="same as --baseline per-process=PATH")
    p.add_argument("--baseline-kernel-global", default="", help="same as --baseline global=PATH")
    p.add_argument("--host-bench", default="", help="Google Benchmark binary of the page-table core")
    p.add_argument("--out", default=os.path.join(ROOT, "bench"), help="directory for results.*")
    p.add_argument("--runs", type=int, default=2, help="QEMU runs per design (default 2)")
    p.add_argument("--timeout", type=float, default=420, help="bound on one QEMU run, seconds")
    p.add_argument("--vmbench-args", default="", help="arguments for vmbench (e.g. -q, or names)")
    p.add_argument("--designs", default="per-process,global,pgtbl2020,x86",
                   help="which designs to run (their baselines run with them)")
    p.add_argument("--host-bench-min-time", type=float, default=0.2,
                   help="Google Benchmark --benchmark_min_time, seconds")
    p.add_argument("--no-readme", action="store_true",
                   help="do not refresh the figures between the markers in OUT/README.md")
    return p.parse_args(argv)


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-riscv64", "--version"], capture_output=True, text=True,
                             timeout=30).stdout
        return out.splitlines()[0].strip() if out else "unknown"
    except (OSError, subprocess.SubprocessError) as e:
        return f"unknown ({e})"


def git_revision():
    """The commit benchmarked, read-only; '+dirty' if the tree had uncommitted changes."""
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return (rev or "unknown") + ("+dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def loaded_image_hash(kernel):
    """sha256 of what QEMU loads (the ELF's allocated sections), or None. Debug info differs
    between any two builds; this tells whether the two designs' kernels really differ."""
    import hashlib
    with tempfile.TemporaryDirectory(prefix="pagoda-bench-") as tmp:
        flat = os.path.join(tmp, "kernel.bin")
        try:
            subprocess.run(["riscv64-linux-gnu-objcopy", "-O", "binary", kernel, flat], check=True,
                           capture_output=True, timeout=60)
            with open(flat, "rb") as f:
                return hashlib.sha256(f.read()).hexdigest()
        except (OSError, subprocess.SubprocessError):
            return None


# ---- guest runs ------------------------------------------------------------------------------

def parse_vmbench(text):
    """{name: {ticks_per_op, iters, ticks}} or {name: {error}} from vmbench's BENCH lines."""
    results = {}
    for m in BENCH_RE.finditer(text):
        name, per_op, iters, ticks, error = m.groups()
        if error is not None:
            results[name] = {"error": error}
        else:
            results[name] = {"ticks_per_op": float(per_op), "iters": int(iters), "ticks": int(ticks)}
    return results


def vmbench_commands(extra):
    """The shell commands of one run. By default one per benchmark group, so the runner can tell how
    much wall time each took; if `extra` names benchmarks, just `vmbench EXTRA`."""
    words = extra.split()
    if any(not w.startswith("-") for w in words):
        return [("vmbench " + extra).strip()]
    flags = " ".join(words)
    return [" ".join(["vmbench"] + ([flags] if flags else []) + group) for group in GROUPS]


# The superpage figure (issue 12): these run on --kernel-4k too, whose design is per-process.
SUPERPAGE_BENCHES = ["sbrk_touch_4mib", "sbrk_touch_4mib_aligned"]
KERNEL_4K = "4k-pages"


def base_design(design):
    """The design a label measures: 'global@base' is the global design of the baseline kernel."""
    return design[:-len(BASELINE_SUFFIX)] if design.endswith(BASELINE_SUFFIX) else design


def design_arch(design):
    return "x86" if base_design(design) == "x86" else "riscv"


def guest_run(args, design, spec, index, vmbench_args=None):
    """One boot of spec (kernel, fs, arch, kpt): vmbench, then halt. Returns a record for
    results.json; never raises."""
    kernel = spec["kernel"]
    record = {"design": design, "run": index, "kernel": kernel, "arch": spec["arch"], "ok": False,
              "benchmarks": {}, "error": None, "console": ""}
    tmpdir = tempfile.mkdtemp(prefix="pagoda-bench-")
    image = os.path.join(tmpdir, "fs.img")
    shutil.copyfile(spec["fs"], image)
    qargs = argparse.Namespace(kernel=kernel, fs=spec["fs"], cpus=1, kpt=spec["kpt"],
                               timeout=args.timeout, qemu_extra=ICOUNT, arch=spec["arch"])
    q = harness.Qemu(qargs, image=image, cpus=1)
    record["qemu_command"] = " ".join(q.command_line())
    started = time.monotonic()
    try:
        q.start()
        q.boot(timeout=min(120, args.timeout))
        booted = time.monotonic()
        for command in vmbench_commands(args.vmbench_args if vmbench_args is None else vmbench_args):
            t0 = time.monotonic()
            out = q.run(command, timeout=max(1, args.timeout - (t0 - started)))
            wall = round(time.monotonic() - t0, 1)
            found = parse_vmbench(out)
            for b in found.values():
                b["command"] = command
                b["command_wall_seconds"] = wall
            record["benchmarks"].update(found)
            if "BENCH done" not in out:
                record["error"] = f"`{command}` did not finish (no 'BENCH done')"
                break
        record["vmbench_wall_seconds"] = round(time.monotonic() - booted, 1)
        try:
            q.halt()
        except harness.TestFailure as e:  # figures stand; note the unclean shutdown
            record["halt_error"] = str(e).splitlines()[0]
    except harness.TestFailure as e:
        record["error"] = str(e).splitlines()[0]
        if not record["benchmarks"]:
            record["benchmarks"] = parse_vmbench(q.log)
    except OSError as e:
        record["error"] = f"could not run QEMU: {e}"
    finally:
        q.kill()
        shutil.rmtree(tmpdir, ignore_errors=True)
    record["wall_seconds"] = round(time.monotonic() - started, 1)
    record["console"] = q.log[-20000:]
    record["ok"] = record["error"] is None and any(
        "ticks_per_op" in b for b in record["benchmarks"].values())
    return record


# ---- host micro-benchmarks -------------------------------------------------------------------

def host_bench(args):
    path = args.host_bench
    if not path:
        return {"status": "not requested"}
    if not os.path.exists(path):
        return {"status": f"not built ({path} does not exist)"}
    cmd = [path, "--benchmark_format=json", "--benchmark_repetitions=3",
           "--benchmark_report_aggregates_only=true",
           f"--benchmark_min_time={args.host_bench_min_time}"]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    except (OSError, subprocess.SubprocessError) as e:
        return {"status": f"failed to run: {e}", "command": " ".join(cmd)}
    if proc.returncode != 0:
        return {"status": f"exited {proc.returncode}", "command": " ".join(cmd),
                "stderr": proc.stderr[-2000:]}
    try:
        data = json.loads(proc.stdout)
    except json.JSONDecodeError as e:
        return {"status": f"unreadable output: {e}", "command": " ".join(cmd)}
    return {"status": "ok", "command": " ".join(cmd), "context": data.get("context", {}),
            "benchmarks": data.get("benchmarks", [])}


def host_table(host):
    """Rows (name, mean, unit, cv%) from Google Benchmark's mean/cv aggregates."""
    rows = {}
    order = []
    for b in host.get("benchmarks", []):
        name = b.get("run_name", b.get("name", "?"))
        kind = b.get("aggregate_name", "")
        if name not in rows:
            rows[name] = {}
            order.append(name)
        if kind == "mean" or not kind:
            rows[name]["mean"] = b.get("cpu_time")
            rows[name]["unit"] = b.get("time_unit", "ns")
            rows[name]["items_per_second"] = b.get("items_per_second")
        elif kind == "cv":
            rows[name]["cv"] = b.get("cpu_time")
    return [(n, rows[n]) for n in order]


# ---- summaries -------------------------------------------------------------------------------

def summarize(records, designs):
    """{design: {bench: {mean, min, max, spread_pct, runs, values, raw_mean}}} over the successful
    runs. Values are in ticks of TICK_NS (an x86 TSC figure is converted); raw_mean is in the
    architecture's own clock."""
    summary = {}
    for design in designs:
        scale = CLOCK_NS[design_arch(design)] / TICK_NS
        per_bench = {}
        for r in records:
            if r["design"] != design:
                continue
            for name, b in r["benchmarks"].items():
                per_bench.setdefault(name, {"values": [], "errors": []})
                if "ticks_per_op" in b:
                    per_bench[name]["values"].append(b["ticks_per_op"] * scale)
                else:
                    per_bench[name]["errors"].append(b["error"])
        for name, s in per_bench.items():
            v = s["values"]
            if v:
                mean = sum(v) / len(v)
                s.update(mean=mean, min=min(v), max=max(v), raw_mean=mean / scale,
                         spread_pct=(max(v) - min(v)) / mean * 100 if mean else 0.0)
        summary[design] = per_bench
    return summary


def bench_order(records):
    names = []
    for r in records:
        for name in r["benchmarks"]:
            if name not in names:
                names.append(name)
    return names


def fmt_ticks(x):
    return f"{x:,.2f}" if x < 100 else f"{x:,.0f}"


def fmt_host_time(value, unit):
    ns = value * {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}.get(unit, 1)
    for scale, name in ((1e9, "s"), (1e6, "ms"), (1e3, "µs")):
        if ns >= scale:
            return f"{ns / scale:.3g} {name}" if ns / scale < 100 else f"{ns / scale:.0f} {name}"
    return f"{ns:.3g} ns"


def fmt_time(ticks):
    ns = ticks * TICK_NS
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def goal_text(name):
    if name not in GOALS:
        return "≤ baseline"
    goal = GOALS[name]
    return "— (calibration)" if goal is None else f"≤ {fmt_ticks(goal)}"


def judge(name, design, summary):
    """'met', '**not met**' (with how far), 'no baseline', or '' (no goal) for design's figure."""
    s = summary.get(design, {}).get(name, {})
    if "mean" not in s:
        return ""
    if name in GOALS:
        goal = GOALS[name]
        if goal is None:
            return ""
        return "met" if s["mean"] <= goal else f"**not met** ({s['mean'] / goal:.2f}× the goal)"
    base = summary.get(design + BASELINE_SUFFIX, {}).get(name, {})
    if "mean" not in base:
        return "no baseline"
    if s["mean"] <= base["mean"]:
        return "met"
    noisy = max(s["spread_pct"], base["spread_pct"]) > NOISY_SPREAD_PCT
    if noisy and s["min"] <= base["max"]:
        return "met within the noise (disk-bound)"
    return f"**not met** (+{(s['mean'] / base['mean'] - 1) * 100:.2f}%" + \
        (", disk-bound)" if noisy else ")")


def figure_cell(name, design, summary):
    s = summary.get(design, {}).get(name)
    if s and "mean" in s:
        text = fmt_ticks(s["mean"])
        if design_arch(design) == "x86":
            text += f" ({fmt_ticks(s['raw_mean'])} TSC)"
        return text
    if s and s["errors"]:
        return s["errors"][0].replace("_", " ")
    return "—"


def goal_table(records, summary, designs):
    """Benchmark × design, each figure beside its goal and whether it meets it."""
    names = bench_order(records)
    head = ["benchmark", "goal (ticks/op)"]
    for d in designs:
        head += [d, "goal met?"]
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---", "---:"] + ["---:", "---"] * len(designs)) + "|"]
    for name in names:
        row = [f"`{name}`", goal_text(name)]
        for d in designs:
            row += [figure_cell(name, d, summary), judge(name, d, summary)]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def spread_table(records, summary, designs):
    names = bench_order(records)
    lines = ["| benchmark | " + " | ".join(designs) + " |", "|---|" + "---:|" * len(designs)]
    for name in names:
        row = [f"`{name}`"]
        for d in designs:
            s = summary.get(d, {}).get(name)
            if s and "mean" in s:
                n = len(s["values"])
                span = f"{fmt_ticks(s['min'])}–{fmt_ticks(s['max'])}"
                row.append(f"{s['spread_pct']:.2f}% ({span}, {n} run{'s' if n != 1 else ''})")
            else:
                row.append("—")
        lines.append("| " + " | ".join(row) + " |")
    return lines


def baseline_table(records, summary, designs):
    """Before (the --baseline kernel) and now, per design that has a baseline, same run."""
    with_base = [d for d in designs if d + BASELINE_SUFFIX in summary and
                 any("mean" in s for s in summary[d + BASELINE_SUFFIX].values())]
    if not with_base:
        return []
    head = ["benchmark"]
    for d in with_base:
        head += [f"{d}: baseline", f"{d}: now", f"{d}: now / baseline"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for name in bench_order(records):
        row = [f"`{name}`"]
        for d in with_base:
            before = summary[d + BASELINE_SUFFIX].get(name, {})
            now = summary.get(d, {}).get(name, {})
            row += [figure_cell(name, d + BASELINE_SUFFIX, summary), figure_cell(name, d, summary),
                    f"{now['mean'] / before['mean']:.3f}"
                    if "mean" in now and before.get("mean") else "—"]
        lines.append("| " + " | ".join(row) + " |")
    return lines


def ratio_table(records, designs, missing):
    """RATIOS, per design: the mean over the runs of numerator / denominator within each run."""
    run_designs = [d for d in designs if d not in missing]
    L = ["Ratios within the same run (mean over the runs):", "",
         "| ratio | " + " | ".join(run_designs) + " |",
         "|---|" + "---:|" * len(run_designs)]
    for label, num, den in RATIOS:
        cells = []
        for d in run_designs:
            values = []
            for r in records:
                b = r.get("benchmarks", {})
                if r["design"] == d and "ticks_per_op" in b.get(num, {}) and \
                        b.get(den, {}).get("ticks_per_op"):
                    values.append(b[num]["ticks_per_op"] / b[den]["ticks_per_op"])
            cells.append(f"{sum(values) / len(values):.3f}" if values else "—")
        L.append(f"| {label} | " + " | ".join(cells) + " |")
    return L


def superpage_table(records, summary):
    """sbrk+touch 4 MiB on the default kernel (superpages) against the pgtbl2020 kernel (4 KiB
    pages only), from the same invocation."""
    four_k = summary.get(KERNEL_4K, {})
    if not any("mean" in four_k.get(n, {}) for n in SUPERPAGE_BENCHES):
        return []
    L = ["Superpages (issue 12): the per-process default kernel, which maps each 2 MiB-aligned 2 MiB "
         "of an eager sbrk with one level-1 leaf, against the pgtbl2020 profile's kernel (4 KiB pages "
         "only), same fs.img, same run. `sbrk_touch_4mib_aligned` starts at a 2 MiB boundary, so its "
         "4 MiB are two superpages; `sbrk_touch_4mib` starts wherever the break is.", "",
         "| benchmark | superpages: ticks/op | 4 KiB pages: ticks/op | 4 KiB / superpages |",
         "|---|---:|---:|---:|"]
    for name in SUPERPAGE_BENCHES:
        sp = summary.get("per-process", {}).get(name, {}).get("mean")
        fk = four_k.get(name, {}).get("mean")
        cells = [f"`{name}`", fmt_ticks(sp) if sp else "—", fmt_ticks(fk) if fk else "—",
                 f"{fk / sp:.2f}×" if sp and fk else "—"]
        L.append("| " + " | ".join(cells) + " |")
    return L


def wall_table(records, designs, missing):
    """Host wall-clock seconds of each vmbench command (mean over the runs): what the figures cost
    to make, and for the disk-bound benchmarks a hint of their real duration."""
    run_designs = [d for d in designs if d not in missing]
    commands = []
    walls = {}
    for r in records:
        if not r["ok"]:
            continue
        for b in r["benchmarks"].values():
            c = b.get("command")
            if c is None:
                continue
            if c not in commands:
                commands.append(c)
            walls.setdefault((r["design"], c, r["run"]), b["command_wall_seconds"])
    if not commands:
        return []
    L = ["Host wall-clock seconds per `vmbench` command (mean over the runs; includes exec and "
         "console output):", "",
         "| command | " + " | ".join(run_designs) + " |",
         "|---|" + "---:|" * len(run_designs)]
    for c in commands:
        cells = []
        for d in run_designs:
            v = [w for (dd, cc, _), w in walls.items() if dd == d and cc == c]
            cells.append(f"{sum(v) / len(v):.1f}" if v else "—")
        L.append(f"| `{c}` | " + " | ".join(cells) + " |")
    totals = [f"{r['design']} #{r['run']}: {r.get('vmbench_wall_seconds', '?')} s"
              for r in records if r["ok"]]
    L += ["", "All of vmbench per run: " + ", ".join(totals) + "."]
    return L


def render_markdown(meta, records, summary, designs, missing, host):
    L = []
    L.append("# Pagoda benchmark results")
    L.append("")
    L.append(f"- Date: {meta['date']}")
    L.append(f"- Command: `{meta['command']}`")
    L.append(f"- Source: git {meta['git']}")
    L.append(f"- {meta['qemu_version']}, `{ICOUNT}`, 1 hart (RISC-V 128 MiB, x86 512 MiB)")
    L.append(f"- Unit of every guest figure: ticks of {TICK_NS} ns of virtual time per operation "
             "(with -icount shift=0 one guest instruction is 1 ns, so a tick is about 100 "
             "instructions). RISC-V: " + CLOCK_UNIT["riscv"] + ". x86: " + CLOCK_UNIT["x86"] +
             f", divided by {TICK_NS // CLOCK_NS['x86']}; the raw TSC figure is in parentheses")
    calib = []
    for d in designs:
        c = summary.get(d, {}).get("clock_insn_loop", {})
        if "raw_mean" in c:
            unit = "TSC counts" if design_arch(d) == "x86" else "`time` ticks"
            calib.append(f"{d} {fmt_ticks(c['raw_mean'])} {unit}")
    if calib:
        L.append("- Measured clock (`clock_insn_loop`: per 1,000 instructions of a two-instruction "
                 "countdown loop): " + ", ".join(calib))
    if meta.get("same_code"):
        L.append("- **The two designs' kernels load identical code**: this build does not yet "
                 "distinguish per-process from global kernel page tables, so their columns must agree")
    L.append(f"- Runs per design: {meta['runs']} (each boots a fresh copy of its fs.img); "
             "spread = (max − min) / mean over the runs")
    for d, spec in meta["kernels"].items():
        if d.endswith(BASELINE_SUFFIX):
            L.append(f"- Baseline `{d}`: `{spec['kernel']}`")
    L.append("")
    L.append("## Guest benchmarks (`vmbench`)")
    L.append("")
    for d in designs:
        if d in missing:
            L.append(f"- **{d}**: not run: {missing[d]}")
    for r in records:
        if not r["ok"] or r.get("error") or r.get("halt_error"):
            why = r.get("error") or r.get("halt_error") or "no figures"
            L.append(f"- {r['design']} run {r['run']}: {why}")
    run_designs = [d for d in designs if d not in missing and not d.endswith(BASELINE_SUFFIX)]
    if any(r["ok"] for r in records):
        if L[-1]:
            L.append("")
        L.append("Each figure beside its goal (issue 13). A goal of \"≤ baseline\" means no "
                 "regression: met when the figure is at or below the same design's figure on the "
                 "`--baseline` kernel of this run.")
        L.append("")
        L += goal_table(records, summary, run_designs)
        L.append("")
        base = baseline_table(records, summary, run_designs)
        if base:
            L += ["Before and after, same run: the `--baseline` kernels (an older revision) and "
                  "today's, same fs.img.", ""] + base + [""]
        L += ["Run-to-run spread (ticks of 100 ns):", ""]
        L += spread_table(records, summary, [d for d in designs if d not in missing])
        L.append("")
        sp = superpage_table(records, summary)
        if sp:
            L += sp + [""]
        L.append("Operations: `clock_insn_loop` = 1,000 instructions of a countdown loop (the "
                 "clock's calibration); `getpid` round trip; `fork_exit_wait` of the small "
                 "vmbench process; `fork_exit_wait_4mib` the same after the parent grew by 4 MiB "
                 "and touched every page; `exec` of `nop` (per exec, fork cost subtracted); "
                 "`sbrk_touch_4mib` = "
                 "sbrk(+4 MiB), touch every page, sbrk(−4 MiB); `pipe_4mib_512b` = 4 MiB through a "
                 "pipe in 512-byte writes to a reader child; `file_write_200kib` / "
                 "`file_read_200kib` = create+write / read back a 200 KiB file; "
                 "`copyin_write_4kib` = one 4 KiB write to a pipe (reader drains); "
                 "`file_read_once_200kib` / `file_mmap_once_200kib` = open a 200 KiB file and sum "
                 "every byte, through read() into a buffer / through mmap (pages read in at the "
                 "first touch) and munmap. On x86 (no superpages) `sbrk_touch_4mib_aligned` maps "
                 "4 KiB pages, and the 200 KiB file benchmarks are not run: xv6-x86's file system "
                 "holds files of at most 70 KiB.")
        L.append("")
        L += ratio_table(records, designs, missing)
        L.append("")
        L += wall_table(records, designs, missing)
    elif not missing or len(missing) < len(designs):
        if L[-1]:
            L.append("")
        L.append("No guest run produced figures.")
    L.append("")
    L.append("## Host micro-benchmarks (`pagetable_bench`, Google Benchmark)")
    L.append("")
    if host.get("status") != "ok":
        L.append(f"Not run: {host.get('status')}.")
    else:
        ctx = host.get("context", {})
        L.append(f"- Command: `{host['command']}`")
        L.append(f"- Host: {ctx.get('num_cpus', '?')} CPUs at {ctx.get('mhz_per_cpu', '?')} MHz, "
                 f"Google Benchmark library built as {ctx.get('library_build_type', '?')}; CPU-time figures, noisier "
                 "than the guest's (the machine is shared)")
        L.append("")
        L.append("| benchmark | mean CPU time | CV over 3 repetitions | items/s |")
        L.append("|---|---:|---:|---:|")
        for name, row in host_table(host):
            mean, cv, ips = row.get("mean"), row.get("cv"), row.get("items_per_second")
            cells = [f"`{name}`",
                     "—" if mean is None else fmt_host_time(mean, row.get("unit", "ns")),
                     "—" if cv is None else f"{cv * 100:.1f}%",
                     "—" if ips is None else f"{ips:,.3g}"]
            L.append("| " + " | ".join(cells) + " |")
    L.append("")
    return "\n".join(L)


def update_readme(out_dir, markdown_section):
    """Replaces the figures between the markers in OUT/README.md, if both markers are there."""
    path = os.path.join(out_dir, "README.md")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return False
    begin, end = text.find(README_BEGIN), text.find(README_END)
    if begin < 0 or end < begin:
        return False
    new = text[:begin + len(README_BEGIN)] + "\n" + markdown_section.strip() + "\n" + text[end:]
    if new != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(new)
    return True


def demand_paging_section(summary):
    """Issue 12's ratios, from the same run: COW fork vs the eager kernel's copy, the page-fault
    cost per page vs eager sbrk's per-page cost."""
    def mean(design, name):
        s = summary.get(design, {}).get(name)
        return s.get("mean") if s else None
    lines = ["", "## Demand paging (issue 12)", ""]
    eager = mean("pgtbl2020", "fork_exit_wait_4mib")
    for design in ("per-process", "global"):
        cow = mean(design, "fork_exit_wait_4mib")
        if cow and eager:
            lines.append(f"- fork+exit+wait after touching 4 MiB: {fmt_ticks(cow)} ticks with COW "
                         f"(default kernel, {design}) vs {fmt_ticks(eager)} with the eager copy "
                         f"(pgtbl2020): {eager / cow:.1f}x faster (goal: 20x)")
    for design in ("per-process", "global"):
        lazy = mean(design, "lazy_sbrk_1gib_touch64")
        if lazy:
            lines.append(f"- {design}: lazy sbrk of 1 GiB, 64 pages touched, shrink: "
                         f"{fmt_ticks(lazy)} ticks ({fmt_time(lazy)})")
        fault, eager4 = mean(design, "page_fault_zero_4kib"), mean(design, "sbrk_touch_4mib")
        if fault:
            extra = f"; eager sbrk+touch+shrink {fmt_ticks(eager4 / 1024)} per page" if eager4 else ""
            lines.append(f"- {design}: one zero-fill page fault {fmt_ticks(fault)} ticks{extra} "
                         "(on an eager kernel page_fault_zero_4kib touches mapped pages: no fault)")
    return "\n".join(lines) + "\n" if len(lines) > 3 else ""


def parse_baselines(args):
    """{design: kernel} from --baseline D=PATH (repeatable, comma-separated) and its aliases."""
    pairs = []
    for item in args.baseline:
        pairs += [x.strip() for x in item.split(",") if x.strip()]
    if args.baseline_kernel:
        pairs.append("per-process=" + args.baseline_kernel)
    if args.baseline_kernel_global:
        pairs.append("global=" + args.baseline_kernel_global)
    out = {}
    for pair in pairs:
        design, sep, path = pair.partition("=")
        if not sep or not path:
            sys.exit(f"bench: --baseline wants DESIGN=PATH, not {pair!r}")
        out[design.strip()] = path.strip()
    return out


def print_run(rec):
    status = "ok" if rec["ok"] else f"FAILED: {rec['error'] or 'no figures'}"
    print(f"bench: {rec['design']} run {rec['run']}: {status} ({rec['wall_seconds']} s)",
          flush=True)
    for name, b in rec["benchmarks"].items():
        print(f"    {name}: {b.get('ticks_per_op', 'error: ' + str(b.get('error')))}")


def main():
    args = parse_args()
    specs = {
        "per-process": {"kernel": args.kernel, "fs": args.fs, "arch": "riscv",
                        "kpt": "per-process"},
        "global": {"kernel": args.kernel_global, "fs": args.fs, "arch": "riscv", "kpt": "global"},
        "pgtbl2020": {"kernel": args.kernel_eager, "fs": args.fs, "arch": "riscv",
                      "kpt": "per-process"},
        "x86": {"kernel": args.kernel_x86, "fs": args.fs_x86, "arch": "x86", "kpt": "x86"},
    }
    designs = []
    for d in (d.strip() for d in args.designs.split(",")):
        if d and d not in designs:
            designs.append(d)
    for d, path in parse_baselines(args).items():
        if d not in specs:
            sys.exit(f"bench: --baseline {d}=...: unknown design (one of {', '.join(specs)})")
        specs[d + BASELINE_SUFFIX] = dict(specs[d], kernel=path)
        if d in designs:  # run right after the design it is the baseline of
            designs.insert(designs.index(d) + 1, d + BASELINE_SUFFIX)
        else:
            designs.append(d + BASELINE_SUFFIX)
    meta = {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "command": "python3 " + " ".join(
            [os.path.relpath(sys.argv[0], os.getcwd())] + sys.argv[1:]),
        "git": git_revision(),
        "qemu_version": qemu_version(),
        "qemu_options": ICOUNT + " -smp 1",
        "runs": args.runs,
        "fs": args.fs,
        "kernels": {d: specs[d] for d in designs if d in specs},
    }
    os.makedirs(args.out, exist_ok=True)
    riscv_designs = ("per-process", "global")
    if all(specs[d]["kernel"] and os.path.exists(specs[d]["kernel"]) for d in riscv_designs):
        hashes = [loaded_image_hash(specs[d]["kernel"]) for d in riscv_designs]
        meta["same_code"] = hashes[0] is not None and hashes[0] == hashes[1]

    missing = {}
    records = []
    for design in designs:
        spec = specs.get(design)
        if spec is None:
            missing[design] = "unknown design"
        elif not spec["kernel"] or not os.path.exists(spec["kernel"]):
            missing[design] = f"kernel {spec['kernel'] or '(none given)'} does not exist"
        elif not spec["fs"] or not os.path.exists(spec["fs"]):
            missing[design] = f"file system image {spec['fs'] or '(none given)'} does not exist"
        if design in missing:
            print(f"bench: {design}: not run: {missing[design]}", flush=True)
            continue
        for i in range(1, args.runs + 1):
            print(f"bench: {design} run {i}/{args.runs} ({spec['kernel']}) ...", flush=True)
            rec = guest_run(args, design, spec, i)
            records.append(rec)
            print_run(rec)

    # The superpage figure's 4 KiB-page kernel: the pgtbl2020 boot serves it when it is the same
    # kernel (one boot); any other --kernel-4k boots for its two benchmarks.
    four_k_from = None
    if args.kernel_4k and "pgtbl2020" in designs and "pgtbl2020" not in missing and \
            os.path.realpath(args.kernel_4k) == os.path.realpath(args.kernel_eager):
        four_k_from = "pgtbl2020"
    elif args.kernel_4k and os.path.exists(args.kernel_4k) and os.path.exists(args.fs):
        spec = {"kernel": args.kernel_4k, "fs": args.fs, "arch": "riscv", "kpt": "per-process"}
        for i in range(1, args.runs + 1):
            print(f"bench: {KERNEL_4K} ({args.kernel_4k}) run {i}/{args.runs} ...", flush=True)
            rec = guest_run(args, KERNEL_4K, spec, i, vmbench_args=" ".join(SUPERPAGE_BENCHES))
            records.append(rec)
            print_run(rec)
    elif args.kernel_4k:
        print(f"bench: {KERNEL_4K}: not run: kernel {args.kernel_4k} does not exist", flush=True)

    print("bench: host micro-benchmarks ...", flush=True)
    host = host_bench(args)
    print(f"bench: host micro-benchmarks: {host['status']}", flush=True)

    summary = summarize(records, designs + [KERNEL_4K])
    if four_k_from:
        summary[KERNEL_4K] = {n: summary[four_k_from][n] for n in SUPERPAGE_BENCHES
                              if n in summary[four_k_from]}
    markdown = render_markdown(meta, records, summary, designs, missing, host)
    markdown += demand_paging_section(summary)
    with open(os.path.join(args.out, "results.md"), "w", encoding="utf-8") as f:
        f.write(markdown)
    with open(os.path.join(args.out, "results.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "missing": missing, "summary": summary, "runs": records,
                   "host": host, "goals": GOALS}, f, indent=2)
    ok = any(r["ok"] for r in records)
    if ok and not args.no_readme:
        # Under the README's own "## Figures" heading: drop the title, demote the sections.
        section = markdown.split("\n", 1)[1].replace("\n## ", "\n### ")
        update_readme(args.out, section)
    print(markdown)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
