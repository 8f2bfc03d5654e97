"""Reading what travels inside an artifact (docs/BUNDLE_FORMAT.md): the tokenizer file, the bundle JSON
(tokenizer.json: settings, special ids, labels, lengths, task) and their checksums. The writer side is
converters/bundle.py; both use the names and the checks here.
"""

from __future__ import annotations

import io
import json
import zipfile

from albert_edge.errors import CorruptArtifactError, TokenizerError, first_line
from albert_edge.files import sha256_bytes

TOKENIZER_JSON = "tokenizer.json"
CHECKSUMS_JSON = "checksums.json"  # inside a .tflite's zip: sha256 of the flatbuffer body and of each entry
REQUIRED = ("kind", "labels", "seq_lens", "special_ids", "task", "files")
# bundle-level keys of tokenizer.json; every other key is a tokenizer setting (tok.settings)
BUNDLE_KEYS = {"files", "special_ids", "labels", "seq_lens", "task", "inputs", "output"}


def parse_bundle_config(data: bytes, where: str) -> dict:
    try:
        conf = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorruptArtifactError(f"corrupt artifact: {where}: {TOKENIZER_JSON} is not valid UTF-8 JSON ({e})") from None
    if not isinstance(conf, dict):
        raise CorruptArtifactError(f"corrupt artifact: {where}: {TOKENIZER_JSON} is not a JSON object")
    missing = [k for k in REQUIRED if k not in conf]
    if missing:
        raise CorruptArtifactError(f"corrupt artifact: {where}: {TOKENIZER_JSON} lacks {', '.join(missing)}; "
                                   "convert it again with albert-edge convert")
    return conf


def check_files(files: dict[str, bytes], conf: dict, where: str) -> None:
    """Every tokenizer file the bundle JSON lists is present with the sha256 it records."""
    for name, digest in conf["files"].items():
        if name not in files:
            raise CorruptArtifactError(f"corrupt artifact: {where}: bundled {name} missing")
        if sha256_bytes(files[name]) != digest:
            raise CorruptArtifactError(f"corrupt artifact: {where}: bundled {name} fails its sha256 check")


def tokenizer_from_bundle(files: dict[str, bytes], conf: dict, where: str):
    """The tokenizer an artifact carries, exactly as it was converted (after its checksums passed)."""
    from albert_edge.tokenizer import tokenizer_from_files

    check_files(files, conf, where)
    settings = {k: v for k, v in conf.items() if k not in BUNDLE_KEYS}
    try:
        return tokenizer_from_files(conf["kind"], files, settings)
    except TokenizerError as e:
        raise CorruptArtifactError(f"corrupt artifact: {where}: bundled tokenizer unusable ({e})") from None


def read_appended_zip(data: bytes, where: str) -> tuple[bytes, dict[str, bytes]]:
    """(body, entries) of a file with a stored zip appended (the TFLite associated-files layout). Entry CRCs are
    checked by zipfile on read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            files = {n: z.read(n) for n in z.namelist()}
            # header offsets are absolute (zipfile accounts for data prepended to the archive): the first is where
            # the body ends
            body_len = min((i.header_offset for i in z.infolist()), default=len(data))
            # zipfile finds the end record by searching backwards and ignores what follows it: bytes appended
            # after the zip would go unchecked, so the end record (+ its comment) must end the file
            ends_file = data[len(data) - 22 - len(z.comment):][:4] == b"PK\x05\x06"
    except Exception as e:  # noqa: BLE001 - damaged archives surface as BadZipFile, but also NotImplementedError
        # (a flipped compression method), RuntimeError (a flipped encryption flag), zlib / lzma / struct errors...
        raise CorruptArtifactError(f"corrupt artifact: {where}: no readable bundle inside ({first_line(e, 200)}); "
                                   "convert it again with albert-edge convert") from None
    if not ends_file:
        raise CorruptArtifactError(f"corrupt artifact: {where}: bytes after the bundle's zip; the file changed after "
                                   "conversion — convert it again")
    return data[:body_len], files
