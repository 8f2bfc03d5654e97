"""The bench stage: run each artifact's runner on a device and turn what it printed into one record per artifact."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Callable

from ..backends import Backend, get_backend
from ..errors import BenchError, InputError
from .artifacts import Artifact, inspect_artifact, onnx_precision_guess, pte_precision_guess
from .devices import Device, get_device

DEFAULT_TIMEOUT = {False: 900.0, True: 7200.0}  # per artifact; emulation is 80-250x slower


class BenchInterrupted(BenchError):
    """Ctrl-C during a benchmark; `results` holds the finished records plus the interrupted one, marked
    incomplete."""

    exit_code = 130

    def __init__(self, message: str, results: list[dict]):
        super().__init__(message)
        self.results = results


def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    s = sorted(values)
    if not s:
        return math.nan
    k = (len(s) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def latency_stats(lat: list[float]) -> dict:
    return {"p50": percentile(lat, 50), "p90": percentile(lat, 90), "p99": percentile(lat, 99),
            "mean": sum(lat) / len(lat) if lat else math.nan, "min": min(lat) if lat else math.nan,
            "max": max(lat) if lat else math.nan}


def runner_args(*, threads: int, runs: int, warmup: int, seq_len: int | None, outputs: bool = False,
                ids: list[int] | None = None, weight_cache: bool = True) -> list[str]:
    args = ["--threads", str(threads), "--runs", str(runs), "--warmup", str(warmup)]
    if not weight_cache:  # the runners share packed weights by default; off is for measuring what that saves
        args += ["--weight-cache", "off"]
    if seq_len:
        args += ["--seq-len", str(seq_len)]
    if ids:
        args += ["--ids", ",".join(str(i) for i in ids)]
    if outputs:
        args.append("--outputs")
    return args


def make_record(art: Artifact, dev: Device, res: dict, *, threads: int, runs: int, warmup: int) -> dict:
    precision = art.precision or res.get("precision_guess") or (
        pte_precision_guess(art.path) if art.format == "executorch" else None) or (
        onnx_precision_guess(art.path) if art.format == "onnx" else None) or "unknown"
    rec = {
        "artifact": str(art.path),
        "format": art.format,
        "precision": precision,
        "device": dev.spec,
        "arch": dev.arch,
        "emulated": dev.emulated,
        "threads": threads,
        "seq_len": res.get("seq_len") or (art.seq_lens[-1] if art.seq_lens else None),
        "runs": runs,
        "warmup": warmup,
        "latency_ms": latency_stats(res["latencies_ms"]),
        "load_ms": res.get("load_ms"),
        "first_run_ms": res.get("first_run_ms"),
        "peak_rss_mb": res.get("peak_rss_mb"),
        "rss_after_load_mb": res.get("rss_after_load_mb"),
        "size_mb": art.size_bytes / 1e6,
        "runner": res.get("runner"),
        # packed weights of the shared layer exist once (XNNPACK weights cache); None: the runner cannot tell
        "weight_cache": res.get("weight_cache"),
        "cpu": dev.cpu,
        "complete": True,
    }
    if "baseline_rss_mb" in res:  # Python runners: the interpreter + imports before the model was loaded
        rec["baseline_rss_mb"] = res["baseline_rss_mb"]
    if res.get("method"):
        rec["method"] = res["method"]
    if art.accuracy is not None:
        rec["accuracy"] = art.accuracy
    rec["latencies_ms"] = res["latencies_ms"]
    return rec


def bench(artifacts: list[str | Path], *, device: str | Device = "host", threads: int = 1, runs: int = 20,
          warmup: int = 3, seq_len: int | None = None, timeout: float | None = None, weight_cache: bool = True,
          accuracies: dict[str, float] | None = None,
          progress: Callable[[int, int, str], None] | None = None,
          on_result: Callable[[dict], None] | None = None) -> list[dict]:
    """Benchmark each artifact on `device` (a spec string or a Device); one record per artifact, in order.

    Checks every artifact before running any. `progress(i, n, label)` is called before each artifact and
    `on_result(record)` after it (the CLI saves as it goes). Ctrl-C raises BenchInterrupted with the partial
    results; runner crashes, timeouts and unreachable devices raise BenchError. `weight_cache=False` turns the
    XNNPACK weights cache off in the .pte / .tflite runners (to measure what sharing saves)."""
    if not artifacts:
        raise InputError("no artifacts given")
    if threads < 1 or runs < 1 or warmup < 0:
        raise InputError("--threads and --runs must be >= 1, --warmup >= 0")
    arts = [inspect_artifact(a) for a in artifacts]
    for art in arts:
        if accuracies and art.path.name in accuracies:
            art.accuracy = accuracies[art.path.name]
    dev = get_device(device) if isinstance(device, str) else device
    for art in arts:
        dev.check_format(art.format)
    t_limit = timeout if timeout is not None else DEFAULT_TIMEOUT[dev.emulated]
    results: list[dict] = []
    current: Artifact | None = None
    try:
        with dev:
            for i, art in enumerate(arts):
                current = art
                if progress:
                    progress(i, len(arts), f"{art.path.name} on {dev.spec}")
                args = runner_args(threads=threads, runs=runs, warmup=warmup, seq_len=seq_len or default_seq_len(art),
                                   weight_cache=weight_cache or art.format == Backend.ONNX.value)
                res = dev.run(art.format, art.path, args, timeout=t_limit)
                if not res.get("latencies_ms"):
                    raise BenchError(f"{art.path}: the runner reported no latencies")
                rec = make_record(art, dev, res, threads=threads, runs=runs, warmup=warmup)
                results.append(rec)
                current = None
                if on_result:
                    on_result(rec)
            if progress:
                progress(len(arts), len(arts), "done")
    except KeyboardInterrupt:
        partial = list(results)
        if current is not None:
            partial.append({"artifact": str(current.path), "format": current.format,
                            "precision": current.precision or "unknown", "device": dev.spec, "arch": dev.arch,
                            "emulated": dev.emulated, "threads": threads, "runs": runs, "complete": False,
                            "incomplete": True, "reason": "interrupted"})
        raise BenchInterrupted(f"interrupted after {len(results)} of {len(arts)} artifact(s)", partial) from None
    return results


def default_seq_len(art: Artifact) -> int | None:
    """A dynamic-length .onnx runs at the length it was converted for (the manifest's), so it is compared with the
    fixed-length .pte / .tflite beside it like for like; fixed-length artifacts pick their own."""
    return art.seq_lens[-1] if art.format == "onnx" and art.seq_lens else None


def run_outputs(artifact: str | Path, *, device: str | Device = "host", ids: list[int] | None = None,
                seq_len: int | None = None, timeout: float | None = None) -> dict:
    """One execution through the device's runner, with its outputs: for parity checks (host vs qemu vs ssh, or vs
    the Python runtimes). Returns the runner's JSON (with "outputs")."""
    art = inspect_artifact(artifact)
    dev = get_device(device) if isinstance(device, str) else device
    dev.check_format(art.format)
    with dev:
        return dev.run(art.format, art.path, runner_args(threads=1, runs=1, warmup=0, seq_len=seq_len,
                                                         outputs=True, ids=ids),
                       timeout=timeout if timeout is not None else DEFAULT_TIMEOUT[dev.emulated])


def bench_texts(artifact: str | Path, texts_ids: list[list[int]], *, buckets: bool = True,
                device: str | Device = "host", threads: int = 1, warmup: int = 5, outputs: bool = False,
                timeout: float | None = None) -> dict:
    """Real inputs: each text's ids ([CLS] ... [SEP], unpadded) run once through the smallest fixed-length method
    that holds it (`buckets=True`, what the predictors do) or all through the longest one. .pte only (its methods
    are the buckets); host or qemu-aarch64 (the runner reads the ids file from this machine's disk). Returns the
    runner's JSON: per-text `latencies_ms` and `seq_lens`, and `text_outputs` (logits) with `outputs=True`."""
    import tempfile

    art = inspect_artifact(artifact)
    if art.format != Backend.EXECUTORCH.value:
        raise InputError(f"{art.path.name}: per-text bucketed runs need a .pte (its forward_<L> methods are the "
                         f"buckets), not {get_backend(art.format).suffix}")
    if not texts_ids:
        raise InputError("no texts to run")
    dev = get_device(device) if isinstance(device, str) else device
    if dev.spec not in ("host", "qemu-aarch64"):
        raise InputError(f"per-text runs read the ids from this machine: use host or qemu-aarch64, not {dev.spec}")
    with tempfile.NamedTemporaryFile("w", suffix=".ids", delete=False) as f:
        f.write("".join(",".join(str(i) for i in ids) + "\n" for ids in texts_ids))
    args = ["--threads", str(threads), "--warmup", str(warmup), "--texts", f.name,
            "--buckets", "on" if buckets else "off", *(["--outputs"] if outputs else [])]
    try:
        with dev:
            return dev.run(art.format, art.path, args,
                           timeout=timeout if timeout is not None else DEFAULT_TIMEOUT[dev.emulated])
    finally:
        Path(f.name).unlink(missing_ok=True)


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
