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
    from zh_split import spiece, splits, student_epochs

    sp = splits()
    train, labels = sp["train"], sp["labels"]
    seconds = {}
    with tempfile.TemporaryDirectory() as tmp:
        spdir = spiece(train.texts, Path(tmp) / "spiece")
        for precision in ("fp32", "bf16"):
            history = student_epochs(Path(tmp) / precision, spdir, train.texts, train.label_ids(labels), labels,
                                     epochs=1, precision=precision)
            seconds[precision] = history[-1]["seconds"]
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
