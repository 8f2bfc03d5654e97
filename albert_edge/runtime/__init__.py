"""Artifacts in their runtimes, below the predictors: `open_artifact(path)` picks the backend from the registry
(suffix + magic bytes), checks the whole file (integrity.py: its own checksums and the manifest beside it) before
any runtime sees a byte, and returns its Runner.

    runner = open_artifact("out/model_int8.pte")   # PteRunner | TfliteRunner | OnnxRunner
    runner.run(input_ids, attention_mask)          # numpy (1, L) in, logits out
"""

from __future__ import annotations

from pathlib import Path

from .base import Runner
from .integrity import verify_artifact


def open_artifact(path: str | Path, *, num_threads: int | None = None) -> Runner:
    path = Path(path)
    spec, data = verify_artifact(path)
    return spec.load_runner()(path, num_threads=num_threads, data=data)


__all__ = ["Runner", "open_artifact"]
