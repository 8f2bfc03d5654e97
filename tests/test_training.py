"""training/: KD loss, representation loss, the one no-decay rule, warmup/decay in optimizer steps, the step floor."""

import numpy as np
import pytest
import torch

from albert_edge.training import adamw, kd_loss, plan_steps, representation_loss, warmup_linear


def test_kd_loss():
    s = torch.tensor([[1.0, -1.0], [0.0, 2.0]])
    t = torch.tensor([[3.0, -3.0], [-1.0, 1.0]])
    y = torch.tensor([0, 1])
    ce = torch.nn.functional.cross_entropy(s, y)
    assert torch.allclose(kd_loss(s, t, y, temperature=2.0, alpha=0.0), ce)
    kl = kd_loss(s, t, y, temperature=2.0, alpha=1.0)
    ref = (torch.softmax(t / 2, -1) * (torch.log_softmax(t / 2, -1) - torch.log_softmax(s / 2, -1))).sum(-1).mean() * 4
    assert torch.allclose(kl, ref)
    assert kd_loss(t, t, None, temperature=3.0, alpha=1.0).abs() < 1e-6


def test_representation_loss_ignores_norm():
    a = torch.tensor([[1.0, 2.0, 3.0]])
    assert representation_loss(a, 5 * a).abs() < 1e-6
    assert representation_loss(a, -a) == pytest.approx(2.0)


def test_one_no_decay_rule_for_any_backbone():
    from transformers import BertConfig, BertModel

    bert = BertModel(BertConfig(vocab_size=50, hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
                                intermediate_size=32))
    bert.embeddings.word_embeddings.weight.requires_grad_(False)  # frozen parameters are left out
    opt = adamw(bert.named_parameters(), lr=1e-3, weight_decay=0.1)
    decay, no_decay = (g["params"] for g in opt.param_groups)
    names = {id(p): n for n, p in bert.named_parameters()}
    assert all(p.dim() >= 2 for p in decay) and all(p.dim() == 1 for p in no_decay)
    assert any("LayerNorm" in names[id(p)] for p in no_decay) and any(names[id(p)].endswith("bias") for p in no_decay)
    assert all(p is not bert.embeddings.word_embeddings.weight for p in decay + no_decay)
    assert [g["weight_decay"] for g in opt.param_groups] == [0.1, 0.0]


def test_warmup_then_linear_decay_in_steps():
    p = torch.nn.Parameter(torch.zeros(2, 2))
    opt = adamw([("w", p)], lr=1.0)
    sched = warmup_linear(opt, total_steps=10, warmup=0.2)
    lrs = []
    for _ in range(10):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    assert lrs[:3] == pytest.approx([0.5, 1.0, 1.0]) and lrs[-1] == pytest.approx(0.125)
    assert all(a >= b for a, b in zip(lrs[1:], lrs[2:]))


def test_step_floor_raises_epochs_for_small_data():
    assert plan_steps(40, epochs=3, min_steps=600).epochs == 15  # 3 epochs x 40 batches would be 120 steps
    assert plan_steps(400, epochs=3, min_steps=600).epochs == 3  # enough data: the floor changes nothing
    assert plan_steps(40, epochs=3, min_steps=600, max_epochs=10).total_steps == 400


class _WordTeacher:
    """Stands in for a fine-tuned teacher: a piece's vector is a fixed random vector per surface text, plus a
    'sentiment' direction for words starting with 'g' (as a teacher would put "good", "great" apart)."""
    labels = ["neg", "pos"]

    def features(self, texts, pairs=None, **kw):
        import zlib

        vecs = []
        for t in texts:
            v = np.random.default_rng(zlib.crc32(t.encode())).normal(size=48).astype(np.float32)
            v[0] += 20.0 if t.startswith("g") else 0.0
            vecs.append(v)
        return np.zeros((len(texts), 2), np.float32), np.stack(vecs)


def test_student_embeddings_start_from_the_teachers_view_of_each_piece(spiece_dir):
    from albert_edge.tokenizer import load_tokenizer
    from albert_edge.training.embed_init import piece_surfaces, teacher_piece_embeddings

    tok = load_tokenizer(spiece_dir)
    surf = piece_surfaces(tok)
    assert all(surf[i] is None for i in tok.special_ids.values())
    assert all(s is None or ("\u2581" not in s and s == s.strip()) for s in surf)
    rows, mask = teacher_piece_embeddings(_WordTeacher(), tok, dim=16, std=0.02)
    assert rows.shape == (tok.vocab_size, 16) and rows.dtype == np.float32
    assert mask.sum() == sum(s is not None for s in surf) and not mask[tok.special_ids["pad"]]
    assert abs(float(rows[mask].std()) - 0.02) < 1e-3 and not rows[~mask].any()
    # the teacher's strongest direction survives the reduction to E: "g..." pieces stand apart on one axis
    g = np.array([s is not None and s.startswith("g") for s in surf])
    top = np.abs(rows[g].mean(0) - rows[mask & ~g].mean(0)).argmax()
    assert abs(rows[g, top].mean() - rows[mask & ~g, top].mean()) > rows[mask, top].std()


def test_teacher_narrower_than_the_student_embedding_fills_what_it_can(spiece_dir):
    from albert_edge.tokenizer import load_tokenizer
    from albert_edge.training.embed_init import teacher_piece_embeddings

    rows, mask = teacher_piece_embeddings(_WordTeacher(), load_tokenizer(spiece_dir), dim=128, std=0.02)
    assert rows.shape[1] == 48 and rows[mask].any()  # distill sets these 48 columns, the other 80 keep their init


def test_wordpiece_surfaces_drop_the_continuation_mark_and_the_specials():
    from albert_edge.tokenizer.wordpiece import WordPieceTokenizer
    from albert_edge.training.embed_init import piece_surfaces

    tok = WordPieceTokenizer("[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n[unused0]\ngood\n##ing\n好\n".encode())
    assert piece_surfaces(tok) == [None] * 6 + ["good", "ing", "好"]


def test_text_cooccurrence_puts_pieces_of_one_topic_together(spiece_dir):
    """An n-gram teacher has no vectors: the student's rows come from its pieces' PPMI within the training texts."""
    import random

    from albert_edge.tokenizer import load_tokenizer
    from albert_edge.training.embed_init import cooccurrence_embeddings

    tok = load_tokenizer(spiece_dir)
    topics = [["storm", "water", "night", "world"], ["food", "money", "house", "car"]]
    rng = random.Random(0)
    texts = [" ".join(rng.choice(topics[k]) for _ in range(8)) for k in (0, 1) * 200]
    rows, mask = cooccurrence_embeddings(tok, texts, dim=4, window=3, min_count=3)
    ids = [[tok.encode(w).ids[1:-1] for w in words] for words in topics]  # between [CLS] and [SEP]
    assert all(len(p) == 1 for words in ids for p in words), "each test word must be one piece"
    a, b = ([p[0] for p in words] for words in ids)
    assert mask[a + b].all() and not mask[tok.special_ids["pad"]] and not rows[~mask].any()
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
    within = np.mean([unit[i] @ unit[j] for g in (a, b) for i in g for j in g if i != j])
    across = np.mean([unit[i] @ unit[j] for i in a for j in b])
    assert within > across + 0.5
    assert cooccurrence_embeddings(tok, texts[:1], dim=4)[1].sum() == 0  # too little text: every row stays random


def test_precision_auto_takes_bf16_only_where_measured_faster():
    import torch

    from albert_edge.errors import InputError
    from albert_edge.training.precision import BF16_MIN_GAIN, Precision, autocast, resolve_precision

    assert resolve_precision("auto", 1.8) is Precision.BF16
    assert resolve_precision("auto", BF16_MIN_GAIN - 0.01) is Precision.FP32
    assert resolve_precision("auto", None) is Precision.FP32
    assert resolve_precision("bf16", 0.5) is Precision.BF16 and resolve_precision("fp32", 3.0) is Precision.FP32
    with pytest.raises(InputError, match="precision='half': choose one of auto, fp32, bf16"):
        resolve_precision("half", 2.0)
    a, b = torch.randn(4, 8), torch.randn(8, 3)
    with autocast(Precision.BF16):
        assert (a @ b).dtype == torch.bfloat16
    with autocast(Precision.FP32):
        assert (a @ b).dtype == torch.float32
