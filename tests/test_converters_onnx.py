"""ONNX: export -> onnxruntime -> compare, fp32 and int8 (quantize_dynamic); sidecar tokenizer; byte-identical redo."""

import json

import numpy as np
import pytest

pytest.importorskip("onnxruntime")

from converters import convert_checkpoint  # noqa: E402
from albert_edge.files import sha256_file  # noqa: E402
from albert_edge.predict import load as load_artifact_predictor  # noqa: E402
from albert_edge.runtime.onnx import OnnxRunner  # noqa: E402

LENS = [16, 32]


@pytest.fixture(scope="module")
def onnx_dir(tiny_ckpt, tmp_path_factory):
    out = tmp_path_factory.mktemp("onnx") / "out"
    convert_checkpoint(tiny_ckpt, out, formats=["onnx"], precisions=["fp32", "int8"], seq_lens=LENS)
    return out


def test_artifacts_sidecars_and_parity(onnx_dir, spiece_dir):
    m = json.loads((onnx_dir / "manifest.json").read_text())
    files = {a["file"]: a for a in m["artifacts"]}
    assert set(files) == {"model_fp32.onnx", "model_int8.onnx"}
    assert (onnx_dir / "spiece.model").read_bytes() == (spiece_dir / "spiece.model").read_bytes()
    conf = json.loads((onnx_dir / "tokenizer.json").read_text())
    assert conf["labels"] == ["negative", "neutral", "positive"] and conf["seq_lens"] == LENS
    assert conf["special_ids"] == {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4}
    for L in LENS:
        assert files["model_fp32.onnx"]["parity"][f"seq_len_{L}"]["vs_fp32"]["max_abs_diff"] <= 1e-4
        p = files["model_int8.onnx"]["parity"][f"seq_len_{L}"]
        assert p["vs_fp32"]["argmax_agreement"] >= p["thresholds"]["vs_fp32_min_argmax"]
    assert files["model_int8.onnx"]["bytes"] < files["model_fp32.onnx"]["bytes"]


def test_run_any_length_and_predict(onnx_dir, tiny_ckpt):
    import torch

    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.predict import CheckpointPredictor

    r = OnnxRunner(onnx_dir / "model_fp32.onnx")
    model = load_checkpoint(tiny_ckpt).model
    e = r.tokenizer.encode("dynamic axes let any length through", max_length=24, padding=True)
    ids, mask = np.array([e.ids]), np.array([e.attention_mask])
    with torch.no_grad():
        assert np.abs(r.run(ids, mask) - model(torch.from_numpy(ids), torch.from_numpy(mask)).numpy()).max() <= 1e-4
    texts = ["I love it", "terrible"]
    got = load_artifact_predictor(onnx_dir / "model_fp32.onnx").predict(texts)
    want = CheckpointPredictor(tiny_ckpt, max_length=32).predict(texts)
    for g, w in zip(got, want):
        assert g["label"] == w["label"] and np.allclose(g["logits"], w["logits"], atol=1e-4)


def test_reconversion_is_byte_identical(tiny_ckpt, tmp_path, onnx_dir):
    convert_checkpoint(tiny_ckpt, tmp_path / "again", formats=["onnx"], precisions=["fp32", "int8"], seq_lens=LENS)
    for name in ("model_fp32.onnx", "model_int8.onnx", "spiece.model", "tokenizer.json"):
        assert sha256_file(tmp_path / "again" / name) == sha256_file(onnx_dir / name)


def test_an_op_the_backend_cannot_take_is_named_and_leaves_nothing(tiny_ckpt, tmp_path, monkeypatch):
    import torch

    import converters.onnx as conv
    from albert_edge.errors import ConversionError

    class Unsupported(torch.nn.Module):  # the model plus an op the ONNX exporter has no symbolic for
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, ids, mask):
            m = mask[:, :2].float()
            return self.model(ids, mask) + 0 * torch.linalg.eigvals(m.T @ m).real.sum()

    monkeypatch.setattr(conv, "_Graph", Unsupported)
    with pytest.raises(ConversionError, match="eigvals") as e:
        convert_checkpoint(tiny_ckpt, tmp_path / "out", formats=["onnx"], precisions=["fp32"], seq_lens=[16])
    assert "\n" not in str(e.value)
    assert not (tmp_path / "out").exists() and list(tmp_path.iterdir()) == []
