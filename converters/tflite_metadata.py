"""Standard TFLite Model Metadata (the published `metadata_schema.fbs`, identifier `M001`) for a text classifier, in
the layout MediaPipe's `TextClassifier` and TFLite Task's `BertNLClassifier` read, plus the associated-files zip.

    meta = text_classifier_metadata(seq_len=128, tokenizer_kind="sentencepiece", tokenizer_file="spiece.model", ...)
    flatbuffer = embed(flatbuffer, meta)      # then the associated files go into the zip after it (bundle.py)
    read_metadata(data)   # -> dict (inputs, outputs, tokenizer, labels file, versions) or None

Why the tables are written here with the `flatbuffers` Builder instead of the schema's generated Python: the only
published generated module ships inside the mediapipe / tflite-support wheels, whose numpy and protobuf pins clash with
the conversion toolchain, and we need ten small tables. Field slots follow the schema's declaration order (a union
takes two slots: its type, then its value). tests/test_mediapipe.py parses what we write with the schema's generated
Python from mediapipe 1.2.2 and loads the file in MediaPipe itself, so a wrong slot fails there.

The model side (adding the `TFLITE_METADATA` buffer to the .tflite) goes through ai-edge-litert's own flatbuffer tools,
which resolve the quantizer's offset buffers into the flatbuffer before re-packing: the int8 weights survive (the old
tflite-support writers dropped such buffers).
"""

from __future__ import annotations

import io
import zipfile

import flatbuffers
from flatbuffers.table import Table

from albert_edge.errors import InputError

METADATA_NAME = "TFLITE_METADATA"  # the Model.metadata entry every metadata reader looks for
IDENTIFIER = b"M001"
# Oldest metadata parser that reads what we write: SubGraphMetadata.input_process_units and
# SentencePieceTokenizerOptions both arrived in 1.1.0 (mediapipe/tasks/cc/metadata/metadata_version.cc).
MIN_PARSER_VERSION = "1.1.0"
INPUT_NAMES = ("ids", "mask", "segment_ids")  # the names BertPreprocessorCalculator looks up

# metadata_schema.fbs enums
_TENSOR_AXIS_LABELS, _VOCABULARY = 2, 5
_FEATURE_PROPERTIES = 1  # ContentProperties union
_BERT_OPTIONS, _SENTENCEPIECE_OPTIONS = 4, 5  # ProcessUnitOptions union
TOKENIZER_UNITS = {"wordpiece": _BERT_OPTIONS, "sentencepiece": _SENTENCEPIECE_OPTIONS}


class _Writer:
    """Thin layer over flatbuffers.Builder: tables as {slot: value}, built bottom-up."""

    def __init__(self):
        self.b = flatbuffers.Builder(1024)

    def string(self, s: str | None):
        return None if s is None else self.b.CreateString(s)

    def tables(self, offsets: list[int]):
        self.b.StartVector(4, len(offsets), 4)
        for off in reversed(offsets):
            self.b.PrependUOffsetTRelative(off)
        return self.b.EndVector()

    def table(self, nslots: int, offsets: dict[int, int | None] = None, bytes_: dict[int, int] = None) -> int:
        self.b.StartObject(nslots)
        for slot, off in (offsets or {}).items():
            if off is not None:
                self.b.PrependUOffsetTRelativeSlot(slot, off, 0)
        for slot, val in (bytes_ or {}).items():
            self.b.PrependUint8Slot(slot, val, 0)
        return self.b.EndObject()

    def associated_file(self, name: str, description: str, ftype: int = 0) -> int:
        n, d = self.string(name), self.string(description)
        return self.table(5, {0: n, 1: d}, {2: ftype} if ftype else None)

    def feature_content(self) -> int:
        props = self.table(0)
        return self.table(3, {1: props}, {0: _FEATURE_PROPERTIES})

    def tensor(self, name: str, description: str, files: list[int] | None = None) -> int:
        n, d = self.string(name), self.string(description)
        content = self.feature_content()
        af = self.tables(files) if files else None
        return self.table(7, {0: n, 1: d, 3: content, 6: af})


def text_classifier_metadata(*, name: str, description: str, version: str, seq_len: int, tokenizer_kind: str,
                             tokenizer_file: str, labels_file: str, outputs: list[tuple[str, str]]) -> bytes:
    """The M001 flatbuffer: inputs ids/mask/segment_ids, a tokenizer process unit (SentencePieceTokenizerOptions with
    the model file, or BertTokenizerOptions with the WordPiece vocabulary), one output tensor metadata per model
    output (each with the labels as TENSOR_AXIS_LABELS)."""
    w = _Writer()
    inputs = [
        w.tensor("ids", f"SentencePiece token ids, [CLS] text [SEP], padded with 0 to {seq_len}."),
        w.tensor("mask", "1 for real tokens, 0 for padding."),
        w.tensor("segment_ids", "0 for every position (a single text)."),
    ]
    outs = [w.tensor(n, d, [w.associated_file(labels_file, "Class names, one per line, in output order.",
                                              _TENSOR_AXIS_LABELS)]) for n, d in outputs]
    unit = TOKENIZER_UNITS[tokenizer_kind]
    tok_file = w.associated_file(tokenizer_file, f"{tokenizer_kind} model of the tokenizer.",
                                 0 if unit == _SENTENCEPIECE_OPTIONS else _VOCABULARY)
    opts = w.table(2 if unit == _SENTENCEPIECE_OPTIONS else 1, {0: w.tables([tok_file])})  # model / vocab_file: slot 0
    tokenizer = w.table(2, {1: opts}, {0: unit})
    subgraph = w.table(10, {2: w.tables(inputs), 3: w.tables(outs), 5: w.tables([tokenizer])})
    root = w.table(8, {0: w.string(name), 1: w.string(description), 2: w.string(version),
                       3: w.tables([subgraph]), 7: w.string(MIN_PARSER_VERSION)})
    w.b.Finish(root, file_identifier=IDENTIFIER)
    return bytes(w.b.Output())


def embed(flatbuffer: bytes, metadata: bytes) -> bytes:
    """The .tflite flatbuffer with `metadata` as its TFLITE_METADATA buffer (replacing one already there)."""
    from ai_edge_litert import schema_py_generated as schema
    from ai_edge_litert.tools import flatbuffer_utils

    model = flatbuffer_utils.read_model_from_bytearray(bytearray(flatbuffer))  # offset buffers resolved inline
    entries = [m for m in (model.metadata or []) if _s(m.name) != METADATA_NAME]
    buf = schema.BufferT()
    buf.data = list(metadata)
    model.buffers.append(buf)
    entry = schema.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    model.metadata = entries + [entry]
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _s(v) -> str:
    return v.decode("utf-8") if isinstance(v, bytes) else (v or "")


# -- reading ----------------------------------------------------------------------------------------------------
def _field(tab: Table, slot: int) -> int:
    return tab.Offset(4 + 2 * slot)


def _str(tab: Table, slot: int) -> str | None:
    o = _field(tab, slot)
    return tab.String(o + tab.Pos).decode("utf-8") if o else None


def _u8(tab: Table, slot: int) -> int:
    o = _field(tab, slot)
    return tab.Get(flatbuffers.number_types.Uint8Flags, o + tab.Pos) if o else 0


def _sub(tab: Table, slot: int) -> Table | None:
    o = _field(tab, slot)
    return Table(tab.Bytes, tab.Indirect(o + tab.Pos)) if o else None


def _subs(tab: Table | None, slot: int) -> list[Table]:
    o = _field(tab, slot) if tab is not None else 0
    if not o:
        return []
    start = tab.Vector(o)
    return [Table(tab.Bytes, tab.Indirect(start + 4 * i)) for i in range(tab.VectorLen(o))]


def _files(tab: Table | None, slot: int) -> list[dict]:
    return [{"name": _str(f, 0), "type": _u8(f, 2)} for f in _subs(tab, slot)]


def parse_metadata(buf: bytes) -> dict:
    """The parts of an M001 flatbuffer the text-classifier readers use."""
    if len(buf) < 8 or buf[4:8] != IDENTIFIER:
        raise ValueError("not an M001 metadata flatbuffer")
    root = Table(buf, flatbuffers.encode.Get(flatbuffers.packer.uoffset, buf, 0))
    sgs = _subs(root, 3)
    sg = sgs[0] if sgs else None
    units = []
    for pu in _subs(sg, 5):
        opts = _sub(pu, 1)
        units.append({"type": _u8(pu, 0), "files": _files(opts, 0) if _u8(pu, 0) in TOKENIZER_UNITS.values() else []})
    return {
        "name": _str(root, 0), "version": _str(root, 2), "min_parser_version": _str(root, 7),
        "inputs": [_str(t, 0) for t in _subs(sg, 2)],
        "outputs": [{"name": _str(t, 0), "files": _files(t, 6)} for t in _subs(sg, 3)],
        "input_process_units": units,
    }


def read_metadata(data: bytes, where: str = "model") -> dict | None:
    """The TFLITE_METADATA of a .tflite as a dict (plus `associated_files`: the zip's entry names), or None when the
    file has none. A present but unreadable one is an InputError (one line)."""
    from ai_edge_litert import schema_py_generated as schema

    try:
        model = schema.Model.GetRootAs(data, 0)
        for i in range(model.MetadataLength()):
            m = model.Metadata(i)
            if _s(m.Name()) == METADATA_NAME:
                b = model.Buffers(m.Buffer())
                meta = parse_metadata(bytes(b.DataAsNumpy().tobytes()) if b.DataLength() else
                                      data[b.Offset():b.Offset() + b.Size()])
                break
        else:
            return None
    except Exception as e:  # noqa: BLE001 - flatbuffers raises assorted errors on damaged bytes
        raise InputError(f"{where}: unreadable TFLite Model Metadata ({type(e).__name__}: {e}); "
                         "convert it again with albert-edge convert") from None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            meta["associated_files"] = z.namelist()
    except zipfile.BadZipFile:
        meta["associated_files"] = []
    return meta


def require_metadata(data: bytes, where: str) -> dict:
    """read_metadata, but a file without metadata (or without what MediaPipe needs) is an InputError."""
    meta = read_metadata(data, where)
    if meta is None:
        raise InputError(f"{where}: .tflite has no TFLite Model Metadata (MediaPipe / TFLite Task need it); "
                         "convert it again with albert-edge convert")
    units = [u for u in meta["input_process_units"] if u["type"] in TOKENIZER_UNITS.values() and u["files"]]
    if tuple(meta["inputs"]) != INPUT_NAMES or not units:
        raise InputError(f"{where}: its TFLite Model Metadata is not the text-classifier layout (inputs "
                         f"{meta['inputs']}, tokenizer process unit {'yes' if units else 'no'}); convert it again")
    missing = [f["name"] for f in units[0]["files"] if f["name"] not in meta["associated_files"]]
    if missing:
        raise InputError(f"{where}: associated file {missing[0]} named in the metadata is not inside the file")
    return meta
