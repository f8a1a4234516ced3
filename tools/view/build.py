#!/usr/bin/env python3
"""Writes the page-table viewer: one self-contained HTML file (tools/view/viewer.html with a
capture from capture.py / `pagoda dump-json` embedded), no network, no CDN.

    python3 tools/view/build.py --json build/view/capture.json --out build/view/index.html
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TEMPLATE = os.path.join(HERE, "viewer.html")
SLOT = '<script id="capture" type="application/json"></script>'
REQUIRED = ("format", "levels", "index_bits", "max_va", "procs", "kernel", "free")


def build(json_path, out_path):
    with open(json_path) as f:
        data = json.load(f)
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ValueError("%s is not a Pagoda capture (missing %s)" % (json_path, ", ".join(missing)))
    with open(TEMPLATE) as f:
        page = f.read()
    if page.count(SLOT) != 1:
        raise ValueError("viewer.html has no capture slot")
    # "</" cannot appear inside a <script> element; JSON allows "<\/" for it.
    text = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    page = page.replace(SLOT, SLOT.replace("></script>", ">%s</script>" % text))
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    with open(out_path, "w") as f:
        f.write(page)
    return data


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--json", required=True, help="a capture (capture.py, pagoda dump-json)")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    try:
        data = build(a.json, a.out)
    except (OSError, ValueError) as e:
        print("view: %s" % e, file=sys.stderr)
        sys.exit(1)
    print("view: wrote %s (%d processes) from %s" % (a.out, len(data["procs"]), a.json))


if __name__ == "__main__":
    main()
