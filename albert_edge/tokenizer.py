"""ALBERT tokenization, id-for-id identical to Hugging Face's `AlbertTokenizer` (transformers 5), and training.

The `.model` file holds only SentencePiece's vocabulary and charsmap; ALBERT adds preprocessing that every runtime
must redo. We build HF's own pipeline with the `tokenizers` library (the engine behind `AlbertTokenizer`) from the
SentencePiece model: `` and '' -> ", NFKD + strip every Unicode mark (unless keep_accents), lowercase, the model's
precompiled charsmap, split on whitespace, "▁" before each word, unigram Viterbi. Why not `sp.encode`: SentencePiece
differs from HF in places a user meets (exact score ties, "!?!?!?!?"; marks such as U+FE0F that HF strips; HF's
per-grapheme charsmap matching), and HF is the reference the model was fine-tuned with. `split_digit_comma=True` adds
the original ALBERT / transformers-4 split of pieces like "12," -> "12", ",". Special ids are read from the model.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .errors import TokenizerError
from .files import write_atomic

SPIECE_UNDERLINE = "\u2581"
SPECIAL_PIECES = {"pad": "<pad>", "unk": "<unk>", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}


@dataclass
class Encoding:
    ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    pieces: list[str]
    truncated: bool = False


@dataclass
class AlbertTokenizer:
    model_proto: bytes
    do_lower_case: bool = True
    keep_accents: bool = False
    split_digit_comma: bool = False
    special_ids: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor()
        try:
            self.sp.LoadFromSerializedProto(self.model_proto)
        except (RuntimeError, OSError, TypeError) as e:
            raise TokenizerError(f"not a SentencePiece model ({str(e).splitlines()[0] if str(e) else e})") from None
        self.special_ids = {}
        for role, piece in SPECIAL_PIECES.items():
            pid = self.sp.PieceToId(piece)
            if piece != "<unk>" and pid == self.sp.unk_id():
                raise TokenizerError(f"SentencePiece model has no {piece} piece; train it with `albert-edge tokenizer-train`")
            self.special_ids[role] = pid
        self._hf = _hf_pipeline(self.sp, self.model_proto, lower=self.do_lower_case, keep_accents=self.keep_accents)
        # Longest first so "[MASK]" never loses to a shorter special token at the same position.
        specials = sorted(SPECIAL_PIECES.values(), key=len, reverse=True)
        self._special_re = re.compile("(" + "|".join(re.escape(s) for s in specials) + ")")

    # -- construction -------------------------------------------------------------------------------------------
    @classmethod
    def from_file(cls, path: str | os.PathLike, **options) -> "AlbertTokenizer":
        path = Path(path)
        if not path.is_file():
            raise TokenizerError(f"{path}: SentencePiece model not found")
        try:
            return cls(path.read_bytes(), **options)
        except TokenizerError as e:
            raise TokenizerError(f"{path}: {e}") from None

    @property
    def vocab_size(self) -> int:
        return self.sp.GetPieceSize()

    @property
    def settings(self) -> dict:
        return {"do_lower_case": self.do_lower_case, "keep_accents": self.keep_accents,
                "split_digit_comma": self.split_digit_comma}

    # -- the text pipeline --------------------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """The text as the unigram model sees it (before whitespace splitting)."""
        return self._hf.normalizer.normalize_str(text)

    def _pieces(self, text: str) -> list[str]:
        pieces = self._hf.encode(text, add_special_tokens=False).tokens
        if not self.split_digit_comma:
            return pieces
        out: list[str] = []
        for piece in pieces:
            # Original ALBERT (and transformers <= 4) split "12," into "12" + ","; transformers 5 does not.
            if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit():
                cur = self._hf.encode(piece[:-1].replace(SPIECE_UNDERLINE, ""), add_special_tokens=False).tokens
                if piece[0] != SPIECE_UNDERLINE and cur and cur[0][0] == SPIECE_UNDERLINE:
                    cur = cur[1:] if len(cur[0]) == 1 else [cur[0][1:], *cur[1:]]
                out.extend(cur)
                out.append(",")
            else:
                out.append(piece)
        return out

    def tokenize(self, text: str) -> list[str]:
        """Pieces of `text`, special tokens typed in it kept whole (as HF's slow tokenizer does)."""
        out: list[str] = []
        for i, chunk in enumerate(self._special_re.split(text)):
            if i % 2:
                out.append(chunk)
            elif chunk:
                out.extend(self._pieces(chunk))
        return out

    def convert_pieces(self, pieces: list[str]) -> list[int]:
        return [self.sp.PieceToId(p) for p in pieces]

    def encode(self, text: str, pair: str | None = None, *, max_length: int | None = None,
               padding: bool = False) -> Encoding:
        """`[CLS] A [SEP] (B [SEP])`; longest_first truncation to max_length; optional padding to max_length."""
        pair = pair or None  # HF treats an empty second text as no pair at all
        a, b = self.tokenize(text), self.tokenize(pair) if pair is not None else None
        truncated = False
        if max_length is not None:
            budget = max_length - (3 if b is not None else 2)
            if budget < 0:
                raise TokenizerError(f"max_length {max_length} leaves no room for the special tokens")
            if b is None:
                truncated, a = len(a) > budget, a[:budget]
            elif len(a) + len(b) > budget:
                # HF tokenizers' longest_first: the shorter keeps what it can; if both are long, they split the budget
                # and the longer one (the second on a tie) gets the odd token.
                short = min(len(a), len(b))
                keep_long = short if short > budget else max(short, budget - short)
                if short + keep_long > budget:
                    short, keep_long = budget // 2, budget // 2 + budget % 2
                na, nb = (keep_long, short) if len(a) > len(b) else (short, keep_long)
                truncated, a, b = True, a[:na], b[:nb]
        cls, sep = "[CLS]", "[SEP]"
        pieces = [cls, *a, sep] + ([*b, sep] if b is not None else [])
        types = [0] * (len(a) + 2) + ([1] * (len(b) + 1) if b is not None else [])
        ids = self.convert_pieces(pieces)
        mask = [1] * len(ids)
        if padding and max_length is not None and len(ids) < max_length:
            n = max_length - len(ids)
            ids += [self.special_ids["pad"]] * n
            types += [0] * n
            mask += [0] * n
            pieces += ["<pad>"] * n
        return Encoding(ids=ids, token_type_ids=types, attention_mask=mask, pieces=pieces, truncated=truncated)

    def batch(self, texts: list[str], pairs: list[str] | None = None, *, max_length: int,
              pad_to: int | None = None) -> dict:
        """Tensors for a batch: padded to the longest (or `pad_to`), truncated to max_length."""
        import torch

        encs = [self.encode(t, pairs[i] if pairs else None, max_length=max_length) for i, t in enumerate(texts)]
        width = pad_to or max(len(e.ids) for e in encs)
        pad = self.special_ids["pad"]

        def padded(rows, value):
            return torch.tensor([r + [value] * (width - len(r)) for r in rows], dtype=torch.long)

        return {
            "input_ids": padded([e.ids for e in encs], pad),
            "attention_mask": padded([e.attention_mask for e in encs], 0),
            "token_type_ids": padded([e.token_type_ids for e in encs], 0),
            "truncated": [e.truncated for e in encs],
        }


def load_tokenizer(folder_or_file: str | os.PathLike) -> AlbertTokenizer:
    """From a folder (spiece.model + optional tokenizer_config.json) or a `.model` file."""
    p = Path(folder_or_file)
    model = p / "spiece.model" if p.is_dir() else p
    options = {}
    conf = model.parent / "tokenizer_config.json"
    if conf.is_file():
        try:
            raw = json.loads(conf.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise TokenizerError(f"{conf}: not valid JSON ({e})") from None
        options = {k: bool(raw[k]) for k in ("do_lower_case", "keep_accents", "split_digit_comma")
                   if k in raw}
    return AlbertTokenizer.from_file(model, **options)


def train_tokenizer(files: list[str | os.PathLike], out_dir: str | os.PathLike, *, vocab_size: int = 8000,
                    input_sentence_size: int = 2_000_000, seed: int = 0, lowercase: bool = True) -> Path:
    """Train a unigram SentencePiece model laid out as ALBERT's: <pad>=0 <unk>=1 [CLS]=2 [SEP]=3 [MASK]=4.

    Text is ALBERT-preprocessed first (lowercase, accents stripped) so the vocabulary matches what it will see.
    """
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pre = _text_normalizer(lower=lowercase, keep_accents=False)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.txt"
        n = 0
        with corpus.open("w", encoding="utf-8") as f:
            for path in files:
                try:
                    lines = Path(path).read_text(encoding="utf-8", errors="replace").splitlines()
                except OSError as e:
                    raise TokenizerError(f"{path}: cannot read training text ({e.strerror})") from None
                for line in lines:
                    line = " ".join(pre.normalize_str(line).split())
                    if line:
                        f.write(line + "\n")
                        n += 1
        if n == 0:
            raise TokenizerError("no text to train the tokenizer on: the files are empty")
        prefix = Path(tmp) / "spiece"
        try:
            _train(spm, corpus, prefix, vocab_size, input_sentence_size, seed)
        except RuntimeError as e:
            raise TokenizerError(f"SentencePiece training failed: {str(e).splitlines()[0]}") from None
        target = out_dir / "spiece.model"
        write_atomic(target, prefix.with_suffix(".model").read_bytes())
    write_atomic(out_dir / "tokenizer_config.json", json.dumps({
        "tokenizer_class": "AlbertTokenizer", "do_lower_case": lowercase, "remove_space": True, "keep_accents": False,
        "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>", "sep_token": "[SEP]", "pad_token": "<pad>",
        "cls_token": "[CLS]", "mask_token": "[MASK]", "model_max_length": 512}, indent=2).encode("utf-8") + b"\n")
    return target


def _text_normalizer(*, lower: bool, keep_accents: bool, charsmap: bytes | None = None):
    from tokenizers import normalizers

    steps = [normalizers.Replace("``", '"'), normalizers.Replace("''", '"')]
    if not keep_accents:
        steps += [normalizers.NFKD(), normalizers.StripAccents()]
    if lower:
        steps.append(normalizers.Lowercase())
    if charsmap:
        steps.append(normalizers.Precompiled(charsmap))
    return normalizers.Sequence(steps)


def _hf_pipeline(sp, model_proto: bytes, *, lower: bool, keep_accents: bool):
    """The same `tokenizers.Tokenizer` transformers 5 builds for AlbertTokenizer (normalizer, pre-tokenizer, model)."""
    from sentencepiece import sentencepiece_model_pb2 as pb
    from tokenizers import Tokenizer, pre_tokenizers
    from tokenizers.models import Unigram

    proto = pb.ModelProto()
    proto.ParseFromString(model_proto)
    vocab = [(p.piece, p.score) for p in proto.pieces]
    tok = Tokenizer(Unigram(vocab, unk_id=sp.unk_id(), byte_fallback=False))
    tok.normalizer = _text_normalizer(lower=lower, keep_accents=keep_accents,
                                      charsmap=proto.normalizer_spec.precompiled_charsmap)
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=SPIECE_UNDERLINE, prepend_scheme="always")])
    return tok


def _train(spm, corpus: Path, prefix: Path, vocab_size: int, input_sentence_size: int, seed: int) -> None:
    spm.set_random_generator_seed(seed)  # deterministic sampling of the input sentences
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), model_type="unigram", vocab_size=vocab_size,
        pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, pad_piece="<pad>", unk_piece="<unk>",
        control_symbols=["[CLS]", "[SEP]", "[MASK]"], character_coverage=0.9995,
        input_sentence_size=input_sentence_size, shuffle_input_sentence=True,
        num_threads=1, minloglevel=2,
    )
