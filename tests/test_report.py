"""report.py: the goals' margins and their paired-bootstrap intervals."""

import pytest

from albert_edge.report import goals, margin_interval


def test_the_interval_of_a_margin_holds_it_and_narrows_with_agreement():
    rng = __import__("numpy").random.default_rng(1)
    ref = (rng.random(2000) < 0.85).astype(int).tolist()
    close = [r if i % 20 else 1 - r for i, r in enumerate(ref)]  # disagrees on 1 text in 20
    far = (rng.random(2000) < 0.85).astype(int).tolist()  # as accurate, but right on other texts
    lo, hi = margin_interval(close, ref)
    margin = sum(close) / 2000 - sum(ref) / 2000
    assert lo <= margin <= hi and hi - lo < 0.025
    lo_far, hi_far = margin_interval(far, ref)
    assert hi_far - lo_far > 1.5 * (hi - lo)  # independent errors: the same accuracies, a wider interval
    assert margin_interval(ref, ref) == [0.0, 0.0]
    assert margin_interval(close, ref) == [lo, hi]  # seeded
    lo3, hi3 = margin_interval(ref, ref, factor=0.97)  # 0.97x a model against itself: 3% of its accuracy, always
    assert 0 < lo3 <= 0.03 * sum(ref) / 2000 <= hi3


def test_goals_carry_the_interval_and_say_when_it_spans_zero():
    r = {"baseline_tfidf": {"accuracy": 0.5}, "teacher": {"accuracy": 0.75}, "student_int8": {"accuracy": 0.5}}
    correct = {"baseline_tfidf": [1, 0] * 50, "teacher": [1, 1, 1, 0] * 25, "student_int8": [0, 1] * 50}
    g = goals(r, correct)
    s = g["student_int8_ge_tfidf"]
    assert s["met"] and s["margin"] == 0.0 and s["margin_ci95"][0] < 0 < s["margin_ci95"][1]
    assert "another draw of test texts could decide either way" in s["detail"]
    assert g["student_int8_ge_0.97_teacher"]["margin"] == pytest.approx(0.5 - 0.97 * 0.75, abs=1e-4)
    assert "margin_ci95" not in goals(r)["student_int8_ge_tfidf"]  # without predictions: the margin alone
