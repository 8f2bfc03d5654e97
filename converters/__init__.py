"""Converters: an ALBERT checkpoint -> verified .pte / .tflite / .onnx artifacts that carry their tokenizer.

Every converter has one signature, `convert(job: ConversionJob, *, precision: str, out_dir: Path) -> dict` (the
artifact's manifest entry); it writes into `out_dir` and raises ParityError when its artifact, run in its real runtime,
misses PyTorch. `convert_checkpoint` is the whole `albert-edge convert`: load, convert each (format, precision), write
the manifest, and move the staged folder into place only if everything passed.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from albert_edge.errors import InputError


def _executorch(job, *, precision: str, out_dir: Path) -> dict:
    from . import executorch

    return executorch.convert(job, precision=precision, out_dir=out_dir)


def _tflite(job, *, precision: str, out_dir: Path) -> dict:
    from . import tflite

    return tflite.convert(job, precision=precision, out_dir=out_dir)


def _onnx(job, *, precision: str, out_dir: Path) -> dict:
    from . import onnx

    return onnx.convert(job, precision=precision, out_dir=out_dir)


CONVERTERS: dict[str, Callable] = {"executorch": _executorch, "tflite": _tflite, "onnx": _onnx}
PRECISIONS = ("fp32", "int8")


def get_converter(name: str) -> Callable:
    try:
        return CONVERTERS[name]
    except KeyError:
        raise InputError(f"unknown backend {name!r}; choose from {', '.join(CONVERTERS)}") from None


def parse_choices(value: str | list[str], valid, what: str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in v.split(",")]
    items = [x.strip().lower() for x in items if x.strip()]
    bad = [x for x in items if x not in valid]
    if bad:
        raise InputError(f"unknown {what} {bad[0]!r}; choose from {', '.join(valid)}")
    if not items:
        raise InputError(f"no {what} given; choose from {', '.join(valid)}")
    return list(dict.fromkeys(items))


def parse_seq_lens(value: str | list[int], max_positions: int) -> list[int]:
    try:
        lens = sorted({int(x) for x in (value.split(",") if isinstance(value, str) else value)})
    except ValueError:
        raise InputError(f"--seq-len {value!r}: give integers, e.g. 32,64,128") from None
    for L in lens:
        if not 3 <= L <= max_positions:
            raise InputError(f"--seq-len {L} outside 3..{max_positions} (the model's max_position_embeddings)")
    return lens


def read_calibration_texts(path: Path, limit: int = 256) -> list[str]:
    if not Path(path).is_file():
        raise InputError(f"{path}: no such calibration file (one sentence per line)")
    try:
        lines = [x.strip() for x in Path(path).read_text(encoding="utf-8").splitlines() if x.strip()]
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 ({e})") from None
    if not lines:
        raise InputError(f"{path}: no sentences to calibrate on")
    return lines[:limit]


def convert_checkpoint(src: str | Path, out: str | Path, *, formats=("executorch",), precisions=("fp32",),
                       seq_lens=(128,), overwrite: bool = False, calib: str | Path | None = None,
                       log: Callable[[str], None] | None = None) -> dict:
    """`albert-edge convert`: every (format, precision) artifact, verified, in `out` with manifest.json."""
    import torch

    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.quantize import QuantRecipe, is_quantized, load_quantized
    from albert_edge.tokenizer import load_tokenizer

    from .bundle import check_out_dir, sha256_file, staged_dir, toolchain_versions, write_manifest
    from .job import ConversionJob

    log = log or (lambda msg: None)
    formats = parse_choices(list(formats), tuple(CONVERTERS), "backend")
    precisions = parse_choices(list(precisions), PRECISIONS, "precision")
    src, out = Path(src), Path(out)
    check_out_dir(out, overwrite)  # refuse early, before any work

    calibration = None
    if is_quantized(src):
        qc = load_quantized(src)
        ck, recipe, calibration = qc.checkpoint, qc.recipe, qc.calibration
        kind = "quantized-checkpoint"
    else:
        ck, recipe, kind = load_checkpoint(src), QuantRecipe(), "hf-fp32"
    if type(ck.model).__name__ != "AlbertForSequenceClassification":
        raise InputError(f"{src}: convert takes sequence classifiers; this checkpoint is {type(ck.model).__name__}")
    lens = parse_seq_lens(list(seq_lens), ck.config.max_position_embeddings)
    calib_texts = None
    if calib is not None:
        calib_texts = read_calibration_texts(Path(calib))
        if kind == "hf-fp32":
            recipe = QuantRecipe(activations="static")
    tok = load_tokenizer(src)
    torch.manual_seed(0)
    job = ConversionJob(model=ck.model.eval(), tokenizer=tok, seq_lens=lens, recipe=recipe,
                        calibration_texts=calib_texts, calibration_inputs=calibration)
    weights = next((src / n for n in ("model.safetensors", "pytorch_model.bin") if (src / n).is_file()), None)
    source = {"path": str(src), "kind": kind, "architecture": type(ck.model).__name__,
              "weights_sha256": sha256_file(weights) if weights else None, "config": ck.config.to_hf_dict()}
    if kind == "quantized-checkpoint":
        source["quantization"] = recipe.to_dict()

    artifacts, timings = [], {}
    with staged_dir(out, overwrite=overwrite) as tmp:
        bundle = job.bundle()
        for name, data in bundle.files().items():
            (tmp / name).write_bytes(data)
        for fmt in formats:
            for prec in precisions:
                t0 = time.perf_counter()
                log(f"converting {fmt} {prec} (seq len {', '.join(map(str, lens))})")
                entry = get_converter(fmt)(job, precision=prec, out_dir=tmp)
                timings[f"{fmt}/{prec}"] = round(time.perf_counter() - t0, 2)
                entry["convert_seconds"] = timings[f"{fmt}/{prec}"]
                artifacts.append(entry)
                log(f"  {entry['file']}: {entry['bytes'] / 1e6:.2f} MB, parity ok")
        manifest = {
            "format_version": 1,
            "labels": job.labels,
            "seq_lens": lens,
            "tokenizer": bundle.manifest_entry(),
            "source": source,
            "toolchain": toolchain_versions(),
            "artifacts": artifacts,
        }
        write_manifest(tmp, manifest)
    return manifest
