"""Optional MLM + SOP pretraining of an ALBERT student on unlabeled text, as ALBERT itself was pretrained.

    pretrain("runs/x/pre", texts, tokenizer_dir="runs/x/spiece", model_config=cfg, epochs=1)
    # then: albert-edge distill ... --init-from runs/x/pre

Each line is split at a word boundary into segments A and B; half of the pairs are swapped (SOP label 1). 15% of the
non-special tokens are chosen for MLM: 80% -> [MASK], 10% -> a random piece, 10% unchanged. Loss = MLM CE + SOP CE.
The result is an HF `AlbertForPreTraining` folder (config.json, model.safetensors, spiece.model).
"""

from __future__ import annotations

import os
import random
import time
import unicodedata
from pathlib import Path

from .errors import InputError


def sop_pairs(texts: list[str], seed: int) -> tuple[list[str], list[str], list[int]]:
    rng = random.Random(seed)
    a_s, b_s, ys = [], [], []
    for t in texts:
        words, sep = t.split(), " "
        if len(words) == 1 and any(unicodedata.east_asian_width(c) in "WF" for c in t):
            words, sep = list(words[0]), ""  # Chinese/Japanese: no spaces, so the segments are cut between characters
        if len(words) < 2:
            a, b, y = t, "", 0
        else:
            cut = rng.randint(1, len(words) - 1)
            a, b = sep.join(words[:cut]), sep.join(words[cut:])
            y = int(rng.random() < 0.5)
            if y:
                a, b = b, a
        a_s.append(a)
        b_s.append(b)
        ys.append(y)
    return a_s, b_s, ys


def mask_tokens(ids, special: set[int], vocab_size: int, mask_id: int, gen, prob: float = 0.15):
    """(masked ids, labels with -100 where no prediction is made)."""
    import torch

    labels = ids.clone()
    candidates = ~torch.isin(ids, torch.tensor(sorted(special)))
    chosen = (torch.rand(ids.shape, generator=gen) < prob) & candidates
    labels[~chosen] = -100
    ids = ids.clone()
    r = torch.rand(ids.shape, generator=gen)
    ids[chosen & (r < 0.8)] = mask_id
    rand_pos = chosen & (r >= 0.8) & (r < 0.9)
    ids[rand_pos] = torch.randint(len(special), vocab_size, ids.shape, generator=gen)[rand_pos]
    return ids, labels


def pretrain(out: str | os.PathLike, texts: list[str], *, tokenizer_dir: str | os.PathLike, model_config,
             epochs: int = 1, batch_size: int = 64, lr: float = 5e-4, max_length: int = 64, seed: int = 0,
             mask_prob: float = 0.15, threads: int | None = 2, progress: bool = True, log=print) -> Path:
    import torch
    import torch.nn.functional as F

    from .checkpoint import save_checkpoint
    from .data import length_batches
    from .data import progress as bar
    from .model import AlbertForPreTraining
    from .tokenizer import load_tokenizer
    from .training import adamw, warmup_linear

    texts = [t for t in texts if t.strip()]
    if len(texts) < batch_size:
        raise InputError(f"{len(texts)} lines of text are fewer than one batch ({batch_size}); give more text")
    if threads:
        torch.set_num_threads(threads)
    tok = load_tokenizer(tokenizer_dir)
    if tok.vocab_size != model_config.vocab_size:
        raise InputError(f"tokenizer has {tok.vocab_size} pieces, the config says {model_config.vocab_size}")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    model = AlbertForPreTraining(model_config).train()
    special = set(tok.special_ids.values())
    opt = adamw(model.named_parameters(), lr=lr, weight_decay=0.01)
    lengths = [len(t) for t in texts]
    n_batches = len(length_batches(lengths, batch_size, shuffle=False))
    sched = warmup_linear(opt, total_steps=n_batches * epochs, warmup=0.06)
    t0 = time.time()
    for epoch in range(epochs):
        a, b, y = sop_pairs(texts, seed * 1000 + epoch)
        batches = length_batches(lengths, batch_size, shuffle=True, seed=seed * 1000 + epoch)
        total = 0.0
        with bar(progress) as pb:
            task = pb.add_task(f"pretrain epoch {epoch + 1}/{epochs}", total=len(batches), info="")
            for step, idx in enumerate(batches):
                enc = tok.batch([a[i] for i in idx], [b[i] for i in idx], max_length=max_length)
                ids, labels = mask_tokens(enc["input_ids"], special, tok.vocab_size, tok.special_ids["mask"], gen,
                                          mask_prob)
                mlm, sop = model(ids, enc["attention_mask"], enc["token_type_ids"])
                loss = F.cross_entropy(mlm.reshape(-1, mlm.shape[-1]), labels.reshape(-1), ignore_index=-100) \
                    + F.cross_entropy(sop, torch.tensor([y[i] for i in idx]))
                if not torch.isfinite(loss):
                    raise InputError(f"pretraining loss became {loss.item()} at epoch {epoch + 1} step {step + 1}; "
                                     "lower --lr")
                opt.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                total += loss.item()
                pb.update(task, advance=1, info=f"loss {total / (step + 1):.3f}")
        log(f"pretrain epoch {epoch + 1}: loss {total / len(batches):.4f} ({time.time() - t0:.0f} s)")
    return save_checkpoint(model.eval(), out, tokenizer_dir=tokenizer_dir)
