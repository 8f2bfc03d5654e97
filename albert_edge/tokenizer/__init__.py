"""Tokenization identical to Hugging Face (transformers 5) for both kinds of ALBERT checkpoint, behind one interface.

Kinds: "sentencepiece" (`spiece.model`, HF `AlbertTokenizer`, spiece.py) and "wordpiece" (`vocab.txt`, HF
`BertTokenizer` as the Chinese ALBERT checkpoints use it, wordpiece.py). What converters, runtimes and predictors use:

    tok = load_tokenizer(folder)          # kind from the folder's tokenizer_config.json / tokenizer.json / files
    tok.kind                              # "sentencepiece" | "wordpiece"
    tok.encode(text, pair=None, *, max_length=None, padding=False) -> Encoding(ids, token_type_ids,
        attention_mask, pieces, truncated, offsets)    # offsets: (start, end) chars in the text, (0, 0) for specials
    tok.batch(texts, pairs=None, *, max_length, pad_to=None) -> dict of tensors
    tok.special_ids                       # {"pad", "unk", "cls", "sep", "mask"} -> id, read from the vocabulary
    tok.settings                          # JSON-able options, "kind" included
    tok.vocab_size
    tok.files() -> dict[str, bytes]       # what a bundle carries: {"spiece.model": ...} or {"vocab.txt": ...}
    tokenizer_from_files(kind, files, settings)   # rebuild from those bytes; anything unusable -> TokenizerError

SentencePiece tokenizers also offer `portable_spiece()` (portable.py): the model with ALBERT's preprocessing folded
into its normalizer, for runtimes that run a plain SentencePiece model (MediaPipe, TFLite Task, pytorch_tokenizers).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import TokenizerError
from .base import Encoding
from .spiece import AlbertTokenizer
from .training import train_tokenizer
from .wordpiece import WordPieceTokenizer

__all__ = ["AlbertTokenizer", "Encoding", "KINDS", "WordPieceTokenizer", "detect_kind", "load_tokenizer",
           "tokenizer_from_files", "train_tokenizer"]

SPIECE, VOCAB, TOKENIZER_CONFIG, TOKENIZER_JSON = "spiece.model", "vocab.txt", "tokenizer_config.json", "tokenizer.json"
KINDS = {"sentencepiece": (AlbertTokenizer, SPIECE), "wordpiece": (WordPieceTokenizer, VOCAB)}
# What HF's own files may call each kind (tokenizer_config.json tokenizer_class, tokenizer.json model.type).
CLASS_KINDS = {"AlbertTokenizer": "sentencepiece", "AlbertTokenizerFast": "sentencepiece",
               "BertTokenizer": "wordpiece", "BertTokenizerFast": "wordpiece"}
MODEL_KINDS = {"Unigram": "sentencepiece", "WordPiece": "wordpiece"}
SPIECE_OPTIONS = ("do_lower_case", "keep_accents", "split_digit_comma")


def _read_json(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise TokenizerError(f"{path}: not valid JSON ({e})") from None
    if not isinstance(raw, dict):
        raise TokenizerError(f"{path}: not a JSON object")
    return raw


def detect_kind(folder: str | os.PathLike) -> str:
    """"sentencepiece" or "wordpiece", from the folder's own tokenizer files; anything else -> one line."""
    folder = Path(folder)
    conf, tj = _read_json(folder / TOKENIZER_CONFIG), _read_json(folder / TOKENIZER_JSON)
    has = {kind for kind, (_, name) in KINDS.items() if (folder / name).is_file()}
    if len(has) == 2:
        raise TokenizerError(f"{folder}: both {SPIECE} and {VOCAB}; keep the one tokenizer this checkpoint was "
                             "trained with")
    said = []
    cls = conf.get("tokenizer_class")
    if cls is not None:
        if cls not in CLASS_KINDS:
            raise TokenizerError(f"{folder / TOKENIZER_CONFIG}: tokenizer_class {cls!r} is not supported; "
                                 f"albert-edge reads {', '.join(sorted(CLASS_KINDS))}")
        said.append(CLASS_KINDS[cls])
    model_type = (tj.get("model") or {}).get("type") if isinstance(tj.get("model"), dict) else None
    if tj and model_type not in MODEL_KINDS:
        raise TokenizerError(f"{folder / TOKENIZER_JSON}: tokenizer model {model_type!r} is not supported; "
                             f"albert-edge reads {', '.join(sorted(MODEL_KINDS))}")
    if model_type:
        said.append(MODEL_KINDS[model_type])
    if len(set(said)) > 1:
        raise TokenizerError(f"{folder}: {TOKENIZER_CONFIG} says {said[0]} but {TOKENIZER_JSON} says {said[1]}")
    if not has:
        want = KINDS[said[0]][1] if said else f"{SPIECE} (SentencePiece) or {VOCAB} (WordPiece)"
        raise TokenizerError(f"{folder}: {want} missing; copy this checkpoint's tokenizer beside config.json")
    (kind,) = has
    if said and said[0] != kind:
        raise TokenizerError(f"{folder}: the tokenizer files say {said[0]} but the folder has {KINDS[kind][1]} "
                             f"and no {KINDS[said[0]][1]}")
    return kind


def load_tokenizer(folder_or_file: str | os.PathLike):
    """From a checkpoint/tokenizer folder, or a `.model` file (SentencePiece) or `vocab.txt` (WordPiece)."""
    p = Path(folder_or_file)
    if p.is_dir():
        folder, kind = p, detect_kind(p)
        path = p / KINDS[kind][1]
    else:
        folder, path = p.parent, p
        kind = "wordpiece" if p.name == VOCAB or p.suffix == ".txt" else "sentencepiece"
        if not p.is_file():
            raise TokenizerError(f"{p}: {'WordPiece vocabulary' if kind == 'wordpiece' else 'SentencePiece model'} "
                                 "not found")
    conf = _read_json(folder / TOKENIZER_CONFIG)
    if kind == "sentencepiece":
        return AlbertTokenizer.from_file(path, **{k: bool(conf[k]) for k in SPIECE_OPTIONS if k in conf})
    return WordPieceTokenizer.from_folder_files(path, conf, _read_json(folder / TOKENIZER_JSON), where=str(folder))


def tokenizer_from_files(kind: str, files: dict[str, bytes], settings: dict):
    """Rebuild a tokenizer from `tok.files()` and `tok.settings` (what an artifact carries)."""
    if kind not in KINDS:
        raise TokenizerError(f"tokenizer kind {kind!r} is not supported; albert-edge reads {', '.join(KINDS)}")
    cls, name = KINDS[kind]
    if name not in files:
        raise TokenizerError(f"{kind} tokenizer without its {name}")
    if settings.get("kind", kind) != kind:
        raise TokenizerError(f"tokenizer settings say kind {settings['kind']!r} but the files are {kind}")
    options = {k: v for k, v in settings.items() if k != "kind"}
    try:
        return cls(files[name], **options)
    except TypeError as e:  # an option this kind does not have
        raise TokenizerError(f"{kind} tokenizer settings not understood ({e})") from None


def model_max_length(folder: str | os.PathLike) -> int | None:
    """tokenizer_config.json's `model_max_length` (HF's field for the length a model was trained to read), or None
    when absent or HF's "unset" (a huge integer)."""
    value = _read_json(Path(folder) / TOKENIZER_CONFIG).get("model_max_length")
    return value if isinstance(value, int) and 3 <= value < 1_000_000 else None


def set_model_max_length(folder: str | os.PathLike, n: int) -> None:
    """Record in the folder's tokenizer_config.json that its model was trained on at most `n` tokens, so `eval` and
    HF's own tokenizer truncate where training did."""
    from ..files import write_atomic

    path = Path(folder) / TOKENIZER_CONFIG
    conf = _read_json(path) | {"model_max_length": int(n)}
    write_atomic(path, (json.dumps(conf, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
