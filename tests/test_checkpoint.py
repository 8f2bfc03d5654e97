"""HF folder I/O: round trips with transformers both ways, and every malformed folder refused with one clear line."""

import json
import shutil
from pathlib import Path

import pytest
import torch
import transformers

from albert_edge.checkpoint import load_checkpoint, new_model
from albert_edge.errors import CheckpointError
from albert_edge.model import AlbertConfig

from .conftest import SPIECE_DIR, SPIECE_VOCAB

IDS = torch.tensor([[2, 45, 99, 7, 3, 0, 0], [2, 11, 12, 13, 14, 15, 3]])
MASK = (IDS != 0).long()


def test_transformers_loads_what_we_write(tiny_ckpt):
    ours = load_checkpoint(tiny_ckpt).model
    hf = transformers.AutoModelForSequenceClassification.from_pretrained(tiny_ckpt).eval()
    with torch.no_grad():
        assert (ours(IDS, MASK) - hf(input_ids=IDS, attention_mask=MASK).logits).abs().max() < 1e-6
    assert hf.config.id2label == {0: "negative", 1: "neutral", 2: "positive"}
    tok = transformers.AutoTokenizer.from_pretrained(tiny_ckpt)
    assert len(tok) == SPIECE_VOCAB


@pytest.mark.parametrize("arch", ["AlbertForSequenceClassification", "AlbertForMaskedLM", "AlbertModel"])
def test_we_load_what_transformers_writes(tmp_path, arch):
    cfg = AlbertConfig.micro(vocab_size=SPIECE_VOCAB, num_hidden_groups=2, num_hidden_layers=2, inner_group_num=2)
    torch.manual_seed(0)
    hf = getattr(transformers, arch)(transformers.AlbertConfig(**cfg.to_hf_dict())).eval()
    hf.save_pretrained(tmp_path)
    shutil.copy(SPIECE_DIR / "spiece.model", tmp_path)
    task = "AlbertForSequenceClassification" if arch == "AlbertModel" else None
    if arch == "AlbertModel":  # a bare encoder has no classifier: loading it as a classifier must name the key
        with pytest.raises(CheckpointError, match="missing key classifier.weight"):
            load_checkpoint(tmp_path, task=task)
        return
    ck = load_checkpoint(tmp_path)
    assert type(ck.model).__name__ == arch
    with torch.no_grad():
        assert (ck.model(IDS, MASK) - hf(input_ids=IDS, attention_mask=MASK).logits).abs().max() < 1e-5


def test_plain_state_dict_bin_loads(tmp_path, tiny_ckpt):
    ck = load_checkpoint(tiny_ckpt)
    shutil.copy(tiny_ckpt / "config.json", tmp_path)
    shutil.copy(tiny_ckpt / "spiece.model", tmp_path)
    torch.save(ck.model.state_dict(), tmp_path / "pytorch_model.bin")
    with torch.no_grad():
        assert torch.equal(load_checkpoint(tmp_path).model(IDS, MASK), ck.model(IDS, MASK))


class Evil:
    def __reduce__(self):
        return (Path("/tmp/albert_edge_pwned").touch, ())


def test_pickled_code_in_bin_is_refused_and_not_executed(tmp_path, tiny_ckpt):
    shutil.copy(tiny_ckpt / "config.json", tmp_path)
    torch.save({"x": Evil()}, tmp_path / "pytorch_model.bin")
    Path("/tmp/albert_edge_pwned").unlink(missing_ok=True)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(tmp_path)
    assert not Path("/tmp/albert_edge_pwned").exists()


def copy_ckpt(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


@pytest.mark.parametrize("case,match", [
    ("no-config", "config.json missing"),
    ("bad-json", "not valid JSON"),
    ("not-albert", "model_type is 'bert'"),
    ("no-weights", "no weights"),
    ("truncated", "truncated"),
    ("wrong-shape", r"shape \(1000, 16\), expected \(3000, 16\)"),
    ("extra-key", "unexpected key"),
    ("missing-key", "missing key albert.pooler.weight"),
    ("no-spiece", "spiece.model missing"),
    ("vocab-mismatch", "tokenizer has 3000 entries but config.json says vocab_size 3001"),
    ("both-tokenizers", "both spiece.model and vocab.txt"),
    ("unknown-tokenizer-class", "tokenizer_class 'GPT2Tokenizer' is not supported"),
    ("unknown-tokenizer-json", "tokenizer model 'BPE' is not supported"),
])
def test_bad_checkpoints_fail_with_one_clear_line(tmp_path, tiny_ckpt, case, match):
    from safetensors.torch import load_file, save_file

    d = copy_ckpt(tiny_ckpt, tmp_path / "c")
    st = d / "model.safetensors"
    conf = json.loads((d / "config.json").read_text())
    if case == "no-config":
        (d / "config.json").unlink()
    elif case == "bad-json":
        (d / "config.json").write_text("{ not json")
    elif case == "not-albert":
        (d / "config.json").write_text(json.dumps(conf | {"model_type": "bert"}))
    elif case == "no-weights":
        st.unlink()
    elif case == "truncated":
        st.write_bytes(st.read_bytes()[: st.stat().st_size // 2])
    elif case in ("wrong-shape", "extra-key", "missing-key"):
        sd = load_file(st)
        if case == "wrong-shape":
            sd["albert.embeddings.word_embeddings.weight"] = torch.zeros(1000, 16)
        elif case == "extra-key":
            sd["albert.encoder.extra.weight"] = torch.zeros(2)
        else:
            del sd["albert.pooler.weight"]
        save_file(sd, st)
    elif case == "no-spiece":
        (d / "spiece.model").unlink()
    elif case == "both-tokenizers":
        (d / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n")
    elif case == "unknown-tokenizer-class":
        (d / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "GPT2Tokenizer"}))
    elif case == "unknown-tokenizer-json":
        (d / "tokenizer.json").write_text(json.dumps({"model": {"type": "BPE"}}))
    elif case == "vocab-mismatch":
        sd = load_file(st)
        sd["albert.embeddings.word_embeddings.weight"] = torch.zeros(3001, 16)
        save_file(sd, st)
        (d / "config.json").write_text(json.dumps(conf | {"vocab_size": 3001}))
    with pytest.raises(CheckpointError, match=match) as e:
        load_checkpoint(d)
    assert "\n" not in str(e.value)


def test_save_is_atomic_and_leaves_nothing_on_failure(tmp_path, monkeypatch):
    import albert_edge.checkpoint as C

    model = new_model(AlbertConfig.micro(vocab_size=SPIECE_VOCAB))
    monkeypatch.setattr("safetensors.torch.save_file", lambda *a, **k: (_ for _ in ()).throw(OSError("disk full")))
    with pytest.raises(OSError):
        C.save_checkpoint(model, tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def test_wordpiece_checkpoint_loads_and_checks_its_vocab_size(tmp_path):
    """A Chinese-style ALBERT: BertTokenizer files (vocab.txt, tokenizer_config.json), no spiece.model."""
    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "我", "喜", "欢", "##欢", "good"]
    tok_dir = tmp_path / "tok"
    tok_dir.mkdir()
    (tok_dir / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    (tok_dir / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer"}))
    cfg = AlbertConfig.micro(vocab_size=len(vocab), id2label={0: "neg", 1: "pos"})
    ck = save_checkpoint(new_model(cfg), tmp_path / "ck", tokenizer_dir=tok_dir)
    loaded = load_checkpoint(ck)
    assert loaded.tokenizer_path.name == "vocab.txt"
    (ck / "vocab.txt").write_text("\n".join(vocab[:-1]) + "\n", encoding="utf-8")
    with pytest.raises(CheckpointError, match="tokenizer has 9 entries but config.json says vocab_size 10"):
        load_checkpoint(ck)
