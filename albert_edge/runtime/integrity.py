"""Whole-file integrity, checked before any runtime parses an artifact's bytes (docs/BUNDLE_FORMAT.md, Integrity).

- `.pte`: ends with a 40-byte trailer, the sha256 (32 raw bytes) of every preceding byte then ASCII `AEPTESUM`, so a
  `.pte` copied on its own is checked too. ExecuTorch ignores bytes after the program (its extended header records
  the program's size), so the file loads as it is. The Android core reads the same trailer.
- `.tflite`: `checksums.json` in the appended zip holds the flatbuffer body's sha256; the zip's CRC-32s cover the
  entries.
- `.onnx`: a folder format: the `manifest.json` beside it is required, and records the sha256 of the file and of
  each sidecar (tokenizer file, tokenizer.json).
- Any artifact the manifest beside it lists must also have the sha256 the manifest records.

Runtimes are then given the very bytes that were hashed, never a second read of the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from albert_edge.backends import Backend, BackendSpec, backend_for_file
from albert_edge.errors import CorruptArtifactError, InputError
from albert_edge.files import sha256_bytes
from albert_edge.manifest import MANIFEST, Manifest, manifest_beside

from .bundle import CHECKSUMS_JSON, TOKENIZER_JSON, read_appended_zip

PTE_MAGIC = b"AEPTESUM"
PTE_TRAILER_LEN = 32 + len(PTE_MAGIC)


def seal_pte(program: bytes) -> bytes:
    """The .pte file for a serialized ExecuTorch program: the program + sha256(program) + b"AEPTESUM"."""
    return bytes(program) + hashlib.sha256(program).digest() + PTE_MAGIC


def check_pte(data: bytes, where: str) -> None:
    """The trailer is present and the sha256 of every byte before it matches."""
    if len(data) <= PTE_TRAILER_LEN or data[-len(PTE_MAGIC):] != PTE_MAGIC:
        raise CorruptArtifactError(f"corrupt artifact: {where}: no integrity trailer (the file does not end in "
                                   f"{PTE_MAGIC.decode()}): truncated, altered, or not written by albert-edge convert; "
                                   "convert it again")
    body = memoryview(data)[:-PTE_TRAILER_LEN]
    if hashlib.sha256(body).digest() != data[-PTE_TRAILER_LEN:-len(PTE_MAGIC)]:
        raise CorruptArtifactError(f"corrupt artifact: {where}: fails its sha256 check (integrity trailer); the file "
                                   "changed after conversion — convert it again")


def tflite_parts(data: bytes, where: str) -> tuple[bytes, dict[str, bytes]]:
    """(flatbuffer body, bundle entries without checksums.json) once the zip's CRCs and the body's sha256 passed."""
    body, files = read_appended_zip(data, where)
    if TOKENIZER_JSON not in files or CHECKSUMS_JSON not in files:
        raise CorruptArtifactError(f"corrupt artifact: {where}: the bundle inside lacks {TOKENIZER_JSON} / "
                                   f"{CHECKSUMS_JSON}; convert it again with albert-edge convert")
    try:
        body_ok = json.loads(files.pop(CHECKSUMS_JSON))["model"] == sha256_bytes(body)
    except (ValueError, KeyError, TypeError):
        body_ok = False
    if not body_ok:
        raise CorruptArtifactError(f"corrupt artifact: {where}: the model body fails its sha256 check")
    return body, files


def check_sidecars(path: Path, manifest: Manifest) -> None:
    """The tokenizer files and tokenizer.json beside an .onnx have the sha256 the manifest records."""
    expected = {**manifest.tokenizer.files, TOKENIZER_JSON: manifest.tokenizer.config_sha256}
    for name, digest in expected.items():
        side = path.parent / name
        if not side.is_file():
            raise InputError(f"{path}: tokenizer sidecar {side} missing; keep the .onnx in its converted folder")
        if sha256_bytes(side.read_bytes()) != digest:
            raise CorruptArtifactError(f"corrupt artifact: {side}: sha256 differs from {path.parent / MANIFEST}; "
                                       "the file changed after conversion — convert it again")


def verify_artifact(path: str | Path) -> tuple[BackendSpec, bytes]:
    """(backend, the file's bytes) once every check its format has passed; raises CorruptArtifactError (or
    InputError for a missing file / an .onnx out of its folder) otherwise. Reads no runtime."""
    path = Path(path)
    spec = backend_for_file(path)
    manifest = manifest_beside(path)
    entry = manifest.artifact(path.name) if manifest else None
    if spec.name is Backend.ONNX and entry is None:
        where = "no manifest.json beside it" if manifest is None else f"{path.parent / MANIFEST} does not list it"
        raise InputError(f"{path}: {where}; an .onnx is a folder format (the manifest records the sha256 of the "
                         "model and its sidecars): keep it in the folder albert-edge convert wrote")
    data = path.read_bytes()
    if entry is not None and sha256_bytes(data) != entry.sha256:
        raise CorruptArtifactError(f"corrupt artifact: {path}: sha256 differs from {path.parent / MANIFEST}; "
                                   "the file changed after conversion — convert it again")
    if spec.name is Backend.EXECUTORCH:
        check_pte(data, str(path))
    elif spec.name is Backend.TFLITE:
        tflite_parts(data, str(path))
    else:
        check_sidecars(path, manifest)
    return spec, data
