"""How much of the user's data each stage of `run` can use within --budget-minutes, from the data's own sizes.

Every stage's cost is modelled as seconds per token on 2 CPU cores (torch threads 2, idle machine), all measured on
a quiet 2-core AVX2 EPYC: the teacher's from the cold tweets run of benchmarks/results/demo_run.json (commit
07da390, MiniLM-L6 teacher, 32.6 WordPiece tokens per tweet at max_length 48), the rest from `make demo-zh`
(benchmarks/results/demo_zh.json, the runs named below):

    teacher fine-tuning   580 s for 1 epoch over 16,993 tweets (+ 11 s of dev predictions)          ~1.05e-3 s/token
    teacher inference     266 s for the 21,241 tweets of the transfer set                           ~3.8e-4 s/token
    student distillation  1,038 s for 7 epochs x 13,891 reviews x 46.3 tokens (the mean, cut at      ~1.15e-4 s/token/pass
                          128) x 2 layer passes (benchmarks/results/demo_zh.json, fused training kernels; dev
                          checks, padding inside length-sorted batches and Python overhead included: a bare
                          training step of the same model measures 0.92-1.07e-4 at 24-128 tokens)
    student on test       one forward pass over the test split                                      ~c_student / 2
    n-gram fit            1 + 5 cross-fitting fits, side by side, per character of the training texts: character
                          n-grams 21.7 s for 13,891 reviews (74 chars each)                         ~2.2e-5 s/char
                          word n-grams 23.8 s for 30,526 tweets (104), 5.9 s for 2,792 paragraphs   ~7.5e-6 s/char
    int8 check            the all-int8 .pte on the 1,500 dev texts (+ fp32 eager), when converting: ~1.05e-4 s/token
                          20.2 s at 128 tokens (demo_zh.json)
    int8 search           otherwise: the all-int8 PT2E dev trial, texts padded to max_length,       ~4.2e-4 s/token
                          batch 1 (69 s at 128 tokens in demo_zh.json)
    convert               the int8 .pte, the longest of the conversions that run side by side:      ~30 s/length
                          144 s for 5 lengths (+ ~15 s of worker start-up; converters/workers.py)
    artifacts on test     each artifact over the test split in its runtime, 2 threads: 62.4 s for   ~2.8e-4 s/token
                          1,736 reviews at 128 tokens (demo_zh.json)
    student pretraining   (override pretrain_epochs) MLM + SOP, per training text: 2.0x a distillation
                          example of the same text (the 8,000-way output on every token; 320 s vs 161 s per epoch
                          over the 13,891 reviews, side by side on one machine: benchmarks/results/zh_pretrain.json)
    student embedding init  16.6 s for the 8,000 pieces of the tweets' vocabulary through MiniLM
                          (benchmarks/results/demo_run.json, a quiet machine)                       ~2.1e-3 s/piece

Machines differ (AVX2 or AVX-512, 2 cores or more) and one machine's speed drifts: `run` first times a few training
steps of a MiniLM-sized encoder (measure_speed, ~6 s) and plans with every constant scaled by that factor, so a faster
machine trains on more within the same minutes and a slower one stays inside them. The factor is written to the run's
config.json (`speed`), so `run --config` and a rerun into the same folder plan the same (and find their caches).
A busy machine is slower: the plan is an estimate, the report carries the measured stage times; it fills 90% of the
budget (PLAN_SHARE): measured runs took up to 7% (tweets) and 16% (reviews, a machine slower that hour) more
than planned, as this machine's speed drifts by ~10% within an hour. Some hours it drifts by 30% within one run:
the student then stops an epoch early (`student_deadline`), which keeps the later stages their time. A slowdown
that starts after the deadline let an epoch begin still overruns: a cold tweets run on a Xeon took 21.2 min for 18.0
planned, its last epoch 1.9x and the stages after it 1.5x their time (plan_speed.json, student_probe_runs).
What the plan decides (in order): the teacher's share of the training split (40% of what is left after the fixed
stages), the transfer set the teacher labels (20%), and the student's whole epochs that fit the rest, never fewer than
the floor (`student_min_steps`, and MIN_STUDENT_SAMPLES examples); where the floor or whole epochs overrun, the
teacher trains on fewer texts (down to its own floor) — if even that minimum does not fit a budget the user gave,
`BudgetTooSmall` says how many minutes would; the default budget is stretched to it instead (`Plan.note`).
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import asdict, dataclass

from .errors import InputError

C_TEACHER_TRAIN = 1.05e-3
C_TEACHER_INFER = 3.8e-4
DEFAULT_BUDGET_MINUTES = 20.0
PLAN_SHARE = 0.90  # of the budget the plan fills (see plan_run)
# measure_speed: the machine the constants describe would take PROBE_REF_S per probe step (16 x 32 tokens through a
# MiniLM-L6-shaped encoder, forward, backward and AdamW, 2 threads). Measured pair, the same hour on the 2-core EPYC
# (2026-12-02): the probe took 0.72-0.87 s (median 0.76 s, nine probes, idle) right after a cold demo whose stages ran
# at 0.70-0.92x the constants (0.82x in all: 26.9 min where they said 22.1; benchmarks/results/plan_speed.json). The
# same machine ran 1.2-1.4x faster than the constants the day before: its speed swings by 1.5x between days. A second
# probe of the tiny student's own shape for its stages was tried and dropped: two cold runs on a Xeon with AMX trained
# their students at 1.19x the constants, where this probe read 1.19x and 1.22x and that one 1.19x and 1.33x
# (benchmarks/results/plan_speed.json, student_probe_runs).
PROBE_STEPS = 8
PROBE_REF_S = 0.61
SPEED_RANGE = (0.25, 4.0)
# The student's floor counts examples seen, not steps: `student_min_steps` (800) was set for the tweets' batch of 64;
# a batch of 32 (smaller data) makes each step half the examples, and 800 of them half the training. With this floor
# such a run keeps the training a batch of 64 gets, even if it stretches the default budget (the plan says so).
MIN_STUDENT_SAMPLES = 800 * 64
C_STUDENT = 1.15e-4
C_NGRAM_FIT = {"char": 2.2e-5, "word": 7.5e-6, "char+words": 4.6e-5}  # by the teacher's TF-IDF analyzer
C_INT8_PTE = 1.05e-4
C_INT8 = 4.2e-4
C_EMBED_INIT = 2.1e-3
PRETRAIN_PER_STUDENT = 2.0
C_CONVERT_LENGTH = 30.0
C_ARTIFACTS = 2.8e-4
FIXED_S = 30.0 + 15.0  # baseline + tokenizer; conversion workers' start-up
MINILM_MACS_PER_TOKEN = 6 * (4 * 384 * 384 + 2 * 384 * 1536)
STUDENT_SCALE = {"tiny": 1.0, "micro": 0.05, "base": 6.0}  # relative to tiny (H=312): ~H^2 per token per pass


# the stages after the student (int8, convert, evals) ran 1.3x their estimate (242 s against ~185) in a cold Chinese
# run whose student epochs ran 1.18x theirs (slowing from 130 to 167 s; benchmarks/results/demo_zh.json): a deadline
# reserves them their estimate, times the slowdown the last epoch showed, times this slack
AFTER_STUDENT_SLACK = 1.25


@dataclass
class StudentDeadline:
    """When the student's training must end for the run to end within its budget. `allows` is asked after each epoch:
    another epoch as long as the last one, then the later stages at the plan's estimate slowed down as much as that
    epoch was (a machine that slows down mid-run slows them too), must end by `end`."""
    end: float  # time.time() at which the budget ends
    after_s: float  # the plan's estimate of the stages after the student, in this machine's seconds
    epoch_s: float  # the plan's estimate of one student epoch, likewise

    def allows(self, now: float, last_epoch_s: float) -> bool:
        slowdown = max(1.0, last_epoch_s / self.epoch_s) if self.epoch_s > 0 else 1.0
        return now + last_epoch_s + AFTER_STUDENT_SLACK * self.after_s * slowdown <= self.end


def student_deadline(t_start: float, budget_minutes: float | None, plan: dict) -> StudentDeadline:
    """The deadline of a run started at t_start: its budget (the default one, or the smallest run where that was
    stretched) and the plan's estimates (resolve's "plan" entry: Plan.to_dict)."""
    budget_s = max((budget_minutes or DEFAULT_BUDGET_MINUTES) * 60, plan["estimate_s"]["total"])
    return StudentDeadline(t_start + budget_s, plan["after_student_s"],
                           plan["estimate_s"]["student"] / max(1, plan["student_epochs"]))


def ngram_fit_cost(texts: list[str]) -> float:
    """Seconds to fit the cross-fitted n-gram model (ngram_teacher) on `texts`."""
    from .ngram_teacher import teacher_settings

    return sum(len(t) for t in texts) * C_NGRAM_FIT[teacher_settings(texts)["analyzer"]]


def teacher_scale(folder) -> float:
    """A teacher's cost per token relative to MiniLM-L6 (the teacher the constants were measured with): the
    multiply-adds of its layers, from its config.json (1.0 when the config does not say)."""
    import json
    from pathlib import Path

    try:
        c = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
        h = int(c["hidden_size"])
        per_layer = 4 * h * h + 2 * h * int(c.get("intermediate_size", 4 * h))
        layers = int(c["num_hidden_layers"]) * int(c.get("inner_group_num", 1))
    except (OSError, ValueError, KeyError, TypeError):
        return 1.0
    return layers * per_layer / MINILM_MACS_PER_TOKEN


class BudgetTooSmall(InputError):
    """--budget-minutes cannot hold the minimum run; the message says what fits."""


@dataclass
class Plan:
    teacher_train: int  # training texts the teacher is fine-tuned on (0: given teacher)
    transfer: int  # texts the teacher labels for the student (labeled split first, then unlabeled)
    student_epochs: int
    student_steps: int
    estimate_s: dict
    note: str = ""  # set when the default budget was stretched to the smallest run
    after_student_s: float = 0.0  # of estimate_s["fixed"]: the stages after distillation (int8, convert, evals)

    def to_dict(self) -> dict:
        return asdict(self)


def measure_speed(threads: int = 2) -> float:
    """This machine's speed now relative to the one the constants describe (2.0: stages take half the time), from
    PROBE_STEPS training steps of an encoder shaped like the constants' teacher (MiniLM-L6: 6 layers, H=384, a 30,522
    vocabulary; ~6 s). Every stage is fp32 matrix products and weight traffic on the same threads, so one factor scales
    them all; the teacher's stages take most of a run, hence its shape (the tiny student's weights fit in cache, a
    teacher's do not). Rounded, clamped to SPEED_RANGE."""
    step = _probe_step_s(threads)
    return round(min(max(PROBE_REF_S / step, SPEED_RANGE[0]), SPEED_RANGE[1]), 2)


def measure_bf16_gain(threads: int = 2) -> float:
    """How many times faster a student's training step runs under bf16 autocast than in fp32 on this machine (~2 with
    AMX, below 1 where bf16 is converted in software): what training.precision's "auto" decides by. The step is the
    tiny student's (H=312, 2 passes, an 8,000-piece vocabulary, batch 32 x 64 tokens), not measure_speed's MiniLM:
    there AdamW on a 30,522-row embedding, which bf16 does not speed up, weighs in: the same machine measured 0.9-1.16
    there against 2.04 here. The plan does not count on the gain: real epochs (a new batch width every step) gained
    1.47x where this step measured 1.9 (benchmarks/results/bf16_training.json), so a bf16 student ends sooner instead
    of planning more epochs than it gets. Rounded; ~5 s."""
    import torch

    from .model import AlbertConfig, AlbertForSequenceClassification
    from .training.optim import adamw
    from .training.precision import Precision, step_seconds

    with _probe_threads(threads):
        cfg = AlbertConfig.tiny(vocab_size=8000, id2label={0: "a", 1: "b"})
        cfg.num_hidden_layers = 2
        model = AlbertForSequenceClassification(cfg)
        opt = adamw(list(model.named_parameters()), lr=1e-5)
        ids = torch.randint(5, 8000, (32, 64))
        fp32, bf16 = (step_seconds(model, opt, ids, p, 4) for p in (Precision.FP32, Precision.BF16))
    return round(fp32 / bf16, 2)


def _probe_step_s(threads: int) -> float:
    """Median seconds of a training step of the MiniLM-shaped probe (measure_speed)."""
    import torch

    from .model import AlbertConfig, AlbertForSequenceClassification
    from .training.optim import adamw
    from .training.precision import Precision, step_seconds

    with _probe_threads(threads):
        model = AlbertForSequenceClassification(AlbertConfig(
            vocab_size=30522, embedding_size=384, hidden_size=384, num_hidden_layers=6, num_hidden_groups=6,
            num_attention_heads=12, intermediate_size=1536, id2label={0: "a", 1: "b"}))
        opt = adamw(list(model.named_parameters()), lr=1e-5)
        return step_seconds(model, opt, torch.randint(5, 30522, (16, 32)), Precision.FP32, PROBE_STEPS - 2)


@contextmanager
def _probe_threads(threads: int):
    """A probe's steps on `threads` threads from seed 0; the caller's thread count comes back after."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        torch.manual_seed(0)
        yield
    finally:
        torch.set_num_threads(before)


def plan_run(*, budget_s: float | None, n_train: int, n_pool: int, n_dev: int, n_test: int, teacher_tokens: float,
             student_tokens: float, student_max_length: int, student_layers: int, student_preset: str,
             student_batch: int, student_min_steps: int, student_epochs: int, finetune_teacher: bool,
             teacher_batch: int, teacher_min_steps: int, teacher_epochs: int, teacher_scale: float = 1.0,
             embed_init_pieces: int = 0, teacher_per_student_step: bool = False, convert_lengths: int = 0,
             ngram_fit_s: float = 0.0, pretrain_texts: int = 0, strict: bool = True, speed: float = 1.0) -> Plan:
    """budget_s None: everything (`--full`). n_pool: labeled training texts + unlabeled texts available for transfer.
    convert_lengths: the bundle's length buckets (0: no conversion). ngram_fit_s: ngram_fit_cost of the training texts
    where an n-gram model is fitted on them (the teacher, or mixed into it).
    strict False (the default budget, not one the user chose): a budget smaller than the smallest run plans that run
    and says so in `note` instead of raising BudgetTooSmall.
    embed_init_pieces: student pieces the teacher reads to initialise the student's embeddings (0: none).
    teacher_per_student_step: the teacher also runs forward on every student batch (hidden-state transfer).
    pretrain_texts: texts times epochs of the student's MLM + SOP pretraining (0: none).
    speed: measure_speed of the machine that runs it; the plan is made in the constants' seconds (a budget of B s is
    B * speed of them) and its estimates are given back in this machine's."""
    args = dict(locals())  # every keyword above, passed on unchanged
    del args["budget_s"], args["speed"]
    plan = _plan(budget_s * speed if budget_s is not None else None, speed=speed, **args)
    plan.estimate_s = _round({k: v / speed for k, v in plan.estimate_s.items() if k != "total"})
    plan.after_student_s = round(plan.after_student_s / speed, 1)
    return plan


def _plan(budget_s, *, speed, n_train, n_pool, n_dev, n_test, teacher_tokens, student_tokens, student_max_length,
          student_layers, student_preset, student_batch, student_min_steps, student_epochs, finetune_teacher,
          teacher_batch, teacher_min_steps, teacher_epochs, teacher_scale, embed_init_pieces, teacher_per_student_step,
          convert_lengths, ngram_fit_s, pretrain_texts, strict) -> Plan:
    if student_min_steps > 0:
        student_min_steps = max(student_min_steps, math.ceil(MIN_STUDENT_SAMPLES / student_batch))
    c_ti = C_TEACHER_INFER * teacher_scale * teacher_tokens
    c_tt = C_TEACHER_TRAIN * teacher_scale * teacher_tokens
    c_s = C_STUDENT * STUDENT_SCALE.get(student_preset, 1.0) * student_tokens * student_layers
    if teacher_per_student_step:
        c_s += C_TEACHER_INFER * teacher_scale * student_tokens
    int8 = n_dev * student_max_length * (C_INT8_PTE if convert_lengths else C_INT8)
    convert = convert_lengths * C_CONVERT_LENGTH + n_test * student_max_length * C_ARTIFACTS if convert_lengths else 0
    after = int8 + convert + n_test * c_s / 2
    fixed = FIXED_S + after + (n_dev + n_test) * c_ti + embed_init_pieces * C_EMBED_INIT * teacher_scale + \
        ngram_fit_s + pretrain_texts * c_s * PRETRAIN_PER_STUDENT

    def teacher_cost(n: int) -> float:
        if not finetune_teacher or n == 0:
            return 0.0
        return max(n * teacher_epochs, teacher_min_steps * teacher_batch) * c_tt + n_dev * c_ti

    def student_epochs_for(steps: int, transfer: int) -> int:
        # whole epochs are trained: the ones that fit the planned steps, not one more (a rounded-up epoch overran the
        # budget by half an epoch), unless that falls below the floor
        per_epoch = math.ceil(max(1, transfer) / student_batch)
        epochs = max(1, steps // per_epoch)
        return epochs if epochs * per_epoch >= student_min_steps else math.ceil(student_min_steps / per_epoch)

    if budget_s is None:
        n_t, n_x = (n_train if finetune_teacher else 0), n_pool
        per_epoch = math.ceil(n_x / student_batch)
        steps = max(student_min_steps, student_epochs * per_epoch)
        est = {"fixed": fixed, "teacher": teacher_cost(n_t), "transfer": n_x * c_ti,
               "student": steps * student_batch * c_s}
        return Plan(n_t, n_x, math.ceil(steps / per_epoch), steps, _round(est), after_student_s=after)

    # the smallest transfer set: the teacher's own texts, or a quarter of the student's floor in examples (whole epochs
    # repeat it up to the floor): labeling more texts is what a larger budget buys
    n_min_transfer = min(n_pool, max(teacher_min_steps * teacher_batch if finetune_teacher else 0,
                                     MIN_STUDENT_SAMPLES // 4))
    minimum = fixed + teacher_cost(min(n_train, teacher_min_steps * teacher_batch)) + \
        min(n_train, n_min_transfer) * c_ti + student_min_steps * student_batch * c_s
    note = ""
    given, needs = budget_s / speed / 60, math.ceil(minimum / speed / 60)  # minutes on this machine
    if minimum > budget_s and not strict:
        note = (f"the default budget of {given:g} minutes is too small for this data: planned the smallest run "
                f"(teacher {teacher_min_steps} steps, student {student_min_steps} steps, int8, convert), about "
                f"{needs} minutes on this machine")
        budget_s = minimum + 1.0
    if minimum > budget_s:
        raise BudgetTooSmall(f"--budget-minutes {given:g} is too small for this data: the smallest run "
                             f"(teacher {teacher_min_steps} steps, student {student_min_steps} steps, int8, convert) "
                             f"needs about {needs} minutes on this machine; pass --budget-minutes {needs} or more")
    # aim under the budget by the estimates' error (the docstring)
    target = max(minimum, PLAN_SHARE * budget_s)
    avail = target - fixed
    n_t = 0
    if finetune_teacher:
        share = 0.4 * avail
        n_t = max(1, min(n_train, int(share / (teacher_epochs * c_tt))))
    n_x = max(min(n_pool, n_t or n_train), min(n_pool, int(0.2 * avail / c_ti)))
    left = avail - teacher_cost(n_t) - n_x * c_ti
    steps = int(left / (student_batch * c_s))
    while steps < student_min_steps and n_x > n_min_transfer:  # give the student the time of extra transfer texts
        n_x = max(n_min_transfer, int(n_x * 0.8))
        left = avail - teacher_cost(n_t) - n_x * c_ti
        steps = int(left / (student_batch * c_s))
    if steps < student_min_steps and n_x < n_pool:
        # the floor binds: label just enough texts that whole epochs land on it (12,487 texts made 4 epochs of 196
        # steps, 16 short of the floor, and the fifth epoch that closed the gap took a third of the teacher's texts)
        e = max(1, (student_min_steps * student_batch) // n_x)
        n_x = min(n_pool, math.ceil(student_min_steps / e) * student_batch)
    epochs = student_epochs_for(max(steps, student_min_steps), n_x)
    steps = epochs * math.ceil(n_x / student_batch)  # what is trained: whole epochs
    over = fixed + teacher_cost(n_t) + n_x * c_ti + steps * student_batch * c_s - target
    if over > 0 and n_t:  # the student's floor (or its whole epochs) overran: the teacher gives back that time
        n_t = max(min(n_train, teacher_min_steps * teacher_batch), int(n_t - over / (teacher_epochs * c_tt)))
    est = {"fixed": fixed, "teacher": teacher_cost(n_t), "transfer": n_x * c_ti,
           "student": steps * student_batch * c_s}
    return Plan(n_t, n_x, epochs, steps, _round(est), note, after)


def _round(est: dict) -> dict:
    est = {k: round(v, 1) for k, v in est.items()}
    est["total"] = round(sum(est.values()), 1)
    return est
