"""plan.py: what a time budget buys, from the data's sizes and token lengths; a budget too small says what fits."""

import pytest

from albert_edge.plan import PLAN_SHARE, BudgetTooSmall, plan_run

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
    assert p.estimate_s["total"] == pytest.approx(PLAN_SHARE * 1200, rel=0.05) and p.estimate_s["total"] <= 1200
    # the student's floor binds here: fewer transfer texts, and the teacher gives back what the floor still takes
    with_bundle = plan_run(budget_s=1200, **dict(TWEETS, convert_lengths=4, embed_init_pieces=8000))
    assert with_bundle.estimate_s["total"] <= 1200 and with_bundle.student_steps >= TWEETS["student_min_steps"]
    assert with_bundle.teacher_train < p.teacher_train and with_bundle.student_steps * TWEETS["student_batch"] >= 800 * 64
    bigger = plan_run(budget_s=2400, **TWEETS)
    assert bigger.teacher_train > p.teacher_train and bigger.estimate_s["total"] <= 2400 * 1.1


def test_a_binding_floor_is_met_by_whole_epochs_not_one_more():
    for budget in range(1100, 1300, 10):  # budgets where the floor binds
        p = plan_run(budget_s=budget, **dict(TWEETS, convert_lengths=4, embed_init_pieces=8000))
        assert 800 <= p.student_steps < 800 + p.student_epochs, budget  # not a fifth epoch for 16 missing steps
        assert p.teacher_train >= 4000 and p.estimate_s["total"] <= budget, budget


def test_small_data_gets_many_epochs_not_few_steps():
    from albert_edge.plan import MIN_STUDENT_SAMPLES

    p = plan_run(budget_s=1200, strict=False, **DOCS)  # the default budget: long texts stretch it
    assert p.teacher_train == DOCS["n_train"] and p.transfer == DOCS["n_pool"]
    assert p.student_steps * DOCS["student_batch"] >= MIN_STUDENT_SAMPLES and p.student_epochs >= 18


def test_given_teacher_costs_no_finetuning():
    p = plan_run(budget_s=1200, **dict(TWEETS, finetune_teacher=False))
    assert p.teacher_train == 0 and p.estimate_s["teacher"] == 0


def test_budget_too_small_says_what_fits():
    with pytest.raises(BudgetTooSmall, match=r"--budget-minutes 1 is too small .* pass --budget-minutes \d+ or more"):
        plan_run(budget_s=60, **DOCS)


def test_default_budget_stretches_to_the_smallest_run_and_says_so():
    long_texts = dict(DOCS, n_train=13000, n_pool=13000, n_dev=1500, n_test=1600)  # ~100 tokens each
    with pytest.raises(BudgetTooSmall):
        plan_run(budget_s=1200, **long_texts)
    p = plan_run(budget_s=1200, strict=False, **long_texts)
    assert "default budget of 20 minutes is too small" in p.note and p.student_steps >= DOCS["student_min_steps"]
    assert p.estimate_s["total"] > 1200 and plan_run(budget_s=1200, **TWEETS).note == ""


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


def test_ngram_fit_is_costed_by_characters_and_script():
    from albert_edge.plan import ngram_fit_cost

    words, chars = ["the book was good"] * 1000, ["这本书写得很好"] * 1000
    assert ngram_fit_cost(words * 2) == pytest.approx(2 * ngram_fit_cost(words))
    assert ngram_fit_cost(chars) / 7000 > ngram_fit_cost(words) / 17000  # character n-grams cost more per char


def test_conversion_and_ngram_fit_are_fixed_costs_that_shrink_the_student():
    from albert_edge.plan import C_ARTIFACTS, C_CONVERT_LENGTH, C_INT8, C_INT8_PTE, ngram_fit_cost

    reviews = dict(DOCS, n_train=13891, n_pool=13891, n_dev=1500, n_test=1736, finetune_teacher=False,
                   student_tokens=46, teacher_tokens=50)
    bare = plan_run(budget_s=1500, **reviews)  # above the student's floor, where the fixed costs take its epochs
    fit = ngram_fit_cost(["这本书写得很好我非常喜欢"] * 13891)
    full = plan_run(budget_s=1500, convert_lengths=5, ngram_fit_s=fit, **reviews)
    # a bundle also lets the int8 .pte judge the all-int8 recipe on dev instead of the slower PT2E graph
    added = 5 * C_CONVERT_LENGTH + 1736 * 128 * C_ARTIFACTS + fit + 1500 * 128 * (C_INT8_PTE - C_INT8)
    assert full.estimate_s["fixed"] - bare.estimate_s["fixed"] == pytest.approx(added, abs=0.2)
    assert full.student_steps < bare.student_steps


def test_whole_epochs_that_fit_not_one_more():
    p = plan_run(budget_s=1200, **TWEETS)
    per_epoch = -(-p.transfer // TWEETS["student_batch"])
    assert p.student_steps == p.student_epochs * per_epoch and p.estimate_s["total"] <= 1200 * 1.1


def test_pretraining_is_a_fixed_cost_of_two_student_examples_per_text():
    from albert_edge.plan import C_STUDENT, PRETRAIN_PER_STUDENT

    reviews = dict(DOCS, n_train=13891, n_pool=13891, n_dev=1500, n_test=1736, finetune_teacher=False,
                   student_tokens=46, teacher_tokens=50)
    bare = plan_run(budget_s=2400, **reviews)
    pre = plan_run(budget_s=2400, pretrain_texts=13891, **reviews)
    added = 13891 * C_STUDENT * 46 * 2 * PRETRAIN_PER_STUDENT  # 2 passes of the shared layer
    assert pre.estimate_s["fixed"] - bare.estimate_s["fixed"] == pytest.approx(added, abs=0.2)
    assert pre.student_epochs < bare.student_epochs


def test_a_faster_machine_buys_more_within_the_same_minutes():
    base = plan_run(budget_s=1200, **TWEETS)
    fast = plan_run(budget_s=1200, speed=1.5, **TWEETS)
    assert fast.teacher_train > base.teacher_train and fast.transfer >= base.transfer
    assert fast.student_steps >= base.student_steps
    # estimates come back in the machine's own seconds: the same share of the budget
    assert fast.estimate_s["total"] == pytest.approx(base.estimate_s["total"], rel=0.05)
    assert plan_run(budget_s=1200, speed=0.7, **TWEETS).teacher_train < base.teacher_train
    # what a too-small budget needs is said in this machine's minutes
    with pytest.raises(BudgetTooSmall) as slow:
        plan_run(budget_s=60, speed=0.5, **DOCS)
    with pytest.raises(BudgetTooSmall) as ref:
        plan_run(budget_s=60, **DOCS)
    need = [int(str(e.value).split("pass --budget-minutes ")[1].split()[0]) for e in (slow, ref)]
    assert need[0] == pytest.approx(2 * need[1], abs=1)


def test_measure_speed_is_a_positive_clamped_factor():
    from albert_edge.plan import SPEED_RANGE, measure_speed

    s = measure_speed(threads=2)
    assert SPEED_RANGE[0] <= s <= SPEED_RANGE[1] and s == round(s, 2)


def test_measure_bf16_gain_is_a_positive_ratio():
    from albert_edge.plan import measure_bf16_gain

    g = measure_bf16_gain(threads=2)
    assert g > 0 and g == round(g, 2)


def test_the_students_deadline_leaves_the_later_stages_their_time():
    from albert_edge.plan import student_deadline

    p = plan_run(budget_s=1200, **dict(TWEETS, convert_lengths=4))
    # converting 4 buckets and scoring the test texts come after the student, in this machine's seconds
    assert p.after_student_s > plan_run(budget_s=1200, **TWEETS).after_student_s > 0
    assert plan_run(budget_s=1200, speed=2.0, **dict(TWEETS, convert_lengths=4)).after_student_s == pytest.approx(
        p.after_student_s / 2, rel=0.01)
    d = student_deadline(100.0, None, p.to_dict())
    assert d.end == 1300.0 and d.after_s == p.after_student_s
    assert d.epoch_s == pytest.approx(p.estimate_s["student"] / p.student_epochs)
    assert student_deadline(100.0, 30, p.to_dict()).end == 1900.0
    # a default budget stretched to the smallest run: the deadline follows the run that was planned
    long_texts = dict(DOCS, n_train=13000, n_pool=13000, n_dev=1500, n_test=1600, convert_lengths=4)
    small = plan_run(budget_s=1200, strict=False, **long_texts)
    assert small.note and student_deadline(0.0, None, small.to_dict()).end == small.estimate_s["total"]


def test_a_deadline_reserves_more_for_the_later_stages_on_a_machine_that_slowed_down():
    from albert_edge.plan import AFTER_STUDENT_SLACK, StudentDeadline

    d = StudentDeadline(end=1000.0, after_s=100.0, epoch_s=100.0)
    reserve = AFTER_STUDENT_SLACK * 100.0
    assert d.allows(1000.0 - 100.0 - reserve, 100.0)  # on plan: one more epoch, then the later stages, just fit
    assert not d.allows(1000.0 - 100.0 - reserve + 1, 100.0)
    assert d.allows(1000.0 - 50.0 - reserve, 50.0)  # a faster epoch reserves no less than the plan's estimate
    # epochs twice as slow as planned: the later stages are expected twice as slow too
    assert d.allows(1000.0 - 200.0 - 2 * reserve, 200.0) and not d.allows(1000.0 - 200.0 - reserve, 200.0)
