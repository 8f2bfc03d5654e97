"""A student that keeps an ALBERT teacher's vocabulary (a component of `run`'s student recipe).

When the teacher is itself an ALBERT whose tokenizer albert-edge reads (SentencePiece, or the WordPiece `vocab.txt` of
the Chinese ALBERT family), the student need not learn a vocabulary of its own. Reading the teacher's pieces buys two
things a student with its own vocabulary cannot have:

1. the factorized embedding (vocab x E word rows, positions, token types, LayerNorm) copied from the teacher where
   both have the same E (ALBERT's presets all use E=128): the student starts with the teacher's lexicon;
2. hidden-state transfer (TinyBERT's intermediate-layer loss): every state of the student (embedding output and each
   pass of the shared layer) is pulled towards the teacher's state at the same relative depth, through one learned
   H_student -> H_teacher projection that is dropped after training. The teacher runs on the student's own ids, so
   this costs one teacher forward (no backward) per student step.

The shared vocabulary is used only if albert-edge's tokenizer gives the teacher's HF tokenizer's ids on a sample of
the training texts; otherwise the student trains its own SentencePiece and the reason is logged.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

EMBEDDING_PARTS = ("word_embeddings.weight", "position_embeddings.weight", "token_type_embeddings.weight",
                   "LayerNorm.weight", "LayerNorm.bias")


def albert_encoder(model):
    """The HF AlbertModel inside a teacher: ours (mean-pool head over `backbone`) or AlbertFor*Classification."""
    enc = getattr(model, "backbone", None) or getattr(model, "albert", None)
    if enc is None or getattr(getattr(enc, "config", None), "model_type", None) != "albert":
        return None
    return enc


def shared_tokenizer_folder(folder: Path, hf_tokenizer, texts: list[str], max_length: int, log=print,
                            sample: int = 300) -> Path | None:
    """`folder` when it is an ALBERT whose tokenizer we read and whose ids equal HF's on `sample` texts; else None."""
    from ..errors import TokenizerError
    from ..tokenizer import load_tokenizer

    try:
        model_type = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("model_type")
    except (OSError, ValueError):
        return None
    if model_type != "albert":
        return None
    try:
        tok = load_tokenizer(folder)
    except TokenizerError as e:
        log(f"   the teacher's tokenizer is not one albert-edge reads ({e}); the student trains its own vocabulary")
        return None
    # a seeded random sample, not the first texts: a split may list its texts class by class
    part = [texts[i] for i in sorted(random.Random(0).sample(range(len(texts)), min(sample, len(texts))))]
    ours = [tok.encode(t, max_length=max_length).ids for t in part]
    theirs = hf_tokenizer(part, truncation=True, max_length=max_length)["input_ids"]
    bad = sum(a != list(b) for a, b in zip(ours, theirs))
    if bad:
        log(f"   albert-edge's tokenizer differs from the teacher's HF tokenizer on {bad} of {len(part)} training "
            "texts; the student trains its own vocabulary")
        return None
    return folder


def teacher_embedding_state(encoder, embedding_size: int, max_positions: int) -> dict | None:
    """The teacher's embedding tensors under the student's names (positions cut to the student's table; left out
    when the teacher has fewer), or None when the widths differ (the student keeps its random embedding)."""
    src = encoder.embeddings
    if src.word_embeddings.weight.shape[1] != embedding_size:
        return None
    state = {}
    for name in EMBEDDING_PARTS:
        t = src.get_parameter(name).detach().clone()
        if name.startswith("position"):
            if len(t) < max_positions:  # a teacher with fewer positions than the student's table: keep the student's
                continue
            t = t[:max_positions]
        state["albert.embeddings." + name] = t
    return state


class HiddenTransfer:
    """loss(ids, mask, student_states) = mean over the student's states of the masked MSE between proj(state) and
    the teacher's state at the same relative depth (student state k of n <-> teacher state round(k * m / n))."""

    def __init__(self, encoder, student_hidden: int):
        import torch

        self.encoder = encoder.eval()
        for p in self.encoder.parameters():
            p.requires_grad_(False)
        self.proj = torch.nn.Linear(student_hidden, encoder.config.hidden_size)

    def loss(self, ids, mask, states):
        import torch

        with torch.no_grad():
            t_states = self.encoder(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
        n, m = len(states) - 1, len(t_states) - 1
        w = mask.unsqueeze(-1).to(states[0].dtype)
        denom = w.sum() * t_states[0].shape[-1]
        total = 0.0
        for k, s in enumerate(states):
            t = t_states[round(k * m / n)]
            total = total + (((self.proj(s) - t) ** 2) * w).sum() / denom
        return total / len(states)


def adopt_tokenizer(src: Path, dest: Path) -> dict:
    """Copy the teacher's tokenizer files into `dest` (the student's tokenizer folder: its checkpoints copy them from
    there); returns the cache key of that vocabulary (a content hash of the files)."""
    import shutil

    from ..checkpoint import TOKENIZER_FILES
    from ..files import sha256_bytes, staged_folder

    content = b""
    with staged_folder(dest) as tmp:
        for name in TOKENIZER_FILES:
            if (src / name).is_file():
                shutil.copyfile(src / name, tmp / name)
                content += name.encode() + (src / name).read_bytes()
    return {"teacher_vocabulary": sha256_bytes(content)[:16]}
