#!/usr/bin/env python3
"""Checks docs/vm-tour.md: every link and code reference in it resolves.

    check_tour.py --root REPO docs/vm-tour.md     check the tour
    check_tour.py --self-test                     feed the checker broken tours; each must fail

Rules:
  * A link [text](target) points into the tree (no external links: the tour is read offline and
    checked offline): the file exists; `#anchor` names a heading of the target document.
  * A code reference is a link whose text is the file's path in backticks, optionally followed by
    a colon and symbols in backticks:  [`kernel/mm/page_table.h`](../kernel/mm/page_table.h): `PageTable::map`
    The text must be the target's path from the repository root, and every part of every symbol
    (`PageTable` and `map`) must occur in that file as a whole word.
  * A path in backticks outside a link (`kernel/mm/addr.h`) must exist too.
  * An image ![caption](file) must exist.
  * A concept section (`## N. Title`) names its xv6 counterpart (`- **xv6:**`), and has a code
    reference on its `- **Pagoda:**` line and on its `- **Test:**` line, unless it is marked
    `- **Coming:**` with the issue that brings it (`issue NN`): only such an explicit mark excuses
    missing references.
"""

import argparse
import os
import re
import sys
import tempfile

LINK = re.compile(r"(!?)\[((?:`[^`]*`|[^\]])*)\]\(([^)\s]+)\)")
CODE_REF = re.compile(r"\[`([^`]+)`\]\(([^)\s]+)\)((?:\s*:\s*`[^`]+`(?:\s*,\s*`[^`]+`)*)?)")
BARE_PATH = re.compile(r"`([A-Za-z0-9_.\-/]+/[A-Za-z0-9_.\-]+\.(?:h|cc|c|S|py|md|ld|txt|html|sh))`")
CONCEPT = re.compile(r"^## (\d+)\. (.+)$")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to dashes."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def headings(path):
    with open(path) as f:
        return {slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", f.read(), re.M)}


def symbol_parts(sym):
    sym = re.sub(r"\(.*\)$", "", sym.strip())  # `walk()` or `walk(va)`: the name
    return [p for p in re.split(r"::|\.", sym) if p]


def check(doc_path, root):
    """The list of problems found (empty when the tour is sound)."""
    problems = []
    doc_dir = os.path.dirname(os.path.abspath(doc_path))
    root = os.path.abspath(root)
    with open(doc_path) as f:
        text = f.read()
    lines = text.split("\n")
    in_fence = False
    sections = []  # (number, title, [lines])
    for n, line in enumerate(lines, 1):
        if line.startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        m = CONCEPT.match(line)
        if m:
            sections.append((m.group(1), m.group(2), []))
        elif line.startswith("## "):
            sections.append((None, line[3:], []))
        if sections:
            sections[-1][2].append(line)
        where = "%s:%d" % (os.path.basename(doc_path), n)

        for img, _text, target in LINK.findall(line):
            if re.match(r"[a-z]+:", target):
                problems.append("%s: external link %s (the tour points only into the tree)" % (where, target))
                continue
            path, _, anchor = target.partition("#")
            full = os.path.normpath(os.path.join(doc_dir, path)) if path else os.path.abspath(doc_path)
            if not os.path.exists(full):
                problems.append("%s: %s %s does not exist" % (where, "image" if img else "link", target))
                continue
            if anchor and full.endswith(".md") and anchor not in headings(full):
                problems.append("%s: no heading #%s in %s" % (where, anchor, path or "this document"))

        for shown, target, syms in CODE_REF.findall(line):
            full = os.path.normpath(os.path.join(doc_dir, target.partition("#")[0]))
            if not os.path.isfile(full):
                continue  # reported above
            rel = os.path.relpath(full, root)
            if rel != shown:
                problems.append("%s: link text `%s` is not its target's path %s" % (where, shown, rel))
            with open(full, errors="replace") as f:
                body = f.read()
            for sym in re.findall(r"`([^`]+)`", syms):
                for part in symbol_parts(sym):
                    if not re.search(r"(?<![\w])%s(?![\w])" % re.escape(part), body):
                        problems.append("%s: `%s` not found in %s" % (where, sym, rel))

        linked = {m.group(1) for m in CODE_REF.finditer(line)}
        for path in BARE_PATH.findall(line):
            if path.startswith("build/"):
                continue  # a build product (make view), not part of the tree
            if path not in linked and not os.path.exists(os.path.join(root, path)):
                problems.append("%s: `%s` does not exist" % (where, path))

    concepts = [s for s in sections if s[0] is not None]
    if not concepts:
        problems.append("no concept sections (## N. Title)")
    for number, title, body in concepts:
        name = "section %s (%s)" % (number, title)
        field = lambda label: [l for l in body if l.startswith("- **%s:**" % label)]
        if not field("xv6"):
            problems.append("%s: no `- **xv6:**` line" % name)
        coming = field("Coming")
        if coming and not re.search(r"issue \d+", " ".join(coming)):
            problems.append("%s: marked Coming without the issue that brings it" % name)
        for label in ("Pagoda", "Test"):
            refs = [l for l in field(label) if CODE_REF.search(l)]
            if not refs and not coming:
                problems.append("%s: no code reference on a `- **%s:**` line, and not marked "
                                "`- **Coming:** ... issue NN`" % (name, label))
    return problems


# ------------------------------------------------------------------------------------------------
# Self-test: a fake tree and tours that must pass or fail.

GOOD = """# Tour

## 1. Walking

- **xv6:** `walk`
- **Pagoda:** [`src/walk.h`](../src/walk.h): `Table::walk`
- **Test:** [`tests/walk_test.cc`](../tests/walk_test.cc): `WalksThreeLevels`

See [the first section](#1-walking) and ![a figure](fig.png).

## 2. Lazy allocation

- **xv6:** `usertrap` (lazy lab)
- **Coming:** demand paging, issue 12.
"""

BROKEN = {
    "missing file": GOOD.replace("../src/walk.h)", "../src/nope.h)").replace("`src/walk.h`", "`src/nope.h`"),
    "missing symbol": GOOD.replace("`Table::walk`", "`Table::walk_alloc`"),
    "missing class": GOOD.replace("`Table::walk`", "`Tree::walk`"),
    "wrong link text": GOOD.replace("[`src/walk.h`]", "[`src/other.h`]"),
    "no refs, not marked": GOOD.replace("- **Coming:** demand paging, issue 12.\n", ""),
    "coming without issue": GOOD.replace("issue 12", "soon"),
    "no xv6 line": GOOD.replace("- **xv6:** `walk`\n", ""),
    "missing test ref": GOOD.replace("- **Test:** [`tests/walk_test.cc`](../tests/walk_test.cc): `WalksThreeLevels`\n", ""),
    "external link": GOOD + "\n[book](https://example.org/book.pdf)\n",
    "bad anchor": GOOD.replace("#1-walking", "#1-running"),
    "missing image": GOOD.replace("fig.png", "nofig.png"),
    "bare path": GOOD + "\nSee `src/gone.cc`.\n",
}


def self_test():
    failures = []
    with tempfile.TemporaryDirectory() as root:
        for d in ("src", "tests", "docs"):
            os.makedirs(os.path.join(root, d))
        with open(os.path.join(root, "src", "walk.h"), "w") as f:
            f.write("class Table {\n  const Pte* walk(VirtAddr va) const;\n};\n")
        with open(os.path.join(root, "tests", "walk_test.cc"), "w") as f:
            f.write("TEST(Table, WalksThreeLevels) {}\n")
        with open(os.path.join(root, "docs", "fig.png"), "wb") as f:
            f.write(b"\x89PNG")
        doc = os.path.join(root, "docs", "tour.md")
        with open(doc, "w") as f:
            f.write(GOOD)
        got = check(doc, root)
        if got:
            failures.append("the good tour fails: %s" % got)
        for name, text in BROKEN.items():
            with open(doc, "w") as f:
                f.write(text)
            if not check(doc, root):
                failures.append("a tour with a %s passes" % name)
    for f in failures:
        print("self-test: " + f)
    print("self-test: %d cases, %s" % (len(BROKEN) + 1, "FAILED" if failures else "ok"))
    return not failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("doc", nargs="?")
    p.add_argument("--root", default=".")
    p.add_argument("--self-test", action="store_true")
    a = p.parse_args()
    if a.self_test:
        sys.exit(0 if self_test() else 1)
    if not a.doc:
        p.error("give the tour to check")
    problems = check(a.doc, a.root)
    for pr in problems:
        print(pr)
    if problems:
        print("%s: %d problems" % (a.doc, len(problems)))
        sys.exit(1)
    print("%s: every link and code reference resolves" % a.doc)


if __name__ == "__main__":
    main()
