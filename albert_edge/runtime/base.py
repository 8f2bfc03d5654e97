"""The runner every backend's runtime module implements: an artifact loaded in its own runtime, with only what
travels with it (tokenizer, labels, lengths, task), its integrity checked before use."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albert_edge.backends import BackendSpec, get_backend
from albert_edge.errors import InputError
from albert_edge.tasks import get_task

from .bundle import parse_bundle_config, tokenizer_from_bundle


class Runner:
    """`run(input_ids, attention_mask)`: numpy (1, L) ints in, float32 logits out — (1, C), or (1, L, C) per token.

    Subclasses take `(path, *, num_threads=None, data=None)`: `data` is the file's bytes once
    integrity.verify_artifact passed them (open_artifact); without it they read the file and run their format's
    own checks (what a converter does with the file it just wrote)."""

    backend: str = ""
    dynamic_length = False  # runs any length up to the longest (ONNX) instead of fixed length buckets
    weights_shared: bool | None = None  # packed shared weights held once per process (None: not known)

    def __init__(self, path: Path, files: dict[str, bytes], config: bytes):
        self.path = Path(path)
        self.config = parse_bundle_config(config, str(path))
        self.tokenizer = tokenizer_from_bundle(files, self.config, str(path))
        self.tokenizer_files = files
        self.labels = [str(x) for x in self.config["labels"]]
        self.seq_lens = sorted(int(x) for x in self.config["seq_lens"])
        self.task = get_task(self.config["task"])

    @property
    def spec(self) -> BackendSpec:
        return get_backend(self.backend)

    @property
    def max_length(self) -> int:
        return self.seq_lens[-1]

    def bucket(self, n_tokens: int) -> int:
        """The sequence length a text of n_tokens runs at: the smallest bucket that holds it (itself if dynamic)."""
        if self.dynamic_length:
            return max(1, min(n_tokens, self.max_length))
        return next((L for L in self.seq_lens if L >= n_tokens), self.max_length)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def no_length(self, L: int) -> InputError:
        return InputError(f"{self.path}: no entry point for sequence length {L}; lengths: {self.seq_lens}")
