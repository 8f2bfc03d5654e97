"""How far n-gram models go on the Chinese reviews: candidates for a teacher above the char TF-IDF baseline.

    .venv/bin/python benchmarks/zh_ngram_teachers.py   -> benchmarks/results/zh_ngram_teachers.json   (~2.5 min)

The zh-reviews split of `make demo-zh` (seed 0, 80/10/10). Each model is fit on the 13,891 training reviews and
scored on the whole dev (1,736) and test (1,736) splits: TF-IDF + logistic regression (the baseline's settings and
variants; the n-gram teacher's, which add n-grams of the words jieba cuts), NBSVM (Wang & Manning 2012: binary features scaled by the log-count ratio, then logistic regression), and
the average of two models' probabilities.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from zh_split import splits

    from albert_edge.ngram_teacher import fit_tfidf, teacher_settings

    sp = splits()
    tr, dv, te = (sp[s] for s in ("train", "dev", "test"))
    ytr, ydv, yte = (np.array(d.label_ids(sp["labels"])) for d in (tr, dv, te))
    base = dict(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)

    def lr(settings, C=2.0):
        v = TfidfVectorizer(**settings)
        m = LogisticRegression(max_iter=2000, C=C).fit(v.fit_transform(tr.texts), ytr)
        return m.predict_proba(v.transform(dv.texts)), m.predict_proba(v.transform(te.texts))

    def nbsvm(settings, C=4.0):
        v = TfidfVectorizer(**settings, use_idf=False)
        x = v.fit_transform(tr.texts)
        xb = (x > 0).astype(np.float32)
        p, q = (np.asarray(xb[ytr == k].sum(0)).ravel() + 1 for k in (1, 0))
        r = sparse.diags(np.log((p / p.sum()) / (q / q.sum())))
        m = LogisticRegression(max_iter=3000, C=C).fit(x @ r, ytr)
        return m.predict_proba(v.transform(dv.texts) @ r), m.predict_proba(v.transform(te.texts) @ r)

    def teacher(C=2.0):  # the n-gram teacher's own features (ngram_teacher.teacher_settings: + jieba's words)
        v, m = fit_tfidf(teacher_settings(tr.texts), C, tr.texts, ytr)
        return m.predict_proba(v.transform(dv.texts)), m.predict_proba(v.transform(te.texts))

    c14 = {**base, "ngram_range": (1, 4)}
    runs = {"char 1-3, C=2 (the baseline)": lambda: lr(base), "char 1-4, C=2": lambda: lr(c14),
            "char 1-3 + jieba words 1-3, C=2 (the teacher)": teacher,
            "char 1-3 + jieba words 1-3, C=4": lambda: teacher(4.0),
            "char 1-3, C=8": lambda: lr(base, C=8), "char 1-4, C=8": lambda: lr(c14, C=8),
            "NBSVM char 1-3": lambda: nbsvm(base), "NBSVM char 1-4": lambda: nbsvm(c14)}
    probs, rows = {}, []
    for name, fit in runs.items():
        t0 = time.time()
        probs[name] = fit()
        rows.append({"model": name, "dev": float((probs[name][0].argmax(1) == ydv).mean()),
                     "test": float((probs[name][1].argmax(1) == yte).mean()), "seconds": round(time.time() - t0, 1)})
        print(rows[-1], flush=True)
    for a, b in [("char 1-3, C=2 (the baseline)", "NBSVM char 1-3"), ("char 1-4, C=8", "NBSVM char 1-4")]:
        d, t = ((probs[a][i] + probs[b][i]) / 2 for i in (0, 1))
        rows.append({"model": f"mean of [{a}] and [{b}]", "dev": float((d.argmax(1) == ydv).mean()),
                     "test": float((t.argmax(1) == yte).mean())})
        print(rows[-1], flush=True)
    out = Path(__file__).parent / "results" / "zh_ngram_teachers.json"
    out.write_text(json.dumps({"command": ".venv/bin/python benchmarks/zh_ngram_teachers.py",
                               "split": {"train": len(tr), "dev": len(dv), "test": len(te)}, "results": rows},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
