"""`albert-edge bench`: run artifacts on a device through small native / single-runtime runners and report latency,
load time and the runner process's own peak memory. See README.md beside this file."""

from ..stages import load_note
from .run import BenchInterrupted, bench, bench_texts, latency_stats, percentile, run_outputs

__all__ = ["bench", "bench_texts", "run_outputs", "BenchInterrupted", "latency_stats", "load_note", "percentile"]
