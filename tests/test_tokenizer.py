"""Tokenizer parity with HF transformers' AlbertTokenizer, live and against the golden ids."""

import json
import random

import pytest
import sentencepiece as spm
import transformers

from albert_edge.errors import TokenizerError
from albert_edge.tokenizer import AlbertTokenizer, load_tokenizer, train_tokenizer

from .conftest import ASSETS, SPIECE_DIR


@pytest.fixture(scope="module")
def hf():
    tok = transformers.AlbertTokenizer.from_pretrained(str(SPIECE_DIR))
    # transformers 5 trap: a tokenizer built the wrong way silently has 5 pieces; ours must be the real one
    assert len(tok) == spm.SentencePieceProcessor(model_file=str(SPIECE_DIR / "spiece.model")).get_piece_size()
    return tok


@pytest.fixture(scope="module")
def tok():
    return load_tokenizer(SPIECE_DIR)


def test_golden_ids_cover_real_text(golden_lines):
    assert len(golden_lines) >= 2000


def test_matches_golden_ids(tok, golden_lines):
    gold = [json.loads(l) for l in (ASSETS / "golden_ids.jsonl").read_text().splitlines()]
    mismatches = [l for l, g in zip(golden_lines, gold) if tok.encode(l).ids != g]
    assert not mismatches, mismatches[:5]


def test_matches_hf_live(tok, hf, golden_lines):
    mismatches = [l for l in golden_lines if tok.encode(l).ids != hf(l)["input_ids"]]
    assert not mismatches, mismatches[:5]


def random_text(rng: random.Random) -> str:
    parts = ["Café", "naïve", "ÀÉÎÕÜ", "東京", "😀", "👍🏽", "ＦＵＬＬ", "１２３", "1,000,", "2,5", "  ", "\t", "\u3000",
             "``", "''", "[MASK]", "<unk>", "hello", "WORLD", "!?!?", "...", "ß", "İ", "ﬁ", "x9,", "\u00a0", "’",
             # places where SentencePiece's own normalizer or Python's str.split differ from HF:
             "❤️", "1\u20e3", "नमस्ते", "ภาษาไทย", "\x1c", "\x1f", "▁", "a▁b", "가", "ΣΑΣ", "ǅ", "\u200d", "Å"]
    return "".join(rng.choice(parts) + rng.choice(["", " ", ""]) for _ in range(rng.randint(0, 12)))


@pytest.mark.parametrize("options", [{}, {"keep_accents": True}, {"do_lower_case": False}])
def test_matches_hf_on_random_edge_mixes(options):
    ours = AlbertTokenizer.from_file(SPIECE_DIR / "spiece.model", **options)
    ref = transformers.AlbertTokenizer.from_pretrained(str(SPIECE_DIR), **options)
    rng = random.Random(0)
    texts = [random_text(rng) for _ in range(600)]
    mismatches = [t for t in texts if ours.encode(t).ids != ref(t)["input_ids"]]
    assert not mismatches, mismatches[:5]


def test_pairs_truncation_and_padding_match_hf(tok, hf):
    rng = random.Random(1)
    words = "the cat sat on a mat and it was very happy today because the sun shines".split()
    for _ in range(300):
        a = " ".join(rng.choices(words, k=rng.randint(0, 20)))
        b = " ".join(rng.choices(words, k=rng.randint(0, 20)))
        n = rng.randint(3, 30)
        ref = hf(a, b, truncation="longest_first", max_length=n, return_token_type_ids=True)
        ours = tok.encode(a, b, max_length=n)
        assert (ours.ids, ours.token_type_ids) == (ref["input_ids"], ref["token_type_ids"]), (a, b, n)
        ref = hf(a, truncation=True, max_length=n, padding="max_length")
        ours = tok.encode(a, max_length=n, padding=True)
        assert (ours.ids, ours.attention_mask) == (ref["input_ids"], ref["attention_mask"])


def test_special_ids_come_from_the_model(tok):
    sp = spm.SentencePieceProcessor(model_file=str(SPIECE_DIR / "spiece.model"))
    assert tok.special_ids == {r: sp.piece_to_id(p) for r, p in
                               {"pad": "<pad>", "unk": "<unk>", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}.items()}
    assert tok.encode("").ids == [tok.special_ids["cls"], tok.special_ids["sep"]]


def test_digit_comma_split_is_the_original_albert_rule(tmp_path):
    from sentencepiece import sentencepiece_model_pb2 as pb

    # The golden model has no piece like "▁12,": add two so the rule has something to split.
    proto = pb.ModelProto()
    proto.ParseFromString((SPIECE_DIR / "spiece.model").read_bytes())
    for piece in ("▁12,", "5,"):
        proto.pieces.add(piece=piece, score=0.0, type=pb.ModelProto.SentencePiece.NORMAL)
    (tmp_path / "spiece.model").write_bytes(proto.SerializeToString())
    (tmp_path / "tokenizer_config.json").write_text((SPIECE_DIR / "tokenizer_config.json").read_text())
    plain = AlbertTokenizer.from_file(tmp_path / "spiece.model")
    legacy = AlbertTokenizer.from_file(tmp_path / "spiece.model", split_digit_comma=True)
    assert plain.tokenize("12, x25,") == ["▁12,", "▁", "x", "2", "5,"]
    assert legacy.tokenize("12, x25,") == ["▁12", ",", "▁", "x", "2", "5", ","]
    hf = transformers.AlbertTokenizer.from_pretrained(str(tmp_path))  # transformers 5: no split
    assert plain.encode("12, x25,").ids == hf("12, x25,")["input_ids"]


def test_batch_pads_to_longest_and_flags_truncation(tok):
    b = tok.batch(["a b c d e f g h", "hi"], max_length=6)
    assert b["input_ids"].shape == (2, 6)
    assert b["attention_mask"][1].tolist()[-1] == 0
    assert b["truncated"] == [True, False]


def test_train_tokenizer_has_albert_layout(tmp_path):
    text = tmp_path / "t.txt"
    text.write_text("\n".join(f"Sentence number {i} about Café and cats." for i in range(400)), encoding="utf-8")
    path = train_tokenizer([text], tmp_path / "tok", vocab_size=60)
    sp = spm.SentencePieceProcessor(model_file=str(path))
    assert [sp.id_to_piece(i) for i in range(5)] == ["<pad>", "<unk>", "[CLS]", "[SEP]", "[MASK]"]
    hf = transformers.AlbertTokenizer.from_pretrained(str(tmp_path / "tok"))
    ours = load_tokenizer(tmp_path / "tok")
    assert len(hf) == sp.get_piece_size()
    assert ours.encode("café CATS 12").ids == hf("café CATS 12")["input_ids"]


@pytest.mark.parametrize("content,match", [(b"not a model", "not a SentencePiece model"), (None, "not found")])
def test_bad_model_file(tmp_path, content, match):
    p = tmp_path / "spiece.model"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(TokenizerError, match=match):
        AlbertTokenizer.from_file(p)


def test_model_max_length_is_recorded_and_read(tmp_path):
    from albert_edge.tokenizer import model_max_length, set_model_max_length

    assert model_max_length(tmp_path) is None  # no tokenizer_config.json
    (tmp_path / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "AlbertTokenizer",
                                                                 "model_max_length": 1000000000000000019884624838656}))
    assert model_max_length(tmp_path) is None  # HF's "unset"
    set_model_max_length(tmp_path, 96)
    conf = json.loads((tmp_path / "tokenizer_config.json").read_text())
    assert model_max_length(tmp_path) == 96 and conf["tokenizer_class"] == "AlbertTokenizer"
