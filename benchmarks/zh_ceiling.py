"""How far above the character TF-IDF baseline a student of the n-gram teacher can be expected to land: the teacher's
own margin over the baseline (a student that copied it perfectly would score it), with its 95% interval, on three
splits; and, for a trained student, how closely it follows its teacher and what mixing the two would score.

    make demo-zh   # or any `run --corpus zh-reviews` into RUN
    .venv/bin/python benchmarks/zh_ceiling.py [RUN]   -> benchmarks/results/zh_ceiling.json   (~3 min)

The baseline and the teacher are albert_edge's (run_steps.baseline, ngram_teacher.NgramTeacher), fitted on each
split's training reviews and scored on its test reviews; intervals are report.margin_interval's paired bootstrap.
RUN (default runs/demo-zh) must hold the seed-0 run's fp32 student (RUN/student).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np


def main() -> None:
    from zh_split import splits

    from albert_edge.ngram_teacher import NgramTeacher
    from albert_edge.predict import load
    from albert_edge.run_steps import baseline

    run = Path(sys.argv[1] if len(sys.argv) > 1 else "runs/demo-zh")
    out = {"command": "python benchmarks/zh_ceiling.py " + str(run),
           "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "splits": {}}
    for seed in (0, 1, 2):
        sp = splits(seed)
        train, test, labels = sp["train"], sp["test"], sp["labels"]
        y = np.array(test.label_ids(labels))
        teacher = NgramTeacher(train.texts, train.label_ids(labels), labels, seed=seed)
        b = np.array(baseline(train, test, labels)[0])
        t_logits = teacher.logits(test.texts)
        t = t_logits.argmax(1)
        row = {"baseline": _acc(b, y), "teacher": _acc(t, y),
               "teacher_minus_baseline": round(_acc(t, y) - _acc(b, y), 4),
               "teacher_minus_baseline_ci95": _interval(t, b, y)}
        if seed == 0:
            row["student"] = _student(load(run / "student"), train, test, labels, teacher, t_logits, b, y)
        out["splits"][seed] = row
        print(seed, json.dumps(row), flush=True)
    path = Path(__file__).parent / "results" / "zh_ceiling.json"
    if path.is_file():  # the prose written beside the numbers stays
        old = json.loads(path.read_text(encoding="utf-8"))
        out.update({k: old[k] for k in ("machine", "student_run", "reading") if k in old})
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def _student(predictor, train, test, labels, teacher, t_logits, b, y) -> dict:
    def probs(texts):
        return np.array([[o["probs"][name] for name in labels] if isinstance(o["probs"], dict) else o["probs"]
                         for o in predictor.predict(texts)])

    p = probs(test.texts)
    s = p.argmax(1)
    pick = np.random.default_rng(0).choice(len(train), min(2000, len(train)), replace=False)
    s_train = probs([train.texts[i] for i in pick]).argmax(1)
    t_train = teacher.logits([train.texts[i] for i in pick]).argmax(1)  # out of fold: what the student learned from
    y_train = np.array(train.label_ids(labels))[pick]
    row = {"fp32": _acc(s, y), "minus_baseline_ci95": _interval(s, b, y),
           "agrees_with_teacher_test": _acc(s, t_logits.argmax(1)),
           "agrees_with_teacher_train_sample": _acc(s_train, t_train),
           "train_sample_accuracy": _acc(s_train, y_train), "teacher_oof_train_sample_accuracy": _acc(t_train, y_train),
           "mixed_with_teacher": {}}
    for w in (0.3, 0.5, 0.7):  # log p = w log p_student + (1 - w) log p_teacher
        m = (w * np.log(p + 1e-9) + (1 - w) * t_logits).argmax(1)
        row["mixed_with_teacher"][str(w)] = {"accuracy": _acc(m, y),
                                             "minus_baseline_ci95": _interval(m, b, y)}
    return row


def _acc(pred, ref) -> float:
    return round(float((np.asarray(pred) == np.asarray(ref)).mean()), 4)


def _interval(pred, ref, y) -> list[float]:
    """95% interval of accuracy(pred) - accuracy(ref) over the test texts (report.margin_interval)."""
    from albert_edge.report import margin_interval

    return margin_interval(*((np.asarray(p) == y).astype(int).tolist() for p in (pred, ref)))


if __name__ == "__main__":
    main()
