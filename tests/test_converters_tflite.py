"""TFLite: litert-torch -> metadata + associated files -> ai_edge_litert, fp32 and int8; one subgraph in the
MediaPipe / TFLite Task layout; byte-identical redo. (MediaPipe itself: tests/test_mediapipe.py.) ~2 min."""

import io
import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("litert_torch")
pytest.importorskip("ai_edge_litert")

from albert_edge.files import sha256_file  # noqa: E402
from albert_edge.predict import load as load_artifact_predictor  # noqa: E402
from albert_edge.runtime.tflite import TfliteRunner  # noqa: E402
from albert_edge.verify import PARITY_SENTENCES  # noqa: E402
from converters import convert_checkpoint  # noqa: E402
from converters.tflite_metadata import (  # noqa: E402
    IDENTIFIER, parse_metadata, read_metadata, require_metadata, text_classifier_metadata,
)

LENS = [16, 32]


@pytest.fixture(scope="module")
def tfl_dir(tiny_ckpt, tmp_path_factory):
    out = tmp_path_factory.mktemp("tflite") / "out"
    convert_checkpoint(tiny_ckpt, out, formats=["tflite"], precisions=["fp32", "int8"], seq_lens=LENS)
    return out


def test_associated_files_zip(tfl_dir, spiece_dir):
    from albert_edge.tokenizer import load_tokenizer

    for prec in ("fp32", "int8"):
        data = (tfl_dir / f"model_{prec}.tflite").read_bytes()
        assert data[4:8] == b"TFL3"
        eocd = data.rindex(b"PK\x05\x06")  # the central directory offset counts from the file start (populator layout)
        assert data[int.from_bytes(data[eocd + 16:eocd + 20], "little"):][:4] == b"PK\x01\x02"
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.namelist() == ["spiece.model", "tokenizer.json", "labels.txt", "spiece_portable.model",
                                    "checksums.json"]
            assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
            assert z.read("spiece.model") == (spiece_dir / "spiece.model").read_bytes()
            assert z.read("labels.txt") == b"negative\nneutral\npositive\n"
            assert z.read("spiece_portable.model") == load_tokenizer(spiece_dir).portable_spiece()
            conf = json.loads(z.read("tokenizer.json"))
        assert conf["inputs"] == ["ids", "mask", "segment_ids"] and conf["output"] == "logits"
        assert conf["seq_lens"] == [32]


def test_metadata_layout(tfl_dir):
    for prec in ("fp32", "int8"):
        meta = require_metadata((tfl_dir / f"model_{prec}.tflite").read_bytes(), prec)
        assert meta["inputs"] == ["ids", "mask", "segment_ids"] and meta["min_parser_version"] == "1.1.0"
        assert [o["name"] for o in meta["outputs"]] == ["probability", "logits"]
        assert meta["outputs"][0]["files"] == [{"name": "labels.txt", "type": 2}]  # TENSOR_AXIS_LABELS
        assert meta["input_process_units"] == [{"type": 5, "files": [{"name": "spiece_portable.model", "type": 0}]}]


def test_metadata_roundtrip_and_damage():
    buf = text_classifier_metadata(name="n", description="d", version="1", seq_len=8, tokenizer_kind="wordpiece",
                                   tokenizer_file="vocab.txt", labels_file="l.txt", outputs=[("probability", "p")])
    assert buf[4:8] == IDENTIFIER
    m = parse_metadata(buf)
    assert m["name"] == "n" and m["outputs"] == [{"name": "probability", "files": [{"name": "l.txt", "type": 2}]}]
    assert m["input_process_units"] == [{"type": 4, "files": [{"name": "vocab.txt", "type": 5}]}]  # BERT, VOCABULARY
    with pytest.raises(ValueError):
        parse_metadata(b"\0" * 16)


def test_single_subgraph_parity_and_run(tfl_dir, tiny_ckpt):
    import torch

    from albert_edge.checkpoint import load_checkpoint

    m = json.loads((tfl_dir / "manifest.json").read_text())
    files = {a["file"]: a for a in m["artifacts"]}
    fp32 = files["model_fp32.tflite"]
    assert fp32["entry_points"] == {"serving_default": 32} and "[16]" in fp32["details"]["note"]
    assert [o["name"] for o in fp32["outputs"]] == ["probability", "logits"]
    assert files["model_int8.tflite"]["bytes"] < fp32["bytes"]
    agree = fp32["details"]["mediapipe_tokenizer"]
    assert agree["texts"] == len(PARITY_SENTENCES) and 0.0 <= agree["agreement_with_hf_ids"] <= 1.0
    assert fp32["parity"]["serving_default"]["vs_fp32"]["max_abs_diff"] <= 1e-4
    r = TfliteRunner(tfl_dir / "model_fp32.tflite")
    assert r.seq_lens == [32] and read_metadata((tfl_dir / "model_fp32.tflite").read_bytes()) is not None
    sig = r.interpreter.get_signature_list()
    assert list(sig) == ["serving_default"]
    assert sig["serving_default"]["inputs"] == ["ids", "mask", "segment_ids"]
    assert sorted(sig["serving_default"]["outputs"]) == ["logits", "probability"]
    model = load_checkpoint(tiny_ckpt).model
    e = r.tokenizer.encode("battery life is great", max_length=32, padding=True)
    ids, mask = np.array([e.ids]), np.array([e.attention_mask])
    with torch.no_grad():
        ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
    assert np.abs(r.run(ids, mask) - ref).max() <= 1e-4
    out = r._runners["serving_default"](ids=ids.astype(np.int32), mask=mask.astype(np.int32),
                                        segment_ids=np.zeros_like(ids, dtype=np.int32))
    assert np.abs(out["probability"] - torch.softmax(torch.from_numpy(ref), -1).numpy()).max() <= 1e-5
    preds = load_artifact_predictor(tfl_dir / "model_int8.tflite", max_length=16).predict(["ok", "bad"])
    assert [p["label"] in r.labels for p in preds] == [True, True]


def test_int8_weights_survive_packaging(tfl_dir):
    """Quantizing again gives a bare int8 flatbuffer; the packaged int8 file computes exactly what it computes (the
    old metadata writers dropped the quantizer's buffers) and still holds int8 weight tensors."""
    from ai_edge_litert.interpreter import Interpreter

    from converters.tflite import _quantize

    bare = Interpreter(model_content=_quantize((tfl_dir / "model_fp32.tflite").read_bytes()))
    packed = TfliteRunner(tfl_dir / "model_int8.tflite")
    assert "int8" in {d["dtype"].__name__ for d in packed.interpreter.get_tensor_details()}
    feeds = {"ids": np.array([[2, 50, 60, 70, 3] + [0] * 27], dtype=np.int32),
             "mask": np.array([[1] * 5 + [0] * 27], dtype=np.int32), "segment_ids": np.zeros((1, 32), dtype=np.int32)}
    a = bare.get_signature_runner("serving_default")(**feeds)["logits"]
    b = packed.interpreter.get_signature_runner("serving_default")(**feeds)["logits"]
    assert np.array_equal(a, b)


def test_reconversion_is_byte_identical(tiny_ckpt, tmp_path, tfl_dir):
    convert_checkpoint(tiny_ckpt, tmp_path / "again", formats=["tflite"], precisions=["fp32", "int8"], seq_lens=LENS)
    for name in ("model_fp32.tflite", "model_int8.tflite"):
        assert sha256_file(tmp_path / "again" / name) == sha256_file(tfl_dir / name)
