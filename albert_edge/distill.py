"""Knowledge distillation of a teacher into an ALBERT student: KD loss, training loop, checkpoints, DDP.

    res = distill("runs/x/student", cfg=DistillConfig(epochs=4), model_config=AlbertConfig.tiny(...),
                  tokenizer_dir="runs/x/spiece", train_texts=..., train_labels=..., teacher_logits=...,
                  dev_texts=..., dev_labels=...)
    res.best  # HF folder of the epoch with the best dev accuracy

Loss: alpha * T^2 * KL(softmax(t/T) || softmax(s/T)) + (1 - alpha) * CE(s, y), plus (repr_weight > 0, teacher_vectors
given) repr_weight * (1 - cos(P [CLS]_student, pooled_teacher)) with a learned projection P: sentence-level transfer
that needs no shared tokenizer, plus (hidden_weight > 0, a `hidden_transfer` given: the student reads an ALBERT
teacher's own vocabulary) hidden_weight * the masked MSE of every student state against the teacher's state at the
same relative depth, through a learned projection (training.same_vocab.HiddenTransfer).

Output folder: `last/` (HF folder, written every epoch and on Ctrl-C), `best/` (best dev accuracy), `train_state.pt`
(optimizer, scheduler, epoch, step, history: what --resume needs), `history.json`.
`deadline` (plan.StudentDeadline): asked after each epoch whether another one fits, so `run` keeps its minutes on a
machine that slows down mid-run (its plan only estimates).
NaN loss: stop at once, keep the last good checkpoint, say which. Ctrl-C: save where it was, `--resume` continues
from that exact batch. Data-parallel when started by torchrun (WORLD_SIZE > 1): gloo backend, each rank takes every
world-th batch of one seeded order, rank 0 writes checkpoints and evaluates dev.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .errors import AlbertEdgeError, InputError
from .training import adamw, kd_loss, plan_steps, representation_loss, warmup_linear
from .training.precision import Precision, autocast, parse_precision, resolve_precision

STATE = "train_state.pt"


class TrainingError(AlbertEdgeError):
    """Training stopped (NaN loss) — the last good checkpoint is kept."""


class TrainingInterrupted(AlbertEdgeError):
    """Ctrl-C: the checkpoint is saved; --resume continues."""

    exit_code = 130


@dataclass
class DistillConfig:
    epochs: int = 4
    batch_size: int = 64
    lr: float = 1e-3
    temperature: float = 2.0
    alpha: float = 0.7  # weight of the KD term; 1 - alpha for cross-entropy on the labels
    max_length: int = 64
    seed: int = 0
    patience: int = 2  # epochs without dev improvement before stopping
    warmup: float = 0.06
    weight_decay: float = 0.01
    threads: int | None = 2
    max_steps_per_epoch: int | None = None  # tests / smoke runs
    min_steps: int = 0  # epochs are raised until training makes at least this many optimizer steps
    repr_weight: float = 0.0  # weight of the sentence-representation loss (needs teacher_vectors)
    hidden_weight: float = 0.0  # weight of the hidden-state loss (needs a hidden_transfer: same-vocabulary teacher)
    precision: str = "fp32"  # training.precision: fp32, bf16 (autocast) or auto (bf16 where measured faster)

    def __post_init__(self) -> None:
        if not 0.0 <= self.alpha <= 1.0:
            raise InputError(f"--alpha {self.alpha} must be between 0 and 1")
        if self.temperature <= 0:
            raise InputError(f"--temperature {self.temperature} must be positive")
        if self.epochs < 1 or self.batch_size < 1:
            raise InputError("--epochs and --batch-size must be at least 1")
        self.precision = parse_precision(self.precision, "--precision").value


@dataclass
class DistillResult:
    out: Path
    best: Path
    best_dev_accuracy: float | None
    history: list[dict] = field(default_factory=list)
    stopped_early: bool = False
    seconds: float = 0.0


def student_preset(name: str, *, vocab_size: int, labels: list[str], max_length: int = 64):
    from .model import AlbertConfig

    presets = {"tiny": AlbertConfig.tiny, "micro": AlbertConfig.micro, "base": AlbertConfig.base_v2}
    if name not in presets:
        raise InputError(f"--preset {name!r}: choose one of {', '.join(presets)}")
    cfg = presets[name](vocab_size=vocab_size, id2label=dict(enumerate(labels)))
    if cfg.max_position_embeddings < max_length:
        cfg.max_position_embeddings = max_length
    return cfg


def _encode_all(tokenizer, texts: list[str], pairs, max_length: int) -> list[list[int]]:
    return [tokenizer.encode(t, pairs[i] if pairs else None, max_length=max_length).ids for i, t in enumerate(texts)]


def _pad(rows: list[list[int]], pad_id: int):
    import torch

    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, :len(r)] = 1
    return ids, mask


def _dev_accuracy(model, encoded: list[list[int]], labels: list[int], pad_id: int, batch_size: int = 128) -> float:
    import torch

    order = sorted(range(len(encoded)), key=lambda i: len(encoded[i]))
    correct = 0
    model.eval()
    with torch.inference_mode():
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            ids, mask = _pad([encoded[i] for i in idx], pad_id)
            pred = model(ids, mask).argmax(-1).tolist()
            correct += sum(int(p == labels[i]) for p, i in zip(pred, idx))
    model.train()
    return correct / max(1, len(encoded))


def _init_from(model, folder: str | os.PathLike) -> None:
    """Copy the encoder (albert.*) of a pretrained ALBERT folder (e.g. from `albert-edge pretrain`) into the student."""
    from .checkpoint import read_state_dict
    from .errors import CheckpointError

    state = read_state_dict(Path(folder))
    own = model.state_dict()
    enc = {k: v for k, v in state.items() if k.startswith("albert.") and k in own}
    if not any(k.startswith("albert.encoder.") for k in enc):
        raise CheckpointError(f"{folder}: no albert.encoder.* weights to initialize the student from")
    for k, v in enc.items():
        if tuple(v.shape) != tuple(own[k].shape):
            raise CheckpointError(f"{folder}: {k} has shape {tuple(v.shape)}, the student expects {tuple(own[k].shape)}")
    model.load_state_dict(enc, strict=False)


def _atomic_torch_save(obj, path: Path) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def distill(out: str | os.PathLike, *, cfg: DistillConfig, model_config, tokenizer_dir: str | os.PathLike,
            train_texts: list[str], train_labels: list[int] | None, teacher_logits: np.ndarray | None,
            dev_texts: list[str] | None = None, dev_labels: list[int] | None = None,
            train_pairs: list[str] | None = None, dev_pairs: list[str] | None = None,
            init_from: str | os.PathLike | None = None, resume: bool = False, overwrite: bool = False,
            teacher_vectors: np.ndarray | None = None, init_embeddings: tuple[np.ndarray, np.ndarray] | None = None,
            init_state: dict | None = None, hidden_transfer=None, deadline=None,
            progress: bool = True, log=print) -> DistillResult:
    import torch
    import torch.distributed as dist

    from .checkpoint import load_checkpoint, save_checkpoint
    from .data import length_batches
    from .data import progress as bar
    from .model import AlbertForSequenceClassification
    from .tokenizer import load_tokenizer

    out = Path(out)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    ddp = world > 1
    if ddp and not dist.is_initialized():
        dist.init_process_group("gloo")
    rank = dist.get_rank() if ddp else 0
    main = rank == 0
    if cfg.threads:
        torch.set_num_threads(max(1, cfg.threads // world) if ddp else cfg.threads)
    if teacher_logits is None and train_labels is None:
        raise InputError("nothing to learn from: give labels, teacher logits, or both")
    if teacher_logits is not None and len(teacher_logits) != len(train_texts):
        raise InputError(f"{len(teacher_logits)} teacher logits for {len(train_texts)} texts")
    state_path = out / STATE
    if resume and not state_path.is_file():
        raise InputError(f"{out}: nothing to resume (no {STATE}); run without --resume")
    if not resume and state_path.is_file() and not overwrite:
        raise InputError(f"{out}: already holds a training run; pass --resume to continue it or --overwrite to "
                         "start again")
    if main and not resume and out.exists() and overwrite:
        for name in ("last", "best", STATE, "history.json"):
            p = out / name
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink(missing_ok=True)
    if ddp:
        dist.barrier()

    tok = load_tokenizer(tokenizer_dir)
    if tok.vocab_size != model_config.vocab_size:
        raise InputError(f"tokenizer has {tok.vocab_size} pieces but the student config says {model_config.vocab_size}")
    pad_id = tok.special_ids["pad"]
    precision = Precision(cfg.precision)
    if precision is Precision.AUTO:  # ranks measuring apart could disagree: data-parallel takes fp32 unless told
        from .plan import measure_bf16_gain

        gain = None if ddp else measure_bf16_gain(cfg.threads or 2)
        precision = resolve_precision(precision, gain)
        if main:
            log(f"training in {precision.value}" + (f" (a bf16 step measured {gain:g}x as fast)" if gain else ""))
    t_start = time.time()
    encoded = _encode_all(tok, train_texts, train_pairs, cfg.max_length)
    dev_encoded = _encode_all(tok, dev_texts, dev_pairs, cfg.max_length) if dev_texts else None
    y_all = torch.tensor(train_labels, dtype=torch.long) if train_labels is not None else None
    t_all = torch.tensor(np.asarray(teacher_logits), dtype=torch.float32) if teacher_logits is not None else None

    torch.manual_seed(cfg.seed)
    random.seed(cfg.seed)
    model = AlbertForSequenceClassification(model_config)
    if init_from is not None and not resume:
        _init_from(model, init_from)
    if init_embeddings is not None and not resume:  # (rows, mask): training.embed_init.teacher_piece_embeddings
        rows, set_ = init_embeddings
        k = rows.shape[1]  # a teacher narrower than E sets the first k columns
        with torch.no_grad():  # at the scale of the random rows they replace: the training dynamics stay a fresh model's
            w = model.albert.embeddings.word_embeddings.weight
            scale = float(w[:, :k].std()) / max(float(rows[set_].std()), 1e-12)
            w[torch.from_numpy(set_), :k] = torch.from_numpy(rows[set_] * scale).to(w.dtype)
    if init_state is not None and not resume:  # e.g. training.same_vocab.teacher_embedding_state: copied exactly
        own = model.state_dict()
        wrong = [k for k, v in init_state.items() if k not in own or own[k].shape != v.shape]
        if wrong:
            raise InputError(f"initial weights do not fit the student: {', '.join(wrong)}")
        model.load_state_dict(init_state, strict=False)
    hidden = hidden_transfer if cfg.hidden_weight > 0 else None
    if cfg.hidden_weight > 0 and hidden is None:
        raise InputError("hidden_weight > 0 needs a hidden-state transfer (an ALBERT teacher read with the student's "
                         "vocabulary); set it to 0")
    if hidden is not None and ddp:
        raise InputError("hidden-state transfer runs in a single process")
    lengths = [len(r) for r in encoded]
    n_batches = len(length_batches(lengths, cfg.batch_size, shuffle=True, seed=cfg.seed))
    per_rank = n_batches // world if ddp else n_batches
    if cfg.max_steps_per_epoch:
        per_rank = min(per_rank, cfg.max_steps_per_epoch)
    if per_rank < 1:
        raise InputError(f"{len(train_texts)} training texts make no full batch per process; lower --batch-size")
    plan = plan_steps(per_rank, epochs=cfg.epochs, min_steps=cfg.min_steps)
    n_epochs = plan.epochs
    # sentence-level transfer across tokenizers: the student's [CLS] state, through a learned projection (dropped after
    # training), towards the teacher's pooled sentence vector
    t_vec = torch.tensor(np.asarray(teacher_vectors), dtype=torch.float32) \
        if teacher_vectors is not None and cfg.repr_weight > 0 else None
    if t_vec is not None and (ddp or len(t_vec) != len(train_texts)):
        raise InputError("representation distillation needs one teacher vector per text and a single process")
    proj = torch.nn.Linear(model_config.hidden_size, t_vec.shape[1]) if t_vec is not None else None
    params = list(model.named_parameters()) + ([("proj." + n, p) for n, p in proj.named_parameters()] if proj else []) \
        + ([("hidden_proj." + n, p) for n, p in hidden.proj.named_parameters()] if hidden else [])
    opt = adamw(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = warmup_linear(opt, total_steps=plan.total_steps, warmup=cfg.warmup)
    start_epoch, start_step, best_acc, bad, history = 0, 0, None, 0, []
    if resume:
        ck = load_checkpoint(out / "last")
        model.load_state_dict(ck.model.state_dict())
        st = torch.load(state_path, map_location="cpu", weights_only=False)
        opt.load_state_dict(st["optimizer"])
        if proj is not None and st.get("projection"):
            proj.load_state_dict(st["projection"])
        if hidden is not None and st.get("hidden_projection"):
            hidden.proj.load_state_dict(st["hidden_projection"])
        sched.load_state_dict(st["scheduler"])
        start_epoch, start_step = st["epoch"], st["step"]
        best_acc, bad, history = st["best_dev_accuracy"], st["bad_epochs"], st["history"]
        torch.set_rng_state(st["torch_rng"])
        if main:
            log(f"resuming {out} at epoch {start_epoch + 1} step {start_step}")
    net = model
    if ddp:
        from torch.nn.parallel import DistributedDataParallel

        net = DistributedDataParallel(model)
    model.train()

    def save_state(epoch: int, step: int) -> None:
        """`last/` + train_state.pt: (epoch, step) is where training continues."""
        if not main:
            return
        save_checkpoint(model, out / "last", tokenizer_dir=tokenizer_dir)
        _atomic_torch_save({"epoch": epoch, "step": step, "optimizer": opt.state_dict(),
                            "projection": proj.state_dict() if proj is not None else None,
                            "hidden_projection": hidden.proj.state_dict() if hidden is not None else None,
                            "scheduler": sched.state_dict(), "best_dev_accuracy": best_acc, "bad_epochs": bad,
                            "history": history, "torch_rng": torch.get_rng_state(), "config": asdict(cfg),
                            "world_size": world}, state_path)
        (out / "history.json").write_text(json.dumps(history, indent=2) + "\n", encoding="utf-8")

    def last_good() -> str:
        if state_path.is_file():
            st = torch.load(state_path, map_location="cpu", weights_only=False)
            return f"last good checkpoint {out / 'last'} (epoch {st['epoch']}, step {st['step']}) kept"
        return "no checkpoint had been written yet"

    out.mkdir(parents=True, exist_ok=True)
    stopped_early = False
    epoch = start_epoch
    step = start_step
    try:
        for epoch in range(start_epoch, n_epochs):
            batches = length_batches(lengths, cfg.batch_size, shuffle=True, seed=cfg.seed * 1000 + epoch)
            mine = batches[rank::world][:per_rank] if ddp else batches[:per_rank]
            first = start_step if epoch == start_epoch else 0
            running, seen, epoch_t0 = 0.0, 0, time.time()
            with bar(progress and main) as pb:
                task = pb.add_task(f"distill epoch {epoch + 1}/{n_epochs}", total=len(mine), completed=first,
                                   info="")
                for step in range(first, len(mine)):
                    idx = mine[step]
                    ids, mask = _pad([encoded[i] for i in idx], pad_id)
                    with autocast(precision):  # fp32 where not bf16; the losses below run in fp32 either way
                        if proj is None and hidden is None:
                            logits = net(ids, mask).float()
                        else:
                            logits, states = model.forward_features(ids, mask)
                            logits, states = logits.float(), [h.float() for h in states]
                    loss = kd_loss(logits, t_all[idx] if t_all is not None else None,
                                   y_all[idx] if y_all is not None else None,
                                   temperature=cfg.temperature, alpha=cfg.alpha)
                    if proj is not None:
                        loss = loss + cfg.repr_weight * representation_loss(proj(states[-1][:, 0]), t_vec[idx])
                    if hidden is not None:
                        loss = loss + cfg.hidden_weight * hidden.loss(ids, mask, states)
                    finite = torch.tensor([float(bool(torch.isfinite(loss).all()))])
                    if ddp:
                        dist.all_reduce(finite, op=dist.ReduceOp.MIN)
                    if finite.item() < 1.0:
                        raise TrainingError(f"loss became {loss.item()} at epoch {epoch + 1} step {step + 1}; "
                                            f"stopped — {last_good()}. Lower --lr or check the data")
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    torch.nn.utils.clip_grad_norm_([p for _, p in params], 1.0)
                    opt.step()
                    sched.step()
                    running, seen = running + loss.item(), seen + 1
                    pb.update(task, advance=1, info=f"loss {running / seen:.4f}")
            step = 0
            entry = {"epoch": epoch + 1, "train_loss": round(running / max(1, seen), 5), "seconds": round(time.time() - t_start, 1)}
            stop = torch.zeros(1)
            if main:
                if dev_encoded:
                    acc = _dev_accuracy(model, dev_encoded, dev_labels, pad_id)
                    entry["dev_accuracy"] = round(acc, 4)
                    if best_acc is None or acc > best_acc:
                        best_acc, bad = acc, 0
                        save_checkpoint(model, out / "best", tokenizer_dir=tokenizer_dir)
                    else:
                        bad += 1
                    stop[0] = float(bad >= cfg.patience)
                else:
                    save_checkpoint(model, out / "best", tokenizer_dir=tokenizer_dir)
                now = time.time()
                if deadline is not None and not stop[0] and epoch + 1 < n_epochs and \
                        not deadline.allows(now, now - epoch_t0):
                    stop[0], entry["stopped"] = 1.0, "time budget"
                history.append(entry)
                log(f"epoch {epoch + 1}/{n_epochs}: " + ", ".join(f"{k} {v}" for k, v in entry.items()
                                                                    if k != "epoch"))
            save_state(epoch + 1, 0)
            if ddp:
                dist.broadcast(stop, src=0)
            if stop.item() > 0 and epoch + 1 < n_epochs:
                stopped_early = True
                if main:
                    log(f"stopped after epoch {epoch + 1} of {n_epochs}: the next would end past the time budget"
                        if history[-1].get("stopped") else
                        f"early stop: dev accuracy did not improve for {cfg.patience} epoch(s)")
                break
    except KeyboardInterrupt:
        save_state(epoch, step)
        raise TrainingInterrupted(f"interrupted at epoch {epoch + 1} step {step}; checkpoint saved in {out / 'last'} "
                                  f"— rerun the same command with --resume to continue") from None
    if ddp:
        dist.barrier()
    return DistillResult(out=out, best=out / "best", best_dev_accuracy=best_acc, history=history,
                         stopped_early=stopped_early, seconds=time.time() - t_start)


def cleanup_distributed() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()

