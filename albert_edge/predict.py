"""Predictors: a checkpoint folder or an artifact behind one interface, returning what `predict --json` prints.

    p = load("student/")             # or "bundle/model_int8.pte" / ".tflite" / ".onnx"
    p.predict(["great phone"])       # [{"label": ..., "probs": [...], "logits": [...], "truncated": False}]

The task (albert_edge.tasks) decides the shape of each result. Artifacts run each text at the smallest length
bucket that holds it (the runtime's `bucket`), with only the tokenizer and labels they carry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import InputError
from .tasks import TaskSpec


class Predictor:
    task: TaskSpec
    labels: list[str]
    max_length: int

    def predict(self, texts: list[str]) -> list[dict]:
        raise NotImplementedError


def _check_max_length(max_length: int | None, limit: int, what: str) -> int:
    if max_length is None:
        return limit
    if max_length < 3:
        raise InputError("--max-length must be at least 3 ([CLS] token [SEP])")
    if max_length > limit:
        raise InputError(f"--max-length {max_length} exceeds {what} {limit}")
    return max_length


class CheckpointPredictor(Predictor):
    """An HF ALBERT folder in eager PyTorch (fp32)."""

    def __init__(self, folder: str | Path, *, max_length: int | None = None, batch_size: int = 32):
        from .checkpoint import load_checkpoint
        from .tasks import task_of
        from .tokenizer import load_tokenizer, model_max_length

        self.ck = load_checkpoint(folder)
        self.task = task_of(self.ck.model)
        self.tokenizer = load_tokenizer(folder)
        self.labels = self.ck.labels
        self.batch_size = batch_size
        self.max_length = _check_max_length(max_length, self.ck.config.max_position_embeddings,
                                            "the model's max_position_embeddings")
        if max_length is None:  # as far as it was trained, when its tokenizer_config.json says
            self.max_length = min(self.max_length, model_max_length(folder) or self.max_length)

    def predict(self, texts: list[str]) -> list[dict]:
        import torch

        out: list[dict] = []
        for i in range(0, len(texts), self.batch_size):
            chunk = texts[i:i + self.batch_size]
            encs = [self.tokenizer.encode(t, max_length=self.max_length) for t in chunk]
            width = max(len(e.ids) for e in encs)
            pad = self.tokenizer.special_ids["pad"]
            ids = torch.tensor([e.ids + [pad] * (width - len(e.ids)) for e in encs])
            mask = torch.tensor([e.attention_mask + [0] * (width - len(e.ids)) for e in encs])
            with torch.no_grad():
                logits = self.ck.model(ids, mask).numpy()
            out += [self.task.postprocess(e, row, self.labels, t) for e, row, t in zip(encs, logits, chunk)]
        return out


class ArtifactPredictor(Predictor):
    """A .pte / .tflite / .onnx in its own runtime (albert_edge.runtime)."""

    def __init__(self, runner, *, max_length: int | None = None):
        self.runner = runner
        self.task = runner.task
        self.labels = runner.labels
        self.max_length = _check_max_length(max_length, runner.max_length, "the artifact's longest sequence length")

    def predict(self, texts: list[str]) -> list[dict]:
        tok, pad = self.runner.tokenizer, self.runner.tokenizer.special_ids["pad"]
        out = []
        for text in texts:
            e = tok.encode(text, max_length=self.max_length)
            L = self.runner.bucket(len(e.ids))
            n = L - len(e.ids)
            ids = np.asarray([e.ids + [pad] * n], dtype=np.int64)
            mask = np.asarray([e.attention_mask + [0] * n], dtype=np.int64)
            out.append(self.task.postprocess(e, self.runner.run(ids, mask)[0], self.labels, text))
        return out


def load(path: str | Path, *, max_length: int | None = None) -> Predictor:
    """A predictor for an HF ALBERT folder or a converted artifact."""
    path = Path(path)
    if path.is_dir():
        return CheckpointPredictor(path, max_length=max_length)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    from .runtime import open_artifact

    return ArtifactPredictor(open_artifact(path), max_length=max_length)
