"""WordPiece ALBERT tokenization (`vocab.txt`), id-for-id identical to HF `BertTokenizer` (transformers 5).

The Chinese ALBERT checkpoints ship BERT's tokenizer. As on the SentencePiece side we build HF's own pipeline with
the `tokenizers` library: the special tokens as added tokens matched on the raw text, BertNormalizer (drop control
characters, whitespace -> " ", spaces around CJK characters, accents stripped and lowercase as the config says),
BertPreTokenizer (split on whitespace, punctuation isolated), greedy longest-match WordPiece with "##" and [UNK] for
a word that cannot be covered or is longer than max_input_chars_per_word.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from ..errors import TokenizerError
from .base import SPECIAL_ROLES, BaseTokenizer

DEFAULT_SPECIALS = {"pad": "[PAD]", "unk": "[UNK]", "cls": "[CLS]", "sep": "[SEP]", "mask": "[MASK]"}
OPTIONS = ("do_lower_case", "strip_accents", "tokenize_chinese_chars", "max_input_chars_per_word")


def parse_vocab(data: bytes) -> dict[str, int]:
    """vocab.txt as HF's `load_vocab` reads it: universal newlines, one token a line, a repeated token keeps its last id."""
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as e:
        raise TokenizerError(f"vocab.txt is not UTF-8 text (byte {e.start})") from None
    vocab = {}
    for i, line in enumerate(io.StringIO(text, newline=None).readlines()):
        vocab[line.rstrip("\n")] = i
    if not vocab:
        raise TokenizerError("vocab.txt is empty")
    return vocab


def _token(value, default: str) -> str:
    """A special token as tokenizer_config.json writes it: a string or an AddedToken dict with "content"."""
    if isinstance(value, dict):
        value = value.get("content")
    return value if isinstance(value, str) and value else default


class WordPieceTokenizer(BaseTokenizer):
    kind = "wordpiece"

    def __init__(self, vocab_txt: bytes, do_lower_case: bool = True, strip_accents: bool | None = None,
                 tokenize_chinese_chars: bool = True, max_input_chars_per_word: int = 100,
                 special_tokens: dict[str, str] | None = None, **_ignored) -> None:
        self.vocab_txt = bytes(vocab_txt)
        self.vocab = parse_vocab(self.vocab_txt)
        self.n_lines = max(self.vocab.values()) + 1
        self.do_lower_case, self.strip_accents = bool(do_lower_case), strip_accents
        self.tokenize_chinese_chars = bool(tokenize_chinese_chars)
        if not isinstance(max_input_chars_per_word, int) or max_input_chars_per_word < 1:
            raise TokenizerError(f"max_input_chars_per_word {max_input_chars_per_word!r} is not a positive integer")
        self.max_input_chars_per_word = max_input_chars_per_word
        self.special_pieces = {**DEFAULT_SPECIALS, **(special_tokens or {})}
        missing = [p for r, p in self.special_pieces.items() if r in SPECIAL_ROLES and p not in self.vocab]
        if missing:
            raise TokenizerError(f"vocab.txt has no {missing[0]} token; a BERT vocabulary needs "
                                 f"{' '.join(self.special_pieces[r] for r in SPECIAL_ROLES)}")
        self.special_ids = {r: self.vocab[self.special_pieces[r]] for r in SPECIAL_ROLES}
        self._hf = self._pipeline()

    @classmethod
    def from_folder_files(cls, path: str | os.PathLike, conf: dict, tokenizer_json: dict,
                          where: str) -> "WordPieceTokenizer":
        """From vocab.txt plus the checkpoint's tokenizer_config.json (and tokenizer.json where the config is silent)."""
        path = Path(path)
        norm = tokenizer_json.get("normalizer") or {}
        if norm and norm.get("type") != "BertNormalizer":
            raise TokenizerError(f"{where}: tokenizer.json normalizer {norm.get('type')!r} is not supported with "
                                 "WordPiece; albert-edge reads BertNormalizer")
        pre = tokenizer_json.get("pre_tokenizer") or {}
        if pre and pre.get("type") != "BertPreTokenizer":
            raise TokenizerError(f"{where}: tokenizer.json pre_tokenizer {pre.get('type')!r} is not supported with "
                                 "WordPiece; albert-edge reads BertPreTokenizer")
        from_json = {"do_lower_case": norm.get("lowercase"), "strip_accents": norm.get("strip_accents"),
                     "tokenize_chinese_chars": norm.get("handle_chinese_chars"),
                     "max_input_chars_per_word": (tokenizer_json.get("model") or {}).get("max_input_chars_per_word")}
        options = {k: conf[k] if k in conf else from_json[k] for k in OPTIONS
                   if k in conf or from_json[k] is not None}
        specials = {r: _token(conf.get(f"{r}_token"), DEFAULT_SPECIALS[r]) for r in SPECIAL_ROLES}
        try:
            return cls(path.read_bytes(), special_tokens=specials, **options)
        except OSError as e:
            raise TokenizerError(f"{path}: cannot read ({e.strerror})") from None
        except TokenizerError as e:
            raise TokenizerError(f"{path}: {e}") from None

    def _pipeline(self):
        from tokenizers import AddedToken, Tokenizer, normalizers, pre_tokenizers
        from tokenizers.models import WordPiece

        tok = Tokenizer(WordPiece(self.vocab, unk_token=self.special_pieces["unk"],
                                  max_input_chars_per_word=self.max_input_chars_per_word))
        tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=self.tokenize_chinese_chars,
                                                    strip_accents=self.strip_accents, lowercase=self.do_lower_case)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.add_special_tokens([AddedToken(self.special_pieces[r], normalized=False, special=True) for r in SPECIAL_ROLES])
        return tok

    @property
    def vocab_size(self) -> int:
        return self.n_lines

    @property
    def settings(self) -> dict:
        return {"kind": self.kind, "do_lower_case": self.do_lower_case, "strip_accents": self.strip_accents,
                "tokenize_chinese_chars": self.tokenize_chinese_chars,
                "max_input_chars_per_word": self.max_input_chars_per_word,
                "special_tokens": {r: self.special_pieces[r] for r in SPECIAL_ROLES}}

    def files(self) -> dict[str, bytes]:
        return {"vocab.txt": self.vocab_txt}

    def normalize(self, text: str) -> str:
        return self._hf.normalizer.normalize_str(text)

    def _tokens(self, text: str):
        enc = self._hf.encode(text, add_special_tokens=False)
        return enc.tokens, enc.ids, enc.offsets
