"""The fine-tuned encoder teacher mixed with the cross-fitted n-gram teacher, on finished runs (no training):

    .venv/bin/python benchmarks/teacher_mix.py runs/demo runs/standin  -> benchmarks/results/teacher_mix.json (~2 min)

Each RUN is a folder `albert-edge run` wrote with the encoder teacher it fine-tuned (RUN/cache/teacher) and its split
(RUN/data, RUN/test.jsonl). The n-gram teacher is fit on the run's training split as `run` fits it; the encoder labels a
seeded random 1,500 of the dev split and the run's test texts. For each weight w of the encoder: accuracy of the
log-linear mix (what `run` uses, albert_edge.ngram_teacher.mix_logits) and of the average of probabilities, and the w
that the dev texts choose (choose_mix). Test numbers are reported, never used to choose.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import numpy as np


def _read(path: Path):
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").split("\n") if x.strip()]
    return [r["text"] for r in rows], [r["label"] for r in rows]


def one(run: Path) -> dict:
    from albert_edge.ngram_teacher import MIX_GRID, NgramTeacher, choose_mix, mix_logits
    from albert_edge.teacher import load_teacher

    tr, ytr = _read(run / "data" / "train.jsonl")
    dv, ydv = _read(run / "data" / "dev.jsonl")
    te, yte = _read(run / "test.jsonl")
    labels = json.loads((run / "report.json").read_text())["data"]["labels"]
    pick = sorted(random.Random(0).sample(range(len(dv)), min(1500, len(dv))))
    dv, ydv = [dv[i] for i in pick], [ydv[i] for i in pick]
    t0 = time.time()
    ng = NgramTeacher(tr, [labels.index(v) for v in ytr], labels, seed=0)
    fit_s = time.time() - t0
    enc = load_teacher(run / "cache" / "teacher")
    out = {"run": str(run), "train": len(tr), "dev": len(dv), "test": len(te), "ngram_fit_s": round(fit_s, 1),
           "teacher": json.loads((run / "cache" / "teacher" / "albert_edge_teacher.json").read_text()).get("train_size")}
    for name, texts, y in (("dev", dv, ydv), ("test", te, yte)):
        y = np.array([labels.index(v) for v in y])
        e, n = enc.logits(texts), ng.logits(texts)
        p_e = np.exp(mix_logits(e, n, 1.0))
        out[name] = [{"weight": w, "log_linear": round(float((mix_logits(e, n, w).argmax(1) == y).mean()), 4),
                      "prob_average": round(float(((w * p_e + (1 - w) * np.exp(n)).argmax(1) == y).mean()), 4)}
                     for w in MIX_GRID]
        if name == "dev":
            out["chosen_weight"] = choose_mix(e, n, y)[0]
    chosen = next(r for r in out["test"] if r["weight"] == out["chosen_weight"])
    out["test_at_chosen"] = {"encoder": out["test"][-1]["log_linear"], "ngram": out["test"][0]["log_linear"],
                             "mix": chosen["log_linear"]}
    return out


def main() -> None:
    runs = [Path(a) for a in sys.argv[1:]] or [Path("runs/demo")]
    res = {"command": "python benchmarks/teacher_mix.py " + " ".join(map(str, runs)), "runs": [one(r) for r in runs]}
    dst = Path(__file__).parent / "results" / "teacher_mix.json"
    dst.write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
    for r in res["runs"]:
        print(r["run"], "chosen", r["chosen_weight"], "test", r["test_at_chosen"])


if __name__ == "__main__":
    main()
