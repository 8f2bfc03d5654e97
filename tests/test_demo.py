"""demo.py: the whole pipeline on a tiny synthetic data set with a tiny random BERT teacher (`--smoke`), and a rerun
that reuses the caches."""

import json

import numpy as np
import pytest


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A random 1-layer BERT backbone (hidden 32) with a small WordPiece vocabulary; no downloads."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "was", "and", "number"] + POS + NEG + NEU
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(words)})  # vocab_file= is broken in transformers 5
    root = tmp_path_factory.mktemp("bert")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=64)).save_pretrained(root / "backbone")
    tok.save_pretrained(root / "backbone")
    return root

POS = "good great fine nice lovely happy".split()
NEG = "bad awful poor sad terrible angry".split()
NEU = "okay average normal plain usual regular".split()


def write_data(path, n=600):
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="latin-1") as f:
        f.write("sentiment,confidence,text\n")
        for i in range(n):
            y = ["negative", "neutral", "positive"][i % 3]
            words = rng.choice({"negative": NEG, "neutral": NEU, "positive": POS}[y], size=2)
            f.write(f'{y},0.9,"the caf\xe9 was {words[0]} and {words[1]} number {i % 17}"\n')
    return path


def test_demo_smoke_and_rerun(tmp_path, tiny_bert):
    pytest.importorskip("sklearn")
    pytest.importorskip("executorch")
    from albert_edge.demo import DemoOptions, run_demo

    data = write_data(tmp_path / "tweets.csv")
    opts = DemoOptions(out=tmp_path / "demo", mode="smoke", data=data, backbone=tiny_bert / "backbone",
                       max_drop=1.0, convert=True, progress=False,
                       overrides={"teacher_epochs": 2, "student_epochs": 3})
    logs = []
    r = run_demo(opts, log=logs.append)
    out = tmp_path / "demo"
    for name in ("baseline_tfidf", "teacher", "student_fp32", "student_int8"):
        assert 0.0 <= r[name]["accuracy"] <= 1.0 and r[name]["params"] > 0 and r[name]["bytes"] > 0, name
        assert "macro_f1" in r[name] and (out / f"confusion_{name}.png").is_file()
    assert r["baseline_tfidf"]["accuracy"] > 0.9  # the synthetic task is easy
    saved = json.loads((out / "report.json").read_text())
    assert set(saved["timings_s"]) >= {"data", "teacher_finetune", "student_distill", "student_int8", "total"}
    assert (out / "report.md").read_text().startswith("# albert-edge demo")
    rows = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert rows and set(rows[0]) == {"text", "label"} and {x["label"] for x in rows} <= set(saved["data"]["labels"])
    assert (out / "data" / "splits.json").is_file() and (out / "student-int8" / "quantization.json").is_file()
    assert "goals" in saved and "student_params_le_6M" in saved["goals"]

    if r["bundle"].get("artifacts"):
        assert (out / "bundle" / "manifest.json").is_file()
        assert {(a["format"], a["precision"]) for a in r["bundle"]["artifacts"]} == {
            (f, p) for f in ("executorch", "tflite", "onnx") for p in ("fp32", "int8")}
        assert "int8_pte_le_6MB" in saved["goals"] and saved["goals"]["int8_pte_le_6MB"]["met"]

    r2 = run_demo(opts, log=logs.append)  # rerun: teacher, tokenizer, student and artifacts come from the cache
    assert r2["stages"]["teacher_finetune"]["cached"] and r2["stages"]["student_distill"]["cached"]
    assert r2["stages"]["convert"]["cached"] or not r["bundle"].get("artifacts")
    assert r2["teacher"]["accuracy"] == r["teacher"]["accuracy"]
    assert r2["student_fp32"]["accuracy"] == r["student_fp32"]["accuracy"]


def test_demo_bad_data_is_one_line(tmp_path):
    from albert_edge.demo import DemoOptions, run_demo
    from albert_edge.errors import DataError

    p = tmp_path / "d.csv"
    p.write_text("label,text\npos,a\nneg,b\n")
    with pytest.raises(DataError, match="no column 'sentiment'; available columns: label, text"):
        run_demo(DemoOptions(out=tmp_path / "o", mode="smoke", data=p, progress=False), log=lambda m: None)
