"""manifest.json: one schema (albert_edge.manifest), published as docs/manifest.schema.json; what convert writes
validates against it, the schema and the dataclasses name the same fields, and a reader refuses what is not it."""

import dataclasses
import json
from pathlib import Path

import pytest

from albert_edge.errors import InputError
from albert_edge.manifest import ArtifactEntry, Manifest, TensorSpec, TokenizerEntry, read_manifest

SCHEMA = json.loads((Path(__file__).parents[1] / "docs" / "manifest.schema.json").read_text())


def _names(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def test_schema_names_exactly_the_dataclass_fields():
    assert set(SCHEMA["properties"]) == _names(Manifest)
    assert set(SCHEMA["properties"]["tokenizer"]["properties"]) == _names(TokenizerEntry)
    assert set(SCHEMA["$defs"]["artifact"]["properties"]) == _names(ArtifactEntry)
    assert set(SCHEMA["$defs"]["tensor"]["properties"]) == _names(TensorSpec)


@pytest.fixture(scope="module")
def converted(tiny_ckpt, tmp_path_factory):
    pytest.importorskip("onnxruntime")
    from converters import convert_checkpoint

    out = tmp_path_factory.mktemp("m") / "out"
    convert_checkpoint(tiny_ckpt, out, formats=["onnx"], precisions=["fp32"], seq_lens=[16])
    return out


def test_written_manifest_validates_and_round_trips(converted):
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads((converted / "manifest.json").read_text())
    jsonschema.validate(data, SCHEMA)
    m = read_manifest(converted)
    assert m.to_dict() == data and m.artifact("model_fp32.onnx").backend == "onnx"


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.update(format_version=1), "format_version 1"),
    (lambda d: d.pop("labels"), "lacks labels"),
    (lambda d: d.update(colour="blue"), "unknown manifest field colour"),
    (lambda d: d["artifacts"][0].pop("sha256"), r"artifacts\[0\]: manifest lacks sha256"),
    (lambda d: d["tokenizer"].update(kind=None) or d["tokenizer"].pop("files"), "tokenizer: manifest lacks files"),
])
def test_reader_refuses_what_is_not_the_schema(converted, tmp_path, mutate, message):
    data = json.loads((converted / "manifest.json").read_text())
    mutate(data)
    (tmp_path / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(InputError, match=message) as e:
        read_manifest(tmp_path)
    assert "\n" not in str(e.value)


def test_artifact_changed_after_conversion_is_refused(converted, tmp_path):
    import shutil

    from albert_edge import load

    work = tmp_path / "b"
    shutil.copytree(converted, work)
    data = bytearray((work / "model_fp32.onnx").read_bytes())
    data[-5] ^= 0x01
    (work / "model_fp32.onnx").write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt artifact: .*sha256 differs from"):
        load(work / "model_fp32.onnx")
