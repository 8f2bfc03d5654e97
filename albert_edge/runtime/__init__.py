"""Artifacts in their runtimes, below the predictors: `open_artifact(path)` picks the backend from the registry
(suffix + magic bytes), checks the file against the manifest beside it, and returns its Runner.

    runner = open_artifact("out/model_int8.pte")   # PteRunner | TfliteRunner | OnnxRunner
    runner.run(input_ids, attention_mask)          # numpy (1, L) in, logits out
"""

from __future__ import annotations

from pathlib import Path

from albert_edge.backends import backend_for_file
from .base import Runner, check_manifest_sha


def open_artifact(path: str | Path, *, num_threads: int | None = None) -> Runner:
    path = Path(path)
    spec = backend_for_file(path)
    check_manifest_sha(path)
    return spec.load_runner()(path, num_threads=num_threads)


__all__ = ["Runner", "open_artifact"]
