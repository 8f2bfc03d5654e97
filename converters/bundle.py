"""What the converters pack into every artifact (docs/BUNDLE_FORMAT.md): the tokenizer file(s), the bundle JSON
(tokenizer.json) with their checksums, and the output folder that a failed conversion leaves no trace of. The reader
side — names, parsing, checks — is albert_edge/runtime/bundle.py.

Nothing here imports torch or a backend.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from albert_edge.backends import BACKENDS
from albert_edge.errors import InputError
from albert_edge.files import sha256_bytes, staged_folder
from albert_edge.manifest import TokenizerEntry
from albert_edge.runtime.bundle import CHECKSUMS_JSON, TOKENIZER_JSON

INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAME = "logits"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: re-conversion gives the same bytes


def canonical_json(obj) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same settings always give the same bytes."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class TokenizerBundle:
    """The tokenizer's file(s) and the bundle JSON: preprocessing settings, special ids, labels, lengths, task."""

    kind: str
    files: dict[str, bytes]
    settings: dict
    special_ids: dict
    labels: list[str]
    seq_lens: list[int]
    task: str
    inputs: list[str] = field(default_factory=lambda: list(INPUT_NAMES))  # the .tflite names its own (tflite.py)

    @classmethod
    def from_tokenizer(cls, tok, *, labels: list[str], seq_lens: list[int], task: str) -> "TokenizerBundle":
        return cls(kind=tok.kind, files=dict(tok.files()), settings=dict(tok.settings),
                   special_ids=dict(tok.special_ids), labels=list(labels), seq_lens=sorted(seq_lens), task=task)

    def config(self) -> dict:
        return {**self.settings, "kind": self.kind, "files": {n: sha256_bytes(b) for n, b in self.files.items()},
                "special_ids": self.special_ids, "labels": self.labels, "seq_lens": self.seq_lens, "task": self.task,
                "inputs": self.inputs, "output": OUTPUT_NAME}

    def config_bytes(self) -> bytes:
        return canonical_json(self.config())

    @property
    def model_bytes(self) -> bytes:
        """The one tokenizer file (what a .pte carries as its tokenizer_model constant)."""
        (data,) = self.files.values()
        return data

    def all_files(self) -> dict[str, bytes]:
        return {**self.files, TOKENIZER_JSON: self.config_bytes()}

    def manifest_entry(self) -> TokenizerEntry:
        return TokenizerEntry(kind=self.kind, files={n: sha256_bytes(b) for n, b in self.files.items()},
                              config=TOKENIZER_JSON, config_sha256=sha256_bytes(self.config_bytes()),
                              settings=dict(self.settings), special_ids=dict(self.special_ids))


# -- zip appended to a flatbuffer (.tflite) ------------------------------------------------------------------------
def append_zip(prefix: bytes, files: dict[str, bytes]) -> bytes:
    """`prefix` + a stored (uncompressed) zip of `files` whose offsets count from the start of the whole file, as the
    TFLite metadata populator writes associated files (readers taking offsets relative to the zip cope too). Fixed
    timestamps, entries in the given order: the same inputs give the same bytes."""
    buf = io.BytesIO(prefix)
    buf.seek(0, io.SEEK_END)
    with zipfile.ZipFile(buf, "a", compression=zipfile.ZIP_STORED) as z:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return buf.getvalue()


def append_bundle(flatbuffer: bytes, bundle: TokenizerBundle, extra: dict[str, bytes] | None = None) -> bytes:
    """The flatbuffer + a stored zip of the bundle, `extra` files and checksums.json (the body's sha256: zip CRCs
    cover entries)."""
    sums = canonical_json({"model": sha256_bytes(flatbuffer)})
    return append_zip(flatbuffer, {**bundle.all_files(), **(extra or {}), CHECKSUMS_JSON: sums})


# -- the output folder ---------------------------------------------------------------------------------------------
def check_out_dir(out: Path, overwrite: bool) -> None:
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(f"{out}: folder is not empty; pass --overwrite to replace it")


@contextlib.contextmanager
def staged_dir(out: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temp folder beside `out`; on success it replaces `out` by rename, on failure it disappears."""
    check_out_dir(Path(out), overwrite)
    with staged_folder(out) as tmp:
        yield tmp


def toolchain_versions(backends=None) -> dict:
    """Versions of albert-edge and of the toolchains of the given backends (all by default)."""
    from importlib import metadata

    dists = ["albert-edge", "numpy", "sentencepiece", "tokenizers"]
    for spec in (backends or BACKENDS.values()):
        dists += [d for d in spec.toolchain if d not in dists]
    versions = {}
    for dist in dists:
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions
