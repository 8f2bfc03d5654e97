"""manifest.json: the one schema of a converted bundle — one writer (`write_manifest`), one reader (`read_manifest`).

Versioned: `format_version` 2. A manifest of another version, or one missing a required field, is refused with one
line. The same fields are published as JSON Schema in docs/manifest.schema.json (the tests check every manifest the
converters write against it) and read by the Android core (android_demo/core Manifest.java).
"""

from __future__ import annotations

import json
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path

from .errors import InputError
from .files import write_atomic

MANIFEST = "manifest.json"
FORMAT_VERSION = 2


@dataclass
class TensorSpec:
    name: str
    dtype: str
    shape: list  # ints; a string names a dynamic axis ("batch", "sequence")


@dataclass
class ArtifactEntry:
    file: str
    backend: str                  # albert_edge.backends.Backend value
    precision: str                # fp32 | int8
    bytes: int
    sha256: str
    entry_points: dict[str, int]  # method / signature name -> sequence length it runs (0: dynamic)
    inputs: list[TensorSpec]
    outputs: list[TensorSpec]
    parity: dict                  # per entry point: the figures the parity gate measured (albert_edge.verify)
    quantization: dict | None = None
    delegation: dict = field(default_factory=dict)
    weights_shared: bool | None = None  # the runtime packs the shared layer's weights once (None: not measured)
    convert_seconds: float | None = None
    details: dict = field(default_factory=dict)  # backend-specific facts (bundled program, opset, needs ...)

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "ArtifactEntry":
        d = _require(cls, d, where)
        d["inputs"] = [TensorSpec(**t) for t in d["inputs"]]
        d["outputs"] = [TensorSpec(**t) for t in d["outputs"]]
        return cls(**d)


@dataclass
class TokenizerEntry:
    kind: str                     # sentencepiece | wordpiece
    files: dict[str, str]         # bundled tokenizer file -> sha256
    config: str                   # the bundle JSON's name (tokenizer.json)
    config_sha256: str
    settings: dict
    special_ids: dict[str, int]


@dataclass
class Manifest:
    task: str
    labels: list[str]
    seq_lens: list[int]
    tokenizer: TokenizerEntry
    source: dict
    toolchain: dict[str, str]
    artifacts: list[ArtifactEntry]
    format_version: int = FORMAT_VERSION

    def artifact(self, file: str) -> ArtifactEntry | None:
        return next((a for a in self.artifacts if a.file == file), None)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict, where: str) -> "Manifest":
        if not isinstance(d, dict):
            raise InputError(f"{where}: not a JSON object")
        version = d.get("format_version")
        if version != FORMAT_VERSION:
            raise InputError(f"{where}: manifest format_version {version!r}, this albert-edge reads {FORMAT_VERSION}; "
                             "convert the model again with albert-edge convert")
        d = _require(cls, d, where)
        d["tokenizer"] = TokenizerEntry(**_require(TokenizerEntry, d["tokenizer"], f"{where}: tokenizer"))
        if not isinstance(d["artifacts"], list):
            raise InputError(f"{where}: artifacts must be a list")
        d["artifacts"] = [ArtifactEntry.from_dict(a, f"{where}: artifacts[{i}]") for i, a in enumerate(d["artifacts"])]
        return cls(**d)


def _require(cls, d, where: str) -> dict:
    """A copy of `d` with exactly the dataclass's fields: a missing required field or an unknown one is an error."""
    if not isinstance(d, dict):
        raise InputError(f"{where}: expected a JSON object")
    known = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
    missing = sorted(required - d.keys())
    if missing:
        raise InputError(f"{where}: manifest lacks {', '.join(missing)}")
    unknown = sorted(d.keys() - known)
    if unknown:
        raise InputError(f"{where}: unknown manifest field {unknown[0]}")
    return dict(d)


def write_manifest(folder: str | Path, manifest: Manifest) -> Path:
    path = Path(folder) / MANIFEST
    write_atomic(path, (json.dumps(manifest.to_dict(), indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def read_manifest(folder_or_file: str | Path) -> Manifest:
    path = Path(folder_or_file)
    path = path / MANIFEST if path.is_dir() else path
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no manifest.json; give the folder albert-edge convert wrote") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path}: unreadable manifest ({e})") from None
    try:
        return Manifest.from_dict(data, str(path))
    except TypeError as e:  # a nested field of the wrong shape
        raise InputError(f"{path}: malformed manifest ({e})") from None


def manifest_beside(artifact: str | Path) -> Manifest | None:
    """The manifest in the artifact's folder, or None when there is none (an artifact copied on its own)."""
    path = Path(artifact).parent / MANIFEST
    return read_manifest(path) if path.is_file() else None
