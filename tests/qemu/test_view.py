#!/usr/bin/env python3
"""The page-table viewer in a real browser: captures a live system (tools/view/capture.py: boot,
`vmview`, `pagoda dump-json`), writes the page from the saved capture as `make view JSON=FILE`
does (tools/view/build.py), loads it in headless Chromium and checks the DOM it built.

The capture first: it holds init, sh, vmview and its forked child; both vmviews map vmview's first
heap page to one frame, read-only with the COW mark, which the kernel counts twice; the 2 MiB
above the lazy gap is one level-1 leaf shared the same way (the default kernels have superpages);
the MAP_SHARED pages are the same frames in both without COW, the MAP_PRIVATE ones each its own.
Then the DOM: every process has its section, layout and user tree; every entry of every user table
is drawn with its frame; the COW heap page carries the COW and the shared mark in both trees, the
superpage its mark, the guard pages theirs, and every mark is drawn exactly where the capture
says (counts per process and in total match); the layouts show the heap and both mappings where
vmview says they are; the frame index holds exactly the frames the user tables use; the script
ran to its end without an error; the page loads nothing from the network. Keeps the page and a
screenshot in build/view-test/ as artifacts."""
# matrix: cpus=1 kpt=per-process,global timeout=500

import html.parser
import json
import os
import re
import shutil
import subprocess
import sys

from harness import TestFailure, check, parse_args

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tools", "view"))
import build as view_build  # noqa: E402
import capture as view_capture  # noqa: E402


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    raise TestFailure("no chromium: tools/bootstrap.sh installs Debian's `chromium`")


def browser(page, *flags, timeout=180):
    cmd = [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--virtual-time-budget=20000", "--enable-logging=stderr", "--v=0", *flags,
           "file://" + os.path.abspath(page)]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise TestFailure("chromium timed out after %ds" % timeout)
    return r


class Dom(html.parser.HTMLParser):
    """What the test needs of the DOM: elements with their attributes and the nesting of user
    trees and proc sections, and a few texts by id."""

    def __init__(self):
        super().__init__()
        self.stack = []  # (tag, attrs)
        self.procs = {}  # pid -> attrs of its section
        self.tree_entries = {}  # pid -> [(level, data-pa, leaf)] inside its .user-tree
        self.tree_marks = {}  # pid -> {data-va: set of classes} of the leaves in its .user-tree
        self.layout_rects = {}  # pid -> [kind]
        self.layout_starts = {}  # pid -> {kind: [data-start]}
        self.frames = []  # data-pa of tr.frame
        self.texts = {}  # id -> text
        self.root_attrs = {}
        self._text_id = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root_attrs = a
        cls = a.get("class", "").split()
        if tag == "section" and "proc" in cls:
            self.procs[int(a["data-pid"])] = a
        in_user_tree = next((int(t[1]["data-pid"]) for t in reversed(self.stack)
                             if "user-tree" in t[1].get("class", "").split()), None)
        in_proc = next((int(t[1]["data-pid"]) for t in reversed(self.stack)
                        if t[0] == "section" and "proc" in t[1].get("class", "").split()), None)
        if tag == "li" and "pte" in cls and in_user_tree is not None:
            self.tree_entries.setdefault(in_user_tree, []).append(
                (int(a["data-level"]), a["data-pa"], "leaf" in cls))
            if "leaf" in cls:
                self.tree_marks.setdefault(in_user_tree, {})[int(a["data-va"], 16)] = set(cls)
        if tag == "rect" and "region" in cls and in_proc is not None:
            self.layout_rects.setdefault(in_proc, []).append(a["data-kind"])
            self.layout_starts.setdefault(in_proc, {}).setdefault(a["data-kind"], []).append(
                int(a["data-start"], 16))
        if tag == "tr" and "frame" in cls:
            self.frames.append(a["data-pa"])
        if "id" in a:
            self._text_id = a["id"]
            self.texts[a["id"]] = ""
        if tag not in ("br", "img", "meta", "input", "link", "hr", "line", "path", "stop"):
            self.stack.append((tag, a))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        while self.stack:
            t, _ = self.stack.pop()
            if t == tag:
                break

    def handle_data(self, data):
        for t, a in reversed(self.stack):
            if "id" in a and a["id"] in self.texts and a["id"] != "capture":
                self.texts[a["id"]] += data
                break


def leaves_of(tree, levels, index_bits):
    """{va: entry} of every leaf of a captured user tree."""
    out = {}

    def walk(node, base):
        for e in node["entries"]:
            va = base + (e["i"] << (12 + index_bits * node["level"]))
            if e["leaf"]:
                out[va] = e
            elif "child" in e:
                walk(e["child"], va)
    walk(tree, 0)
    return out


def expected(cap):
    """From the capture: per pid the (level, pa, leaf) of every user-tree entry in order, the
    frames the user tables use (table pages and every 4 KiB frame of each leaf) with the pids
    using each, and per pid the VAs of the leaves the viewer must mark (cow, super, shared,
    guard)."""
    entries, frames = {}, {}
    use = lambda pa, pid: frames.setdefault(pa, set()).add(pid)
    for p in cap["procs"]:
        if not p.get("tree"):
            continue
        out = []
        use(int(p["tree"]["pa"], 16), p["pid"])

        def walk(node):
            for e in node["entries"]:
                out.append((node["level"], e["pa"], e["leaf"]))
                span = 4096 << (cap["index_bits"] * node["level"]) if e["leaf"] else 4096
                for off in range(0, span, 4096):
                    use(int(e["pa"], 16) + off, p["pid"])
                if "child" in e:
                    walk(e["child"])
        walk(p["tree"])
        entries[p["pid"]] = out
    marks = {}
    for p in cap["procs"]:
        if not p.get("tree"):
            continue
        leaves = leaves_of(p["tree"], cap["levels"], cap["index_bits"])
        marks[p["pid"]] = {
            "cow": {va for va, e in leaves.items() if e.get("cow")},
            "super": {va for va, e in leaves.items() if e.get("super")},
            "shared": {va for va, e in leaves.items() if len(frames[int(e["pa"], 16)]) > 1},
            "guard": {va for va, e in leaves.items() if va < p["size"] and "U" not in e["flags"]},
        }
    return entries, frames, marks


def region_at(p, kind, va):
    return next((r for r in p["layout"] if r["kind"] == kind
                 and int(r["start"], 16) <= va < int(r["start"], 16) + r["size"]), None)


def check_workload(cap):
    """What vmview built is in the capture, shared as copy-on-write fork and mmap say."""
    names = sorted(p["name"] for p in cap["procs"])
    check(names == ["init", "sh", "vmview", "vmview"], "the capture holds the workload: %s" % names)
    w = cap["workload"]
    check(w["shared"] is not None and w["private"] is not None,
          "vmview mapped both regions (the default kernels have mmap): %s" % w)
    by_pid = {p["pid"]: p for p in cap["procs"]}
    child = by_pid.get(w["child"])
    parent = next((p for p in cap["procs"] if p["name"] == "vmview" and p["pid"] != w["child"]), None)
    check(child is not None and child["name"] == "vmview" and parent is not None,
          "vmview's child %d is in the capture" % w["child"])
    pair = (parent, child)
    leaves = [leaves_of(p["tree"], cap["levels"], cap["index_bits"]) for p in pair]
    for p in pair:
        heap = region_at(p, "heap", w["heap"])
        check(heap is not None and region_at(p, "heap", w["super"]) is heap,
              "pid %d: one heap region holds the 4 KiB pages, the lazy gap and the 2 MiB" % p["pid"])
        present = 1 if w["superpage"] else 512
        check(heap["pages"] == w["heap_pages"] + present,
              "pid %d: the heap's pages are present but the lazy gap's (%d)" % (p["pid"], heap["pages"]))
        for kind, va in (("filemap", w["shared"]), ("anonymous", w["private"])):
            r = region_at(p, kind, va)
            check(r is not None and int(r["start"], 16) == va and r["pages"] == w["mapped_pages"],
                  "pid %d: the %s mapping at 0x%x, its %d pages present" % (p["pid"], kind, va,
                                                                           w["mapped_pages"]))
    # The first heap page: one frame, COW in both, counted twice by the kernel.
    a, b = (l.get(w["heap"]) for l in leaves)
    check(a and b and a["pa"] == b["pa"] and a.get("cow") and b.get("cow") and "W" not in a["flags"]
          and a.get("owners") == 2 == b.get("owners"),
          "the first heap page is one frame, read-only and COW in both, 2 owners: %s %s" % (a, b))
    if w["superpage"]:
        a, b = (l.get(w["super"]) for l in leaves)
        check(a and b and a.get("super") and a["level"] == 1 and a["pa"] == b["pa"]
              and a.get("cow") and b.get("cow"), "the superpage is one shared COW leaf: %s %s" % (a, b))
    a, b = (l.get(w["shared"]) for l in leaves)
    check(a and b and a["pa"] == b["pa"] and not a.get("cow"),
          "the MAP_SHARED page is the same frame in both, not COW: %s %s" % (a, b))
    a, b = (l.get(w["private"]) for l in leaves)
    check(a and b and a["pa"] != b["pa"], "the MAP_PRIVATE page is each one's own: %s %s" % (a, b))
    return parent, child


def main():
    args = parse_args()
    out_dir = os.path.join(os.path.dirname(os.path.abspath(args.fs)), "..", "view-test",
                           "%s.%dhart" % (args.kpt, args.cpus))
    os.makedirs(out_dir, exist_ok=True)
    cap_path = os.path.join(out_dir, "capture.json")
    page = os.path.join(out_dir, "index.html")
    try:
        view_capture.capture(args.kernel, args.fs, cap_path, args.cpus, timeout=args.timeout - 120)
        with open(cap_path) as f:
            cap = json.load(f)

        parent, child = check_workload(cap)
        per_process = args.kpt != "global"
        check(all((p["kernel_tree"] is not None if "kernel_tree" in p else False) == per_process
                  for p in cap["procs"]), "kernel tables per process exactly in the per-process design")
        check(cap["free"]["walked"] == cap["free"]["free"] and 0 <= cap["free"]["other"] <= 4,
              "the capture's frame counts add up: %s" % {k: cap["free"][k] for k in ("free", "walked", "other")})
        check(cap["free"]["refs"] is not None and
              [h["frames"] for h in cap["free"]["held"] if h["what"] == "frame refcounts"]
              == [cap["free"]["refs"]["pages"]], "the capture names the frame refcounts' pages")

        view_build.build(cap_path, page)
        with open(page) as f:
            text = f.read()
        check(re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text) is None
              and "<link" not in text and "@import" not in text and "fetch(" not in text
              and "XMLHttpRequest" not in text, "the page loads nothing from elsewhere")

        r = browser(page, "--dump-dom")
        check(r.returncode == 0, "chromium --dump-dom succeeds", r.stderr[-3000:])
        console = [l for l in r.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
        check(not console, "no console messages or script errors: %s" % console[:5])
        dom = Dom()
        dom.feed(r.stdout)
        check(dom.root_attrs.get("data-ready") == "yes", "the script ran to its end", r.stdout[-2000:])
        check(dom.texts.get("errors", "").strip() == "", "no script error on the page: " + dom.texts.get("errors", ""))

        want_entries, want_frame_pids, want_marks = expected(cap)
        want_frames = set(want_frame_pids)
        check(sorted(dom.procs) == sorted(p["pid"] for p in cap["procs"]),
              "a section for every process: %s" % sorted(dom.procs))
        check(dom.texts.get("count-procs", "").strip() == str(len(cap["procs"])), "the process count shown")
        for p in cap["procs"]:
            pid = p["pid"]
            check(dom.tree_entries.get(pid) == want_entries[pid],
                  "pid %d: every entry of its user table drawn in order, with its frame (%d drawn, %d in the capture)"
                  % (pid, len(dom.tree_entries.get(pid, [])), len(want_entries[pid])))
            kinds = [r["kind"] for r in p["layout"]]
            check(dom.layout_rects.get(pid) == kinds, "pid %d: its layout drawn region by region: %s"
                  % (pid, dom.layout_rects.get(pid)))
            check(int(dom.procs[pid]["data-leaves"]) == sum(1 for e in want_entries[pid] if e[2]),
                  "pid %d: the leaf count shown" % pid)
            drawn = dom.tree_marks.get(pid, {})
            for mark, vas in want_marks[pid].items():
                got = {va for va, cls in drawn.items() if mark in cls}
                check(got == vas, "pid %d: the %s mark on exactly the capture's %d leaves (%d drawn)"
                      % (pid, mark, len(vas), len(got)))
                check(int(dom.procs[pid]["data-" + mark]) == len(vas), "pid %d: its %s count shown" % (pid, mark))
        w = cap["workload"]
        for p in (parent, child):
            drawn = dom.tree_marks[p["pid"]]
            check({"cow", "shared"} <= drawn.get(w["heap"], set()),
                  "pid %d: the first heap page drawn with the COW and the shared mark" % p["pid"])
            check(not w["superpage"] or {"super", "cow", "shared"} <= drawn.get(w["super"], set()),
                  "pid %d: the superpage drawn with its mark" % p["pid"])
            check("shared" in drawn.get(w["shared"], set()) and "cow" not in drawn.get(w["shared"], set()),
                  "pid %d: the MAP_SHARED page drawn shared, not COW" % p["pid"])
            starts = dom.layout_starts[p["pid"]]
            check(w["shared"] in starts.get("filemap", []) and w["private"] in starts.get("anonymous", [])
                  and starts.get("heap"), "pid %d: the layout draws the heap and both mappings: %s"
                  % (p["pid"], starts))
        check(all(want_marks[p["pid"]]["guard"] for p in cap["procs"]),
              "every process has a guard page marked")
        for mark in ("cow", "super", "guard"):
            total = sum(len(m[mark]) for m in want_marks.values())
            check(dom.texts.get("count-" + mark, "").strip() == str(total),
                  "the %s count shown is the capture's %d" % (mark, total))
        check(not w["superpage"] or dom.texts.get("count-super", "").strip() != "0",
              "a superpage counted when the capture has one")
        shared = sum(1 for pids in want_frame_pids.values() if len(pids) > 1)
        check(dom.texts.get("count-shared", "").strip() == str(shared),
              "the shared-frame count shown is the capture's %d" % shared)
        got_frames = {int(pa, 16) for pa in dom.frames}
        check(len(dom.frames) == len(got_frames) and got_frames == want_frames,
              "the frame index lists each user-table frame once (%d drawn, %d in the capture)"
              % (len(dom.frames), len(want_frames)))
        check(dom.texts.get("count-frames", "").strip() == str(len(want_frames)), "the frame count shown")

        shot = os.path.join(out_dir, "screenshot.png")
        if os.path.exists(shot):
            os.remove(shot)
        r = browser(page, "--window-size=1400,2400", "--screenshot=" + shot)
        check(os.path.exists(shot) and os.path.getsize(shot) > 10000, "a screenshot is taken", r.stderr[-2000:])
    except TestFailure as e:
        print(str(e), file=sys.stderr)
        sys.exit(1)
    print("artifacts: %s" % os.path.abspath(out_dir))
    print("PASS")


if __name__ == "__main__":
    main()
