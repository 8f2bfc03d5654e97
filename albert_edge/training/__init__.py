"""Training components shared by the recipes (teacher.py, distill.py, pretrain.py): losses, optimizer, schedules;
embed_init (student word embeddings from the teacher) is imported where `run` uses it.

    from albert_edge.training import adamw, kd_loss, plan_steps, warmup_linear
    plan = plan_steps(n_batches_per_epoch=40, epochs=3, min_steps=600)  # small data still trains enough
    opt = adamw(model.named_parameters(), lr=1e-3, weight_decay=0.01)     # ONE no-decay rule for every recipe
    sched = warmup_linear(opt, total_steps=plan.total_steps, warmup=0.06)
"""

from .losses import kd_loss, representation_loss
from .optim import StepPlan, adamw, decays, plan_steps, warmup_linear

__all__ = ["StepPlan", "adamw", "decays", "kd_loss", "plan_steps", "representation_loss", "warmup_linear"]
