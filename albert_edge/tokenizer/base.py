"""What both tokenizer kinds share: the Encoding, `[CLS] A [SEP] (B [SEP])`, HF's truncation and padding, batches.

A kind supplies `_tokens(text)` -> (pieces, ids, offsets) for one text without special tokens; everything after that
(templates, longest_first truncation, padding, tensors) is the same for SentencePiece and WordPiece, as in HF.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import TokenizerError

SPECIAL_ROLES = ("pad", "unk", "cls", "sep", "mask")


@dataclass
class Encoding:
    ids: list[int]
    token_type_ids: list[int]
    attention_mask: list[int]
    pieces: list[str]
    truncated: bool = False
    # (start, end) character span of each token in the text it came from ((0, 0) for special tokens and padding);
    # a token of the pair has its span in the pair text, told apart by token_type_ids.
    offsets: list[tuple[int, int]] = field(default_factory=list)


class BaseTokenizer:
    kind: str
    special_ids: dict[str, int]
    special_pieces: dict[str, str]

    def _tokens(self, text: str) -> tuple[list[str], list[int], list[tuple[int, int]]]:
        raise NotImplementedError

    def tokenize(self, text: str) -> list[str]:
        return self._tokens(text)[0]

    def encode(self, text: str, pair: str | None = None, *, max_length: int | None = None,
               padding: bool = False) -> Encoding:
        """`[CLS] A [SEP] (B [SEP])`; longest_first truncation to max_length; optional padding to max_length."""
        pair = pair or None  # HF treats an empty second text as no pair at all
        a = self._tokens(text)
        b = self._tokens(pair) if pair is not None else None
        truncated = False
        if max_length is not None:
            budget = max_length - (3 if b is not None else 2)
            if budget < 0:
                raise TokenizerError(f"max_length {max_length} leaves no room for the special tokens")
            na, nb = len(a[0]), len(b[0]) if b is not None else 0
            if b is None:
                truncated, na = na > budget, min(na, budget)
            elif na + nb > budget:
                # HF tokenizers' longest_first: the shorter keeps what it can; if both are long, they split the budget
                # and the longer one (the second on a tie) gets the odd token.
                short = min(na, nb)
                keep_long = short if short > budget else max(short, budget - short)
                if short + keep_long > budget:
                    short, keep_long = budget // 2, budget // 2 + budget % 2
                na, nb = (keep_long, short) if na > nb else (short, keep_long)
                truncated = True
            a = tuple(x[:na] for x in a)
            if b is not None:
                b = tuple(x[:nb] for x in b)
        cls, sep = self.special_pieces["cls"], self.special_pieces["sep"]
        cls_id, sep_id = self.special_ids["cls"], self.special_ids["sep"]
        pieces = [cls, *a[0], sep]
        ids = [cls_id, *a[1], sep_id]
        offsets = [(0, 0), *a[2], (0, 0)]
        types = [0] * len(ids)
        if b is not None:
            pieces += [*b[0], sep]
            ids += [*b[1], sep_id]
            offsets += [*b[2], (0, 0)]
            types += [1] * (len(b[0]) + 1)
        mask = [1] * len(ids)
        if padding and max_length is not None and len(ids) < max_length:
            n = max_length - len(ids)
            ids += [self.special_ids["pad"]] * n
            types += [0] * n
            mask += [0] * n
            pieces += [self.special_pieces["pad"]] * n
            offsets += [(0, 0)] * n
        return Encoding(ids=ids, token_type_ids=types, attention_mask=mask, pieces=pieces, truncated=truncated,
                        offsets=offsets)

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
