"""Converters: an ALBERT checkpoint -> verified artifacts (one per backend of albert_edge.backends.BACKENDS) that
carry their tokenizer.

Every converter module has one signature, `convert(job: ConversionJob, *, precision: str, out_dir: Path) ->
ArtifactEntry`; it writes into `out_dir` and raises ParityError when its artifact, run in its real runtime, misses
PyTorch. `convert_checkpoint` is the whole `albert-edge convert`: load, convert each (backend, precision), write the
manifest, and move the staged folder into place only if everything passed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from albert_edge.backends import PRECISIONS, get_backend, names
from albert_edge.errors import InputError

DEFAULT_BUCKETS = (16, 32, 48, 64, 128)  # real inputs are short: each text runs at the smallest length that holds it


def parse_choices(value: str | list[str], valid, what: str) -> list[str]:
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in str(v).split(",")]
    items = [x.strip().lower() for x in items if x.strip()]
    bad = [x for x in items if x not in valid]
    if bad:
        raise InputError(f"unknown {what} {bad[0]!r}; choose from {', '.join(valid)}")
    if not items:
        raise InputError(f"no {what} given; choose from {', '.join(valid)}")
    return list(dict.fromkeys(items))


def parse_backends(value: str | list[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else [x for v in value for x in str(v).split(",")]
    out = [get_backend(x).name.value for x in items if x.strip()]
    if not out:
        raise InputError(f"no backend given; choose from {', '.join(names())}")
    return list(dict.fromkeys(out))


def default_buckets(longest: int) -> list[int]:
    """The default length buckets below `longest`, and `longest` itself (so every input up to it fits)."""
    return sorted({L for L in DEFAULT_BUCKETS if L < longest} | {longest})


def parse_seq_lens(value: str | list[int] | None, max_positions: int) -> list[int]:
    """Sorted, unique lengths. None: the default buckets up to min(128, the model's maximum)."""
    if value is None:
        return default_buckets(min(max_positions, DEFAULT_BUCKETS[-1]))
    try:
        lens = sorted({int(x) for x in (value.split(",") if isinstance(value, str) else value) if str(x).strip()})
    except ValueError:
        raise InputError(f"--seq-len {value!r}: give integers, e.g. 32,64,128") from None
    if not lens:
        raise InputError("--seq-len is empty; give lengths, e.g. 32,64,128")
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


def load_job(src: Path, seq_lens, calib_texts: list[str] | None):
    """(ConversionJob, checkpoint, recipe, kind) of a checkpoint or quantized checkpoint at `seq_lens` (as
    parse_seq_lens takes them); also what each conversion worker rebuilds for itself (a job holds torch modules,
    which do not travel between processes)."""
    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.quantize import QuantRecipe, is_quantized, load_quantized
    from albert_edge.tokenizer import load_tokenizer

    from .job import ConversionJob

    calibration = None
    if is_quantized(src):
        qc = load_quantized(src)
        ck, recipe, calibration = qc.checkpoint, qc.recipe, qc.calibration
        kind = "quantized-checkpoint"
    else:
        ck, recipe, kind = load_checkpoint(src), QuantRecipe(), "hf-fp32"
        if calib_texts is not None:
            recipe = QuantRecipe(activations="static")
    lens = parse_seq_lens(seq_lens, ck.config.max_position_embeddings)
    job = ConversionJob(model=ck.model.eval(), tokenizer=load_tokenizer(src), seq_lens=lens, recipe=recipe,
                        calibration_texts=calib_texts, calibration_inputs=calibration)
    return job, ck, recipe, kind


def convert_checkpoint(src: str | Path, out: str | Path, *, formats=("executorch", "tflite", "onnx"),
                       precisions=("fp32", "int8"), seq_lens=None, overwrite: bool = False,
                       calib: str | Path | None = None, workers: int | None = None,
                       log: Callable[[str], None] | None = None):
    """`albert-edge convert`: every (backend, precision) artifact, verified, in `out` with manifest.json.
    `workers`: conversions run side by side in that many processes (default: one per core, at most 3; 1: in this
    process). Returns the albert_edge.manifest.Manifest it wrote."""
    from albert_edge.files import sha256_file
    from albert_edge.manifest import Manifest, write_manifest
    from albert_edge.tasks import task_of

    from .bundle import check_out_dir, staged_dir, toolchain_versions
    from .workers import convert_groups, default_workers, groups

    log = log or (lambda msg: None)
    specs = [get_backend(b) for b in parse_backends(list(formats))]
    precisions = parse_choices(list(precisions), PRECISIONS, "precision")
    src, out = Path(src), Path(out)
    check_out_dir(out, overwrite)  # refuse early, before any work
    calib_texts = read_calibration_texts(Path(calib)) if calib is not None else None
    job, ck, recipe, kind = load_job(src, seq_lens, calib_texts)
    task, lens = task_of(ck.model), job.seq_lens
    weights = next((src / n for n in ("model.safetensors", "pytorch_model.bin") if (src / n).is_file()), None)
    source = {"path": str(src), "kind": kind, "architecture": task.architecture,
              "weights_sha256": sha256_file(weights) if weights else None, "config": ck.config.to_hf_dict()}
    if kind == "quantized-checkpoint":
        source["quantization"] = recipe.to_dict()

    with staged_dir(out, overwrite=overwrite) as tmp:
        bundle = job.bundle()
        for name, data in bundle.all_files().items():
            (tmp / name).write_bytes(data)
        group_specs = [{"src": str(src), "out_dir": str(tmp), "seq_lens": lens, "calib_texts": calib_texts,
                        "backend": b, "precisions": list(p)} for b, p in groups([s.name.value for s in specs],
                                                                                  precisions)]
        artifacts = convert_groups(group_specs, workers=default_workers() if workers is None else workers, log=log)
        for entry in artifacts:
            log(f"  {entry.file}: {entry.bytes / 1e6:.2f} MB, parity ok ({entry.convert_seconds:.0f} s)")
            for w in entry.details.get("warnings", []):
                log(f"  warning: {entry.file}: {w}")
        manifest = Manifest(task=task.name.value, labels=job.labels, seq_lens=lens, tokenizer=bundle.manifest_entry(),
                            source=source, toolchain=toolchain_versions(specs), artifacts=artifacts)
        write_manifest(tmp, manifest)
    return manifest
