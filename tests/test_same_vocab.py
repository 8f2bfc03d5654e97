"""training/same_vocab.py: a student that reads an ALBERT teacher's own WordPiece vocabulary (the Chinese ALBERT
family's tokenizer) — embeddings copied, hidden states transferred — inside `run` and on its own."""

import json

import pytest

from tests.test_pipeline import NEG, NEU, POS, write_data

transformers = pytest.importorskip("transformers")
LABELS = ["negative", "neutral", "positive"]


@pytest.fixture(scope="module")
def albert_teacher(tmp_path_factory):
    """A random HF AlbertForSequenceClassification (E=128 like ALBERT's presets, H=64) with a WordPiece vocab.txt."""
    import torch
    from transformers import AlbertConfig, AlbertForSequenceClassification, BertTokenizer

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "caf", "##e", "was", "and", "number"] + POS + NEG \
        + NEU + [str(i) for i in range(17)] + list("我很喜欢差")
    folder = tmp_path_factory.mktemp("albert") / "teacher"
    torch.manual_seed(0)
    AlbertForSequenceClassification(AlbertConfig(
        vocab_size=len(words), embedding_size=128, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
        intermediate_size=128, max_position_embeddings=64, id2label=dict(enumerate(LABELS)),
        label2id={n: i for i, n in enumerate(LABELS)})).save_pretrained(folder)
    BertTokenizer(vocab={w: i for i, w in enumerate(words)}).save_pretrained(folder)
    (folder / "vocab.txt").write_text("".join(w + "\n" for w in words), encoding="utf-8")  # as the hub's ship it
    return folder


def test_run_student_reads_the_albert_teachers_vocabulary(tmp_path, albert_teacher):
    pytest.importorskip("sklearn")
    from albert_edge.pipeline import RunConfig, run

    data = write_data(tmp_path / "d.csv")
    logs = []
    r = run(RunConfig(out=str(tmp_path / "run"), mode="smoke", data=str(data), label_column="sentiment",
                      teacher=str(albert_teacher), convert=False, progress=False,
                      overrides={"student_epochs": 2, "same_vocab": True}), log=logs.append)  # --student-vocab teacher
    student = tmp_path / "run" / "student"
    assert (student / "vocab.txt").read_bytes() == (albert_teacher / "vocab.txt").read_bytes()
    assert not (student / "spiece.model").exists()
    assert json.loads((student / "config.json").read_text())["vocab_size"] == \
        json.loads((albert_teacher / "config.json").read_text())["vocab_size"]
    note = r["student_fp32"]["note"]
    assert "reads the teacher's vocabulary, embeddings copied from it, hidden-state transfer weight 1.0" in note
    assert r["plan"]["knobs"]["hidden_weight"] == 1.0 and "student_embed_init" not in r["stages"]
    assert any("the student reads the teacher's vocabulary" in m for m in logs)


def test_embeddings_copied_exactly_and_hidden_states_learned(tmp_path, albert_teacher):
    import torch

    from albert_edge.distill import DistillConfig, distill, student_preset
    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.teacher import load_teacher
    from albert_edge.tokenizer import load_tokenizer
    from albert_edge.training.same_vocab import HiddenTransfer, albert_encoder, teacher_embedding_state

    teacher = load_teacher(albert_teacher)
    enc = albert_encoder(teacher.model)
    tok = load_tokenizer(albert_teacher)
    mcfg = student_preset("micro", vocab_size=tok.vocab_size, labels=LABELS, max_length=32)
    mcfg.embedding_size = 128
    state = teacher_embedding_state(enc, 128, mcfg.max_position_embeddings)
    texts = [f"the {a} and {b}" for a in POS + NEG for b in NEU]
    # lr 0: what the checkpoint holds is exactly what training started from
    res = distill(tmp_path / "s0", cfg=DistillConfig(epochs=1, batch_size=8, lr=0.0, max_length=32, weight_decay=0.0,
                                                     hidden_weight=1.0),
                  model_config=mcfg, tokenizer_dir=albert_teacher, train_texts=texts, train_labels=[0] * len(texts),
                  teacher_logits=None, init_state=state, hidden_transfer=HiddenTransfer(enc, mcfg.hidden_size),
                  progress=False, log=lambda m: None)
    got = load_checkpoint(res.best).model.state_dict()
    for k, v in state.items():
        assert torch.equal(got[k], v), k
    assert teacher_embedding_state(enc, 64, 32) is None  # another E: nothing copied

    # the hidden loss falls when the student (and its projection) learn it
    torch.manual_seed(0)
    from albert_edge.model import AlbertForSequenceClassification

    student = AlbertForSequenceClassification(mcfg)
    hidden = HiddenTransfer(enc, mcfg.hidden_size)
    enc_ids = tok.batch(texts[:16], max_length=32)
    ids, mask = enc_ids["input_ids"], enc_ids["attention_mask"]
    opt = torch.optim.Adam(list(student.parameters()) + list(hidden.proj.parameters()), lr=3e-3)
    losses = []
    for _ in range(40):
        loss = hidden.loss(ids, mask, student.forward_features(ids, mask)[1])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert not any(p.requires_grad for p in enc.parameters())  # the teacher is never trained


def test_tokenizer_that_differs_from_hf_is_not_shared(albert_teacher):
    from albert_edge.training.same_vocab import shared_tokenizer_folder

    logs = []
    wrong = lambda texts, **kw: {"input_ids": [[2, 1, 3] for _ in texts]}  # noqa: E731  an HF tokenizer that disagrees
    assert shared_tokenizer_folder(albert_teacher, wrong, ["the good and bad"], 32, logs.append) is None
    assert "differs from the teacher's HF tokenizer on 1 of 1" in logs[0]
    right = transformers.AutoTokenizer.from_pretrained(str(albert_teacher))
    shared = shared_tokenizer_folder(albert_teacher, right, ["the good and bad 我很喜欢"], 32, logs.append)
    assert shared == albert_teacher
