#!/usr/bin/env python3
"""Renders the figures of docs/vm-tour.md from a capture, with headless Chromium:

    python3 tools/view/figures.py --json build/view/capture.json --out docs/figures

Each figure is the viewer with one element alone (`index.html?figure=ID`).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import build  # noqa: E402

# file, element id, window size
FIGURES = [
    ("process-layout-and-tree.png", "proc-{child}", (1100, 650)),
    ("user-and-kernel-tables.png", "compare", (1300, 620)),
    ("kernel-layout.png", "kernel-section", (1100, 170)),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--json", required=True)
    p.add_argument("--out", required=True)
    a = p.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("figures: no chromium (tools/bootstrap.sh installs it)")
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        page = os.path.join(tmp, "index.html")
        data = build.build(a.json, page)
        # vmview's forked child shows most: COW heap pages, the superpage, both mappings.
        want = data.get("workload", {}).get("child")
        child = next((q for q in data["procs"] if q["pid"] == want), None) or \
            max(data["procs"], key=lambda q: q["size"])
        for name, element, (w, h) in FIGURES:
            out = os.path.join(os.path.abspath(a.out), name)
            url = "file://%s?figure=%s" % (page, element.format(child=child["pid"]))
            subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                            "--virtual-time-budget=10000", "--window-size=%d,%d" % (w, h),
                            "--screenshot=" + out, url], check=True, capture_output=True, timeout=120)
            print("figures: wrote %s" % out)


if __name__ == "__main__":
    main()
