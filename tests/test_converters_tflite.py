"""TFLite: litert-torch -> ai_edge_litert -> compare, fp32 and int8; tokenizer zip inside; byte-identical redo."""

import io
import json
import zipfile

import numpy as np
import pytest

pytest.importorskip("litert_torch")
pytest.importorskip("ai_edge_litert")

from converters import convert_checkpoint  # noqa: E402
from albert_edge.files import sha256_file  # noqa: E402
from albert_edge.predict import load as load_artifact_predictor  # noqa: E402
from albert_edge.runtime.tflite import TfliteRunner  # noqa: E402

LENS = [16, 32]


@pytest.fixture(scope="module")
def tfl_dir(tiny_ckpt, tmp_path_factory):
    out = tmp_path_factory.mktemp("tflite") / "out"
    convert_checkpoint(tiny_ckpt, out, formats=["tflite"], precisions=["fp32", "int8"], seq_lens=LENS)
    return out


def test_tokenizer_zip_inside(tfl_dir, spiece_dir):
    for prec in ("fp32", "int8"):
        data = (tfl_dir / f"model_{prec}.tflite").read_bytes()
        assert data[4:8] == b"TFL3"
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            assert z.namelist() == ["spiece.model", "tokenizer.json", "checksums.json"]
            assert all(i.compress_type == zipfile.ZIP_STORED for i in z.infolist())
            assert z.read("spiece.model") == (spiece_dir / "spiece.model").read_bytes()
            conf = json.loads(z.read("tokenizer.json"))
        assert conf["inputs"] == ["input_ids", "attention_mask"] and conf["output"] == "logits"


def test_signatures_parity_and_run(tfl_dir, tiny_ckpt):
    import torch

    from albert_edge.checkpoint import load_checkpoint

    m = json.loads((tfl_dir / "manifest.json").read_text())
    files = {a["file"]: a for a in m["artifacts"]}
    assert files["model_fp32.tflite"]["entry_points"] == {"serving_default": 32, "serving_16": 16}
    assert files["model_int8.tflite"]["bytes"] < files["model_fp32.tflite"]["bytes"]
    assert files["model_fp32.tflite"]["parity"]["serving_default"]["vs_fp32"]["max_abs_diff"] <= 1e-4
    r = TfliteRunner(tfl_dir / "model_fp32.tflite")
    sig = r.interpreter.get_signature_list()["serving_default"]
    assert sorted(sig["inputs"]) == ["attention_mask", "input_ids"] and sig["outputs"] == ["logits"]
    model = load_checkpoint(tiny_ckpt).model
    for L in LENS:
        e = r.tokenizer.encode("battery life is great", max_length=L, padding=True)
        ids, mask = np.array([e.ids]), np.array([e.attention_mask])
        with torch.no_grad():
            ref = model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()
        assert np.abs(r.run(ids, mask) - ref).max() <= 1e-4
    preds = load_artifact_predictor(tfl_dir / "model_int8.tflite", max_length=16).predict(["ok", "bad"])
    assert [p["label"] in r.labels for p in preds] == [True, True]


def test_reconversion_is_byte_identical(tiny_ckpt, tmp_path, tfl_dir):
    convert_checkpoint(tiny_ckpt, tmp_path / "again", formats=["tflite"], precisions=["fp32", "int8"], seq_lens=LENS)
    for name in ("model_fp32.tflite", "model_int8.tflite"):
        assert sha256_file(tmp_path / "again" / name) == sha256_file(tfl_dir / name)
