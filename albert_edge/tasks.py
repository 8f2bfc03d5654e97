"""TASKS: one entry per task, read by convert, verify, the predictors, eval, bench and the CLI.

A task says which HF architecture it is, what the exported graph outputs (shape per sequence length), how raw
logits become what `predict` prints, and how a data set is scored. Adding a task = one entry here plus its head in
model.py (`TASK_MODELS`). Nothing here imports torch.

    sequence-classification  logits (1, C)    -> {"label", "probs", "logits", "truncated"}; accuracy, macro-F1
    token-classification     logits (1, L, C) -> {"pieces", "labels", "logits", "spans", "entities", "truncated"}
                                                 one row per token from [CLS] to [SEP] (no padding); word spans with
                                                 character offsets; entity-level F1 (BIO / IOB2, exact match)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Callable

from .errors import InputError


class Task(str, Enum):
    SEQUENCE_CLASSIFICATION = "sequence-classification"
    TOKEN_CLASSIFICATION = "token-classification"

    def __str__(self) -> str:
        return self.value


def softmax(logits: list[float]) -> list[float]:
    m = max(logits)
    e = [math.exp(x - m) for x in logits]
    s = sum(e)
    return [x / s for x in e]


SPECIALS = {"[CLS]", "[SEP]", "[PAD]", "<pad>"}


def _argmax(row: list[float]) -> int:
    return max(range(len(row)), key=row.__getitem__)


# -- sequence classification ---------------------------------------------------------------------------------------
def _classify(enc, logits, labels: list[str], text: str) -> dict:
    row = [float(x) for x in logits]
    probs = softmax(row)
    return {"label": labels[_argmax(probs)], "probs": probs, "logits": row, "truncated": bool(enc.truncated)}


# -- token classification ------------------------------------------------------------------------------------------
def _entity_type(label: str) -> tuple[str, str]:
    """('B'|'I'|'O', type) of an IOB2 label; a label without a prefix is its own type, every token inside it."""
    if label in ("O", ""):
        return "O", ""
    if len(label) > 2 and label[1] in "-_" and label[0] in "BIES":
        return ("B" if label[0] in "BS" else "I"), label[2:]
    return "I", label


def word_spans(enc, token_labels: list[str], text: str) -> list[dict]:
    """Whitespace-delimited words with character offsets, each labeled by its first token (HF's aggregation
    "first"; CoNLL-style data labels such words). A token starts a word after a gap, after a special token, or when
    it is a SentencePiece piece opening with "▁"; WordPiece "##" pieces always continue."""
    words: list[dict] = []
    new_word = True
    prev_end = -1
    for i, (start, end) in enumerate(enc.offsets):
        if enc.attention_mask[i] == 0 or (start, end) == (0, 0) and enc.pieces[i] in SPECIALS:
            new_word = True
            continue
        while start < end and text[start].isspace():  # a "▁" piece's span may cover the space it stands for
            start += 1
        piece = enc.pieces[i]
        if start >= end:  # a bare "▁": the next piece opens the word
            new_word = True
            continue
        if piece.startswith("▁") or start > prev_end:
            new_word = True
        if piece.startswith("##") and words:
            new_word = False
        if new_word or not words:
            words.append({"start": start, "end": end, "label": token_labels[i]})
        else:
            words[-1]["end"] = max(words[-1]["end"], end)
        new_word, prev_end = False, end
    for w in words:
        w["text"] = text[w["start"]:w["end"]]
    return words


def entities(spans: list[dict]) -> list[dict]:
    """IOB2 word labels -> entity spans {label, start, end, text}; an I- that does not continue its type starts one."""
    out: list[dict] = []
    cur = None
    for w in spans:
        tag, typ = _entity_type(w["label"])
        if tag == "O":
            cur = None
            continue
        if tag == "B" or cur is None or cur["label"] != typ:
            cur = {"label": typ, "start": w["start"], "end": w["end"]}
            out.append(cur)
        else:
            cur["end"] = w["end"]
    return out


def _tag_tokens(enc, logits, labels: list[str], text: str) -> dict:
    n = sum(enc.attention_mask)  # [CLS] ... [SEP], padding dropped
    rows = [[float(x) for x in r] for r in list(logits)[:n]]
    token_labels = [labels[_argmax(r)] for r in rows]
    spans = word_spans(enc, token_labels + ["O"] * (len(enc.ids) - n), text)
    ents = entities(spans)
    for e in ents:
        e["text"] = text[e["start"]:e["end"]]
    return {"pieces": list(enc.pieces[:n]), "labels": token_labels, "logits": rows, "spans": spans,
            "entities": ents, "truncated": bool(enc.truncated)}


def entity_f1(gold: list[list[str]], pred: list[list[str]]) -> dict:
    """Entity-level precision / recall / F1 over word-label sequences (exact span and type, as seqeval's default)."""
    def ents(seq):
        spans = [{"start": i, "end": i + 1, "label": lab} for i, lab in enumerate(seq)]
        return {(e["label"], e["start"], e["end"]) for e in entities(spans)}

    tp = n_gold = n_pred = 0
    for g, p in zip(gold, pred):
        eg, ep = ents(g), ents(p)
        tp, n_gold, n_pred = tp + len(eg & ep), n_gold + len(eg), n_pred + len(ep)
    precision = tp / n_pred if n_pred else 0.0
    recall = tp / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    tokens = [(a, b) for g, p in zip(gold, pred) for a, b in zip(g, p)]
    acc = sum(a == b for a, b in tokens) / len(tokens) if tokens else 0.0
    return {"entity_f1": f1, "entity_precision": precision, "entity_recall": recall, "word_accuracy": acc,
            "entities_gold": n_gold, "entities_pred": n_pred, "n": len(gold)}


@dataclass(frozen=True)
class TaskSpec:
    name: Task
    architecture: str                          # HF architectures[0] and albert_edge.model.TASK_MODELS key
    per_token: bool                            # logits (1, L, C) instead of (1, C)
    postprocess: Callable[..., dict]           # (encoding, logits of one text, labels, text) -> what predict prints
    metric: str                                # the headline metric eval reports

    def output_shape(self, seq_len: int | str, num_labels: int) -> list:
        return [1, seq_len, num_labels] if self.per_token else [1, num_labels]

    def logit_rows(self, logits, num_labels: int):
        """(rows, C) view for parity statistics: per-token outputs compare token by token."""
        return logits.reshape(-1, num_labels)


TASKS: dict[Task, TaskSpec] = {
    Task.SEQUENCE_CLASSIFICATION: TaskSpec(Task.SEQUENCE_CLASSIFICATION, "AlbertForSequenceClassification",
                                           per_token=False, postprocess=_classify, metric="accuracy"),
    Task.TOKEN_CLASSIFICATION: TaskSpec(Task.TOKEN_CLASSIFICATION, "AlbertForTokenClassification",
                                        per_token=True, postprocess=_tag_tokens, metric="entity_f1"),
}


def get_task(name: str | Task) -> TaskSpec:
    key = str(name.value if isinstance(name, Task) else name).strip().lower()
    for spec in TASKS.values():
        if key in (spec.name.value, spec.architecture.lower()):
            return spec
    raise InputError(f"unknown task {name!r}; choose from {', '.join(t.value for t in TASKS)}")


def task_of(model) -> TaskSpec:
    """The task of an albert-edge model (its head class names it); a model with no task entry is refused."""
    arch = getattr(type(model), "hf_architecture", type(model).__name__)
    for spec in TASKS.values():
        if spec.architecture == arch:
            return spec
    raise InputError(f"{arch} has no task albert-edge can convert or predict with; "
                     f"supported: {', '.join(s.architecture for s in TASKS.values())}")
