"""A stand-in for the hidden "other kind" data set of issue 12: Python documentation paragraphs (Debian
`python3.11-doc`, PSF licence), labeled by the documentation part they come from (library, reference, c-api, ...).
Longer texts, more classes, a few thousand examples — never used to tune defaults, only to check them.

    apt-get install python3.11-doc
    python benchmarks/make_standin.py runs/standin.csv      # then: albert-edge run --data runs/standin.csv ...
"""

import csv
import random
import re
import sys
from pathlib import Path

ROOT = Path("/usr/share/doc/python3.11/html/_sources")
PER_CLASS = 500  # caps the big parts (library) so the set stays "a few thousand"
MIN_WORDS = 25


def paragraphs(text: str):
    for block in re.split(r"\n\s*\n", text):
        lines = [x.strip() for x in block.splitlines()]
        if not lines or any(x.startswith(("..", ">>>", "::", "$", "|")) for x in lines) or block.startswith((" ", "\t")):
            continue  # directives, code, tables
        para = " ".join(lines)
        if len(para.split()) >= MIN_WORDS and not set(para) <= set("=-*~^#+ "):
            yield para


def main(out: str) -> None:
    by_class: dict[str, list[str]] = {}
    for f in sorted(ROOT.rglob("*.rst.txt")):
        part = f.relative_to(ROOT).parts[0]
        if part.endswith(".rst.txt") or part == "distutils":  # loose top-level pages; distutils mirrors others
            continue
        by_class.setdefault(part, []).extend(paragraphs(f.read_text(encoding="utf-8", errors="replace")))
    rng = random.Random(0)
    rows = []
    for label, paras in sorted(by_class.items()):
        if len(paras) < 60:
            continue
        rng.shuffle(paras)
        rows += [(p, label) for p in paras[:PER_CLASS]]
    rng.shuffle(rows)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    counts = {c: sum(1 for _, y in rows if y == c) for c in sorted({y for _, y in rows})}
    print(f"wrote {out}: {len(rows)} paragraphs, {len(counts)} classes {counts}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "runs/standin.csv")
