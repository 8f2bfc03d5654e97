"""BACKENDS: one entry per artifact format, read by convert, predict, eval, bench, the devices and the CLI help.

Adding a backend = one converter module (`converters/<name>.py` with `convert(job, *, precision, out_dir) -> dict`),
one runtime module (`albert_edge/runtime/<name>.py` with a Runner class), one device runner for `bench`
(`albert_edge/bench/runner/`), and one entry here. Explicit, no plugin discovery: this file is the list.

Entries name their converter and runner as import paths, resolved on use: the registry sits at the bottom of the
layers (runtimes and converters both read it) and importing it pulls in no toolchain.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .errors import CorruptArtifactError, InputError, MissingExtraError


class Backend(str, Enum):
    EXECUTORCH = "executorch"
    TFLITE = "tflite"
    ONNX = "onnx"

    def __str__(self) -> str:
        return self.value


class Precision(str, Enum):
    FP32 = "fp32"
    INT8 = "int8"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class BackendSpec:
    name: Backend
    title: str                    # what users call it in messages
    suffix: str                   # the artifact's file suffix
    magic: tuple[int, bytes] | None  # (offset, bytes) every valid file has; None: no magic (ONNX is a bare protobuf)
    converter: str                # module with convert(job, *, precision, out_dir) -> manifest entry
    runner: str                   # "module:Class" loading the artifact in its runtime (albert_edge/runtime)
    device_runner: str            # bench runner on a device: a native binary name or a standalone .py script
    extra: str                    # pip extra that installs the toolchain: albert-edge[<extra>]
    toolchain: tuple[str, ...]    # distributions whose versions the manifest records
    aliases: tuple[str, ...] = ()

    @property
    def native_runner(self) -> bool:
        return not self.device_runner.endswith(".py")

    def matches(self, head: bytes) -> bool:
        if self.magic is None:
            return False
        off, sig = self.magic
        return head[off:off + len(sig)] == sig

    def load_converter(self):
        return importlib.import_module(self.converter)

    def load_runner(self) -> type:
        module, _, cls = self.runner.partition(":")
        return getattr(importlib.import_module(module), cls)

    def missing(self, what: str, err: ImportError) -> MissingExtraError:
        return MissingExtraError(f"{what} needs {err.name or err} which is not installed; "
                                 f"install it with: pip install 'albert-edge[{self.extra}]'")


BACKENDS: dict[Backend, BackendSpec] = {
    Backend.EXECUTORCH: BackendSpec(
        Backend.EXECUTORCH, "ExecuTorch (XNNPACK)", ".pte", (4, b"ET"), "converters.executorch",
        "albert_edge.runtime.executorch:PteRunner", "pte_runner", "executorch",
        ("torch", "executorch", "torchao"), aliases=("pte", "et")),
    Backend.TFLITE: BackendSpec(
        Backend.TFLITE, "LiteRT / TFLite", ".tflite", (4, b"TFL3"), "converters.tflite",
        "albert_edge.runtime.tflite:TfliteRunner", "litert_runner.py", "tflite",
        ("litert-torch", "ai-edge-litert", "ai-edge-quantizer", "flatbuffers"), aliases=("litert",)),
    Backend.ONNX: BackendSpec(
        Backend.ONNX, "ONNX Runtime", ".onnx", None, "converters.onnx",
        "albert_edge.runtime.onnx:OnnxRunner", "ort_runner.py", "onnx",
        ("onnx", "onnxruntime", "onnxscript"), aliases=("ort",)),
}
PRECISIONS = tuple(p.value for p in Precision)
SUFFIXES = {spec.suffix: spec for spec in BACKENDS.values()}


def names() -> list[str]:
    return [b.value for b in BACKENDS]


def get_backend(name: str | Backend) -> BackendSpec:
    """A backend by name, alias or suffix ('executorch', 'pte', '.pte'); an unknown one lists the valid names."""
    key = str(name.value if isinstance(name, Backend) else name).strip().lower()
    for spec in BACKENDS.values():
        if key in (spec.name.value, spec.suffix, spec.suffix.lstrip("."), *spec.aliases):
            return spec
    raise InputError(f"unknown backend {name!r}; choose from {', '.join(names())}")


def backend_for_file(path: str | Path) -> BackendSpec:
    """The backend of an artifact file, from its suffix, confirmed by its magic bytes."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the .pte / .tflite / .onnx file inside it")
    spec = SUFFIXES.get(path.suffix.lower())
    if spec is None:
        raise InputError(f"{path}: unknown artifact type {path.suffix!r}; expected "
                         + ", ".join(s.suffix for s in BACKENDS.values()))
    with open(path, "rb") as f:
        head = f.read(16)
    if spec.magic is not None and not spec.matches(head):
        raise CorruptArtifactError(f"corrupt artifact: {path}: not a {spec.title} file (bad header); "
                                   "convert it again with albert-edge convert")
    if spec.magic is None and len(head) < 16:
        raise CorruptArtifactError(f"corrupt artifact: {path}: {len(head)} bytes is no {spec.title} model")
    return spec
