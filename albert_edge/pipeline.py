"""`albert-edge run`: the user's teacher (or a backbone we fine-tune) and labeled data -> a distilled ALBERT student ->
int8 within an accuracy budget -> verified bundle (.pte/.tflite/.onnx) -> report, in one run folder:

    data/            train/dev/test.jsonl + splits.json (seeded stratified 80/10/10 split, written down)
    test.jsonl       exactly the texts every model in the report was scored on
    cache/           teacher/, logits/ (keyed by teacher identity + text hash), spiece/, student/: a rerun reuses them
    student/         fp32 student (HF ALBERT folder);  student-int8/: quantized checkpoint (quantization.json)
    bundle/          the converters' output with manifest.json
    config.json      every setting of the run: `albert-edge run --config config.json` reproduces it
    report.json, report.md, *.png (albert_edge.report)

What adapts to the data (not to tweets): the split sizes and class balance, the teacher's and the student's sequence
length (95th percentile of each tokenizer's lengths on the training text), how many texts the teacher trains on and
labels and how many optimizer steps the student makes (albert_edge.plan, from --budget-minutes), with a floor of
steps so small data still trains enough.

The recipe reads top to bottom in `run`, stage after stage; the stages' work lives in the components (data,
teacher, distill, quantize, converters, report) and in albert_edge.run_steps (baseline, plan inputs, the student's
cached pretraining and resumable distillation).
"""

from __future__ import annotations

import json
import os
import platform
import random
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field, fields, replace
from enum import Enum
from pathlib import Path

from . import run_steps as steps
from .errors import InputError
from .stages import Stages, digest, folder_bytes, stamp, stamp_ok
from .training.precision import parse_precision

NGRAM = "ngram"  # --teacher ngram: albert_edge.ngram_teacher instead of a neural teacher


class StudentVocab(str, Enum):
    """Whose vocabulary the student reads (knob `same_vocab`)."""
    own = "own"  # a SentencePiece trained on the training texts (any teacher)
    teacher = "teacher"  # an ALBERT teacher's own: embeddings copied, hidden states transferred (training.same_vocab)

# Knobs every run resolves; `overrides` (or config.json) may set any of them. "auto" = decided from the data/budget
# (buckets "auto": length buckets fitted to the training texts' lengths up to the run's max_length, data.auto_buckets).
# repr_weight: the student's [CLS] state, through a learned projection, pulled towards the neural teacher's pooled
# sentence vector (1 - cosine; distill.py). The same tweets run with and without it: student test 0.7720 vs 0.7615,
# dev higher at each of the 4 epochs; neutral on the stand-in paragraphs (benchmarks/results/repr_distill.json). An
# n-gram teacher has no such vector.
# embed_init: the student's word embeddings start from the teacher's vectors of its pieces, or, for an n-gram teacher
# (none to give), from the pieces' co-occurrence in the transfer texts (PPMI + SVD, seconds). On the Chinese reviews,
# the same 6-epoch plan: dev 0.836 / 0.839 / 0.849 / 0.854 / 0.858 against 0.829 / 0.845 / 0.843 / 0.853 / 0.852 from
# a random start, test fp32 0.8462 vs 0.8381 (benchmarks/results/zh_student_init.json).
# student_dropout: hidden, attention and classifier dropout of the student (HF's three); 0 — with the co-occurrence
# start on the same reviews 0.1 reached best dev 0.8513 against 0.858 and the same test 0.8462 (zh_student_init.json).
# pretrain_epochs: MLM + SOP of the student on the training + unlabeled texts before distillation; 0, because on the
# reviews 3 epochs left the distilled student far behind one from a random start (benchmarks/results/zh_pretrain.json).
# student_precision: fp32, or bf16 autocast (training.precision; "auto": bf16 where a probe step measures 1.2x faster).
# fp32 by default: on a 2-core Xeon with AMX a real student epoch gained 1.47x (102.9 -> 69.8 s on the 13,891 Chinese
# reviews), accuracy the same within one run's spread (benchmarks/results/bf16_training.json), but one cold default
# run is all the evidence yet on what it does to a whole run; `--precision auto` opts in.
KNOBS = {
    "default": dict(teacher_train="auto", teacher_epochs=1, teacher_lr=1e-4, teacher_batch=32, teacher_min_steps=150,
                    teacher_max_length="auto", transfer="auto", student_epochs="auto", student_min_steps=800,
                    student_batch="auto", student_lr="auto", student_layers=2, max_length="auto", temperature=2.0,
                    alpha=0.7, dev_select=1500, test=2000, vocab=8000, length_cap=128, repr_weight=1.0, buckets="auto",
                    embed_init=True, same_vocab=False, hidden_weight=1.0, ngram_mix=True, pretrain_epochs=0,
                    augment=0, student_dropout=0.0, student_precision="fp32"),
    "full": dict(teacher_train=None, teacher_epochs=2, teacher_lr=5e-5, teacher_batch=32, teacher_min_steps=300,
                 teacher_max_length="auto", transfer=None, student_epochs=8, student_min_steps=1500,
                 student_batch="auto", student_lr="auto", student_layers=4, max_length="auto", temperature=2.0,
                 alpha=0.7, dev_select=None, test=None, vocab=8000, length_cap=128, repr_weight=1.0, buckets="auto",
                 embed_init=True, same_vocab=False, hidden_weight=1.0, ngram_mix=True, pretrain_epochs=0,
                 augment=0, student_dropout=0.0, student_precision="fp32"),
    "smoke": dict(teacher_train=160, teacher_epochs=1, teacher_lr=1e-4, teacher_batch=32, teacher_min_steps=0,
                  teacher_max_length=32, transfer=300, student_epochs=2, student_min_steps=0, student_batch=32,
                  student_lr=1e-3, student_layers=2, max_length=32, temperature=2.0, alpha=0.7, dev_select=100,
                  test=150, vocab=600, length_cap=32, repr_weight=1.0, buckets=[32], embed_init=True,
                  same_vocab=False, hidden_weight=1.0, ngram_mix=True, pretrain_epochs=0, augment=0,
                  student_dropout=0.0, student_precision="fp32"),
}


@dataclass
class RunConfig:
    """Every setting of a run. Written to OUT/config.json; `RunConfig.load(file)` reads it back."""
    out: str = "runs/run"
    data: str | None = None  # labeled file/folder; None: the embedded corpus
    corpus: str | None = None  # albert_edge.corpora name (default "tweets" when no --data)
    text_column: str | None = None
    label_column: str | None = None
    pair_column: str | None = None
    encoding: str = "auto"
    teacher: str | None = None  # an already fine-tuned HF sequence classifier
    backbone: str | None = None  # an HF encoder we fine-tune (default all-MiniLM-L6-v2)
    unlabeled: str | None = None  # in-domain text, one per line, labeled by the teacher for the transfer set
    student: str = "tiny"
    max_drop: float = 0.01
    budget_minutes: float | None = None  # None: DEFAULT_BUDGET_MINUTES, stretched to the smallest run if need be
    speed: float | None = None  # the machine's speed for the plan (albert_edge.plan.measure_speed); None: measured
    bf16_gain: float | None = None  # albert_edge.plan.measure_bf16_gain, where student_precision is auto
    mode: str = "default"  # default | full | smoke
    seed: int = 0
    threads: int = 2
    convert: bool = True
    progress: bool = True
    overrides: dict = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "RunConfig":
        p = Path(path)
        try:
            raw = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InputError(f"{p}: not a readable run config ({type(e).__name__}: {e}); use the config.json a run "
                             "wrote") from None
        raw = raw.get("config", raw)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known - {"resolved", "version"})
        if unknown:
            raise InputError(f"{p}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**{k: v for k, v in raw.items() if k in known})

    def source(self):
        """(path, text column, label column, pair column, encoding, description) of the labeled data."""
        from . import corpora

        if self.data:
            return (Path(self.data), self.text_column or "text", self.label_column or "label", self.pair_column,
                    self.encoding, str(self.data))
        c = corpora.get(self.corpus or "tweets")
        return (c.path(), self.text_column or c.text_column, self.label_column or c.label_column,
                self.pair_column or c.pair_column, c.encoding if self.encoding == "auto" else self.encoding,
                c.description)


def _subsample(ds, n, seed):
    from .data import stratified_subsample

    return ds.subset(stratified_subsample(ds, n, seed=seed)) if n else ds


def run(cfg: RunConfig, log=print) -> dict:
    import torch

    from . import corpora
    from . import report as rep
    from .data import check_labels, read_dataset, split_dataset, statistics, write_jsonl, write_splits

    t_all = time.time()
    torch.set_num_threads(cfg.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if cfg.mode not in KNOBS:
        raise InputError(f"mode {cfg.mode!r}: choose one of {', '.join(KNOBS)}")
    unknown = sorted(set(cfg.overrides) - set(KNOBS["default"]))
    if unknown:
        raise InputError(f"unknown override(s) {', '.join(unknown)}; known: {', '.join(KNOBS['default'])}")
    if cfg.teacher and cfg.backbone:
        raise InputError("--teacher (already fine-tuned) and --backbone (fine-tuned here) exclude each other")
    S = {**KNOBS[cfg.mode], **cfg.overrides}
    b = S["buckets"]
    if b != "auto" and not (isinstance(b, list) and b and all(isinstance(x, int) and x >= 3 for x in b)):
        raise InputError(f"override buckets={b!r}: give \"auto\" or a non-empty list of lengths of 3 or more, e.g. "
                         "[32, 64]")
    p = S["student_dropout"]
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p < 1:
        raise InputError(f"override student_dropout={p!r}: give a probability in [0, 1), e.g. 0.1")
    pe = S["pretrain_epochs"]
    if isinstance(pe, bool) or not isinstance(pe, int) or pe < 0:
        raise InputError(f"override pretrain_epochs={pe!r}: give a whole number of epochs, 0 (none) or more")
    lr = S["student_lr"]
    if lr != "auto" and (isinstance(lr, bool) or not isinstance(lr, (int, float)) or not 0 < lr < 1):
        raise InputError(f"override student_lr={lr!r}: give \"auto\" or a learning rate between 0 and 1, e.g. 5e-4")
    ag = S["augment"]
    if ag != "auto" and (isinstance(ag, bool) or not isinstance(ag, int) or ag < 0):
        raise InputError(f"override augment={ag!r}: give \"auto\" or a whole number of edited copies per training "
                         "text, 0 (none) or more")
    if cfg.speed is not None and (isinstance(cfg.speed, bool) or not isinstance(cfg.speed, (int, float))
                                  or not cfg.speed > 0):
        raise InputError(f"speed {cfg.speed!r}: give the machine's speed for the plan as a positive number (1.0: the "
                         "plan's reference machine), or null to measure it")
    g = cfg.bf16_gain
    if g is not None and (isinstance(g, bool) or not isinstance(g, (int, float)) or not g > 0):
        raise InputError(f"bf16_gain {g!r}: give how many times faster a bf16 training step is as a positive number, "
                         "or null to measure it")
    parse_precision(S["student_precision"], "override student_precision")
    if b != "auto" and S["max_length"] != "auto" and max(b) > S["max_length"]:
        raise InputError(f"override buckets={b}: longer than max_length {S['max_length']}; give lengths up to it")
    out = Path(cfg.out)
    path, text_col, label_col, pair_col, encoding, described = cfg.source()
    # every user-input check comes before anything is trained or written
    corpus = None if cfg.data else corpora.get(cfg.corpus or "tweets")
    ds = corpus.read(corpus) if corpus and corpus.read else \
        read_dataset(path, text_column=text_col, label_column=label_col, pair_column=pair_col, encoding=encoding)
    # "ngram": the cross-fitted TF-IDF teacher (albert_edge.ngram_teacher), also a corpus's default where no
    # encoder available offline knows its language
    ngram = cfg.teacher == NGRAM or (not cfg.teacher and not cfg.backbone and corpus is not None
                                     and corpus.teacher == NGRAM)
    labels = ds.label_names
    unlabeled = []
    if cfg.unlabeled:
        from .data import read_lines

        unlabeled = read_lines(cfg.unlabeled)
    teacher_given = None
    if cfg.teacher and not ngram:
        from .teacher import align_labels, load_teacher

        teacher_given = load_teacher(cfg.teacher)
        labels = align_labels(teacher_given.labels, labels, cfg.teacher)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    stages = Stages(log)
    report: dict = {"command": " ".join(["albert-edge"] + sys.argv[1:]) if sys.argv else "", "mode": cfg.mode,
                    "seed": cfg.seed, "machine": {"cpu_count": os.cpu_count(), "torch_threads": cfg.threads,
                                                  "python": platform.python_version(), "torch": torch.__version__,
                                                  "load_average_at_start": _loadavg()}}

    def data_stage():
        splits = split_dataset(ds, dev=0.1, test=0.1, seed=cfg.seed)
        return splits, write_splits(ds, splits, out / "data", seed=cfg.seed, dev=0.1, test=0.1)

    splits, split_meta = stages.run("data", data_stage)
    train, dev, test = (ds.subset(splits[s]) for s in ("train", "dev", "test"))
    check_labels(train, dev, test)
    test = _subsample(test, S["test"], cfg.seed)
    order = list(range(len(test)))
    random.Random(cfg.seed).shuffle(order)  # sources sorted by label: a bench taking the first N lines sees all
    test = test.subset(order)
    write_jsonl(test, out / "test.jsonl")
    dev_sel = _subsample(dev, S["dev_select"], cfg.seed)
    y_test = test.label_ids(labels)
    results: dict[str, dict] = {}

    correct: dict[str, list[int]] = {}  # per model, 1 where a test text is right: the goals' intervals

    def record(name: str, pred: list[int], **extra):
        results[name] = rep.score(name, y_test, pred, labels, out, **extra)
        correct[name] = [int(p == y) for p, y in zip(pred, y_test)]
        log(f"   {name}: accuracy {results[name]['accuracy']:.4f}, macro-F1 {results[name]['macro_f1']:.4f}")

    ngram_fit = None  # the cross-fitted n-gram model (teacher, or the teacher's mix partner), fitted once

    def baseline_stage():
        nonlocal ngram_fit
        if ngram or S["ngram_mix"]:  # the baseline is its full model: fitted here, cross-fitted alongside
            from .errors import DataError
            from .ngram_teacher import NgramTeacher

            try:
                ngram_fit = NgramTeacher(train.texts, train.label_ids(labels), labels, pairs=train.pairs,
                                         seed=cfg.seed)
            except DataError:
                if ngram:
                    raise
        pred, extra, predict_one = steps.baseline(train, test, labels, ngram=ngram_fit)
        record("baseline_tfidf", pred, **extra, latency_ms=rep.latency_ms(predict_one, test.texts))

    stages.run("baseline_tfidf", baseline_stage)

    # -- student tokenizer and the lengths / sizes the data asks for ---------------------------------------------
    from .tokenizer import load_tokenizer, set_model_max_length

    backbone = None if teacher_given or ngram else (Path(cfg.backbone) if cfg.backbone else _default_backbone())
    # --student-vocab teacher: an ALBERT teacher (given, or a backbone fine-tuned here) lends the student its
    # vocabulary, embeddings copied and hidden states transferred (training.same_vocab); otherwise (the default,
    # measured better in benchmarks/results/same_vocab_zh.json) a SentencePiece trained on the data
    vocab_src = None
    if S["same_vocab"] and not ngram:
        from .teacher import teacher_tokenizer
        from .training.same_vocab import shared_tokenizer_folder

        src = Path(cfg.teacher) if teacher_given else backbone
        vocab_src = shared_tokenizer_folder(src, teacher_given.tokenizer if teacher_given else teacher_tokenizer(src),
                                            train.texts, S["length_cap"], log)
    if S["same_vocab"] and vocab_src is None:
        log("   --student-vocab teacher needs an ALBERT teacher whose tokenizer albert-edge reads; the student trains "
            "its own vocabulary")
    if vocab_src is not None:
        from .training.same_vocab import adopt_tokenizer

        spdir = cache / "vocab"
        skey = stages.run("student_tokenizer", lambda: adopt_tokenizer(vocab_src, spdir))
        log(f"   the student reads the teacher's vocabulary ({vocab_src})")
    else:
        skey = {"vocab": S["vocab"], "split": split_meta["sha256"]["train"], "seed": cfg.seed}
        spdir = cache / "spiece"
        tok_cached = stamp_ok(spdir, skey)
        stages.run("student_tokenizer", (lambda: None) if tok_cached else
                   (lambda: steps.train_spiece(train.texts, spdir, S["vocab"], cfg.seed, skey, log)), cached=tok_cached)
    tok = load_tokenizer(spdir)
    # override augment: edited copies of the training texts (albert_edge.training.augment) join the transfer pool
    # after the unlabeled texts; the plan decides how many of them the teacher labels. Off by default (measured, not
    # kept: benchmarks/results/augment_standin.json). Not for pairs: an edit of one side can change how they relate.
    from .ngram_teacher import tfidf_settings
    from .training.augment import augment, auto_copies

    copies = auto_copies(len(train), S["augment"]) if train.pairs is None else 0
    aug_texts, aug_src = augment(train.texts, copies, seed=cfg.seed,
                                 chars=tfidf_settings(train.texts)["analyzer"] == "char") if copies else ([], [])
    resolved = steps.resolve(S, cfg, train, dev_sel, test, unlabeled, tok, teacher_given, backbone, log, ngram=ngram,
                             shared=vocab_src is not None, augmented=len(aug_texts))
    resolved["augment"] = {"copies_per_text": copies, "texts": len(aug_texts)}
    report["plan"] = resolved
    ml, tml = resolved["max_length"], resolved["teacher_max_length"]
    teacher_train = _subsample(train, resolved["teacher_train"], cfg.seed)
    pool_texts = train.texts + unlabeled
    transfer_idx = sorted(random.Random(cfg.seed + 1).sample(range(len(train)), min(len(train), resolved["transfer"])))
    n_extra = max(0, resolved["transfer"] - len(train))
    n_unl = min(n_extra, len(unlabeled))
    aug_texts, aug_src = aug_texts[:n_extra - n_unl], aug_src[:n_extra - n_unl]
    transfer_texts = [train.texts[i] for i in transfer_idx] + unlabeled[:n_unl] + aug_texts
    transfer_labels = [labels.index(train.labels[i]) for i in transfer_idx]
    if aug_texts and ngram_fit is not None:  # the n-grams label a copy out of fold, as they label its source
        ngram_fit.add_derived(aug_texts, aug_src)
    transfer_pairs = ([train.pairs[i] for i in transfer_idx] + [""] * (len(transfer_texts) - len(transfer_idx))
                      if train.pairs is not None else None)
    report["data"] = {"source": described, "encoding": ds.extra.get("encoding"), "labels": labels,
                      "split": split_meta, "stats": statistics(ds),
                      "unlabeled": {"path": cfg.unlabeled, "texts": len(unlabeled)} if cfg.unlabeled else None,
                      "used": {"teacher_train": len(teacher_train), "transfer": len(transfer_texts),
                               "transfer_unlabeled": n_unl, "transfer_augmented": len(aug_texts),
                               "dev_select": len(dev_sel), "test": len(test), "train_split": len(train),
                               "pool": len(pool_texts)},
                      "student_tokens": statistics(train, tok, max_length=ml)["tokens"]}
    # `--config` plans (and trains) as this run did
    _write_config(replace(cfg, speed=resolved["speed"], bf16_gain=resolved["bf16_gain"]), out, resolved)

    # -- teacher -------------------------------------------------------------------------------------------------
    from .teacher import HEAD, LogitCache, finetune_teacher, folder_identity, load_teacher

    tdir = cache / "teacher"
    t_params = None
    if ngram:
        teacher = stages.run("teacher_finetune", lambda: ngram_fit)  # fitted with the baseline (its full model)
        t_note, t_bytes, t_params = teacher.describe(), teacher.num_bytes, teacher.num_parameters
    elif teacher_given is not None:
        teacher = teacher_given
        teacher.max_length = tml
        stages.run("teacher_finetune", lambda: None, cached=True)
        t_note = f"given teacher {cfg.teacher} ({type(teacher.model).__name__}), max_length {tml}"
        t_bytes = folder_bytes(Path(cfg.teacher))
    else:
        # the backbone by its content, not its path (inside each clone's .venv): a run folder copied elsewhere keeps it
        tkey = {"backbone": folder_identity(backbone), "n": len(teacher_train), "epochs": S["teacher_epochs"],
                "seed": cfg.seed, "max_length": tml, "split": split_meta["sha256"]["train"], "lr": S["teacher_lr"],
                "min_steps": S["teacher_min_steps"], "batch": S["teacher_batch"], "labels": labels}
        t_cached = stamp_ok(tdir, tkey)

        def teacher_stage():
            if t_cached:
                return load_teacher(tdir)
            t = finetune_teacher(backbone, teacher_train, dev_sel, tdir, labels=labels, epochs=S["teacher_epochs"],
                                 lr=S["teacher_lr"], batch_size=S["teacher_batch"], max_length=tml, seed=cfg.seed,
                                 min_steps=S["teacher_min_steps"], threads=cfg.threads, progress=cfg.progress,
                                 cache=cache / "logits", log=log)
            stamp(tdir, tkey)
            return t

        teacher = stages.run("teacher_finetune", teacher_stage, cached=t_cached)
        t_note = (f"{backbone.name} fine-tuned here (mean pooling + linear head) on {len(teacher_train)} training "
                  f"texts, max_length {tml}, lr {S['teacher_lr']}, >= {S['teacher_min_steps']} steps")
        t_bytes = folder_bytes(tdir, ("model.safetensors", HEAD, "tokenizer.json", "vocab.txt", "spiece.model"))
    logit_cache = LogitCache(cache / "logits", teacher.identity)
    t_params = t_params or int(sum(p.numel() for p in teacher.model.parameters()))
    t_note += "; bytes = pickled vectorizer + model" if ngram else "; bytes = fp32 weights + tokenizer"
    encoder, mixed = teacher, None  # the encoder lends embeddings and hidden states; the student learns the mix
    if S["ngram_mix"] and not ngram:
        from .ngram_teacher import mix_with_ngram

        mixed, report["ngram_mix"] = stages.run("teacher_mix", lambda: mix_with_ngram(
            teacher, train, dev_sel, labels, ngram=ngram_fit, cache=logit_cache, seed=cfg.seed, log=log))

    def teacher_eval():
        # "teacher" is the one the user gave or the backbone fine-tuned here (the goals compare with it); the student
        # learns from teacher_mix where there is one
        kw = dict(cache=logit_cache, progress=cfg.progress, description="teacher on test")
        record("teacher", encoder.logits(test.texts, test.pairs, **kw).argmax(1).tolist(), params=t_params,
               bytes=t_bytes, note=t_note, latency_ms=rep.latency_ms(lambda t: encoder.logits([t]), test.texts))
        if mixed is not None:
            record("teacher_mix", mixed.logits(test.texts, test.pairs, **kw).argmax(1).tolist(),
                   params=t_params + mixed.ngram.num_parameters, bytes=t_bytes + mixed.ngram.num_bytes,
                   latency_ms=rep.latency_ms(lambda t: mixed.logits([t]), test.texts),
                   note=f"the teacher mixed with {mixed.ngram.describe()}: log p = {mixed.weight:g}·log p_teacher + "
                        f"{1 - mixed.weight:g}·log p_ngram, renormalized, the weight chosen on dev; the student's KD "
                        "targets; params and bytes of both")

    stages.run("teacher_eval", teacher_eval)
    teacher = mixed or encoder
    vectors = None
    if S["repr_weight"] > 0 and not ngram:  # logits and pooled vectors from one teacher pass (own cache namespace)
        transfer_logits, vectors = stages.run("teacher_logits_transfer", lambda: teacher.features(
            transfer_texts, transfer_pairs, cache=cache / "logits", progress=cfg.progress))
    else:
        transfer_logits = stages.run("teacher_logits_transfer", lambda: teacher.logits(
            transfer_texts, transfer_pairs, cache=logit_cache, progress=cfg.progress,
            description="teacher on transfer set"))
    n_lab = len(transfer_idx)
    agree = float((transfer_logits[:n_lab].argmax(1) == transfer_labels).mean()) if n_lab else None
    report["data"]["teacher_agreement_on_transfer_labels"] = round(agree, 4) if agree is not None else None

    # -- student ---------------------------------------------------------------------------------------------------
    from .checkpoint import load_checkpoint
    from .distill import DistillConfig, student_preset
    from .evaluate import albert_logits
    from .model import count_parameters
    from .plan import student_deadline

    # an n-gram teacher has no vector for a piece; a shared vocabulary copies the teacher's rows instead
    embed_init = bool(S["embed_init"]) and not ngram and vocab_src is None
    # student_lr "auto": a post-LN transformer from a random start wants a gentler peak than one whose embeddings
    # start from the teacher's. Chinese reviews, the same char+words teacher: at 1e-3 the student fell to dev 0.597
    # after epoch 1 and stopped early at test 0.822; at 5e-4 it trained smoothly to 0.848
    # (benchmarks/results/zh_student_lr.json)
    student_lr = S["student_lr"] if S["student_lr"] != "auto" else 1e-3 if embed_init or vocab_src is not None \
        else 5e-4
    dcfg = DistillConfig(epochs=resolved["student_epochs"], batch_size=resolved["student_batch"],
                         lr=student_lr, temperature=S["temperature"], alpha=S["alpha"], max_length=ml,
                         seed=cfg.seed, patience=max(2, resolved["student_epochs"] // 3), threads=cfg.threads,
                         min_steps=S["student_min_steps"], repr_weight=S["repr_weight"] if vectors is not None else 0.0,
                         hidden_weight=S["hidden_weight"] if vocab_src is not None else 0.0,
                         precision=resolved["student_precision"])
    mcfg = student_preset(cfg.student, vocab_size=tok.vocab_size, labels=labels, max_length=ml)
    mcfg.num_hidden_layers = S["student_layers"] or mcfg.num_hidden_layers
    mcfg.pad_token_id = tok.special_ids["pad"]
    mcfg.hidden_dropout_prob = mcfg.attention_probs_dropout_prob = mcfg.classifier_dropout_prob = S["student_dropout"]
    init_state, hidden, shared_note = None, None, ""
    if vocab_src is not None:
        from .training.same_vocab import HiddenTransfer, albert_encoder, teacher_embedding_state

        enc = albert_encoder(encoder.model)
        if ml <= enc.config.max_position_embeddings < mcfg.max_position_embeddings:  # the teacher's table fits
            mcfg.max_position_embeddings = enc.config.max_position_embeddings
        init_state = teacher_embedding_state(enc, mcfg.embedding_size, mcfg.max_position_embeddings)
        hidden = HiddenTransfer(enc, mcfg.hidden_size) if dcfg.hidden_weight > 0 else None
        shared_note = ("; reads the teacher's vocabulary, " + ("embeddings copied from it" if init_state else
                       f"embeddings not copied (teacher E={enc.config.embedding_size}, student "
                       f"E={mcfg.embedding_size})") + (f", hidden-state transfer weight {dcfg.hidden_weight}"
                                                       if hidden else ""))
    # unlabeled transfer texts learn from the teacher alone: their "label" is the teacher's argmax; an edited copy
    # keeps its source's label (EDA's edits are label-preserving)
    y_transfer = transfer_labels + transfer_logits[n_lab:n_lab + n_unl].argmax(1).tolist() + \
        [labels.index(train.labels[i]) for i in aug_src]
    pre_dir = None
    if S["pretrain_epochs"] and vocab_src is None:  # MLM + SOP on the task's own text (albert_edge.pretrain)
        pkey = {"tok": skey, "texts": digest(pool_texts), "epochs": S["pretrain_epochs"], "model": mcfg.to_hf_dict(),
                "seed": cfg.seed, "max_length": ml, "batch": dcfg.batch_size, "lr": student_lr}
        pre_dir = cache / "pretrain"
        p_cached = stamp_ok(pre_dir, pkey)
        stages.run("student_pretrain", (lambda: None) if p_cached else lambda: steps.pretrain_student(
            pre_dir, pkey, pool_texts, spdir, mcfg, ml, dcfg.batch_size, student_lr, cfg, log), cached=p_cached)
    # an n-gram teacher has no vectors: the rows come from the student's own texts (their pieces' co-occurrence)
    text_init = bool(S["embed_init"]) and ngram and vocab_src is None and pre_dir is None
    dkey = steps.distill_key(teacher, skey, transfer_texts, transfer_pairs, dcfg, mcfg, dev_sel, embed_init) | \
        ({"pretrained": digest(pkey)} if pre_dir else {}) | ({"embed_init_text": True} if text_init else {})
    d_cached = stamp_ok(cache / "student", dkey)
    init_rows = None
    if embed_init and not d_cached:
        from .training.embed_init import teacher_piece_embeddings

        init_rows = stages.run("student_embed_init", lambda: teacher_piece_embeddings(
            encoder, tok, mcfg.embedding_size, progress=cfg.progress))
        log(f"   {int(init_rows[1].sum())} of {tok.vocab_size} student pieces start from the teacher's vectors")
    elif text_init and not d_cached:
        from .training.embed_init import cooccurrence_embeddings

        init_rows = stages.run("student_embed_init", lambda: cooccurrence_embeddings(
            tok, transfer_texts, mcfg.embedding_size, max_length=ml))
        log(f"   {int(init_rows[1].sum())} of {tok.vocab_size} student pieces start from their co-occurrence in the "
            "training texts")
    # the budget is kept, not only planned: on a machine that slows down mid-run the student ends an epoch early
    deadline = student_deadline(t_all, cfg.budget_minutes, resolved["plan"]) if cfg.mode == "default" else None
    history = stages.run("student_distill", lambda: steps.distill_student(cache / "student", dkey, dcfg, mcfg, spdir,
                                                            transfer_texts, transfer_pairs, y_transfer,
                                                            transfer_logits, vectors, init_rows, dev_sel, labels,
                                                            cfg, log, init_state, hidden, pre_dir, deadline),
                         cached=d_cached)
    init_note = ("; trained in bf16 mixed precision (autocast; fp32 weights)" if dcfg.precision == "bf16" else "") + \
        ("; word embeddings started from the teacher's vectors of its pieces" if embed_init else
         "; word embeddings started from the pieces' co-occurrence (PPMI + SVD)" if text_init else "") + \
        shared_note + (f"; + {dcfg.repr_weight:g}·(1 − cos) of its [CLS] state, projected, to the teacher's pooled "
                       "vector" if dcfg.repr_weight > 0 else "")
    student_dir = out / "student"
    shutil.rmtree(student_dir, ignore_errors=True)
    shutil.copytree(cache / "student" / "best", student_dir)
    set_model_max_length(student_dir, ml)  # eval and HF's tokenizer then truncate where distillation did
    student = load_checkpoint(student_dir).model.eval()
    n_student = count_parameters(student)
    stages.run("student_eval", lambda: record(
        "student_fp32", albert_logits(student, tok, test.texts, test.pairs, max_length=ml).argmax(1).tolist(),
        params=n_student, bytes=folder_bytes(student_dir, ("model.safetensors", "spiece.model", "vocab.txt")),
        latency_ms=rep.latency_ms(lambda t: albert_logits(student, tok, [t], max_length=ml), test.texts),  # texts
        # alone: the latency of a pair is that of its joined length, which the single texts already span
        note=f"ALBERT {cfg.student} (E={mcfg.embedding_size}, H={mcfg.hidden_size}, {mcfg.num_hidden_layers} passes "
             f"of 1 shared layer, vocab {mcfg.vocab_size}, max_length {ml}) distilled on {len(transfer_texts)} "
             f"texts{f' ({len(aug_texts)} of them edited copies of training texts)' if aug_texts else ''}, "
             f"{history[-1]['epoch'] if history else '?'} epochs"
             f"{f' (of {dcfg.epochs}: stopped at the time budget)' if history and history[-1].get('stopped') else ''}"
             f" (KD alpha {dcfg.alpha}, T {dcfg.temperature} "
             f"{'from teacher_mix ' if mixed is not None else ''}+ CE on labels, peak lr {dcfg.lr:g}{init_note}); "
             "bytes = fp32 safetensors + tokenizer file"))

    # -- int8 + convert --------------------------------------------------------------------------------------------
    def bundle_for(budget: dict | None, name: str) -> dict:
        return rep.convert_stage(stages, cfg.convert, student_dir, out / "student-int8", out / "bundle", cache, ml,
                                 resolved["buckets"] or None, budget, log, name=name)

    from .int8_run import int8_and_bundle, record_int8

    report["int8_budget"], budget_res, report["bundle"] = int8_and_bundle(
        stages, bundle_for, student, tok, student_dir, out / "student-int8", dev_sel, labels, ml, cfg, log)
    int8_pred = None  # the int8 .pte's test predictions, when it scored student_int8
    if "error" not in report["int8_budget"]:
        int8_pred = stages.run("student_int8_test", lambda: record_int8(record, report["bundle"], budget_res, student,
                                                              student_dir, n_student, tok, test, labels, ml,
                                                              cfg.max_drop))
    if report["bundle"].get("artifacts"):
        report["artifacts_eval"] = stages.run("artifacts_eval", lambda: rep.artifacts_eval(
            report["bundle"]["artifacts"], test.texts, y_test, labels, threads=cfg.threads,
            scored={"executorch_int8": int8_pred} if int8_pred is not None else None))
    report.update(results)
    report["timings_s"] = {k: v["seconds"] for k, v in stages.times.items()} | {"total": round(time.time() - t_all, 1)}
    report["machine"]["load_average_at_end"] = _loadavg()
    report["stages"] = stages.times
    report["student_history"] = history
    return rep.write(report, out, log, correct)


def _loadavg():
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _default_backbone() -> Path:
    from .teacher import default_backbone

    return default_backbone()


def _write_config(cfg: RunConfig, out: Path, resolved: dict) -> None:
    from .files import write_atomic

    body = {"version": 1, **asdict(cfg), "resolved": {k: v for k, v in resolved.items() if k != "knobs"}}
    write_atomic(out / "config.json", (json.dumps(body, indent=2, default=str) + "\n").encode())
