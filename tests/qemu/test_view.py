#!/usr/bin/env python3
"""The page-table viewer in a real browser: captures a live system (tools/view/capture.py: boot,
`pgtbltest kstacks`, `pagoda dump-json`), writes the page from the saved capture as `make view
JSON=FILE` does (tools/view/build.py), loads it in headless Chromium and checks the DOM it built:
every process of the capture has its section, layout and user tree; every entry of every user
table is drawn with its frame; the frame index holds exactly the frames the user tables use; the
counts shown match the capture; the script ran to its end without an error; the page loads nothing
from the network. Keeps the page and a screenshot in build/view-test/ as artifacts."""
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
        self.layout_rects = {}  # pid -> [kind]
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
        if tag == "rect" and "region" in cls and in_proc is not None:
            self.layout_rects.setdefault(in_proc, []).append(a["data-kind"])
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


def expected(cap):
    """From the capture: per pid the (level, pa, leaf) of every user-tree entry in order, and the
    set of frames the user tables use (table pages and leaf frames)."""
    entries, frames = {}, set()
    for p in cap["procs"]:
        if not p.get("tree"):
            continue
        out = []
        frames.add(int(p["tree"]["pa"], 16))

        def walk(node):
            for e in node["entries"]:
                out.append((node["level"], e["pa"], e["leaf"]))
                frames.add(int(e["pa"], 16))
                if "child" in e:
                    walk(e["child"])
        walk(p["tree"])
        entries[p["pid"]] = out
    return entries, frames


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

        # The capture holds the workload: init, sh, pgtbltest and its four children whose heaps
        # are 1 to 4 pages.
        names = sorted(p["name"] for p in cap["procs"])
        check(names == ["init"] + ["pgtbltest"] * 5 + ["sh"], "the capture holds the workload: %s" % names)
        heaps = sorted(sum(r["pages"] for r in p["layout"] if r["kind"] == "heap")
                       for p in cap["procs"] if p["name"] == "pgtbltest")
        check(heaps == [0, 1, 2, 3, 4], "the children's heaps are 1..4 pages: %s" % heaps)
        per_process = args.kpt != "global"
        check(all((p["kernel_tree"] is not None if "kernel_tree" in p else False) == per_process
                  for p in cap["procs"]), "kernel tables per process exactly in the per-process design")
        check(cap["free"]["walked"] == cap["free"]["free"] and cap["free"]["other"] >= 0,
              "the capture's frame counts add up: %s" % {k: cap["free"][k] for k in ("free", "walked", "other")})

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

        want_entries, want_frames = expected(cap)
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
