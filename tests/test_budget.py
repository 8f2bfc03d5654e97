"""budget.py: the int8 accuracy-budget search, with stub quantize/evaluate functions (fast), and the group list."""

from albert_edge.budget import WORD_EMBEDDINGS, albert_groups, search_budget
from albert_edge.model import AlbertConfig
from albert_edge.quantize import QuantRecipe

GROUPS = {"word_embeddings": [WORD_EMBEDDINGS], "ffn_in": ["x.ffn"], "ffn_out": ["x.ffn_output"],
          "classifier": ["classifier"]}


def stub(costs: dict[str, float]):
    """A fake quantizer: accuracy = 0.80 minus the cost of every group still int8."""
    calls = []

    def quantize(recipe: QuantRecipe):
        calls.append(recipe)
        int8 = {name for name, pre in GROUPS.items()
                if not (pre[0] == WORD_EMBEDDINGS and not recipe.int8_embeddings) and
                not any(p in recipe.fp32_modules for p in pre)}
        return 0.80 - sum(costs[g] for g in int8)

    return quantize, calls


def test_within_budget_needs_one_trial():
    q, calls = stub({"word_embeddings": 0.001, "ffn_in": 0.002, "ffn_out": 0.0, "classifier": 0.0})
    r = search_budget(quantize=q, evaluate=lambda acc: acc, fp32_accuracy=0.80, groups=GROUPS, max_drop=0.01)
    assert r.within_budget and r.fp32_groups == [] and len(calls) == 1
    assert r.recipe.int8_embeddings and r.recipe.fp32_modules == []


def test_keeps_most_sensitive_parts_fp32():
    q, calls = stub({"word_embeddings": 0.004, "ffn_in": 0.03, "ffn_out": 0.012, "classifier": 0.001})
    r = search_budget(quantize=q, evaluate=lambda acc: acc, fp32_accuracy=0.80, groups=GROUPS, max_drop=0.01)
    # all-int8 drops 0.047; ffn_in (0.03) then ffn_out (0.012) are the most sensitive: dropping both leaves 0.005
    assert r.within_budget and r.fp32_groups == ["ffn_in", "ffn_out"]
    assert r.recipe.fp32_modules == ["x.ffn", "x.ffn_output"] and r.recipe.int8_embeddings
    assert abs(r.drop - 0.005) < 1e-9 and abs(r.sensitivity["ffn_in"] - 0.03) < 1e-9
    assert len(calls) == 1 + len(GROUPS) + 1  # all-int8, one per group, then {ffn_in, ffn_out}
    d = r.to_dict()
    assert d["within_budget"] and d["trials"][0]["fp32_groups"] == []


def test_word_embeddings_group_switches_int8_embeddings_off():
    q, _ = stub({"word_embeddings": 0.05, "ffn_in": 0.0, "ffn_out": 0.0, "classifier": 0.0})
    r = search_budget(quantize=q, evaluate=lambda acc: acc, fp32_accuracy=0.80, groups=GROUPS, max_drop=0.01)
    assert r.fp32_groups == ["word_embeddings"] and not r.recipe.int8_embeddings and r.recipe.fp32_modules == []


def test_budget_out_of_reach_returns_best_and_says_so():
    q, _ = stub({"word_embeddings": 0.0, "ffn_in": 0.0, "ffn_out": 0.0, "classifier": 0.0})
    r = search_budget(quantize=lambda rec: q(rec) - 0.05, evaluate=lambda acc: acc, fp32_accuracy=0.80,
                      groups=GROUPS, max_drop=0.01)
    assert not r.within_budget and abs(r.drop - 0.05) < 1e-9


def test_albert_groups_name_real_modules():
    from albert_edge.checkpoint import new_model

    cfg = AlbertConfig.micro()
    names = {n for n, _ in new_model(cfg).named_modules()}
    groups = albert_groups(cfg)
    assert {"word_embeddings", "classifier", "pooler", "layer.ffn_in"} <= set(groups)
    for prefixes in groups.values():
        for p in prefixes:
            assert p in names, p


def test_real_quantizer_round_trip(tiny_ckpt, spiece_dir):
    """One real albert_budget run on the micro checkpoint: the int8 model exists and scores like the stubs say."""
    import pytest

    pytest.importorskip("executorch")
    from albert_edge.budget import albert_budget
    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.tokenizer import load_tokenizer

    ck = load_checkpoint(tiny_ckpt)
    texts = [f"text number {i}" for i in range(40)]
    r = albert_budget(ck.model, load_tokenizer(spiece_dir), texts, [i % 3 for i in range(40)], max_drop=1.0,
                      max_length=16)
    assert r.within_budget and r.model is not None and len(r.trials) == 1


def test_quantize_command_with_budget(tiny_ckpt, tmp_path):
    import json

    import pytest
    from typer.testing import CliRunner

    pytest.importorskip("executorch")
    from albert_edge.cli import app
    from albert_edge.quantize import load_quantized

    rows = [{"text": f"text {i}", "label": ["negative", "neutral", "positive"][i % 3]} for i in range(30)]
    (tmp_path / "dev.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = CliRunner().invoke(app, ["quantize", str(tiny_ckpt), "--out", str(tmp_path / "q"), "--max-drop", "1",
                                 "--dev", str(tmp_path / "dev.jsonl"), "--max-length", "16"])
    assert r.exit_code == 0, r.output
    qc = load_quantized(tmp_path / "q")
    meta = json.loads((tmp_path / "q" / "quantization.json").read_text())
    assert meta["extra"]["budget"]["within_budget"] and qc.recipe.int8_embeddings
    r = CliRunner().invoke(app, ["quantize", str(tiny_ckpt), "--out", str(tmp_path / "q2"), "--max-drop", "0.01"])
    assert r.exit_code != 0 and "--max-drop needs --dev" in str(r.exception or r.output)
