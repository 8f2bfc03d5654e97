"""A spiece.model that a plain SentencePiece runtime (MediaPipe, TFLite Task, `sentencepiece`, ExecuTorch's
pytorch_tokenizers) tokenizes like HF's AlbertTokenizer, without ALBERT's preprocessing code.

ALBERT's preprocessing (`` and '' -> ", NFKD + mark stripping, lowercasing) runs outside the `.model` file. We fold it
into the model's normalizer: every code point (and the two quote pairs) is mapped to what HF's whole normalizer
(preprocessing + the model's own charsmap) makes of it, Unicode whitespace to " " (HF splits on all of it,
SentencePiece only on " "); sentencepiece's own rule compiler (`normalization_rule_tsv`, run on a throwaway one-line
training) turns those rules into a precompiled charsmap, which replaces the model's. Pieces and scores are untouched.

Not exact everywhere, by construction: SentencePiece emits user-defined symbols whole wherever they occur (HF
weighs them in its Viterbi like any piece), breaks Viterbi score ties and fuses unknown characters its own way, and applies rules per code point where HF
normalizes whole strings (combining sequences with keep_accents). `agreement()` measures the share of texts that get
HF's ids, for convert to record in the manifest and warn about.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

WHITESPACE = {c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and chr(c).isspace()} - {0x1C, 0x1D, 0x1E, 0x1F}


def _hex(s: str) -> str:
    return " ".join(f"{ord(c):X}" for c in s)


def _rules(tok) -> list[str]:
    norm = tok._hf.normalizer
    rules = []
    for cp in range(1, 0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        src = chr(cp)
        out = norm.normalize_str(src)
        if cp in WHITESPACE or (out and all(ord(c) in WHITESPACE for c in out)):
            out = " "
        if out != src:
            rules.append(f"{_hex(src)}\t{_hex(out)}")
    for quote in ("``", "''"):
        rules.append(f"{_hex(quote)}\t{_hex(norm.normalize_str(quote))}")
    return rules


def portable_spiece(tok) -> bytes:
    """`tok`'s SentencePiece model with ALBERT's preprocessing folded into its normalizer (bytes of a .model)."""
    import sentencepiece as spm
    from sentencepiece import sentencepiece_model_pb2 as pb

    with tempfile.TemporaryDirectory() as tmp:
        tsv, corpus = Path(tmp) / "rules.tsv", Path(tmp) / "c.txt"
        tsv.write_text("\n".join(_rules(tok)) + "\n", encoding="utf-8")
        corpus.write_text("abc\n", encoding="utf-8")
        spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(Path(tmp) / "m"), vocab_size=8,
                                       model_type="char", normalization_rule_tsv=str(tsv), minloglevel=2,
                                       hard_vocab_limit=False, num_threads=1)
        compiled = pb.ModelProto()
        compiled.ParseFromString((Path(tmp) / "m.model").read_bytes())
    proto = pb.ModelProto()
    proto.ParseFromString(tok.model_proto)
    spec = proto.normalizer_spec
    spec.name = "albert_edge_portable"
    spec.precompiled_charsmap = compiled.normalizer_spec.precompiled_charsmap
    spec.add_dummy_prefix = True  # HF's Metaspace prepends "▁" to every word
    spec.remove_extra_whitespaces = True  # and its WhitespaceSplit drops runs of whitespace
    spec.escape_whitespaces = True
    proto.trainer_spec.split_digits = False  # HF does not split digits; the pieces decide
    return proto.SerializeToString()


def agreement(tok, texts: list[str], model: bytes | None = None, runtime: str = "sentencepiece") -> float:
    """Share of `texts` on which a plain SentencePiece runtime with the portable model gives `tok`'s ids.

    runtime: "sentencepiece" (the Python/C++ library MediaPipe and TFLite Task embed) or "pytorch_tokenizers"
    (ExecuTorch's CppSPTokenizer). Ids compared are `[CLS] pieces [SEP]`.
    """
    model = model if model is not None else portable_spiece(tok)
    if runtime == "pytorch_tokenizers":
        from pytorch_tokenizers import CppSPTokenizer

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "spiece.model"
            path.write_bytes(model)
            sp = CppSPTokenizer()
            sp.load(str(path))
        encode = lambda t: sp.encode(t, 0, 0)  # noqa: E731  (no BOS/EOS: ALBERT's come from the template)
    else:
        import sentencepiece as spm

        proc = spm.SentencePieceProcessor()
        proc.LoadFromSerializedProto(model)
        encode = proc.encode
    cls, sep = tok.special_ids["cls"], tok.special_ids["sep"]
    same = sum([cls, *encode(t), sep] == tok.encode(t).ids for t in texts)
    return same / len(texts) if texts else 1.0
