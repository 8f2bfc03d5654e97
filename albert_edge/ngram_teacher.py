"""An n-gram teacher (TF-IDF + logistic regression), cross-fitted, for languages no offline encoder knows.

    t = NgramTeacher(train.texts, train.label_ids(labels), labels, seed=0)
    t.logits(texts)      # log-probabilities; out-of-fold for the training texts, the full model for any other

No Chinese pretrained encoder is available offline here, and the shipped MiniLM's vocabulary maps ~63% of Chinese
review tokens to [UNK]; the strongest teacher that fits a 2-core budget is the n-gram model itself. On its own training
texts it is near one-hot (it has memorized them), which would teach the student nothing beyond the labels. So each
training text gets the probabilities of a model fit without it: `folds` models, each fit on the other folds, label the
fold they never saw (cross-fitting). Any other text (dev, test, unlabeled) gets the model fit on all training texts,
which is exactly the TF-IDF baseline of the report.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle

import numpy as np

from .errors import DataError, MissingExtraError


def tfidf_settings(texts: list[str]) -> dict:
    """TfidfVectorizer settings for the text's script: word 1-2 grams where words are space-separated, character
    1-3 grams where they are not (Chinese, Japanese, Thai: a space-split "word" would be a whole sentence)."""
    sample = texts[:5000]
    chars = sum(len(t) for t in sample)
    spaces = sum(t.count(" ") for t in sample)
    if chars and spaces / chars < 0.05:  # English prose has a space every ~6 characters (0.15+)
        return dict(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True)
    return dict(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True)


def describe(settings: dict) -> str:
    lo, hi = settings["ngram_range"]
    return f"{settings['analyzer']} {lo}-{hi} grams, min_df {settings['min_df']}, sublinear TF"


def _sklearn():
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError:
        raise MissingExtraError("the n-gram teacher needs scikit-learn: pip install 'albert-edge[demo]'") from None
    return TfidfVectorizer, LogisticRegression, StratifiedKFold


def _fit(settings: dict, C: float, texts: list[str], y):
    Tfidf, LR, _ = _sklearn()
    vec = Tfidf(**settings)
    return vec, LR(max_iter=2000, C=C).fit(vec.fit_transform(texts), y)


def _join(texts: list[str], pairs: list[str] | None) -> list[str]:
    return texts if pairs is None else [t + " " + p for t, p in zip(texts, pairs)]


class NgramTeacher:
    C = 2.0

    def __init__(self, texts: list[str], labels: list[int], label_names: list[str], *,
                 pairs: list[str] | None = None, folds: int = 5, seed: int = 0):
        from .teacher import text_key

        Tfidf, LR, KFold = _sklearn()
        texts = _join(texts, pairs)
        y = np.asarray(labels)
        if np.bincount(y).min() < folds:
            raise DataError(f"the n-gram teacher needs at least {folds} training texts of every label (cross-fitting "
                            f"in {folds} folds); label counts: {np.bincount(y).tolist()}")
        self.labels = list(label_names)
        self.settings = tfidf_settings(texts)
        self.folds = folds
        splits = list(KFold(folds, shuffle=True, random_state=seed).split(texts, y))
        # the full model and the fold models are independent fits: one per core (joblib ships with scikit-learn);
        # each fit is deterministic, so the result does not depend on how many run at once
        from joblib import Parallel, delayed

        fits = Parallel(n_jobs=max(1, min(os.cpu_count() or 1, folds + 1)))(
            delayed(_fit)(self.settings, self.C, t, yy)
            for t, yy in [(texts, y)] + [([texts[i] for i in f], y[f]) for f, _ in splits])
        self.vectorizer, self.model = fits[0]
        oof = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        for (vec, clf), (_, held_idx) in zip(fits[1:], splits):
            oof[held_idx] = self._log_proba(clf, vec.transform([texts[i] for i in held_idx]))
        self._oof = {text_key(t): row for t, row in zip(texts, oof)}
        self.identity = hashlib.sha256(json.dumps(
            {"kind": "ngram", "settings": self.settings, "C": self.C, "folds": folds, "seed": seed,
             "labels": self.labels, "data": [text_key(t) for t in texts], "y": y.tolist()},
            default=str).encode()).hexdigest()[:16]
        self.oof_accuracy = float((oof.argmax(1) == y).mean())

    def _log_proba(self, clf, x) -> np.ndarray:
        # log-probabilities as logits: softmax(log p) = p, so KD at temperature T sees p^(1/T), renormalized
        return np.maximum(clf.predict_log_proba(x), -30.0).astype(np.float32)

    @property
    def num_parameters(self) -> int:
        return int(self.model.coef_.size + self.model.intercept_.size)

    @property
    def num_bytes(self) -> int:
        return len(pickle.dumps((self.vectorizer, self.model)))

    def describe(self) -> str:
        return (f"TF-IDF ({describe(self.settings)}) + logistic regression (C={self.C}); the training texts' soft "
                f"targets cross-fitted in {self.folds} folds (out-of-fold accuracy {self.oof_accuracy:.4f})")

    def logits(self, texts: list[str], pairs: list[str] | None = None, **_ignored) -> np.ndarray:
        """Out-of-fold log-probabilities for training texts, the full model's for any other. (`cache`, `progress`
        are accepted for the teachers' common call and ignored: this takes milliseconds per thousand texts.)"""
        from .teacher import text_key

        texts = _join(texts, pairs)
        out = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        rest = []
        for i, t in enumerate(texts):
            row = self._oof.get(text_key(t))
            if row is None:
                rest.append(i)
            else:
                out[i] = row
        if rest:
            out[rest] = self._log_proba(self.model, self.vectorizer.transform([texts[i] for i in rest]))
        return out
