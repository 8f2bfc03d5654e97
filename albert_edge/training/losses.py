"""Distillation losses: logit KD (Hinton et al.) and sentence-level representation transfer across tokenizers."""

from __future__ import annotations


def kd_loss(student_logits, teacher_logits, labels, *, temperature: float, alpha: float):
    """alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE(student, labels); teacher_logits may be None."""
    import torch.nn.functional as F

    loss = 0.0
    if labels is not None and alpha < 1.0:
        loss = (1.0 - alpha) * F.cross_entropy(student_logits, labels)
    if teacher_logits is not None and alpha > 0.0:
        t = temperature
        kl = F.kl_div(F.log_softmax(student_logits / t, dim=-1), F.log_softmax(teacher_logits / t, dim=-1),
                      reduction="batchmean", log_target=True)
        loss = loss + alpha * t * t * kl
    return loss


def representation_loss(student_vec, teacher_vec):
    """1 - cosine between the (projected) student sentence vector and the teacher's pooled embedding.

    Cosine rather than MSE: the two encoders' vector norms are unrelated (different widths, tokenizers, pooling)."""
    import torch.nn.functional as F

    return (1.0 - F.cosine_similarity(student_vec, teacher_vec, dim=-1)).mean()
