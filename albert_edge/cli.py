"""albert-edge command line: one thin function per command; the library does the work.

Heavy imports (torch, exporters) live inside the commands so `albert-edge --help` stays instant. User errors
(AlbertEdgeError) are printed once, as one line, with a non-zero exit; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from . import __version__
from .errors import AlbertEdgeError, InputError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Distill, quantize, convert and benchmark ALBERT text models for phones and ARM boards.")
err = Console(stderr=True, highlight=False)

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
    """Classify texts with a checkpoint or a converted artifact (which carries its own tokenizer and labels)."""
    from .predict import load_predictor

    predictor = load_predictor(model, max_length=max_length)
    inputs = read_inputs(texts, file)
    results = predictor.predict(inputs)
    for text, r in zip(inputs, results):
        if r.truncated:
            warn(f"input truncated to {predictor.max_length} tokens: {text[:40]!r}…")
        if as_json:
            typer.echo(json.dumps({"label": r.label, "probs": r.probs, "logits": r.logits}))
        else:
            typer.echo(f"{r.label}\t{max(r.probs):.3f}\t{text}")


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
# --- conversion commands (issue 4) ---
# --- benchmark commands (issue 5) ---


def run() -> None:
    try:
        app()
    except AlbertEdgeError as e:
        err.print(f"[bold red]error:[/] {e}", soft_wrap=True)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/]")
        sys.exit(130)
