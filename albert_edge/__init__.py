"""albert-edge: distill, quantize, convert and benchmark ALBERT text models for phones and ARM boards.

The Python API — what every CLI command calls:

    import albert_edge
    p = albert_edge.load("runs/demo/bundle/model_int8.pte")      # or an HF ALBERT folder
    p.predict(["what a great phone"])                              # == `albert-edge predict ... --json`
    m = albert_edge.convert("student/", "bundle/", formats="executorch,tflite", precisions="int8")
    records = albert_edge.bench(["bundle/model_int8.pte"], device="host", runs=50)
    report = albert_edge.run(data="reviews.csv", out="runs/reviews")   # the one-command pipeline

Heavy dependencies (torch, exporters, runtimes) load inside these functions, so `import albert_edge` stays light.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterable

__version__ = "0.1.0"

# Before torch loads OpenMP (libgomp reads it once): two training jobs sharing 2 cores ran 2.6x slower under libgomp's
# default spin than passive, and any spin cost both; alone, the fp32 student trained as fast passive (only bf16 gained
# 1.35x from spinning; benchmarks/results/omp_wait.json). Set OMP_WAIT_POLICY or GOMP_SPINCOUNT to override.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

PathLike = str | os.PathLike


def load(path: PathLike, *, max_length: int | None = None):
    """A predictor for an HF ALBERT folder or a .pte / .tflite / .onnx artifact; `.predict(texts) -> list[dict]`
    returns exactly what `albert-edge predict --json` prints (per task: albert_edge.tasks)."""
    from .predict import load as _load

    return _load(path, max_length=max_length)


def convert(src: PathLike, out: PathLike, *, formats: str | Iterable[str] = ("executorch", "tflite", "onnx"),
            precisions: str | Iterable[str] = ("fp32", "int8"), seq_lens: str | Iterable[int] | None = None,
            overwrite: bool = False, calib: PathLike | None = None, workers: int | None = None,
            log: Callable[[str], None] | None = None):
    """Convert a checkpoint (or quantized checkpoint) into verified artifacts + manifest.json in `out`; returns the
    albert_edge.manifest.Manifest. `seq_lens=None`: length buckets 16/32/48/64/128 up to the model's maximum.
    `workers`: conversions side by side in that many processes (None: one per core, at most 3)."""
    from converters import convert_checkpoint

    as_list = (lambda v: [v] if isinstance(v, str) else list(v))
    return convert_checkpoint(src, out, formats=as_list(formats), precisions=as_list(precisions),
                              seq_lens=seq_lens if seq_lens is None or isinstance(seq_lens, str) else list(seq_lens),
                              overwrite=overwrite, calib=calib, workers=workers, log=log)


def bench(artifacts: Iterable[PathLike], *, device: str = "host", threads: int = 1, runs: int = 20, warmup: int = 3,
          seq_len: int | None = None, timeout: float | None = None) -> list[dict]:
    """Latency, load time and peak memory records (one dict per artifact) on a device: host, qemu-aarch64,
    ssh://user@host[:port], adb[:serial]."""
    from .bench.run import bench as _bench

    return _bench([Path(a) for a in artifacts], device=device, threads=threads, runs=runs, warmup=warmup,
                  seq_len=seq_len, timeout=timeout)


def run(*, log: Callable[[str], None] = print, **options) -> dict:
    """The one-command pipeline (`albert-edge run`): teacher -> student -> int8 -> artifacts -> report; returns the
    report dict. Options are the fields of albert_edge.pipeline.RunConfig (`albert-edge run`'s, as keywords), e.g.
    `run(data="reviews.csv", text_column="text", label_column="label", out="runs/reviews")`."""
    from .pipeline import RunConfig
    from .pipeline import run as _run

    return _run(RunConfig(**options), log=log)


__all__ = ["__version__", "load", "convert", "bench", "run"]
