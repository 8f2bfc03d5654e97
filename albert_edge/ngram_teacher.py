"""An n-gram teacher (TF-IDF + logistic regression), cross-fitted, for languages no offline encoder knows.

    t = NgramTeacher(train.texts, train.label_ids(labels), labels, seed=0)
    t.logits(texts)      # log-probabilities; out-of-fold for the training texts, the full model for any other

No Chinese pretrained encoder is available offline here, and the shipped MiniLM's vocabulary maps ~63% of Chinese
review tokens to [UNK]; the strongest teacher that fits a 2-core budget is the n-gram model itself. On its own training
texts it is near one-hot (it has memorized them), which would teach the student nothing beyond the labels. So each
training text gets the probabilities of a model fit without it: `folds` models, each fit on the other folds, label the
fold they never saw (cross-fitting). Any other text (dev, test, unlabeled) gets the model fit on all training texts:
the TF-IDF baseline of the report, with jieba's words added to its characters for Chinese (teacher_settings).
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


def _is_chinese(texts: list[str]) -> bool:
    """Han characters make up most of the letters, and no kana (Japanese, whose words jieba does not know)."""
    letters = [c for t in texts[:5000] for c in t if c.isalpha()]
    han = sum(1 for c in letters if "\u3400" <= c <= "\u9fff" or "\uf900" <= c <= "\ufaff")
    kana = sum(1 for c in letters if "\u3040" <= c <= "\u30ff")
    return bool(letters) and han / len(letters) > 0.5 and kana / len(letters) < 0.01


def teacher_settings(texts: list[str]) -> dict:
    """The n-gram teacher's features: the baseline's (tfidf_settings), plus, for Chinese, n-grams of the words jieba
    cuts (rjieba, its Rust port). On the zh-reviews split they lift dev 0.8531 -> 0.8589 and test 0.8497 -> 0.8543
    (benchmarks/results/zh_ngram_teachers.json); the baseline row of the report stays the characters alone."""
    settings = tfidf_settings(texts)
    if settings["analyzer"] == "char" and _is_chinese(texts):
        try:
            import rjieba  # noqa: F401
        except ImportError:
            return settings
        settings.update(analyzer="char+words", words=(1, 3))
    return settings


class CharWords:
    """A TfidfVectorizer analyzer (picklable, so joblib and num_bytes can ship it): sklearn's own character n-grams
    of the text, then "\\0"-prefixed n-grams of its rjieba words. NUL is removed from the text first, so the two
    kinds never collide."""

    def __init__(self, chars: tuple[int, int], words: tuple[int, int]):
        self.chars, self.words = tuple(chars), tuple(words)

    def __call__(self, text: str) -> list[str]:
        if not hasattr(self, "_char"):  # built once per process: an analyzer is called once per text
            import rjieba
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._char = TfidfVectorizer(analyzer="char", ngram_range=self.chars).build_analyzer()
            self._cut = rjieba.cut
        text = text.replace("\0", "")
        w = [x for x in self._cut(text.lower()) if not x.isspace()]
        lo, hi = self.words
        return self._char(text) + ["\0" + " ".join(w[i:i + n]) for n in range(lo, hi + 1)
                                   for i in range(len(w) - n + 1)]

    def __getstate__(self):
        return {"chars": self.chars, "words": self.words}  # the analyzer and the cutter are rebuilt on first use


def describe(settings: dict) -> str:
    lo, hi = settings["ngram_range"]
    if settings["analyzer"] == "char+words":
        wlo, whi = settings["words"]
        return (f"char {lo}-{hi} grams + jieba word {wlo}-{whi} grams, min_df {settings['min_df']}, "
                "sublinear TF")
    return f"{settings['analyzer']} {lo}-{hi} grams, min_df {settings['min_df']}, sublinear TF"


def _sklearn():
    try:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.model_selection import StratifiedKFold
    except ImportError:
        raise MissingExtraError("the TF-IDF baseline and the n-gram teacher need scikit-learn: pip install "
                                "'albert-edge[demo]'") from None
    return TfidfVectorizer, LogisticRegression, StratifiedKFold


def fit_tfidf(settings: dict, C: float, texts: list[str], y):
    """(vectorizer, logistic regression) fitted on `texts`: the baseline, and each of the n-gram teacher's fits."""
    Tfidf, LR, _ = _sklearn()
    if settings["analyzer"] == "char+words":
        vec = Tfidf(analyzer=CharWords(settings["ngram_range"], settings["words"]), min_df=settings["min_df"],
                    sublinear_tf=settings["sublinear_tf"])
    else:
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
        self.settings = teacher_settings(texts)
        self.folds = folds
        splits = list(KFold(folds, shuffle=True, random_state=seed).split(texts, y))
        # the full model and the fold models are independent fits: one per core (joblib ships with scikit-learn);
        # each fit is deterministic, so the result does not depend on how many run at once
        from joblib import Parallel, delayed

        fits = Parallel(n_jobs=max(1, min(os.cpu_count() or 1, folds + 1)))(
            delayed(fit_tfidf)(self.settings, self.C, t, yy)
            for t, yy in [(texts, y)] + [([texts[i] for i in f], y[f]) for f, _ in splits])
        self.vectorizer, self.model = fits[0]
        oof = np.zeros((len(texts), len(self.labels)), dtype=np.float32)
        self._fold_of = np.zeros(len(texts), dtype=np.int64)
        for k, ((vec, clf), (_, held_idx)) in enumerate(zip(fits[1:], splits)):
            oof[held_idx] = self._log_proba(clf, vec.transform([texts[i] for i in held_idx]))
            self._fold_of[held_idx] = k
        self._fits = fits[1:]
        self._oof = {text_key(t): row for t, row in zip(texts, oof)}
        self.identity = hashlib.sha256(json.dumps(
            {"kind": "ngram", "settings": self.settings, "C": self.C, "folds": folds, "seed": seed,
             "labels": self.labels, "data": [text_key(t) for t in texts], "y": y.tolist()},
            default=str).encode()).hexdigest()[:16]
        self.oof_accuracy = float((oof.argmax(1) == y).mean())

    def add_derived(self, texts: list[str], sources: list[int]) -> None:
        """Texts made from training texts (albert_edge.training.augment; `sources`: the index of each one's training
        text) are labeled like their source, out of fold: the full model has memorized the source, and a copy with a
        word deleted would get its near one-hot row."""
        from .teacher import text_key

        fold = self._fold_of[np.asarray(sources, dtype=np.int64)] if sources else np.zeros(0, dtype=np.int64)
        for k, (vec, clf) in enumerate(self._fits):
            idx = np.flatnonzero(fold == k)
            if len(idx):
                rows = self._log_proba(clf, vec.transform([texts[i] for i in idx]))
                self._oof.update((text_key(texts[i]), row) for i, row in zip(idx, rows))

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


# -- a neural teacher mixed with the n-gram model ------------------------------------------------------------------
# A fine-tuned encoder and a bag of n-grams err on different texts. On test (benchmarks/results/teacher_mix.json), at
# the weight dev chose: the demo tweets' encoder 0.7815, TF-IDF 0.7565, mix 0.7915; the stand-in paragraphs' encoder
# 0.593, TF-IDF 0.661, mix 0.675. Distillation passes on the teacher's knowledge whatever it is made of, so the
# student learns from the mix; its weight is chosen on the dev texts (1.0, the encoder alone, where the n-grams do not
# help there).
MIX_GRID = tuple(i / 10 for i in range(11))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=1, keepdims=True))


def mix_logits(neural: np.ndarray, ngram: np.ndarray, weight: float) -> np.ndarray:
    """Log-probabilities of the product of experts p ∝ p_neural^w · p_ngram^(1−w) (a log-linear mix: where the
    n-gram model is confident its vote is tempered by w instead of passing through an average of probabilities
    unchanged; benchmarks/results/teacher_mix.json: on the stand-in better than the average at 8 of the 9 weights
    between 0 and 1, by up to 2.9 points; on the tweets within 0.6 point of it either way)."""
    return _log_softmax(weight * _log_softmax(np.asarray(neural, dtype=np.float64))
                        + (1 - weight) * np.asarray(ngram, dtype=np.float64)).astype(np.float32)


def choose_mix(neural: np.ndarray, ngram: np.ndarray, y) -> tuple[float, list[dict]]:
    """The grid weight with the best dev accuracy (ties: the lower log-loss, then the larger weight), and the grid."""
    y = np.asarray(y)
    table = []
    for w in MIX_GRID:
        lp = mix_logits(neural, ngram, w)
        table.append({"weight": w, "accuracy": round(float((lp.argmax(1) == y).mean()), 4),
                      "log_loss": round(float(-lp[np.arange(len(y)), y].mean()), 4)})
    best = max(table, key=lambda e: (e["accuracy"], -e["log_loss"], e["weight"]))
    return best["weight"], table


class MixedTeacher:
    """The neural teacher and the n-gram teacher as one: `logits` (and `features`, whose vectors are the encoder's)
    are mix_logits of theirs. The encoder's own cache keeps its logits; the mix costs milliseconds."""

    def __init__(self, neural, ngram: NgramTeacher, weight: float):
        self.neural, self.ngram, self.weight = neural, ngram, float(weight)
        self.labels = list(neural.labels)
        self.identity = hashlib.sha256(f"mix:{neural.identity}:{ngram.identity}:{weight}".encode()).hexdigest()[:16]

    def logits(self, texts: list[str], pairs: list[str] | None = None, **kw) -> np.ndarray:
        return mix_logits(self.neural.logits(texts, pairs, **kw), self.ngram.logits(texts, pairs), self.weight)

    def features(self, texts: list[str], pairs: list[str] | None = None, **kw) -> tuple[np.ndarray, np.ndarray]:
        lg, vec = self.neural.features(texts, pairs, **kw)
        return mix_logits(lg, self.ngram.logits(texts, pairs), self.weight), vec


def mix_with_ngram(neural, train, dev, labels: list[str], *, ngram: NgramTeacher | None = None, cache=None,
                   seed: int = 0, log=print):
    """(MixedTeacher or None, info): the n-gram teacher cross-fitted on `train` (or `ngram`, already fitted on it),
    the mix weight chosen on `dev`. None where the encoder alone is best on dev, or the data cannot cross-fit (a label
    with under 5 texts)."""
    try:
        ngram = ngram or NgramTeacher(train.texts, train.label_ids(labels), labels, pairs=train.pairs, seed=seed)
    except DataError as e:
        log(f"   no n-gram mix: {e}")
        return None, {"weight": 1.0, "skipped": str(e)}
    y = dev.label_ids(labels)
    weight, table = choose_mix(neural.logits(dev.texts, dev.pairs, cache=cache), ngram.logits(dev.texts, dev.pairs),
                               y)
    by_w = {e["weight"]: e for e in table}
    info = {"weight": weight, "dev": table, "ngram": ngram.describe(), "ngram_params": ngram.num_parameters,
            "ngram_bytes": ngram.num_bytes}
    log(f"   teacher mix on dev ({len(y)} texts): encoder {by_w[1.0]['accuracy']:.4f}, n-grams "
        f"{by_w[0.0]['accuracy']:.4f}, chosen weight {weight:g} -> {by_w[weight]['accuracy']:.4f}")
    return (MixedTeacher(neural, ngram, weight) if weight < 1.0 else None), info
