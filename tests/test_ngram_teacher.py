"""ngram_teacher.py: the script decides the n-grams; the training texts' soft targets are cross-fitted (from models
that never saw them); any other text gets the full model, i.e. the TF-IDF baseline."""

import numpy as np
import pytest

from albert_edge.errors import DataError
from albert_edge.ngram_teacher import NgramTeacher, tfidf_settings

pytest.importorskip("sklearn")

GOOD = list("好棒赞爱美")
BAD = list("差烂坏丑慢")


def reviews(n, seed):
    """Short unspaced 'reviews': three characters of their class among filler characters, plus 10% label noise."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        y = i % 2
        chars = list(rng.choice(GOOD if y else BAD, 3)) + list(rng.choice(list("的了是我这本书东西还"), 6))
        rng.shuffle(chars)
        texts.append("".join(chars) + f"{i}号")
        labels.append(y if rng.random() > 0.1 else 1 - y)
    return texts, labels


def test_settings_follow_the_script():
    assert tfidf_settings(["这本书写得很好，我非常喜欢", "质量太差了"])["analyzer"] == "char"
    assert tfidf_settings(["the book was great and I loved it", "bad quality"])["analyzer"] == "word"


def test_cross_fitted_targets_and_full_model_elsewhere():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    texts, y = reviews(400, 0)
    t = NgramTeacher(texts, y, ["negative", "positive"], folds=5, seed=0)
    train_lg = t.logits(texts)
    full_on_train = np.log(t.model.predict_proba(t.vectorizer.transform(texts)))
    # in-sample, the full model is surer of the given labels (noisy ones included) than models that never saw them
    rows = np.arange(len(y))
    assert full_on_train[rows, y].mean() > train_lg[rows, y].mean() + 0.02
    assert t.oof_accuracy == pytest.approx((train_lg.argmax(1) == y).mean())
    assert not np.allclose(train_lg, full_on_train, atol=1e-3)
    # unseen texts: exactly the baseline (same vectorizer settings, same LR)
    new, _ = reviews(50, 1)
    vec = TfidfVectorizer(**tfidf_settings(texts))
    base = LogisticRegression(max_iter=2000, C=2.0).fit(vec.fit_transform(texts), y)
    np.testing.assert_allclose(t.logits(new), np.log(base.predict_proba(vec.transform(new))), atol=1e-4)
    assert np.allclose(np.exp(t.logits(new)).sum(1), 1.0, atol=1e-4)
    assert t.num_parameters == t.model.coef_.size + t.model.intercept_.size and t.num_bytes > 0
    flipped = NgramTeacher(texts, [1 - v for v in y], ["negative", "positive"], folds=5, seed=0)
    assert flipped.identity != t.identity  # the logit caches of two teachers never mix


def test_too_few_texts_per_label():
    with pytest.raises(DataError, match="at least 5 training texts of every label"):
        NgramTeacher(["好", "好好", "差", "很好", "太好", "真好"], [1, 1, 0, 1, 1, 1], ["negative", "positive"])
