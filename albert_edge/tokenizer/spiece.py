"""SentencePiece ALBERT tokenization, id-for-id identical to Hugging Face's `AlbertTokenizer` (transformers 5).

The `.model` file holds only SentencePiece's vocabulary and charsmap; ALBERT adds preprocessing that every runtime
must redo. We build HF's own pipeline with the `tokenizers` library (the engine behind `AlbertTokenizer`) from the
SentencePiece model, as transformers 5 does: the model's CONTROL pieces (and the five ALBERT special tokens) become
added tokens matched on the raw text (leftmost-longest, before any normalization); its USER_DEFINED pieces stay
pieces of the model, as SentencePiece emits them (transformers 5.25 made them so for Unigram, which ALBERT always
builds; up to 5.24 they were added tokens too, splitting the raw text: `non-European` -> `▁non - ▁european`, now
`▁no n - e ur op e an`; we match 5.25 and later, and `dev` pins it); the rest of the
text gets `` and '' -> ", NFKD + strip every Unicode mark (unless keep_accents), lowercase, the model's precompiled
charsmap, split on whitespace, "▁" before each word, unigram Viterbi over all pieces with their scores (whatever the
model's own type — unigram or BPE — or its byte_fallback, split_digits, add_dummy_prefix and whitespace options
say: HF ignores them, and HF is the reference the model was fine-tuned with). Why not `sp.encode`: SentencePiece
differs from HF in places a user meets (exact score ties, "!?!?!?!?"; marks such as U+FE0F that HF strips; HF's
per-grapheme charsmap matching). `split_digit_comma=True` adds the
original ALBERT / transformers-4 split of pieces like "12," -> "12", ",". Special ids are read from the model.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import TokenizerError, first_line
from .base import BaseTokenizer

SPIECE_UNDERLINE = "\u2581"
SPECIAL_PIECES = {"pad": "<pad>", "unk": "<unk>", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
CONTROL = 3  # sentencepiece_model.proto SentencePiece.Type
HF_UNK_ID = 1  # transformers 5 AlbertTokenizer builds its Unigram with unk_id=1 whatever the model says


def parse_model(model_proto: bytes):
    """The ModelProto of a SentencePiece model, or TokenizerError with one line."""
    from google.protobuf.message import DecodeError
    from sentencepiece import sentencepiece_model_pb2 as pb

    proto = pb.ModelProto()
    try:
        proto.ParseFromString(bytes(model_proto))
    except (DecodeError, RuntimeError, ValueError, TypeError) as e:
        raise TokenizerError(f"not a SentencePiece model ({first_line(e)})") from None
    if not proto.pieces:
        raise TokenizerError("not a SentencePiece model (no pieces)")
    return proto


class AlbertTokenizer(BaseTokenizer):
    kind = "sentencepiece"

    def __init__(self, model_proto: bytes, do_lower_case: bool = True, keep_accents: bool = False,
                 split_digit_comma: bool = False, **_ignored) -> None:
        import sentencepiece as spm

        self.model_proto = bytes(model_proto)
        self.do_lower_case, self.keep_accents, self.split_digit_comma = do_lower_case, keep_accents, split_digit_comma
        proto = parse_model(self.model_proto)
        self.sp = spm.SentencePieceProcessor()
        try:  # the C++ loader also checks the charsmap and the pieces (duplicates, empty pieces)
            self.sp.LoadFromSerializedProto(self.model_proto)
        except (RuntimeError, OSError, TypeError) as e:
            raise TokenizerError(f"not a SentencePiece model ({first_line(e)})") from None
        if self.sp.unk_id() != HF_UNK_ID:
            raise TokenizerError(f"unsupported SentencePiece option unk_id={self.sp.unk_id()}: HF AlbertTokenizer "
                                 f"always uses id {HF_UNK_ID} as <unk>; retrain with unk_id=1 (ALBERT layout)")
        self.special_pieces = dict(SPECIAL_PIECES, unk=self.sp.IdToPiece(HF_UNK_ID))
        self.special_ids = {}
        for role, piece in self.special_pieces.items():
            pid = self.sp.PieceToId(piece)
            if role != "unk" and pid == self.sp.unk_id():
                raise TokenizerError(f"SentencePiece model has no {piece} piece; train it with `albert-edge tokenizer-train`")
            self.special_ids[role] = pid
        self.added_tokens = added_tokens(proto, self.special_pieces)
        self._added = set(self.added_tokens)
        self._hf = _hf_pipeline(proto, self.added_tokens, lower=do_lower_case, keep_accents=keep_accents)

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
        return {"kind": self.kind, "do_lower_case": self.do_lower_case, "keep_accents": self.keep_accents,
                "split_digit_comma": self.split_digit_comma}

    def files(self) -> dict[str, bytes]:
        return {"spiece.model": self.model_proto}

    def portable_spiece(self) -> bytes:
        """This model with ALBERT's preprocessing folded into its normalizer (see `portable.py`)."""
        from .portable import portable_spiece

        return portable_spiece(self)

    # -- the text pipeline --------------------------------------------------------------------------------------
    def normalize(self, text: str) -> str:
        """The text as the unigram model sees it (before whitespace splitting; added tokens are not split out)."""
        return self._hf.normalizer.normalize_str(text)

    def _tokens(self, text: str):
        enc = self._hf.encode(text, add_special_tokens=False)
        pieces, ids, offsets = enc.tokens, enc.ids, enc.offsets
        if not self.split_digit_comma:
            return pieces, ids, offsets
        out_p: list[str] = []
        out_o: list[tuple[int, int]] = []
        for piece, pid, (start, end) in zip(pieces, ids, offsets):
            # Original ALBERT (and transformers <= 4) split "12," into "12" + ","; transformers 5 does not.
            if len(piece) > 1 and piece[-1] == "," and piece[-2].isdigit() and piece not in self._added:
                cur = self._hf.encode(piece[:-1].replace(SPIECE_UNDERLINE, ""), add_special_tokens=False).tokens
                if piece[0] != SPIECE_UNDERLINE and cur and cur[0][0] == SPIECE_UNDERLINE:
                    cur = cur[1:] if len(cur[0]) == 1 else [cur[0][1:], *cur[1:]]
                at = start
                for sub in cur:  # spans of the split pieces: consecutive, within the original span
                    n = len(sub.lstrip(SPIECE_UNDERLINE))
                    out_o.append((at, min(at + n, max(end - 1, start))))
                    at = out_o[-1][1]
                out_p += [*cur, ","]
                out_o.append((max(end - 1, start), end))
            else:
                out_p.append(piece)
                out_o.append((start, end))
        return out_p, self.convert_pieces(out_p), out_o

    def convert_pieces(self, pieces: list[str]) -> list[int]:
        return [self.sp.PieceToId(p) for p in pieces]


def added_tokens(proto, special_pieces: dict[str, str]) -> list[str]:
    """Every token HF matches on the raw text, all of them special: the ALBERT specials and the CONTROL pieces (the
    module's docstring says why not USER_DEFINED ones)."""
    tokens = dict.fromkeys(special_pieces.values())
    tokens.update(dict.fromkeys(p.piece for p in proto.pieces if p.type == CONTROL))
    return list(tokens)


def text_normalizer(*, lower: bool, keep_accents: bool, charsmap: bytes | None = None):
    from tokenizers import normalizers

    steps = [normalizers.Replace("``", '"'), normalizers.Replace("''", '"')]
    if not keep_accents:
        steps += [normalizers.NFKD(), normalizers.StripAccents()]
    if lower:
        steps.append(normalizers.Lowercase())
    if charsmap:
        steps.append(normalizers.Precompiled(charsmap))
    return normalizers.Sequence(steps)


def _hf_pipeline(proto, added: list[str], *, lower: bool, keep_accents: bool):
    """The same `tokenizers.Tokenizer` transformers 5 builds for AlbertTokenizer (added tokens, normalizer, model)."""
    from tokenizers import AddedToken, Tokenizer, pre_tokenizers
    from tokenizers.models import Unigram

    vocab = [(p.piece, p.score) for p in proto.pieces]
    tok = Tokenizer(Unigram(vocab, unk_id=HF_UNK_ID, byte_fallback=False))
    try:
        tok.normalizer = text_normalizer(lower=lower, keep_accents=keep_accents,
                                         charsmap=proto.normalizer_spec.precompiled_charsmap)
    except Exception as e:  # tokenizers raises a bare Exception for a charsmap it cannot parse
        raise TokenizerError(f"corrupt SentencePiece normalizer ({first_line(e)})") from None
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Metaspace(replacement=SPIECE_UNDERLINE, prepend_scheme="always")])
    tok.add_special_tokens([AddedToken(t, normalized=False, special=True) for t in added])
    return tok
