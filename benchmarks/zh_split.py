"""The Chinese benchmarks' common ground, written once: the zh-reviews split of `make demo-zh` (80/10/10), the
run's 8,000-piece SentencePiece on its training reviews, and the run's student (tiny, 2 passes, batches of 32 up to
128 tokens) trained through albert_edge.distill. Imported by the scripts beside it (run as `python benchmarks/X.py`,
so this folder is on sys.path)."""

from __future__ import annotations

from pathlib import Path


def splits(seed: int = 0) -> dict:
    """{"train", "dev", "test"}: the split `run --corpus zh-reviews --seed SEED` draws, and "labels" its label names."""
    from albert_edge import corpora
    from albert_edge.data import split_dataset

    c = corpora.get("zh-reviews")
    ds = c.read(c)
    out = {k: ds.subset(v) for k, v in split_dataset(ds, dev=0.1, test=0.1, seed=seed).items()}
    return {**out, "labels": ds.label_names}


def spiece(texts: list[str], spdir: Path) -> Path:
    """The run's SentencePiece (albert_edge.run_steps.train_spiece) of 8,000 pieces on `texts`, into spdir."""
    from albert_edge.run_steps import train_spiece

    train_spiece(texts, spdir, 8000, 0, {"benchmark": "zh_split"}, print)
    return spdir


def student_epochs(folder: Path, spdir: Path, texts: list[str], y: list[int], labels: list[str], *, epochs: int,
                   precision: str = "fp32") -> list[dict]:
    """The run's student distilled for `epochs` on `texts` against a uniform teacher (KD against a real one costs
    the same); its history (seconds count from distill's start)."""
    import numpy as np

    from albert_edge.distill import DistillConfig, distill, student_preset

    mcfg = student_preset("tiny", vocab_size=8000, labels=labels, max_length=128)
    mcfg.num_hidden_layers = 2
    cfg = DistillConfig(epochs=epochs, batch_size=32, lr=5e-4, max_length=128, precision=precision, threads=2)
    return distill(folder, cfg=cfg, model_config=mcfg, tokenizer_dir=spdir, train_texts=texts, train_labels=y,
                   teacher_logits=np.zeros((len(texts), len(labels)), np.float32), progress=False,
                   log=lambda m: None).history
