#!/usr/bin/env python3
"""The layering test: every #include under kernel/ must follow the layer table.

A file's layer is its folder under kernel/ (kernel/mm/x.h is in `mm`); the xv6 ABI headers directly
in kernel/ (types.h, param.h, ...) are `abi`; kernel/main.cc and kernel/main_x86.cc are `main`. kernel/arch/*.h is the
architecture interface and kernel/arch/<isa>/ its implementations: both are the `arch` layer, but
only kernel/arch/ itself may include an ISA folder. The check fails on
  - an include of a layer the table does not allow,
  - an include of kernel/arch/<isa>/ from outside kernel/arch/,
  - an include against the order inside a layer (BELOW: pipe.* may not include file.h),
  - a cycle between layers,
  - kernel/CMakeLists.txt's pagoda_layer() links that differ from the table,
  - a waiver (a known back edge, listed below with the work that removes it) that no longer occurs.
Each failure names the file and the include. docs/architecture.md explains the table.

  tools/layering.py [--root DIR]   check the tree at DIR (default: the repository)
  tools/layering.py --self-test    check the checker: fake trees with back edges must fail
"""

import argparse
import os
import re
import sys
import tempfile

# The boot paths: kernel/main.cc (RISC-V) and kernel/main_x86.cc (x86), the `main` layer.
MAIN_FILES = ("main.cc", "main_x86.cc")

# Which layers each layer may include (besides itself). Lower layers first.
ALLOWED = {
    "abi": set(),
    "lib": {"abi"},
    "mm": {"lib", "abi"},
    "arch": {"mm", "lib", "abi"},
    "sync": {"arch", "lib", "abi"},
    "kmem": {"sync", "arch", "mm", "lib", "abi"},
    "dev": {"sync", "arch", "lib", "abi"},
    "fs": {"dev", "sync", "arch", "mm", "lib", "abi"},
    "proc": {"fs", "dev", "kmem", "sync", "arch", "mm", "lib", "abi"},
    "main": {"proc", "fs", "dev", "kmem", "sync", "arch", "mm", "lib", "abi"},
}

# The CMake library of each layer (kernel/CMakeLists.txt), for the layers that have one.
CMAKE_TARGETS = {
    "lib": "pagoda_lib",
    "mm": "pagoda_mm",
    "arch": "pagoda_arch",
    "sync": "pagoda_sync",
    "kmem": "pagoda_kmem",
    "dev": "pagoda_dev",
    "fs": "pagoda_fs",
    "proc": "pagoda_proc",
}

# Order inside a layer where it matters: module -> modules it may not include. A pipe is below
# the file table (kernel/fs/file.cc makes a pipe's two File ends), so pipe.* must not include file.h.
BELOW = {
    "kernel/fs/pipe": {"kernel/fs/file"},
}

# Known back edges still in the tree: (file, include) -> what removes it. The check fails when one
# disappears, so that this list only shrinks.
WAIVERS = {
    # The boot path (main.cc) still names RISC-V start-up, CSRs and the PLIC; an arch::boot step
    # in the interface removes these.
    ("kernel/main.cc", "kernel/arch/riscv/boot.h"): "arch boot interface",
    ("kernel/main.cc", "kernel/arch/riscv/csr.h"): "arch boot interface",
    ("kernel/main.cc", "kernel/arch/riscv/memlayout.h"): "arch boot interface",
    ("kernel/main.cc", "kernel/arch/riscv/plic.h"): "arch boot interface",
    ("kernel/main.cc", "kernel/arch/riscv/trap.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/boot.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/cpus.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/ioapic.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/lapic.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/memlayout.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/multiboot.h"): "arch boot interface",
    ("kernel/main_x86.cc", "kernel/arch/x86/trap.h"): "arch boot interface",
    # The file system uses the running process (cwd, user copies, killed, system-call arguments):
    # xv6's fs <-> proc knot. A current-process interface below fs removes these.
    ("kernel/fs/directory.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/file.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/inode.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/log.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/pipe.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/sysfile.cc", "kernel/proc/proc.h"): "fs/proc interface",
    ("kernel/fs/sysfile.cc", "kernel/proc/syscall.h"): "fs/proc interface",
    # The console device reads into user memory and checks for a kill.
    ("kernel/dev/console.cc", "kernel/proc/proc.h"): "fs/proc interface",
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"(kernel/[^"]+)"', re.M)
ISA_FOLDERS = ("riscv", "x86")


def layer_of(path):
    """The layer of a repository path under kernel/."""
    parts = path.split("/")
    if len(parts) == 2:
        return "main" if parts[1] in MAIN_FILES else "abi"
    return parts[1]


def is_isa_private(path):
    parts = path.split("/")
    return len(parts) > 3 and parts[1] == "arch" and parts[2] in ISA_FOLDERS


def includes(root):
    """(file, include) for every kernel include under root/kernel, sorted."""
    edges = []
    for dirpath, _, files in os.walk(os.path.join(root, "kernel")):
        for name in files:
            if not name.endswith((".h", ".cc", ".S")):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            with open(full, encoding="utf-8", errors="replace") as f:
                for inc in INCLUDE.findall(f.read()):
                    edges.append((rel, inc))
    return sorted(edges)


def find_cycle(graph):
    """A list of layers forming a cycle in graph (layer -> set of layers), or None."""
    state = {}

    def visit(node, stack):
        state[node] = "active"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "active":
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, stack)
                if found:
                    return found
        stack.pop()
        state[node] = "done"
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node, [])
            if found:
                return found
    return None


def cmake_links(root):
    """layer -> set of layers from kernel/CMakeLists.txt's pagoda_layer() calls, or None."""
    path = os.path.join(root, "kernel", "CMakeLists.txt")
    if not os.path.exists(path):
        return None
    by_target = {t: l for l, t in CMAKE_TARGETS.items()}
    links = {}
    with open(path, encoding="utf-8") as f:
        for m in re.finditer(r"^pagoda_layer\(([^)]*)\)", f.read(), re.M):
            words = m.group(1).split()
            links[by_target.get(words[0], words[0])] = {by_target.get(w, w) for w in words[2:]}
    return links


def check(root, waivers):
    """Failure messages for the tree at root (empty: the tree follows the table)."""
    errors = []
    table_cycle = find_cycle(ALLOWED)
    if table_cycle:
        errors.append("the layer table has a cycle: " + " -> ".join(table_cycle))
    used = set()
    graph = {}
    for src, inc in includes(root):
        a, b = layer_of(src), layer_of(inc)
        problem = None
        if is_isa_private(inc) and not src.startswith("kernel/arch/"):
            problem = f"{src}: #include \"{inc}\": an ISA folder is private to kernel/arch " \
                      f"(use kernel/arch/arch.h)"
        elif a != b and b not in ALLOWED.get(a, set()):
            problem = f"{src}: #include \"{inc}\": layer {a} may not use {b}"
        elif os.path.splitext(inc)[0] in BELOW.get(os.path.splitext(src)[0], set()):
            problem = f"{src}: #include \"{inc}\": {src} is below {inc} in layer {a}"
        if problem and (src, inc) in waivers:
            used.add((src, inc))
            continue
        if problem:
            errors.append(problem)
        if a != b:
            graph.setdefault(a, set()).add(b)
    cycle = find_cycle(graph)
    if cycle:
        errors.append("include cycle between layers: " + " -> ".join(cycle))
    for src, inc in sorted(set(waivers) - used):
        errors.append(f"stale waiver: {src} no longer includes \"{inc}\" across layers; "
                      f"remove it from WAIVERS in tools/layering.py")
    links = cmake_links(root)
    if links is not None:
        for layer, target in CMAKE_TARGETS.items():
            want = ALLOWED[layer] - {"abi"}
            have = links.get(layer)
            if have is None:
                errors.append(f"kernel/CMakeLists.txt: no pagoda_layer({target} ...)")
            elif have != want:
                errors.append(f"kernel/CMakeLists.txt: {target} links {sorted(have)}, "
                              f"the table allows {sorted(want)}")
    return errors


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as f:
        f.write(text)


def self_test():
    """Each fake tree must give the expected verdict; returns the number of wrong verdicts."""
    cases = [
        ("clean", {"kernel/lib/a.h": "", "kernel/mm/b.h": '#include "kernel/lib/a.h"\n',
                   "kernel/proc/c.cc": '#include "kernel/arch/arch.h"\n',
                   "kernel/arch/arch.h": '#include "kernel/arch/riscv/x.h"\n',
                   "kernel/arch/riscv/x.h": '#include "kernel/mm/b.h"\n'}, True),
        ("back edge lib -> dev", {"kernel/lib/print.cc": '#include "kernel/dev/uart.h"\n',
                                  "kernel/dev/uart.h": ""}, False),
        ("portable -> ISA folder", {"kernel/proc/p.cc": '#include "kernel/arch/riscv/csr.h"\n',
                                    "kernel/arch/riscv/csr.h": ""}, False),
        ("cycle sync <-> proc", {"kernel/sync/s.cc": '#include "kernel/proc/p.h"\n',
                                 "kernel/proc/p.h": '#include "kernel/sync/s.h"\n',
                                 "kernel/sync/s.h": ""}, False),
        ("pipe -> file", {"kernel/fs/pipe.cc": '#include "kernel/fs/file.h"\n',
                          "kernel/fs/file.h": ""}, False),
        ("mm -> arch", {"kernel/mm/m.h": '#include "kernel/arch/arch.h"\n',
                        "kernel/arch/arch.h": ""}, False),
    ]
    wrong = 0
    for name, files, should_pass in cases:
        with tempfile.TemporaryDirectory() as root:
            for path, text in files.items():
                write(root, path, text)
            errors = check(root, waivers={})
        ok = (not errors) == should_pass
        print(f"self-test {name}: {'pass' if not errors else 'fail'} "
              f"(expected {'pass' if should_pass else 'fail'}){'' if ok else '  <-- WRONG'}")
        for e in errors:
            print("    " + e)
        wrong += 0 if ok else 1
    return wrong


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return 1 if self_test() else 0
    errors = check(args.root, WAIVERS)
    for e in errors:
        print(e)
    print(f"layering: {len(errors)} problem(s), {len(WAIVERS)} waived back edge(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
