"""What an artifact is, read from the artifact itself (magic bytes, runner metadata) or the manifest.json beside it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError

FORMATS = {".pte": "pte", ".tflite": "tflite", ".onnx": "onnx"}
PRECISIONS = ("int8", "int4", "fp16", "fp32")


@dataclass
class Artifact:
    path: Path
    format: str
    size_bytes: int
    precision: str | None = None  # from the manifest or the file name; the runner's guess fills it otherwise
    seq_lens: list[int] = field(default_factory=list)
    accuracy: float | None = None
    manifest: dict | None = None


def _manifest_entry(path: Path) -> tuple[dict | None, dict]:
    """The manifest beside the artifact, and the part of it that describes this file (tolerant of layouts: a
    top-level object, or a list/dict of per-artifact entries naming the file)."""
    mf = path.parent / "manifest.json"
    if not mf.is_file():
        return None, {}
    try:
        data = json.loads(mf.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        return None, {}
    if not isinstance(data, dict):
        return None, {}

    def names_me(d: dict) -> bool:
        return any(isinstance(d.get(k), str) and Path(d[k]).name == path.name
                   for k in ("file", "path", "name", "artifact", "filename"))

    for key in ("artifacts", "files", "outputs"):
        coll = data.get(key)
        if isinstance(coll, dict):
            if isinstance(coll.get(path.name), dict):
                return data, {**data, **coll[path.name]}
            coll = list(coll.values())
        if isinstance(coll, list):
            for d in coll:
                if isinstance(d, dict) and names_me(d):
                    return data, {**data, **d}
    return data, data


def _precision_from(d: dict) -> str | None:
    for k in ("precision", "quantization", "quant", "dtype"):
        v = d.get(k)
        if isinstance(v, dict):
            v = v.get("precision") or v.get("scheme") or v.get("dtype")
        if isinstance(v, str):
            low = v.lower()
            for p in PRECISIONS:
                if p in low or (p == "fp32" and low in ("float32", "float", "none")) or \
                        (p == "fp16" and low in ("float16", "half")):
                    return p
    return None


def _seq_lens_from(d: dict) -> list[int]:
    for k in ("seq_lens", "seq_len", "max_seq_len", "sequence_length"):
        v = d.get(k)
        if isinstance(v, int):
            return [v]
        if isinstance(v, list) and all(isinstance(x, int) for x in v):
            return list(v)
    return []


def _accuracy_from(d: dict) -> float | None:
    for k in ("accuracy", "eval_accuracy", "acc"):
        v = d.get(k)
        if isinstance(v, (int, float)):
            return float(v)
        if isinstance(v, dict):
            for kk in ("accuracy", "value", "artifact"):
                if isinstance(v.get(kk), (int, float)):
                    return float(v[kk])
    return None


def inspect_artifact(path: str | Path) -> Artifact:
    """Check the file exists and looks like its format; read what the manifest / file name say about it.
    Raises InputError for a missing, unknown or obviously corrupt file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the .pte / .tflite / .onnx file inside it")
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(f"{path}: unknown artifact type {path.suffix!r} (expected .pte, .tflite or .onnx)")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(64)
    if fmt == "pte" and (len(head) < 8 or head[4:6] != b"ET"):
        raise InputError(f"{path}: not an ExecuTorch program (no 'ET' flatbuffer identifier); corrupt or wrong file")
    if fmt == "tflite" and (len(head) < 8 or head[4:8] != b"TFL3"):
        raise InputError(f"{path}: not a TFLite model (no 'TFL3' identifier); corrupt or wrong file")
    if fmt == "onnx" and size < 16:
        raise InputError(f"{path}: {size} bytes is not an ONNX model; corrupt or wrong file")
    manifest, entry = _manifest_entry(path)
    precision = _precision_from(entry) if manifest else None
    if precision is None:
        tokens = set(re.split(r"[^a-z0-9]+", path.stem.lower()))
        precision = next((p for p in PRECISIONS if p in tokens), None)
        if precision is None and tokens & {"quant", "quantized", "q8", "qint8", "dynamic"}:
            precision = "int8"
    return Artifact(path=path, format=fmt, size_bytes=size, precision=precision,
                    seq_lens=(_seq_lens_from(entry) or _seq_lens_from(manifest)) if manifest else [],
                    accuracy=_accuracy_from(entry) if manifest else None, manifest=manifest)


def pte_precision_guess(path: Path) -> str:
    """int8 if the program names quantized operators (int8 embeddings, (de)quantize nodes) or carries int8
    XNNPACK constants; the runner cannot tell, so look at the bytes."""
    data = path.read_bytes()
    if b"quantized_decomposed" in data or b"embedding_byte" in data or b"quantize_per" in data:
        return "int8"
    return "fp32"


def onnx_precision_guess(path: Path) -> str | None:
    """int8 when the graph has integer-matmul / (de)quantize ops (ORT quantize_dynamic), else fp32; None without
    the onnx package (the runner's own guess is used first; this covers devices whose Python lacks onnx)."""
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location("_ae_ort_runner", Path(__file__).parent / "runner" / "ort_runner.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    sys.modules.pop("_ae_ort_runner", None)
    return mod.guess_precision(str(path))
