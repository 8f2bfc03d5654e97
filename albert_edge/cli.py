"""albert-edge command line: one thin function per command; the library does the work.

Heavy imports (torch, exporters) live inside the commands so `albert-edge --help` stays instant. User errors
(AlbertEdgeError) are printed once, as one line, with a non-zero exit; anything else is a bug and keeps its traceback.

Longer than our other modules on purpose: it is the one list of every command (18) with the options they share;
each body is a few lines calling the library, so splitting it would only scatter the shared options.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .backends import names as backend_names
from .errors import AlbertEdgeError, InputError
from .pipeline import StudentVocab
from .training.precision import Precision

# Known-harmless import noise from the toolchain (see TOOLCHAIN notes): torchao's optional CUDA kernels that a CPU box
# cannot load, and torch's deprecation notice for torchao's Enum registration. Users see real warnings only.
for _name in ("torchao", "torch.utils._pytree"):
    logging.getLogger(_name).setLevel(logging.ERROR)

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Distill, quantize, convert and benchmark ALBERT text models for phones and ARM boards.")
err = Console(stderr=True, highlight=False)

BACKEND_NAMES = backend_names()

# Shared options ------------------------------------------------------------------------------------------------
Texts = Annotated[Optional[list[str]], typer.Argument(help="Input texts (or use --file).", show_default=False)]
FileOpt = Annotated[Optional[Path], typer.Option("--file", "-f", help="UTF-8 file: one input per line, empty lines included.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="One JSON object per input on stdout.")]
MaxLen = Annotated[Optional[int], typer.Option("--max-length", help="Truncate to this many tokens (specials included).")]
Model = Annotated[Path, typer.Argument(help="HF ALBERT folder (config.json, model.safetensors, spiece.model).")]


def fail(message: str, code: int = 2) -> None:
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    raise typer.Exit(code)


def warn(message: str) -> None:
    err.print(f"[yellow]warning:[/] {message}", soft_wrap=True)


def read_inputs(texts: list[str] | None, file: Path | None) -> list[str]:
    if file is not None:
        if not file.is_file():
            raise InputError(f"{file}: no such file")
        data = file.read_bytes()
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()  # a trailing newline ends the last line; it does not start an empty one
        out = []
        for n, raw in enumerate(lines, 1):
            try:
                out.append(raw.rstrip(b"\r").decode("utf-8"))
            except UnicodeDecodeError as e:
                raise InputError(f"{file}:{n}: invalid UTF-8 at byte {e.start}; re-save the file as UTF-8") from None
        return (texts or []) + out
    if not texts:
        raise InputError("no input: give TEXT arguments or --file")
    return texts


def version_callback(value: bool) -> None:
    if value:
        typer.echo(f"albert-edge {__version__}")
        raise typer.Exit()


@app.callback()
def main(version: Annotated[bool, typer.Option("--version", callback=version_callback, is_eager=True,
                                               help="Print the version and exit.")] = False) -> None:
    pass


# Core ---------------------------------------------------------------------------------------------------------
@app.command()
def info(model: Model) -> None:
    """Config, parameter count (shared layers once), size on disk and vocabulary of a checkpoint."""
    from .checkpoint import load_checkpoint
    from .model import count_parameters

    ck = load_checkpoint(model)
    c = ck.config
    size = sum(p.stat().st_size for p in Path(model).iterdir() if p.is_file())
    rows = {
        "architecture": type(ck.model).__name__,
        "layers": f"{c.num_hidden_layers} passes over {c.num_hidden_groups} group(s) x {c.inner_group_num} layer(s)",
        "embedding E -> hidden H": f"{c.embedding_size} -> {c.hidden_size}",
        "heads / FFN": f"{c.num_attention_heads} / {c.intermediate_size}",
        "activation": c.hidden_act,
        "max positions": c.max_position_embeddings,
        "vocabulary": c.vocab_size,
        "labels": ", ".join(c.labels),
        "parameters": f"{count_parameters(ck.model):,}",
        "size on disk": f"{size / 1e6:.2f} MB",
    }
    for k, v in rows.items():
        typer.echo(f"{k:>24}: {v}")


@app.command()
def tokenize(model: Model, texts: Texts = None, file: FileOpt = None, as_json: JsonOpt = False,
             max_length: MaxLen = None) -> None:
    """ALBERT tokenization identical to HF AlbertTokenizer: ids and pieces per input."""
    from .tokenizer import load_tokenizer

    tok = load_tokenizer(model)
    for text in read_inputs(texts, file):
        enc = tok.encode(text, max_length=max_length)
        if enc.truncated:
            warn(f"input truncated to {max_length} tokens: {text[:40]!r}…")
        if as_json:
            typer.echo(json.dumps({"ids": enc.ids, "pieces": enc.pieces}, ensure_ascii=False))
        else:
            typer.echo(" ".join(f"{p}:{i}" for p, i in zip(enc.pieces, enc.ids)))


@app.command()
def predict(model: Annotated[Path, typer.Argument(help="HF ALBERT folder, or a .pte / .tflite / .onnx artifact.")],
            texts: Texts = None, file: FileOpt = None, as_json: JsonOpt = False, max_length: MaxLen = None) -> None:
    """Classify texts (or tag their tokens) with a checkpoint or an artifact (which carries its tokenizer and labels)."""
    from . import load

    predictor = load(model, max_length=max_length)
    if getattr(getattr(predictor, "runner", None), "weights_shared", None) is False:
        warn("this runtime packs the shared layer's weights once per pass (no XNNPACK weights cache here)")
    inputs = read_inputs(texts, file)
    for text, r in zip(inputs, predictor.predict(inputs)):
        if r["truncated"]:
            warn(f"input truncated to {predictor.max_length} tokens: {text[:40]!r}…")
        if as_json:
            typer.echo(json.dumps(r, ensure_ascii=False))
        elif "entities" in r:
            typer.echo("\t".join([text] + [f"{e['label']}:{e['text']}@{e['start']}" for e in r["entities"]]))
        else:
            typer.echo(f"{r['label']}\t{max(r['probs']):.3f}\t{text}")


@app.command("tokenizer-train")
def tokenizer_train(files: Annotated[list[Path], typer.Argument(help="Text files, one sentence per line.")],
                    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for spiece.model.")],
                    vocab_size: Annotated[int, typer.Option(help="Number of pieces.")] = 8000,
                    seed: int = 0) -> None:
    """Train a unigram SentencePiece model with ALBERT's special pieces (<pad> <unk> [CLS] [SEP] [MASK])."""
    from .tokenizer import train_tokenizer

    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: no such file")
    path = train_tokenizer(files, out, vocab_size=vocab_size, seed=seed)
    typer.echo(f"wrote {path}")


# --- distillation commands (issue 3) ---
DataOpt = Annotated[Path, typer.Option("--data", help="Labeled data: .csv / .tsv / .jsonl, or a `datasets` folder.")]
TextCol = Annotated[str, typer.Option("--text-column", help="Column with the text.")]
LabelCol = Annotated[str, typer.Option("--label-column", help="Column with the label.")]
PairCol = Annotated[Optional[str], typer.Option("--pair-column", help="Column with a second text (pairs).")]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of the data file (e.g. latin-1).")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed for splits, initialization and batch order.")]
PrecisionOpt = Annotated[Optional[Precision], typer.Option(
    "--precision", help="The student's training precision: fp32 (default), bf16 (autocast, fp32 weights; ~1.5x faster "
                        "epochs on CPUs with AMX), or auto (bf16 where a probe step measures it faster).")]


def _read_labeled(path: Path, text_column: str, label_column: str, pair_column: str | None, encoding: str,
                  min_classes: int = 2):
    from .data import read_dataset

    return read_dataset(path, text_column=text_column, label_column=label_column, pair_column=pair_column,
                        encoding=encoding, min_classes=min_classes)


def _train_dev(data: Path, dev: Path | None, text_column, label_column, pair_column, encoding, seed: int,
               out: Path):
    """(train, dev) from --data/--dev, or --data split 90/10 (seeded, stratified; written to the folder `out`)."""
    from .data import check_labels, split_dataset, write_splits

    ds = _read_labeled(data, text_column, label_column, pair_column, encoding)
    if dev is not None:
        dv = _read_labeled(dev, text_column, label_column, pair_column, encoding)
        check_labels(ds, dv)
        return ds, dv
    splits = split_dataset(ds, dev=0.1, test=0.0, seed=seed)
    write_splits(ds, splits, out, seed=seed, dev=0.1, test=0.0)
    err.print(f"no --dev: split {data} 90/10 (seed {seed}, stratified) into {out}")
    return ds.subset(splits["train"]), ds.subset(splits["dev"])


@app.command()
def teacher(data: DataOpt, out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the fine-tuned teacher.")],
            dev: Annotated[Optional[Path], typer.Option("--dev", help="Dev data (default: 10% of --data).")] = None,
            backbone: Annotated[Optional[Path], typer.Option(help="HF encoder folder (default: all-MiniLM-L6-v2).")] = None,
            epochs: int = 2, lr: float = 5e-5, batch_size: int = 32, max_length: int = 64,
            text_column: TextCol = "text", label_column: LabelCol = "label", pair_column: PairCol = None,
            encoding: EncodingOpt = "utf-8", seed: SeedOpt = 0) -> None:
    """Fine-tune an HF encoder + classification head as the distillation teacher."""
    from .evaluate import classification_metrics
    from .teacher import finetune_teacher

    tr, dv = _train_dev(data, dev, text_column, label_column, pair_column, encoding, seed,
                        out.with_name(out.name + "-data"))
    labels = tr.label_names
    t = finetune_teacher(backbone, tr, dv, out, labels=labels, epochs=epochs, lr=lr, batch_size=batch_size,
                         max_length=max_length, seed=seed, log=lambda m: err.print(m))
    m = classification_metrics(dv.label_ids(labels), t.predict(dv.texts, pairs=dv.pairs), labels)
    typer.echo(f"wrote {out} (dev accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f})")


@app.command()
def distill(data: DataOpt,
            out: Annotated[Path, typer.Option("--out", "-o", help="Run folder: last/, best/ (the student), train_state.pt.")],
            teacher: Annotated[Optional[Path], typer.Option("--teacher", help="Teacher folder (ours or any HF "
                                                            "sequence-classification model). Without: labels only.")] = None,
            dev: Annotated[Optional[Path], typer.Option("--dev", help="Dev data (default: 10% of --data).")] = None,
            tokenizer: Annotated[Optional[Path], typer.Option("--tokenizer", help="Folder with spiece.model (default: "
                                                              "train one on the training text).")] = None,
            vocab_size: int = 8000, preset: Annotated[str, typer.Option(help="Student preset: tiny, micro, base.")] = "tiny",
            init_from: Annotated[Optional[Path], typer.Option(help="Pretrained ALBERT folder (albert-edge pretrain).")] = None,
            epochs: int = 4, lr: float = 1e-3, batch_size: int = 64, temperature: float = 2.0,
            alpha: Annotated[float, typer.Option(help="Weight of the KD loss (1-alpha: CE on labels).")] = 0.7,
            max_length: int = 64, patience: int = 2,
            cache: Annotated[Optional[Path], typer.Option(help="Teacher-logit cache folder (default OUT/cache).")] = None,
            resume: Annotated[bool, typer.Option("--resume", help="Continue the run in --out.")] = False,
            overwrite: Annotated[bool, typer.Option("--overwrite", help="Start again over a run in --out.")] = False,
            max_steps: Annotated[Optional[int], typer.Option(help="Cap on steps per epoch (smoke runs).")] = None,
            precision: PrecisionOpt = Precision.FP32,
            quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False,
            text_column: TextCol = "text", label_column: LabelCol = "label", pair_column: PairCol = None,
            encoding: EncodingOpt = "utf-8", seed: SeedOpt = 0) -> None:
    """Distill a teacher into an ALBERT student (KD + CE); under torchrun it trains data-parallel (gloo)."""
    import os

    from .distill import DistillConfig, cleanup_distributed, distill as run_distill, student_preset
    from .tokenizer import load_tokenizer, train_tokenizer

    rank = int(os.environ.get("RANK", "0"))
    world = int(os.environ.get("WORLD_SIZE", "1"))
    tr, dv = _train_dev(data, dev, text_column, label_column, pair_column, encoding, seed, out / "data") \
        if rank == 0 or dev else (None, None)
    if world > 1:
        import torch.distributed as dist

        dist.init_process_group("gloo")
        if dev is None and rank != 0:
            dist.barrier()
            from .data import read_dataset

            tr, dv = (read_dataset(out / "data" / f"{s}.jsonl") for s in ("train", "dev"))
        elif dev is None:
            dist.barrier()
    labels = tr.label_names
    cfg = DistillConfig(epochs=epochs, batch_size=batch_size, lr=lr, temperature=temperature, alpha=alpha if teacher
                        else 0.0, max_length=max_length, seed=seed, patience=patience, max_steps_per_epoch=max_steps,
                        precision=(precision or Precision.FP32).value)
    tok_dir = tokenizer
    if tok_dir is None:
        tok_dir = out / "spiece"
        if rank == 0 and not (tok_dir / "spiece.model").is_file():
            tok_dir.mkdir(parents=True, exist_ok=True)
            corpus = tok_dir / "corpus.txt"
            corpus.write_text("\n".join(" ".join(t.split()) for t in tr.texts) + "\n", encoding="utf-8")
            train_tokenizer([corpus], tok_dir, vocab_size=vocab_size, seed=seed)
            corpus.unlink()
        if world > 1:
            dist.barrier()
    tok = load_tokenizer(tok_dir)
    logits = None
    if teacher is not None:
        from .teacher import load_teacher

        t = load_teacher(teacher, max_length=max_length)
        if t.labels != labels and sorted(t.labels) == labels:
            labels = t.labels
        elif t.labels != labels:
            raise InputError(f"teacher labels {t.labels} differ from the data's {labels}")
        cache_dir = cache or out / "cache"
        if rank == 0:
            logits = t.logits(tr.texts, tr.pairs, cache=cache_dir, progress=not quiet)
        if world > 1:
            dist.barrier()
            if rank != 0:
                logits = t.logits(tr.texts, tr.pairs, cache=cache_dir)  # read back from the cache
    mcfg = student_preset(preset, vocab_size=tok.vocab_size, labels=labels, max_length=max_length)
    try:
        res = run_distill(out, cfg=cfg, model_config=mcfg, tokenizer_dir=tok_dir, train_texts=tr.texts,
                          train_labels=tr.label_ids(labels), teacher_logits=logits, dev_texts=dv.texts,
                          dev_labels=dv.label_ids(labels), train_pairs=tr.pairs, dev_pairs=dv.pairs,
                          init_from=init_from, resume=resume, overwrite=overwrite, progress=not quiet,
                          log=lambda m: err.print(m))
    finally:
        cleanup_distributed()
    if rank == 0:
        typer.echo(f"student: {res.best} (best dev accuracy {res.best_dev_accuracy:.4f})"
                   if res.best_dev_accuracy is not None else f"student: {res.best}")


@app.command()
def quantize(model: Model, out: Annotated[Path, typer.Option("--out", "-o", help="Quantized checkpoint folder.")],
             max_drop: Annotated[Optional[float], typer.Option("--max-drop", help="Accuracy budget on --dev (e.g. 0.01): "
                                                               "keep the most sensitive parts fp32 until within it.")] = None,
             dev: Annotated[Optional[Path], typer.Option("--dev", help="Labeled dev data for --max-drop.")] = None,
             fp32: Annotated[Optional[list[str]], typer.Option("--fp32", help="Module prefix to keep fp32 (repeatable).")] = None,
             int8_embeddings: Annotated[bool, typer.Option(help="int8 per-row word embeddings.")] = True,
             max_length: int = 64, text_column: TextCol = "text", label_column: LabelCol = "label",
             encoding: EncodingOpt = "utf-8") -> None:
    """int8 (PT2E, XNNPACK dynamic) quantized checkpoint the converters consume; optional accuracy budget search."""
    from .checkpoint import load_checkpoint
    from .quantize import QuantRecipe, save_quantized

    ck = load_checkpoint(model)
    base = QuantRecipe(int8_embeddings=int8_embeddings, fp32_modules=list(fp32 or []))
    extra = {}
    if max_drop is not None:
        if dev is None:
            raise InputError("--max-drop needs --dev (labeled data to measure the drop on)")
        from .budget import albert_budget
        from .tokenizer import load_tokenizer

        dv = _read_labeled(dev, text_column, label_column, None, encoding, min_classes=1)
        res = albert_budget(ck.model, load_tokenizer(model), dv.texts, dv.label_ids(ck.labels), max_drop=max_drop,
                            max_length=max_length, base=base, log=lambda m: err.print(m))
        base, extra = res.recipe, {"budget": res.to_dict()}
        msg = (f"fp32 {res.fp32_accuracy:.4f} -> int8 {res.int8_accuracy:.4f} (drop {res.drop:+.4f}, budget "
               f"{max_drop}); kept fp32: {', '.join(res.fp32_groups) or 'nothing'}")
        if not res.within_budget:
            warn(f"budget not met even with every part fp32 tried: {msg}")
        else:
            err.print(msg)
    save_quantized(ck.model, out, recipe=base, tokenizer_dir=model, overwrite=True, extra=extra)
    typer.echo(f"wrote {out}")


@app.command("eval")
def eval_cmd(model: Annotated[Path, typer.Argument(help="ALBERT folder, quantized folder, teacher folder, or artifact.")],
             data: DataOpt, out: Annotated[Optional[Path], typer.Option("--out", "-o", help="Folder for metrics.json + "
                                                                        "confusion.png.")] = None,
             max_length: MaxLen = None, text_column: TextCol = "text", label_column: LabelCol = "label",
             pair_column: PairCol = None, encoding: EncodingOpt = "utf-8",
             as_json: JsonOpt = False) -> None:
    """Accuracy, macro-F1, per-class precision/recall/F1 and a confusion-matrix PNG; for a token classifier, entity-level
    F1 on JSONL {"tokens": [...], "tags": [...]}."""
    from .evaluate import evaluate_model
    from .evaluate_tokens import evaluate_tokens, model_task

    if model_task(model) == "token-classification":
        m = evaluate_tokens(model, data, max_length=max_length, out_dir=out)
        typer.echo(json.dumps(m) if as_json else f"entity F1 {m['entity_f1']:.4f}  precision {m['entity_precision']:.4f}"
                   f"  recall {m['entity_recall']:.4f}  word accuracy {m['word_accuracy']:.4f}  (n={m['n']})")
        return
    ds = _read_labeled(data, text_column, label_column, pair_column, encoding, min_classes=1)
    from .tokenizer import model_max_length

    # a checkpoint is read as far as it was trained (its tokenizer_config.json says; 64 when it does not)
    trained = model_max_length(model) if model.is_dir() else None
    m = evaluate_model(model, ds, out_dir=out, max_length=max_length or trained or 64)
    if as_json:
        typer.echo(json.dumps(m))
        return
    typer.echo(f"accuracy {m['accuracy']:.4f}  macro-F1 {m['macro_f1']:.4f}  (n={m['n']})")
    typer.echo(f"{'label':>16} {'precision':>9} {'recall':>9} {'f1':>9} {'support':>8}")
    for name, c in m["per_class"].items():
        typer.echo(f"{name:>16} {c['precision']:9.4f} {c['recall']:9.4f} {c['f1']:9.4f} {c['support']:8d}")
    if out:
        typer.echo(f"wrote {out / 'metrics.json'} and {out / 'confusion.png'}")


Opt = typer.Option


@app.command("run")
def run_cmd(data: Annotated[Optional[Path], Opt("--data", help="Labeled .csv/.tsv/.jsonl or `datasets` folder (default: --corpus).")] = None,
            corpus: Annotated[Optional[str], Opt("--corpus", help="Embedded labeled corpus when no --data: tweets (default) or zh-reviews (Chinese).")] = None,
            text_column: Annotated[Optional[str], Opt("--text-column")] = None,
            label_column: Annotated[Optional[str], Opt("--label-column")] = None,
            pair_column: Annotated[Optional[str], Opt("--pair-column", help="Second text column (pairs).")] = None,
            encoding: Annotated[Optional[str], Opt("--encoding", help="Data encoding (default: detected).")] = None,
            teacher: Annotated[Optional[Path], Opt("--teacher", help="Already fine-tuned HF sequence classifier, or 'ngram' (cross-fitted TF-IDF + LR: for languages no offline encoder knows; zh-reviews' default).")] = None,
            backbone: Annotated[Optional[Path], Opt("--backbone", help="HF encoder fine-tuned here (default all-MiniLM-L6-v2).")] = None,
            unlabeled: Annotated[Optional[Path], Opt("--unlabeled", help="In-domain text, one per line (UTF-8), labeled by the teacher.")] = None,
            student: Annotated[Optional[str], Opt("--student", help="Student preset: tiny, micro, base.")] = None,
            student_vocab: Annotated[Optional[StudentVocab], Opt("--student-vocab", help="own: a SentencePiece trained on the data (default); teacher: an ALBERT teacher's vocabulary, its embeddings copied and hidden states transferred.")] = None,
            ngram_mix: Annotated[Optional[bool], Opt("--ngram-mix/--no-ngram-mix", help="The student learns from the teacher mixed with a cross-fitted TF-IDF model, the weight chosen on dev (default: on).")] = None,
            max_drop: Annotated[Optional[float], Opt("--max-drop", help="int8 accuracy budget on dev.")] = None,
            budget_minutes: Annotated[Optional[float], Opt("--budget-minutes", help="Time the run plans for (2 cores). Default 20, stretched to the smallest run when the data needs more; a value given here is refused if too small.")] = None,
            out: Annotated[Optional[Path], Opt("--out", "-o", help="Run folder.")] = None,
            config: Annotated[Optional[Path], Opt("--config", help="A run's config.json: reproduce that run (flags given override it).")] = None,
            full: Annotated[bool, Opt("--full", help="Every text, no time budget.")] = False,
            smoke: Annotated[bool, Opt("--smoke", help="A tiny run (tests).")] = False,
            seed: Annotated[Optional[int], Opt("--seed")] = None,
            convert: Annotated[Optional[bool], Opt("--convert/--no-convert", help="Build the bundle.")] = None,
            precision: PrecisionOpt = None,
            quiet: Annotated[bool, Opt("--quiet", help="No progress bars.")] = False) -> None:
    """The user's teacher (or backbone) and data -> distilled ALBERT student -> int8 -> verified bundle -> report."""
    from .pipeline import RunConfig, run as run_pipeline

    if full and smoke:
        raise InputError("--full and --smoke exclude each other")
    cfg = RunConfig.load(config) if config else RunConfig(out="runs/run")
    given = dict(data=data, corpus=corpus, text_column=text_column, label_column=label_column, pair_column=pair_column,
                 encoding=encoding, teacher=teacher, backbone=backbone, unlabeled=unlabeled, student=student,
                 max_drop=max_drop, budget_minutes=budget_minutes, out=out, seed=seed, convert=convert,
                 mode="full" if full else "smoke" if smoke else None)
    for k, v in given.items():
        if v is not None:
            setattr(cfg, k, str(v) if isinstance(v, Path) else v)
    cfg.progress = not quiet
    if student_vocab is not None:
        cfg.overrides = {**cfg.overrides, "same_vocab": student_vocab is StudentVocab.teacher}
    if ngram_mix is not None:
        cfg.overrides = {**cfg.overrides, "ngram_mix": ngram_mix}
    if precision is not None:
        cfg.overrides = {**cfg.overrides, "student_precision": precision.value}
    r = run_pipeline(cfg, log=lambda m: err.print(m))
    from .report import MODELS

    for n in MODELS:
        if n in r:
            typer.echo(f"{n:>15}: accuracy {r[n]['accuracy']:.4f}  macro-F1 {r[n]['macro_f1']:.4f}  "
                       f"params {r[n]['params']:,}  {r[n]['bytes'] / 1e6:.2f} MB")
    typer.echo(f"report: {Path(cfg.out) / 'report.md'}")


@app.command()
def demo(out: Annotated[Path, Opt("--out", "-o", help="Run folder.")] = Path("runs/demo"),
         full: Annotated[bool, Opt("--full", help="Every tweet, no time budget.")] = False,
         quiet: Annotated[bool, Opt("--quiet", help="No progress bars.")] = False) -> None:
    """`run` on the embedded tweets (the README's demo)."""
    run_cmd(out=out, corpus="tweets", full=full, quiet=quiet)


@app.command()
def pretrain(files: Annotated[list[Path], typer.Argument(help="Unlabeled text files, one text per line (UTF-8).")],
             out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pretrained AlbertForPreTraining.")],
             tokenizer: Annotated[Optional[Path], typer.Option("--tokenizer", help="Folder with spiece.model "
                                                               "(default: train one on FILES into OUT/spiece).")] = None,
             vocab_size: int = 8000, preset: Annotated[str, typer.Option(help="tiny, micro or base.")] = "tiny",
             epochs: int = 1, batch_size: int = 64, lr: float = 5e-4, max_length: int = 64, seed: SeedOpt = 0,
             quiet: Annotated[bool, typer.Option("--quiet", help="No progress bars.")] = False) -> None:
    """MLM + sentence-order pretraining of an ALBERT student; use it with `distill --init-from OUT`."""
    from .distill import student_preset
    from .pretrain import pretrain as run_pretrain
    from .tokenizer import load_tokenizer, train_tokenizer

    texts = []
    for f in files:
        if not f.is_file():
            raise InputError(f"{f}: no such file")
        texts += f.read_text(encoding="utf-8", errors="replace").splitlines()
    tok_dir = tokenizer or out.parent / f"{out.name}-spiece"
    if tokenizer is None:
        train_tokenizer(files, tok_dir, vocab_size=vocab_size, seed=seed)
    tok = load_tokenizer(tok_dir)
    cfg = student_preset(preset, vocab_size=tok.vocab_size, labels=["LABEL_0", "LABEL_1"], max_length=max_length)
    path = run_pretrain(out, texts, tokenizer_dir=tok_dir, model_config=cfg, epochs=epochs, batch_size=batch_size,
                        lr=lr, max_length=max_length, seed=seed, progress=not quiet, log=lambda m: err.print(m))
    typer.echo(f"wrote {path}")


# --- conversion commands (issue 4) ---
@app.command()
def convert(src: Annotated[Path, typer.Argument(help="HF ALBERT folder (fp32) or a quantized checkpoint (+ quantization.json).")],
            out: Annotated[Path, typer.Option("--out", "-o", help="Output folder (must be empty unless --overwrite).")],
            to: Annotated[str, typer.Option("--to", help=f"Backends, comma-separated: {','.join(BACKEND_NAMES)}.")] = ",".join(BACKEND_NAMES),
            precision: Annotated[str, typer.Option("--precision", help="fp32,int8 (int8 from an fp32 SRC: dynamic quantization).")] = "fp32,int8",
            seq_len: Annotated[Optional[str], typer.Option("--seq-len", help="Length buckets, e.g. 32,64,128 (default 16,32,48,64,128 up to the model's maximum; weights shared).")] = None,
            overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace a non-empty --out.")] = False,
            calib: Annotated[Optional[Path], typer.Option("--calib", help="Sentences, one per line: static int8 activations for .pte.")] = None,
            workers: Annotated[Optional[int], typer.Option("--workers", min=1, help="Conversions side by side in this many processes (default: one per core, at most 3).")] = None) -> None:
    """Convert to .pte / .tflite / .onnx, each verified in its runtime and carrying its tokenizer; writes manifest.json."""
    from . import convert as convert_api

    manifest = convert_api(src, out, formats=to, precisions=precision, seq_lens=seq_len, overwrite=overwrite,
                           calib=calib, workers=workers, log=lambda m: err.print(m, highlight=False))
    for a in manifest.artifacts:
        typer.echo(f"{out / a.file}\t{a.backend}\t{a.precision}\t{a.bytes / 1e6:.2f} MB")
    typer.echo(f"{out / 'manifest.json'}")


# --- benchmark commands (issue 5) ---
Device = Annotated[str, typer.Option("--device", "-d", help="host | qemu-aarch64 | ssh://USER@HOST[:PORT] | adb[:SERIAL]")]


@app.command()
def bench(artifacts: Annotated[list[Path], typer.Argument(help=".pte / .tflite / .onnx artifacts.")],
          device: Device = "host",
          threads: Annotated[int, typer.Option(help="Runtime threads (XNNPACK / intra-op).")] = 1,
          runs: Annotated[Optional[int], typer.Option(help="Timed runs per artifact (default 50).")] = None,
          warmup: Annotated[int, typer.Option(help="Untimed runs after the first one.")] = 5,
          seq_len: Annotated[Optional[int], typer.Option(help="Sequence length (method forward_<L> of a multi-length .pte; dynamic .onnx).")] = None,
          timeout: Annotated[Optional[float], typer.Option(help="Seconds per artifact before giving up (default 900, emulated 7200).")] = None,
          json_out: Annotated[Optional[Path], typer.Option("--json", help="Write the records (a JSON list) here.")] = None,
          report: Annotated[Optional[Path], typer.Option(help="Folder for bench.json, bench.md and PNG plots.")] = None,
          accuracy: Annotated[Optional[list[str]], typer.Option(help="NAME=ACC for the size-vs-accuracy plot (repeatable).")] = None,
          texts: Annotated[Optional[Path], typer.Option(help="UTF-8 file, one text per line: run each real text once through a .pte (host / qemu-aarch64) instead of fixed-length runs.")] = None,
          buckets: Annotated[bool, typer.Option(help="With --texts: each text at the smallest length bucket that holds it (--no-buckets: all at the longest).")] = True) -> None:
    """Latency, load time and peak memory of artifacts on a device, each measured by a native/single-runtime runner."""
    from .bench.commands import bench_command, bench_texts_command

    if texts is not None:
        extra = [f for f, v in (("--runs", runs), ("--seq-len", seq_len), ("--report", report),
                                ("--accuracy", accuracy)) if v]
        if extra:
            raise InputError(f"--texts runs each text once at its own length: {', '.join(extra)} do not apply; "
                             "drop them, or bench without --texts")
        bench_texts_command(artifacts, texts, buckets=buckets, device=device, threads=threads, warmup=warmup,
                            timeout=timeout, json_out=json_out)
        return
    bench_command(artifacts, device=device, threads=threads, runs=50 if runs is None else runs, warmup=warmup,
                  seq_len=seq_len, timeout=timeout, json_out=json_out, report=report, accuracy=accuracy, console=err)


device_app = typer.Typer(no_args_is_help=True, help="Prepare and check benchmark devices.")
app.add_typer(device_app, name="device")


@device_app.command("setup")
def device_setup(name: Annotated[str, typer.Argument(help="qemu-aarch64")],
                 force: Annotated[bool, typer.Option(help="Redo every step.")] = False) -> None:
    """Prepare a device: qemu-aarch64 = qemu-user-static + arm64 sysroot + aarch64 wheels + cross-built runner."""
    from .bench.commands import device_setup_command

    device_setup_command(name, force=force, console=err)


@device_app.command("check")
def device_check(spec: Annotated[str, typer.Argument(help="host | qemu-aarch64 | ssh://USER@HOST[:PORT] | adb[:SERIAL]")]) -> None:
    """Connect to a device and print its architecture and CPU (builds / copies nothing it does not need)."""
    from .bench.commands import device_check_command

    device_check_command(spec)


def run() -> None:
    """Entry point: user errors become one line and exit 2; ALBERT_EDGE_DEBUG=1 shows their traceback as well."""
    import os

    debug = os.environ.get("ALBERT_EDGE_DEBUG", "") not in ("", "0")
    try:
        app()
    except AlbertEdgeError as e:
        if debug:
            import traceback

            traceback.print_exc()
        err.print(f"[bold red]error:[/] {e}", soft_wrap=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
