"""One real distillation epoch in fp32 and in bf16: what a bf16 student gains where every batch has its own width.

    .venv/bin/python benchmarks/bf16_epochs.py   -> benchmarks/results/bf16_training.json "real_epochs"   (~4 min)

The zh-reviews training split of `make demo-zh` (seed 0, 13,891 reviews), a SentencePiece trained on it (8,000 pieces),
the run's student (tiny, 2 passes) through albert_edge.distill.distill: length-bucketed batches of 32 up to 128
tokens, one epoch each, fp32 first. The teacher's logits are zeros (KD against a uniform teacher costs the same as
against a real one). albert_edge is imported before torch, as in `run` (its OpenMP wait policy applies).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path

import albert_edge  # noqa: F401  (first: its OMP_WAIT_POLICY must be set before torch loads OpenMP)


def main() -> None:
    import numpy as np

    from albert_edge import corpora
    from albert_edge.data import split_dataset
    from albert_edge.distill import DistillConfig, distill, student_preset
    from albert_edge.tokenizer import train_tokenizer

    c = corpora.get("zh-reviews")
    ds = c.read(c)
    train = ds.subset(split_dataset(ds, dev=0.1, test=0.1, seed=0)["train"])
    labels = ds.label_names
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("\n".join(" ".join(t.split()) for t in train.texts) + "\n", encoding="utf-8")
        spdir = Path(tmp) / "spiece"
        train_tokenizer([corpus], spdir, vocab_size=8000, seed=0)
        for precision in ("fp32", "bf16"):
            mcfg = student_preset("tiny", vocab_size=8000, labels=labels, max_length=128)
            mcfg.num_hidden_layers = 2
            cfg = DistillConfig(epochs=1, batch_size=32, lr=5e-4, max_length=128, precision=precision, threads=2)
            res = distill(Path(tmp) / precision, cfg=cfg, model_config=mcfg, tokenizer_dir=spdir,
                          train_texts=train.texts, train_labels=train.label_ids(labels),
                          teacher_logits=np.zeros((len(train), len(labels)), np.float32), progress=False,
                          log=lambda m: None)
            seconds[precision] = res.history[-1]["seconds"]
            print(precision, seconds[precision], flush=True)
    path = Path(__file__).parent / "results" / "bf16_training.json"
    out = json.loads(path.read_text(encoding="utf-8"))
    out["real_epochs"] = {
        "what": "one distillation epoch over the 13,891 zh-reviews training reviews (seed-0 split) through "
                "albert_edge.distill.distill, length-bucketed batches of 32 up to 128 tokens, fp32 then bf16",
        "command": ".venv/bin/python benchmarks/bf16_epochs.py",
        "fp32_s": seconds["fp32"], "bf16_s": seconds["bf16"], "gain": round(seconds["fp32"] / seconds["bf16"], 2),
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        **{k: v for k, v in out.get("real_epochs", {}).items() if k in ("passive_vs_active", "reading")},
    }
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(out["real_epochs"], indent=1))


if __name__ == "__main__":
    main()
