"""What travels with every artifact (docs/BUNDLE_FORMAT.md): tokenizer bytes + tokenizer.json, the manifest, and the
atomic output folder that a failed conversion leaves no trace of.

Nothing here imports torch or a backend: the tokenizer packing and manifest code is shared by the converters, the
artifact runtime and the tests.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from albert_edge.errors import ConversionError, InputError
from albert_edge.files import staged_folder, write_atomic

MANIFEST = "manifest.json"
SPIECE = "spiece.model"
TOKENIZER_JSON = "tokenizer.json"
MANIFEST_VERSION = 1
INPUT_NAMES = ["input_ids", "attention_mask"]
OUTPUT_NAME = "logits"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: re-conversion gives the same bytes


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def canonical_json(obj) -> bytes:
    """Compact, key-sorted UTF-8 JSON: the same settings always give the same bytes."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@dataclass
class TokenizerBundle:
    """The SentencePiece model bytes and tokenizer.json (ALBERT preprocessing settings, labels, sequence lengths)."""

    spiece: bytes
    settings: dict  # do_lower_case, remove_space, keep_accents, split_digit_comma
    special_ids: dict
    labels: list[str]
    seq_lens: list[int]
    inputs: list[str] = field(default_factory=lambda: list(INPUT_NAMES))
    output: str = OUTPUT_NAME

    @classmethod
    def from_tokenizer(cls, tok, *, labels: list[str], seq_lens: list[int]) -> "TokenizerBundle":
        return cls(spiece=bytes(tok.model_proto), settings=dict(tok.settings), special_ids=dict(tok.special_ids),
                   labels=list(labels), seq_lens=sorted(seq_lens))

    def config(self) -> dict:
        return {**self.settings, "special_ids": self.special_ids, "labels": self.labels, "seq_lens": self.seq_lens,
                "inputs": self.inputs, "output": self.output}

    def config_bytes(self) -> bytes:
        return canonical_json(self.config())

    def files(self) -> dict[str, bytes]:
        return {SPIECE: self.spiece, TOKENIZER_JSON: self.config_bytes()}

    def manifest_entry(self) -> dict:
        return {"file": SPIECE, "config": TOKENIZER_JSON, "sha256": sha256_bytes(self.spiece), **self.settings,
                "special_ids": self.special_ids, "vocab_bytes": len(self.spiece)}


def parse_tokenizer_config(data: bytes, where: str) -> dict:
    try:
        conf = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{where}: tokenizer.json is not valid UTF-8 JSON ({e})") from None
    missing = [k for k in ("labels", "seq_lens", "special_ids") if k not in conf]
    if missing:
        raise InputError(f"{where}: tokenizer.json lacks {', '.join(missing)}")
    return conf


def tokenizer_from_bytes(spiece: bytes, conf: dict, where: str):
    """The ALBERT tokenizer an artifact carries (exactly the settings it was converted with)."""
    from albert_edge.errors import TokenizerError
    from albert_edge.tokenizer import AlbertTokenizer

    opts = {k: bool(conf[k]) for k in ("do_lower_case", "remove_space", "keep_accents", "split_digit_comma") if k in conf}
    try:
        return AlbertTokenizer(spiece, **opts)
    except TokenizerError as e:
        raise InputError(f"{where}: bundled tokenizer unusable ({e})") from None


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


def read_appended_zip(data: bytes, where: str = "artifact") -> dict[str, bytes]:
    """Entries of the zip appended to a file (TFLite associated-files layout)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return {n: z.read(n) for n in z.namelist()}
    except (zipfile.BadZipFile, OSError, KeyError) as e:
        raise InputError(f"{where}: no tokenizer inside (no appended zip: {e}); convert it again with albert-edge convert") from None


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


def toolchain_versions() -> dict:
    from importlib import metadata

    versions = {}
    for dist in ("albert-edge", "torch", "executorch", "torchao", "litert-torch", "ai-edge-litert", "ai-edge-quantizer",
                 "onnx", "onnxruntime", "onnxscript", "sentencepiece", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return versions


def write_manifest(folder: Path, manifest: dict) -> Path:
    path = Path(folder) / MANIFEST
    write_atomic(path, (json.dumps(manifest, indent=2, sort_keys=False, ensure_ascii=False) + "\n").encode("utf-8"))
    return path


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConversionError(f"{path}: unreadable manifest ({e})") from None
