"""Token classification (HF AlbertForTokenClassification, e.g. NER) end to end: convert to every backend through
the parity gates, then `predict` on each artifact — with only what the artifact carries — gives HF's per-token
logits, one row per token from [CLS] to [SEP]; the Python API gives exactly what the CLI prints."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("executorch")
pytest.importorskip("ai_edge_litert")
transformers = pytest.importorskip("transformers")

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
TEXTS = ["Ada Lovelace met Charles Babbage in London.", "no entities here", "Café au lait in Paris, 12/03/2024!"]
CLI = [sys.executable, "-c", "from albert_edge.cli import run; run()"]


@pytest.fixture(scope="module")
def ner_ckpt(tmp_path_factory):
    from albert_edge.checkpoint import save_checkpoint
    from albert_edge.model import AlbertConfig, AlbertForTokenClassification

    from .conftest import SPIECE_DIR, SPIECE_VOCAB

    import torch

    torch.manual_seed(1)
    model = AlbertForTokenClassification(AlbertConfig.micro(vocab_size=SPIECE_VOCAB,
                                                            id2label=dict(enumerate(LABELS)))).eval()
    return save_checkpoint(model, tmp_path_factory.mktemp("ner") / "ckpt", tokenizer_dir=SPIECE_DIR)


@pytest.fixture(scope="module")
def bundle(ner_ckpt, tmp_path_factory):
    from albert_edge import convert

    out = tmp_path_factory.mktemp("ner") / "bundle"
    m = convert(ner_ckpt, out, formats="executorch,tflite,onnx", precisions="fp32", seq_lens=[16, 32])
    assert m.task == "token-classification"
    assert all(a.outputs[0].shape[-1] == len(LABELS) and len(a.outputs[0].shape) == 3 for a in m.artifacts)
    return out


def _hf_logits(ckpt: Path, text: str) -> np.ndarray:
    import torch

    tok = transformers.AlbertTokenizer.from_pretrained(str(ckpt))
    model = transformers.AlbertForTokenClassification.from_pretrained(str(ckpt)).eval()
    enc = tok(text, return_tensors="pt")
    with torch.no_grad():
        return model(**enc).logits[0].numpy()


@pytest.mark.parametrize("name", ["model_fp32.pte", "model_fp32.tflite", "model_fp32.onnx"])
def test_artifact_predict_equals_hf_per_token(bundle, ner_ckpt, name):
    from albert_edge import load

    results = load(bundle / name).predict(TEXTS)
    for text, r in zip(TEXTS, results):
        ref = _hf_logits(ner_ckpt, text)
        got = np.asarray(r["logits"])
        assert got.shape == ref.shape and r["pieces"][0] == "[CLS]" and r["pieces"][-1] == "[SEP]"
        assert np.abs(got - ref).max() <= 1e-4
        assert r["labels"] == [LABELS[i] for i in ref.argmax(-1)]
        for w in r["spans"]:  # word spans index the original text
            assert text[w["start"]:w["end"]] == w["text"] and w["text"].strip() == w["text"]


def test_cli_prints_what_the_api_returns(bundle):
    from albert_edge import load

    api = load(bundle / "model_fp32.onnx").predict(TEXTS)
    out = subprocess.run([*CLI, "predict", str(bundle / "model_fp32.onnx"), *TEXTS, "--json"],
                         capture_output=True, text=True, check=True).stdout
    assert [json.loads(line) for line in out.splitlines()] == json.loads(json.dumps(api))


def test_eval_entity_f1_on_word_labeled_data(bundle, ner_ckpt, tmp_path):
    from albert_edge import load
    from albert_edge.evaluate_tokens import _word_labels, evaluate_tokens

    words = [t.split() for t in TEXTS]
    pred = [_word_labels(w, r) for w, r in zip(words, load(ner_ckpt).predict(TEXTS))]
    assert any(lab != "O" for p in pred for lab in p)  # the random head tags something
    data = tmp_path / "ner.jsonl"
    data.write_text("".join(json.dumps({"tokens": w, "tags": t}) + "\n" for w, t in zip(words, pred)))
    assert evaluate_tokens(bundle / "model_fp32.onnx", data)["entity_f1"] == 1.0  # the artifact = the checkpoint
    wrong = [["O"] * len(t) for t in pred]
    data.write_text("".join(json.dumps({"tokens": w, "ner_tags": t}) + "\n" for w, t in zip(words, wrong)))
    m = evaluate_tokens(ner_ckpt, data)
    assert m["entity_f1"] == 0.0 and m["entities_gold"] == 0 and m["entities_pred"] > 0
    out = subprocess.run([*CLI, "eval", str(bundle / "model_fp32.pte"), "--data", str(data), "--json"],
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["entities_pred"] == m["entities_pred"]
