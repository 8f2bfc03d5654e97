"""Training a SentencePiece model laid out as ALBERT's, on text preprocessed as ALBERT will see it."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from ..errors import TokenizerError, first_line
from ..files import write_atomic
from .spiece import text_normalizer


def train_tokenizer(files: list[str | os.PathLike], out_dir: str | os.PathLike, *, vocab_size: int = 8000,
                    input_sentence_size: int = 2_000_000, seed: int = 0, lowercase: bool = True) -> Path:
    """Train a unigram SentencePiece model laid out as ALBERT's: <pad>=0 <unk>=1 [CLS]=2 [SEP]=3 [MASK]=4.

    Text is ALBERT-preprocessed first (lowercase, accents stripped) so the vocabulary matches what it will see.
    """
    import sentencepiece as spm

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    pre = text_normalizer(lower=lowercase, keep_accents=False)
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
            raise TokenizerError(f"SentencePiece training failed: {first_line(e)}") from None
        target = out_dir / "spiece.model"
        write_atomic(target, prefix.with_suffix(".model").read_bytes())
    write_atomic(out_dir / "tokenizer_config.json", json.dumps({
        "tokenizer_class": "AlbertTokenizer", "do_lower_case": lowercase, "remove_space": True, "keep_accents": False,
        "bos_token": "[CLS]", "eos_token": "[SEP]", "unk_token": "<unk>", "sep_token": "[SEP]", "pad_token": "<pad>",
        "cls_token": "[CLS]", "mask_token": "[MASK]", "model_max_length": 512}, indent=2).encode("utf-8") + b"\n")
    return target


def _train(spm, corpus: Path, prefix: Path, vocab_size: int, input_sentence_size: int, seed: int) -> None:
    spm.set_random_generator_seed(seed)  # deterministic sampling of the input sentences
    spm.SentencePieceTrainer.train(
        input=str(corpus), model_prefix=str(prefix), model_type="unigram", vocab_size=vocab_size,
        pad_id=0, unk_id=1, bos_id=-1, eos_id=-1, pad_piece="<pad>", unk_piece="<unk>",
        control_symbols=["[CLS]", "[SEP]", "[MASK]"], character_coverage=0.9995,
        input_sentence_size=input_sentence_size, shuffle_input_sentence=True,
        num_threads=1, minloglevel=2,
    )
