"""ngram_teacher.py: the script decides the n-grams; the training texts' soft targets are cross-fitted (from models
that never saw them); any other text gets the full model, i.e. the TF-IDF baseline (plus jieba's words for Chinese)."""

import numpy as np
import pytest

from albert_edge.errors import DataError
from albert_edge.ngram_teacher import NgramTeacher, fit_tfidf, teacher_settings, tfidf_settings

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


def test_the_chinese_teacher_adds_jieba_words_and_the_baseline_stays_characters():
    pytest.importorskip("rjieba")
    import pickle

    from albert_edge.run_steps import baseline

    zh = ["这本书写得很好，我非常喜欢", "质量太差了"]
    assert teacher_settings(zh)["analyzer"] == "char+words"
    assert teacher_settings(["これはとても良い本です"])["analyzer"] == "char"  # kana: jieba does not know the words
    assert teacher_settings(["the book was great"]) == tfidf_settings(["the book was great"])
    texts, y = reviews(200, 0)
    texts = [t.replace("号", "非常满意" if v else "质量太差") for t, v in zip(texts, y)]
    t = NgramTeacher(texts, y, ["negative", "positive"], folds=5, seed=0)
    words = {k[1:] for k in t.vectorizer.vocabulary_ if k.startswith("\0")}
    assert {"非常", "满意", "非常 满意"} <= words and "非常满意" not in words  # jieba's cut, then word bigrams
    assert "非常满意"[1:4] in t.vectorizer.vocabulary_  # and the baseline's character 3-grams
    vec, _ = pickle.loads(pickle.dumps((t.vectorizer, t.model)))  # num_bytes and joblib ship the analyzer
    assert (vec.transform(texts) != t.vectorizer.transform(texts)).nnz == 0

    class Data:
        pairs = None

        def __init__(self, texts, y):
            self.texts, self.y = texts, y

        def __len__(self):
            return len(self.texts)

        def label_ids(self, labels):
            return self.y

    _, extra, _ = baseline(Data(texts, y), Data(texts[:20], y[:20]), ["negative", "positive"], ngram=t)
    assert "char 1-3 grams" in extra["note"] and "jieba" not in extra["note"]


def test_cross_fitted_targets_and_full_model_elsewhere():
    texts, y = reviews(400, 0)
    t = NgramTeacher(texts, y, ["negative", "positive"], folds=5, seed=0)
    train_lg = t.logits(texts)
    full_on_train = np.log(t.model.predict_proba(t.vectorizer.transform(texts)))
    # in-sample, the full model is surer of the given labels (noisy ones included) than models that never saw them
    rows = np.arange(len(y))
    assert full_on_train[rows, y].mean() > train_lg[rows, y].mean() + 0.02
    assert t.oof_accuracy == pytest.approx((train_lg.argmax(1) == y).mean())
    assert not np.allclose(train_lg, full_on_train, atol=1e-3)
    # unseen texts: exactly one fit on all training texts (the baseline's, plus words for Chinese)
    new, _ = reviews(50, 1)
    vec, base = fit_tfidf(teacher_settings(texts), 2.0, texts, y)
    np.testing.assert_allclose(t.logits(new), np.log(base.predict_proba(vec.transform(new))), atol=1e-4)
    assert np.allclose(np.exp(t.logits(new)).sum(1), 1.0, atol=1e-4)
    assert t.num_parameters == t.model.coef_.size + t.model.intercept_.size and t.num_bytes > 0
    flipped = NgramTeacher(texts, [1 - v for v in y], ["negative", "positive"], folds=5, seed=0)
    assert flipped.identity != t.identity  # the logit caches of two teachers never mix


def test_too_few_texts_per_label():
    with pytest.raises(DataError, match="at least 5 training texts of every label"):
        NgramTeacher(["好", "好好", "差", "很好", "太好", "真好"], [1, 1, 0, 1, 1, 1], ["negative", "positive"])


def _onehot_logits(pred, k=2, strength=3.0):
    return np.eye(k)[np.asarray(pred)] * strength


def test_mix_logits_ends_are_the_two_teachers():
    from albert_edge.ngram_teacher import mix_logits

    rng = np.random.default_rng(0)
    neural = rng.normal(size=(20, 3)) * 4
    ngram = np.log(rng.dirichlet(np.ones(3), size=20))
    assert np.exp(mix_logits(neural, ngram, 0.5)).sum(1) == pytest.approx(np.ones(20), abs=1e-5)
    ref = neural - neural.max(1, keepdims=True)
    assert mix_logits(neural, ngram, 1.0) == pytest.approx(ref - np.log(np.exp(ref).sum(1, keepdims=True)), abs=1e-5)
    assert mix_logits(neural, ngram, 0.0) == pytest.approx(ngram, abs=1e-5)


def test_choose_mix_keeps_the_better_teacher_and_mixes_complementary_ones():
    from albert_edge.ngram_teacher import choose_mix

    y = np.arange(100) % 2
    wrong = 1 - y
    # the encoder is always right, the n-grams always wrong: the encoder alone
    w, table = choose_mix(_onehot_logits(y), np.log(np.full((100, 2), 0.5)) + _onehot_logits(wrong), y)
    assert w == 1.0 and [e["weight"] for e in table] == [i / 10 for i in range(11)]
    # the reverse: the n-grams alone
    assert choose_mix(_onehot_logits(wrong), np.log(np.eye(2)[y] * 0.98 + 0.01), y)[0] == 0.0
    # each right on its own 60% with confidence, unsure where wrong: only the mix is right everywhere
    a, b = np.arange(100) < 60, np.arange(100) >= 40
    neural = np.where(a[:, None], _onehot_logits(y, strength=4), _onehot_logits(wrong, strength=0.5))
    ngram = np.log(np.where(b[:, None], np.eye(2)[y] * 0.96 + 0.02, np.eye(2)[wrong] * 0.2 + 0.4))
    w, table = choose_mix(neural, ngram, y)
    assert 0.0 < w < 1.0 and next(e for e in table if e["weight"] == w)["accuracy"] == 1.0


def test_mixed_teacher_caches_only_the_encoder_and_names_its_weight():
    from albert_edge.ngram_teacher import MixedTeacher, mix_logits

    texts, y = reviews(200, 1)
    ng = NgramTeacher(texts, y, ["negative", "positive"], seed=0)
    calls = []

    class Encoder:
        labels, identity = ["negative", "positive"], "enc"

        def logits(self, texts, pairs=None, **kw):
            calls.append(kw)
            return np.zeros((len(texts), 2), dtype=np.float32)

    m = MixedTeacher(Encoder(), ng, 0.3)
    out = m.logits(texts[:5], cache="C", progress=False)
    assert calls == [{"cache": "C", "progress": False}]
    assert out == pytest.approx(mix_logits(np.zeros((5, 2)), ng.logits(texts[:5]), 0.3), abs=1e-6)
    assert (out.argmax(1) == ng.logits(texts[:5]).argmax(1)).all()  # a flat encoder leaves the n-grams' vote
    assert MixedTeacher(Encoder(), ng, 0.4).identity != m.identity


def test_edited_copies_are_labeled_out_of_fold_like_their_source():
    texts, y = reviews(400, 0)
    t = NgramTeacher(texts, y, ["negative", "positive"], folds=5, seed=0)
    copies = [s[:-1] for s in texts[:40]]  # a character dropped: the full model has memorized the rest
    full = t.logits(copies)
    t.add_derived(copies, list(range(40)))
    oof = t.logits(copies)
    rows, yy = np.arange(40), np.asarray(y[:40])
    assert full[rows, yy].mean() > oof[rows, yy].mean() + 0.02  # no longer the memorized answer
    for i in (0, 17, 39):  # each from the fold model that never saw its source
        k = t._fold_of[i]
        vec, clf = t._fits[k]
        np.testing.assert_allclose(oof[i], np.log(clf.predict_proba(vec.transform([copies[i]])))[0], atol=1e-4)
