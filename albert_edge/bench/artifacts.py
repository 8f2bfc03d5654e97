"""What an artifact is: its backend (albert_edge.backends, from suffix + magic bytes) and what the manifest.json
beside it records (albert_edge.manifest — the one reader); the file name's precision token when there is none."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..backends import PRECISIONS
from ..manifest import Manifest, manifest_beside
from ..runtime.integrity import verify_artifact


@dataclass
class Artifact:
    path: Path
    format: str  # albert_edge.backends.Backend value
    size_bytes: int
    precision: str | None = None  # from the manifest or the file name; the runner's guess fills it otherwise
    seq_lens: list[int] = field(default_factory=list)
    accuracy: float | None = None
    manifest: Manifest | None = None


def inspect_artifact(path: str | Path) -> Artifact:
    """Check the file exists and passes its integrity checks; read what the manifest / file name say about it.
    Raises InputError for a missing or unknown file, CorruptArtifactError for one that fails its checks."""
    path = Path(path)
    spec, _ = verify_artifact(path)
    manifest = manifest_beside(path)
    entry = manifest.artifact(path.name) if manifest else None
    precision = entry.precision if entry else None
    if precision is None:
        tokens = set(re.split(r"[^a-z0-9]+", path.stem.lower()))
        precision = next((p for p in PRECISIONS if p in tokens), None)
    seq_lens = sorted({L for L in entry.entry_points.values() if L} or manifest.seq_lens) if entry else []
    return Artifact(path=path, format=spec.name.value, size_bytes=path.stat().st_size, precision=precision,
                    seq_lens=seq_lens, manifest=manifest)


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
