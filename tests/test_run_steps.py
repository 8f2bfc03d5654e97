"""run_steps.py: the baseline row reuses the n-gram teacher's full model (one fit), and predicts as a fresh fit."""

import pytest

from tests.test_ngram_teacher import reviews

pytest.importorskip("sklearn")


def test_baseline_from_the_ngram_teachers_full_fit_equals_its_own_fit():
    from albert_edge.data import Dataset
    from albert_edge.ngram_teacher import NgramTeacher
    from albert_edge.run_steps import baseline

    labels = ["neg", "pos"]
    tr, ytr = reviews(200, 0)
    te, yte = reviews(80, 1)
    train = Dataset(texts=tr, labels=[labels[y] for y in ytr])
    test = Dataset(texts=te, labels=[labels[y] for y in yte])
    ngram = NgramTeacher(tr, ytr, labels, seed=0)
    shared, extra, one = baseline(train, test, labels, ngram=ngram)
    fresh, extra2, _ = baseline(train, test, labels)
    assert shared == fresh and "char 1-3 grams" in extra["note"]
    assert extra["params"] == extra2["params"] and extra["note"] == extra2["note"]
    # the same model pickles a few bytes apart when it was fitted in a joblib worker (string memoization)
    assert extra["bytes"] == pytest.approx(extra2["bytes"], rel=0.01)
    assert shared == ngram.logits(te).argmax(1).tolist()  # not a training text: the teacher's full model answers
    assert one(te[0]).tolist() == shared[:1]


def test_a_rerun_into_the_same_folder_plans_with_the_first_runs_probes(tmp_path):
    from albert_edge.run_steps import previous_probe

    assert previous_probe(tmp_path, "speed") is None
    (tmp_path / "config.json").write_text('{"speed": 1.37, "bf16_gain": 1.8, "out": "x"}')
    assert previous_probe(tmp_path, "speed") == 1.37
    assert previous_probe(tmp_path, "bf16_gain") == 1.8
    for bad in ('{"speed": null}', '{"speed": "fast"}', '{"speed": -1}', '{"speed": true}', "[1]", "not json"):
        (tmp_path / "config.json").write_text(bad)
        assert previous_probe(tmp_path, "speed") is None, bad
