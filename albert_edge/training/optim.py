"""AdamW with one no-decay rule, and linear warmup/decay schedules counted in optimizer steps (with a floor).

No-decay rule (one, for every recipe): parameters with fewer than 2 dimensions — biases and LayerNorm gains/shifts —
are not decayed; weight matrices and embedding tables are. Checking `dim()` instead of parameter names works for any
backbone family (BERT's `LayerNorm`, MiniLM, ALBERT, a custom head) without a list of names to keep in sync.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def decays(param) -> bool:
    return param.dim() >= 2


def adamw(named_parameters, *, lr: float, weight_decay: float = 0.01):
    """torch AdamW over the trainable parameters, split into decay / no-decay groups by `decays`."""
    import torch

    trainable = [p for _, p in named_parameters if p.requires_grad]
    return torch.optim.AdamW([{"params": [p for p in trainable if decays(p)], "weight_decay": weight_decay},
                              {"params": [p for p in trainable if not decays(p)], "weight_decay": 0.0}], lr=lr)


def warmup_linear(optimizer, *, total_steps: int, warmup: float | int = 0.06):
    """LambdaLR: linear warmup over `warmup` steps (a fraction of total_steps when < 1), then linear decay to 0."""
    import torch

    total = max(1, int(total_steps))
    n_warm = max(1, int(warmup * total) if warmup < 1 else int(warmup))
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min((s + 1) / n_warm, max(0.0, (total - s) / max(1, total - n_warm))))


@dataclass(frozen=True)
class StepPlan:
    epochs: int
    steps_per_epoch: int

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch


def plan_steps(n_batches_per_epoch: int, *, epochs: int, min_steps: int = 0, max_epochs: int | None = None) -> StepPlan:
    """Epochs raised until the run makes at least `min_steps` optimizer steps (capped at max_epochs): 3 epochs of
    2,000 texts are under 100 steps at batch 64 — too few for a student to learn anything, whatever the data."""
    if n_batches_per_epoch < 1:
        raise ValueError("no full batch per epoch")
    e = max(epochs, math.ceil(min_steps / n_batches_per_epoch))
    if max_epochs is not None:
        e = min(e, max(epochs, max_epochs))
    return StepPlan(epochs=e, steps_per_epoch=n_batches_per_epoch)
