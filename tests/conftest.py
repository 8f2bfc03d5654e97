"""Shared fixtures: the golden SentencePiece model and tiny HF-format ALBERT checkpoints built on the spot."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see albert_edge/__init__.py
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ASSETS = Path(__file__).parent / "assets"
SPIECE_DIR = ASSETS / "spiece"
SPIECE_VOCAB = 3000  # pieces in tests/assets/spiece/spiece.model


@pytest.fixture(scope="session")
def spiece_dir() -> Path:
    return SPIECE_DIR


@pytest.fixture(scope="session")
def golden_lines() -> list[str]:
    return (ASSETS / "golden_lines.txt").read_text(encoding="utf-8").split("\n")[:-1]


@pytest.fixture(scope="session")
def tiny_ckpt(tmp_path_factory) -> Path:
    """A micro ALBERT classifier (3 labels) in HF folder format, with the golden tokenizer."""
    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig

    cfg = AlbertConfig.micro(vocab_size=SPIECE_VOCAB, id2label={0: "negative", 1: "neutral", 2: "positive"})
    out = tmp_path_factory.mktemp("ckpt") / "micro"
    return save_checkpoint(new_model(cfg, seed=0), out, tokenizer_dir=SPIECE_DIR)
