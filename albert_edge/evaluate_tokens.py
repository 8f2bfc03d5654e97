"""Token classification scored the way NER is reported: entity-level F1 (exact span and type, IOB2) over
word-labeled data, with any model albert-edge can load (checkpoint or artifact).

Data: JSONL, one sentence per line, `{"tokens": ["Ada", "Lovelace", ...], "tags": ["B-PER", "I-PER", ...]}` (HF
datasets' conll style; `ner_tags` and integer tags — indices into the model's labels — are read too). Each sentence
is the tokens joined by single spaces; a word's prediction is its first sub-token's label (albert_edge.tasks).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .data import read_jsonl_rows
from .errors import DataError, InputError
from .tasks import Task, entity_f1

TOKENS_KEYS = ("tokens", "words")
TAGS_KEYS = ("tags", "ner_tags", "labels")


def model_task(path: str | os.PathLike) -> str:
    """The task of a checkpoint folder (config.json architectures) or an artifact (its bundle), without running it."""
    p = Path(path)
    if p.is_dir():
        try:
            archs = json.loads((p / "config.json").read_text(encoding="utf-8")).get("architectures") or []
        except (OSError, ValueError):
            return Task.SEQUENCE_CLASSIFICATION.value
        return Task.TOKEN_CLASSIFICATION.value if "AlbertForTokenClassification" in archs else \
            Task.SEQUENCE_CLASSIFICATION.value
    from .runtime import open_artifact

    return open_artifact(p).task.name.value


def read_token_data(path: str | os.PathLike, labels: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    words, tags = [], []
    rows, _ = read_jsonl_rows(path, "utf-8")
    for n, row in enumerate(rows, 1):
        tk = next((row[k] for k in TOKENS_KEYS if k in row), None)
        tg = next((row[k] for k in TAGS_KEYS if k in row), None)
        if not isinstance(tk, list) or not isinstance(tg, list) or len(tk) != len(tg):
            raise DataError(f"{path}: sentence {n}: expected {{\"tokens\": [...], \"tags\": [...]}} of equal length")
        if any(not isinstance(w, str) or not w.strip() or any(c.isspace() for c in w) for w in tk):
            raise DataError(f"{path}: sentence {n}: tokens must be non-empty words without spaces")
        try:
            tg = [labels[t] if isinstance(t, int) else str(t) for t in tg]
        except IndexError:
            raise DataError(f"{path}: sentence {n}: integer tag outside the model's {len(labels)} labels") from None
        words.append(tk)
        tags.append(tg)
    if not words:
        raise DataError(f"{path}: no sentences")
    return words, tags


def _word_labels(words: list[str], result: dict) -> list[str]:
    """The predicted label of each gold word: the span that starts at the word's offset (truncated tails: 'O')."""
    by_start = {s["start"]: s["label"] for s in result["spans"]}
    out, pos = [], 0
    for w in words:
        out.append(by_start.get(pos, "O"))
        pos += len(w) + 1
    return out


def evaluate_tokens(model_path: str | os.PathLike, data: str | os.PathLike, *, max_length: int | None = None,
                    out_dir: str | os.PathLike | None = None) -> dict:
    from . import load

    predictor = load(model_path, max_length=max_length)
    if predictor.task.name is not Task.TOKEN_CLASSIFICATION:
        raise InputError(f"{model_path}: a {predictor.task.name.value} model; entity F1 needs a token classifier")
    words, gold = read_token_data(data, predictor.labels)
    results = predictor.predict([" ".join(w) for w in words])
    m = entity_f1(gold, [_word_labels(w, r) for w, r in zip(words, results)])
    m["truncated"] = sum(r["truncated"] for r in results)
    if out_dir is not None:
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        (Path(out_dir) / "metrics.json").write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
    return m
