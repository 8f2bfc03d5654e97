"""Training precision: fp32, or bf16 mixed precision where the CPU computes bf16 natively (AMX, AVX-512 BF16).

    p = resolve_precision("auto", gain=plan.measure_bf16_gain())  # Precision.BF16 where bf16 steps are faster
    with autocast(p):
        logits = model(ids, mask).float()  # the loss in fp32

bf16 here is torch.autocast: matrix products and attention run in bf16, weights, gradients, AdamW state and the saved
checkpoint stay fp32, so nothing after training (int8, export, parity) changes. "auto" decides by a measured step
rather than CPU flags: a CPU without native bf16 runs autocast by conversion and gets slower, and flags do not say by
how much. On a 2-core Xeon with AMX, fixed-shape student steps (H=312, batch 32) took 0.43-0.57x their fp32 time
(32-128 tokens), a real epoch over the Chinese reviews 0.68x (a new batch width every step), and the student reached
best dev 0.856 / test 0.8427 against 0.858 / 0.8462 in fp32 on the same plan (benchmarks/results/bf16_training.json).
"""

from __future__ import annotations

import contextlib
from enum import Enum

from ..errors import InputError

BF16_MIN_GAIN = 1.2  # "auto" takes bf16 where a probe step runs at least this much faster than in fp32


class Precision(str, Enum):
    AUTO = "auto"
    FP32 = "fp32"
    BF16 = "bf16"


def parse_precision(value, where: str = "precision") -> Precision:
    try:
        return Precision(value)
    except ValueError:
        raise InputError(f"{where}={value!r}: choose one of {', '.join(p.value for p in Precision)}") from None


def resolve_precision(value, gain: float | None) -> Precision:
    """AUTO becomes BF16 where `gain` (fp32 step time / bf16 step time, plan.measure_bf16_gain) reaches BF16_MIN_GAIN,
    else FP32; a chosen precision stays."""
    p = parse_precision(value)
    if p is not Precision.AUTO:
        return p
    return Precision.BF16 if gain is not None and gain >= BF16_MIN_GAIN else Precision.FP32


def autocast(precision):
    """The forward pass's context: bf16 autocast for BF16, nothing otherwise."""
    import torch

    if Precision(precision) is Precision.BF16:
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


def step_seconds(model, opt, ids, precision, steps: int) -> float:
    """Median seconds of a classification training step (forward in `precision`, fp32 loss, backward, `opt`) on the
    batch `ids`, over `steps` steps after 2 that warm up (the first steps allocate): what the probes time."""
    import statistics
    import time

    import torch

    mask, y = torch.ones_like(ids), torch.zeros(ids.shape[0], dtype=torch.long)
    times = []
    for _ in range(steps + 2):
        t0 = time.perf_counter()
        with autocast(precision):
            logits = model(ids, mask)
        loss = torch.nn.functional.cross_entropy(logits.float(), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[2:])
