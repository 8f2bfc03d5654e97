"""teacher.py: any HF classifier folder as teacher, fine-tuning a (tiny, random) BERT backbone, the logit cache."""

import numpy as np
import pytest

from albert_edge.data import Dataset

WORDS = "good great fine nice bad awful poor sad the a movie film was is very not really".split()


def _vocab():
    return {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS)}


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A random 1-layer BERT (hidden 32) backbone + a BERT classifier folder with a 20-word WordPiece vocab."""
    import torch
    from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizer

    root = tmp_path_factory.mktemp("bert")
    tok = BertTokenizer(vocab=_vocab())  # transformers 5: vocab_file= silently builds a 5-token vocab; vocab= works
    assert len(tok) == len(_vocab())
    cfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                     intermediate_size=64, max_position_embeddings=64)
    torch.manual_seed(0)
    BertModel(cfg).save_pretrained(root / "backbone")
    tok.save_pretrained(root / "backbone")
    ccfg = BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                      intermediate_size=64, max_position_embeddings=64, id2label={0: "neg", 1: "pos"},
                      label2id={"neg": 0, "pos": 1})
    clf = BertForSequenceClassification(ccfg)
    clf.save_pretrained(root / "clf")
    tok.save_pretrained(root / "clf")
    return root


def synthetic(n, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        pos = i % 2 == 0
        w = rng.choice(WORDS[:4] if pos else WORDS[4:8])
        texts.append(f"the movie was very {w}")
        labels.append("pos" if pos else "neg")
    return Dataset(texts, labels)


def test_any_hf_classifier_is_a_teacher_and_logits_are_cached(tiny_bert, tmp_path):
    from albert_edge.teacher import load_teacher

    t = load_teacher(tiny_bert / "clf")
    assert t.labels == ["neg", "pos"]
    texts = synthetic(20).texts
    a = t.logits(texts, cache=tmp_path / "cache")
    assert a.shape == (20, 2)

    calls = []
    original = t.model.forward

    def counting(*args, **kw):
        calls.append(1)
        return original(*args, **kw)

    t.model.forward = counting
    b = t.logits(texts, cache=tmp_path / "cache")  # a new LogitCache object reading the shards back
    assert not calls and np.allclose(a, b)
    c = t.logits(texts + ["a brand new text"], cache=tmp_path / "cache")
    assert len(calls) == 1 and np.allclose(c[:20], a)
    # another teacher (different weights) never sees these logits
    assert load_teacher(tiny_bert / "clf", max_length=16).identity != t.identity


def test_finetune_tiny_backbone(tiny_bert, tmp_path):
    from albert_edge.evaluate import accuracy
    from albert_edge.teacher import finetune_teacher, load_teacher

    train, dev = synthetic(96), synthetic(40, seed=1)
    logs = []
    t = finetune_teacher(tiny_bert / "backbone", train, dev, tmp_path / "teacher", labels=["neg", "pos"], epochs=3,
                         lr=3e-3, batch_size=16, max_length=16, freeze_embeddings=False, progress=False,
                         cache=tmp_path / "logits", log=logs.append)  # a random backbone must learn its embeddings too
    assert len(logs) == 3 and "dev_accuracy" in logs[-1]
    acc = accuracy(dev.label_ids(["neg", "pos"]), t.predict(dev.texts))
    assert acc >= 0.9, acc
    back = load_teacher(tmp_path / "teacher")
    assert back.labels == ["neg", "pos"] and back.identity == t.identity
    assert np.allclose(back.logits(dev.texts), t.logits(dev.texts), atol=1e-5)
    # the kept epoch's dev logits were cached under the saved teacher's identity: what it gives for dev
    from albert_edge.teacher import LogitCache, text_key

    cached = LogitCache(tmp_path / "logits", back.identity)
    rows = np.stack([cached.get(text_key(x)) for x in dev.texts])
    assert np.allclose(rows, back.logits(dev.texts), atol=1e-5)

    # the default freezes the backbone's embedding tables (half of MiniLM; faster on CPU)
    from safetensors.torch import load_file

    frozen = finetune_teacher(tiny_bert / "backbone", train, None, tmp_path / "frozen", labels=["neg", "pos"],
                              epochs=1, lr=3e-3, batch_size=16, max_length=16, progress=False, log=logs.append)
    before, after = load_file(str(tiny_bert / "backbone" / "model.safetensors")), frozen.model.backbone.state_dict()
    key = next(k for k in before if k.endswith("word_embeddings.weight"))
    assert torch_equal(before[key], after[key.removeprefix("bert.")])


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a, b))


def test_bad_teacher_folder(tmp_path):
    from albert_edge.errors import CheckpointError
    from albert_edge.teacher import load_teacher

    with pytest.raises(CheckpointError, match="no config.json"):
        load_teacher(tmp_path)


def test_teacher_command(tiny_bert, tmp_path):
    import json

    from typer.testing import CliRunner

    from albert_edge.cli import app

    ds = synthetic(60)
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"text": t, "label": y}) + "\n"
                                              for t, y in zip(ds.texts, ds.labels)))
    r = CliRunner().invoke(app, ["teacher", "--data", str(tmp_path / "d.jsonl"), "--out", str(tmp_path / "t"),
                                 "--backbone", str(tiny_bert / "backbone"), "--epochs", "1", "--max-length", "16"])
    assert r.exit_code == 0, r.output
    assert "dev accuracy" in r.output and (tmp_path / "t" / "albert_edge_teacher.json").is_file()
    assert (tmp_path / "t-data" / "splits.json").is_file()  # no --dev: the 90/10 split is written down


def test_align_labels():
    from albert_edge.errors import DataError
    from albert_edge.teacher import align_labels

    assert align_labels(["pos", "neg"], ["neg", "pos"]) == ["pos", "neg"]  # the teacher's order is kept
    with pytest.raises(DataError, match=r"labels \['LABEL_0', 'LABEL_1'\] differ from the data's \['neg', 'pos'\]"):
        align_labels(["LABEL_0", "LABEL_1"], ["neg", "pos"])


def test_features_are_logits_plus_pooled_vectors(tiny_bert, tmp_path):
    """One pass gives both; any HF classifier and our mean-pooling teacher; cached apart from plain logits."""
    from albert_edge.teacher import finetune_teacher, load_teacher

    texts = synthetic(12).texts
    ours = finetune_teacher(tiny_bert / "backbone", synthetic(32), None, tmp_path / "t", labels=["neg", "pos"],
                            epochs=1, batch_size=16, max_length=16, progress=False, log=lambda m: None)
    for t in (load_teacher(tiny_bert / "clf"), ours):
        lg, vec = t.features(texts, cache=tmp_path / "cache")
        assert vec.shape == (12, 32) and np.allclose(lg, t.logits(texts, cache=tmp_path / "cache"), atol=1e-5)
        lg2, vec2 = t.features(texts, cache=tmp_path / "cache")
        assert np.array_equal(vec, vec2)
    import torch

    # our teacher's vector is exactly what its head reads
    assert np.allclose(ours.model.head(torch.tensor(vec)).detach().numpy(), lg, atol=1e-5)
