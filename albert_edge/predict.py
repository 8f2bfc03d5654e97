"""Classification from a checkpoint folder or an artifact, behind one interface the CLI uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import InputError


@dataclass
class Prediction:
    label: str
    probs: list[float]
    logits: list[float]
    truncated: bool


def softmax(logits: list[float]) -> list[float]:
    import math

    m = max(logits)
    e = [math.exp(x - m) for x in logits]
    s = sum(e)
    return [x / s for x in e]


class CheckpointPredictor:
    def __init__(self, folder: Path, *, max_length: int | None = None):
        from .checkpoint import load_checkpoint
        from .tokenizer import load_tokenizer

        self.ck = load_checkpoint(folder)
        self.tokenizer = load_tokenizer(folder)
        self.max_length = max_length or self.ck.config.max_position_embeddings
        if self.max_length > self.ck.config.max_position_embeddings:
            raise InputError(f"--max-length {self.max_length} exceeds the model's max_position_embeddings "
                             f"{self.ck.config.max_position_embeddings}")

    def predict(self, texts: list[str], batch_size: int = 32) -> list[Prediction]:
        import torch

        out: list[Prediction] = []
        labels = self.ck.labels
        for i in range(0, len(texts), batch_size):
            b = self.tokenizer.batch(texts[i:i + batch_size], max_length=self.max_length)
            with torch.no_grad():
                logits = self.ck.model(b["input_ids"], b["attention_mask"], b["token_type_ids"])
            for row, trunc in zip(logits.tolist(), b["truncated"]):
                probs = softmax(row)
                out.append(Prediction(labels[probs.index(max(probs))], probs, row, trunc))
        return out


def load_predictor(path: Path, *, max_length: int | None = None):
    path = Path(path)
    if path.is_dir():
        return CheckpointPredictor(path, max_length=max_length)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    from converters.runtime import load_artifact_predictor  # artifacts: .pte / .tflite / .onnx

    return load_artifact_predictor(path, max_length=max_length)
