"""albert_edge.quantize: PT2E int8 on the micro model, recipes, quantized checkpoints that rebuild the same model."""

import json

import pytest
import torch

pytest.importorskip("executorch")

from albert_edge.errors import CheckpointError, InputError  # noqa: E402
from albert_edge.quantize import (QUANTIZATION_JSON, QuantRecipe, is_quantized, load_quantized,  # noqa: E402
                                  quantize_int8, save_quantized)

L = 16


@pytest.fixture(scope="module")
def model(tiny_ckpt):
    from albert_edge.checkpoint import load_checkpoint

    return load_checkpoint(tiny_ckpt).model


def inputs(seed=0):
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(5, 3000, (1, L), generator=g)
    mask = torch.ones(1, L, dtype=torch.long)
    mask[0, 12:] = 0
    return ids, mask


def _targets(gm):
    return [str(n.target) for n in gm.graph.nodes if n.op == "call_function"]


def test_recipe_validation_and_round_trip():
    r = QuantRecipe(fp32_modules=["classifier."])
    assert r.fp32_modules == ["classifier"]
    assert QuantRecipe.from_dict(r.to_dict()) == r
    with pytest.raises(InputError, match="activations"):
        QuantRecipe(activations="weird")
    with pytest.raises(CheckpointError, match="unknown field"):
        QuantRecipe.from_dict({"bits": 4})


def test_dynamic_int8_close_to_fp32_and_int8_embeddings(model):
    q = quantize_int8(model, inputs(), recipe=QuantRecipe())
    t = _targets(q)
    assert any("embedding_byte" in x for x in t)
    assert any("choose_qparams" in x for x in t)  # dynamic activations
    with torch.no_grad():
        for s in range(3):
            a, b = model(*inputs(s)), q(*inputs(s))
            assert (a - b).abs().max() <= 0.1 * a.abs().max()
    no_emb = quantize_int8(model, inputs(), recipe=QuantRecipe(int8_embeddings=False))
    assert not any("embedding_byte" in x for x in _targets(no_emb))


def test_dynamic_activation_quant_not_shared_between_linears(model):
    """Q/K/V read one activation: each gets its own choose_qparams chain (else XNNPACK cuts one delegate per pass),
    with the very same numbers as one shared chain."""
    from albert_edge import quantize as qmod

    q = quantize_int8(model, inputs(), recipe=QuantRecipe())
    dq = torch.ops.quantized_decomposed.dequantize_per_tensor.tensor
    assert all(len(n.users) == 1 for n in q.graph.nodes if n.target == dq)
    orig = qmod._unshare_dynamic_activation_quant
    try:
        qmod._unshare_dynamic_activation_quant = lambda gm: 0
        shared = quantize_int8(model, inputs(), recipe=QuantRecipe())
    finally:
        qmod._unshare_dynamic_activation_quant = orig
    assert any(len(n.users) > 1 for n in shared.graph.nodes if n.target == dq)
    with torch.no_grad():
        assert torch.equal(q(*inputs(1)), shared(*inputs(1)))


def test_fp32_modules_are_left_alone(model):
    def quantized_linear_weights(gm):
        # dequantize nodes feeding a linear's weight, with the module path the linear came from
        out = set()
        for n in gm.graph.nodes:
            if n.op == "call_function" and "linear" in str(n.target):
                w = n.args[1]
                if "dequantize" in str(getattr(w, "target", "")):
                    out.add(list((n.meta.get("nn_module_stack") or {"": ("?", None)}).values())[-1][0])
        return out

    full = quantized_linear_weights(quantize_int8(model, inputs(), recipe=QuantRecipe()))
    part = quantized_linear_weights(quantize_int8(model, inputs(), recipe=QuantRecipe(fp32_modules=["classifier"])))
    assert any("classifier" in p for p in full)
    assert not any("classifier" in p for p in part) and len(part) == len(full) - 1


def test_static_needs_calibration(model):
    with pytest.raises(InputError, match="calibration"):
        quantize_int8(model, inputs(), recipe=QuantRecipe(activations="static"))


def test_quantized_checkpoint_rebuilds_same_model(model, tmp_path, spiece_dir):
    calib = [inputs(s) for s in range(4)]
    recipe = QuantRecipe(activations="static", fp32_modules=["classifier"])
    folder = save_quantized(model, tmp_path / "q", recipe=recipe, calibration=calib, tokenizer_dir=spiece_dir)
    assert is_quantized(folder) and (folder / "model.safetensors").is_file() and (folder / "spiece.model").is_file()
    meta = json.loads((folder / QUANTIZATION_JSON).read_text())
    assert meta["recipe"] == recipe.to_dict() and meta["calibration"]["count"] == 4
    with pytest.raises(CheckpointError, match="exists"):
        save_quantized(model, folder, recipe=recipe, calibration=calib)
    qc = load_quantized(folder)
    assert qc.recipe == recipe and len(qc.calibration) == 4
    a = quantize_int8(model, inputs(), recipe=recipe, calibration=calib)
    b = qc.build(inputs())
    with torch.no_grad():
        assert torch.equal(a(*inputs(7)), b(*inputs(7)))  # deterministic: the very same int8 model
    with pytest.raises(CheckpointError, match="missing"):
        load_quantized(tmp_path)
