"""plan.py: what a time budget buys, from the data's sizes and token lengths; a budget too small says what fits."""

import pytest

from albert_edge.plan import BudgetTooSmall, plan_run

TWEETS = dict(n_train=30526, n_pool=30526, n_dev=1500, n_test=2000, teacher_tokens=33, student_tokens=31,
              student_max_length=48, student_layers=2, student_preset="tiny", student_batch=64,
              student_min_steps=800, student_epochs=3, finetune_teacher=True, teacher_batch=32, teacher_min_steps=150,
              teacher_epochs=1)
DOCS = dict(TWEETS, n_train=2800, n_pool=2800, n_dev=350, n_test=350, teacher_tokens=110, student_tokens=100,
            student_max_length=128, student_batch=32)


def test_budget_is_spent_and_respected():
    p = plan_run(budget_s=1200, **TWEETS)
    assert 0 < p.teacher_train < TWEETS["n_train"] and p.transfer >= p.teacher_train
    assert p.student_steps >= TWEETS["student_min_steps"]
    assert p.estimate_s["total"] == pytest.approx(1200, rel=0.1)
    bigger = plan_run(budget_s=2400, **TWEETS)
    assert bigger.teacher_train > p.teacher_train and bigger.estimate_s["total"] <= 2400 * 1.1


def test_small_data_gets_many_epochs_not_few_steps():
    p = plan_run(budget_s=1200, **DOCS)
    assert p.teacher_train == DOCS["n_train"] and p.transfer == DOCS["n_pool"]
    assert p.student_steps >= DOCS["student_min_steps"] and p.student_epochs >= 8


def test_given_teacher_costs_no_finetuning():
    p = plan_run(budget_s=1200, **dict(TWEETS, finetune_teacher=False))
    assert p.teacher_train == 0 and p.estimate_s["teacher"] == 0


def test_budget_too_small_says_what_fits():
    with pytest.raises(BudgetTooSmall, match=r"--budget-minutes 1 is too small .* pass --budget-minutes \d+ or more"):
        plan_run(budget_s=60, **DOCS)


def test_teacher_scale_from_its_config(tmp_path):
    import json

    from albert_edge.plan import teacher_scale

    (tmp_path / "config.json").write_text(json.dumps({"hidden_size": 768, "intermediate_size": 3072,
                                                      "num_hidden_layers": 12}))
    assert teacher_scale(tmp_path) == pytest.approx(8.0)  # ALBERT/BERT-base: 2x the layers, 4x the width^2 of MiniLM
    assert teacher_scale(tmp_path / "missing") == 1.0
    heavy = plan_run(budget_s=2400, **dict(TWEETS, teacher_scale=2.0))
    per_step = plan_run(budget_s=2400, **dict(TWEETS, teacher_per_student_step=True))
    base = plan_run(budget_s=2400, **TWEETS)
    assert heavy.teacher_train < base.teacher_train and per_step.student_steps < base.student_steps


def test_full_uses_everything():
    p = plan_run(budget_s=None, **TWEETS)
    assert p.teacher_train == TWEETS["n_train"] and p.transfer == TWEETS["n_pool"] and p.student_epochs >= 3
