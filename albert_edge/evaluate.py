"""Classification metrics (accuracy, macro-F1, per-class P/R/F1, confusion matrix) and the confusion-matrix PNG.

Metrics are computed here in plain Python (no scikit-learn needed at run time); tests check them against sklearn.
`predict_labels` runs any model albert-edge knows on texts: an ALBERT folder, a quantized checkpoint
(quantization.json), a teacher folder, or a converted artifact (.pte/.tflite/.onnx).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .errors import InputError


def accuracy(y_true: list[int], y_pred: list[int]) -> float:
    if len(y_true) != len(y_pred):
        raise ValueError("y_true and y_pred differ in length")
    return sum(int(a == b) for a, b in zip(y_true, y_pred)) / max(1, len(y_true))


def confusion(y_true: list[int], y_pred: list[int], n: int) -> list[list[int]]:
    """cm[i][j]: examples of true class i predicted as j."""
    cm = [[0] * n for _ in range(n)]
    for a, b in zip(y_true, y_pred):
        cm[a][b] += 1
    return cm


def classification_metrics(y_true: list[int], y_pred: list[int], labels: list[str]) -> dict:
    n = len(labels)
    cm = confusion(y_true, y_pred, n)
    per_class = {}
    f1s = []
    for i, name in enumerate(labels):
        tp = cm[i][i]
        predicted = sum(cm[r][i] for r in range(n))
        support = sum(cm[i])
        p = tp / predicted if predicted else 0.0
        r = tp / support if support else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        per_class[name] = {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f1, 4), "support": support}
        f1s.append(f1)
    return {"n": len(y_true), "accuracy": round(accuracy(y_true, y_pred), 4),
            "macro_f1": round(sum(f1s) / n, 4) if n else 0.0, "per_class": per_class,
            "labels": labels, "confusion": cm}


def plot_confusion(metrics: dict, path: str | os.PathLike, title: str = "") -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels, cm = metrics["labels"], metrics["confusion"]
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2.5, 1.1 * len(labels) + 2))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    peak = max(max(r) for r in cm) or 1
    for i, row in enumerate(cm):
        for j, v in enumerate(row):
            ax.text(j, i, str(v), ha="center", va="center", color="white" if v > 0.6 * peak else "black")
    ax.set_title(title or f"accuracy {metrics['accuracy']:.3f} · macro-F1 {metrics['macro_f1']:.3f}")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# -- running models ------------------------------------------------------------------------------------------------
def albert_logits(model, tokenizer, texts: list[str], pairs: list[str] | None = None, *, max_length: int = 64,
                  batch_size: int = 64, pad_to: int | None = None):
    """Logits of an albert_edge model (fp32 module or int8 GraphModule called positionally (ids, mask)).

    Length-sorted batches; `pad_to` pads every batch to one fixed length (int8 graphs exported at a fixed shape)."""
    import numpy as np
    import torch

    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), 0), dtype=np.float32)
    rows = {}
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            b = tokenizer.batch([texts[i] for i in idx], [pairs[i] for i in idx] if pairs else None,
                                max_length=max_length, pad_to=pad_to)
            logits = model(b["input_ids"], b["attention_mask"])
            for i, row in zip(idx, logits.float().numpy()):
                rows[i] = row
    if rows:
        out = np.stack([rows[i] for i in range(len(texts))])
    return out


def predict_labels(model_path: str | os.PathLike, texts: list[str], *, max_length: int = 64,
                   pairs: list[str] | None = None) -> tuple[list[str], list[str]]:
    """(predicted label names, the model's label list) for any model albert-edge can load."""
    p = Path(model_path)
    if p.is_dir() and (p / "quantization.json").is_file():
        import torch

        from .quantize import load_quantized
        from .tokenizer import load_tokenizer

        qc = load_quantized(p)
        tok = load_tokenizer(p)
        example = (torch.ones(INT8_BATCH, max_length, dtype=torch.long),
                   torch.ones(INT8_BATCH, max_length, dtype=torch.long))
        logits = int8_logits(qc.build(example), tok, texts, pairs, max_length=max_length)
        labels = qc.checkpoint.config.labels
        return [labels[i] for i in logits.argmax(1)], labels
    if p.is_dir() and (p / "config.json").is_file():
        conf = json.loads((p / "config.json").read_text(encoding="utf-8"))
        if conf.get("model_type") == "albert":
            from .checkpoint import load_checkpoint
            from .tokenizer import load_tokenizer

            ck = load_checkpoint(p)
            logits = albert_logits(ck.model, load_tokenizer(p), texts, pairs, max_length=max_length)
            return [ck.labels[i] for i in logits.argmax(1)], ck.labels
        from .teacher import load_teacher

        t = load_teacher(p, max_length=max_length)
        return [t.labels[i] for i in t.predict(texts, pairs=pairs)], t.labels
    if p.is_file():
        from .predict import load as load_predictor

        pred = load_predictor(p, max_length=max_length)
        res = pred.predict(texts)
        return [r["label"] for r in res], list(pred.labels)
    raise InputError(f"{p}: not a model folder or artifact")


# 1: dynamic int8 activations get ONE scale per tensor, so in a batch every row's result depends on the other rows
# (seen: 0.7465 vs 0.7460 test accuracy for two orders of the same tweets). Phones run one text at a time: score so.
INT8_BATCH = 1


def int8_logits(q, tok, texts, pairs=None, *, max_length: int = 64, batch_size: int = INT8_BATCH):
    """PT2E int8 graphs have the static shape they were built with, (batch_size, max_length): pad every batch to it
    (rows and tokens); padded rows are dropped again."""
    import numpy as np
    import torch

    rows = []
    with torch.inference_mode():
        for s in range(0, len(texts), batch_size):
            chunk = texts[s:s + batch_size]
            n = len(chunk)
            b = tok.batch(chunk + [""] * (batch_size - n),
                          (pairs[s:s + batch_size] + [""] * (batch_size - n)) if pairs else None,
                          max_length=max_length, pad_to=max_length)
            rows.append(q(b["input_ids"], b["attention_mask"]).float().numpy()[:n])
    return np.concatenate(rows) if rows else np.zeros((0, 0), dtype=np.float32)


def evaluate_model(model_path: str | os.PathLike, data, *, out_dir: str | os.PathLike | None = None,
                   max_length: int = 64, name: str = "") -> dict:
    """Metrics of a model on a Dataset; with out_dir: metrics.json + confusion.png there."""
    preds, labels = predict_labels(model_path, data.texts, max_length=max_length, pairs=data.pairs)
    names = list(labels)
    for y in sorted(set(data.labels) - set(names)):
        names.append(y)  # gold labels the model does not know: counted as errors
    index = {n: i for i, n in enumerate(names)}
    m = classification_metrics([index[y] for y in data.labels], [index[y] for y in preds], names)
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(m, indent=2) + "\n", encoding="utf-8")
        plot_confusion(m, out / "confusion.png", title=f"{name or Path(model_path).name}: acc {m['accuracy']:.3f} "
                                                       f"· macro-F1 {m['macro_f1']:.3f}")
    return m
