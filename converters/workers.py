"""Conversions side by side: each group of artifacts is converted in its own Python process.

Why: a `.pte` spends ~70% of its conversion in ExecuTorch's `to_edge_transform_and_lower`, single-threaded Python
(benchmarks/results/convert_time.json), so on 2 cores the int8 `.pte` and the fp32 `.pte` plus the other backends
take the time of the longest group instead of the sum. Groups: each `.pte` precision alone (they share nothing), every
other backend with all its precisions (a `.tflite` int8 reuses its fp32 flatbuffer, `ConversionJob.cache`).

Why plain subprocesses rather than multiprocessing: spawn and forkserver re-import the caller's `__main__`, which
re-runs a user's script that calls `albert_edge.convert` without a `__main__` guard; fork after torch started its
threads can hang. A worker is `python -m converters.workers SPEC.json` and writes its artifact entries (or its error)
back as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Callable

from albert_edge import errors
from albert_edge.manifest import ArtifactEntry

LONGEST_FIRST = {("executorch", "int8"): 0, ("executorch", "fp32"): 1}  # measured order; the rest are seconds


def groups(backends: list[str], precisions: list[str]) -> list[tuple[str, tuple[str, ...]]]:
    out = []
    for b in backends:
        out += [(b, (p,)) for p in precisions] if b == "executorch" else [(b, tuple(precisions))]
    return out


def default_workers() -> int:
    """One worker per core, at most 3 (each holds torch, ExecuTorch and LiteRT: ~1.5 GB)."""
    return max(1, min(3, os.cpu_count() or 1))


def run_group(spec: dict, log: Callable[[str], None]) -> list[ArtifactEntry]:
    """Convert one group in this process: the same code path, seeded the same, as in a worker."""
    import warnings

    import torch

    from albert_edge.backends import get_backend

    from . import load_job

    torch.manual_seed(0)
    job = load_job(Path(spec["src"]), spec["seq_lens"], spec.get("calib_texts"))[0]
    entries = []
    with warnings.catch_warnings():
        # torch.export's own deprecation notice, raised from inside torch on every export: not the user's to act on
        warnings.filterwarnings("ignore", message=r".*isinstance\(treespec, LeafSpec\)", category=FutureWarning)
        for prec in spec["precisions"]:
            t0 = time.perf_counter()
            log(f"converting {spec['backend']} {prec} (seq len {', '.join(map(str, job.seq_lens))})")
            entry = get_backend(spec["backend"]).load_converter().convert(job, precision=prec,
                                                                          out_dir=Path(spec["out_dir"]))
            entry.convert_seconds = round(time.perf_counter() - t0, 2)
            entries.append(entry)
    return entries


def convert_groups(specs: list[dict], *, workers: int, log: Callable[[str], None]) -> list[ArtifactEntry]:
    """Every group's entries in the order of `specs`; the first failure stops the others and is raised."""
    if workers <= 1 or len(specs) <= 1:
        return [e for s in specs for e in run_group(s, log)]
    order = sorted(range(len(specs)), key=lambda i: LONGEST_FIRST.get((specs[i]["backend"], specs[i]["precisions"][0]), 9))
    results: dict[int, list[ArtifactEntry]] = {}
    running: dict[int, tuple[subprocess.Popen, Path]] = {}
    threads = max(1, (os.cpu_count() or 1) // workers)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).resolve().parent.parent),
                                                        os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep))
    with tempfile.TemporaryDirectory(prefix="albert-edge-convert-") as tmp:
        try:
            while order or running:
                while order and len(running) < workers:
                    i = order.pop(0)
                    io = Path(tmp) / f"group{i}.json"
                    io.write_text(json.dumps(specs[i] | {"threads": threads}), encoding="utf-8")
                    log(f"converting {specs[i]['backend']} {'+'.join(specs[i]['precisions'])} (seq len "
                        f"{', '.join(map(str, specs[i]['seq_lens']))}) in a worker process")
                    with open(io.with_suffix(".out"), "wb") as out:  # a file, not a pipe: a chatty worker never blocks
                        running[i] = (subprocess.Popen([sys.executable, "-m", "converters.workers", str(io)], env=env,
                                                       stdout=out, stderr=subprocess.STDOUT), io)
                done = [i for i, (p, _) in running.items() if p.poll() is not None]
                if not done:
                    time.sleep(0.2)
                for i in done:
                    proc, io = running.pop(i)
                    output = io.with_suffix(".out").read_text(encoding="utf-8", errors="replace")
                    results[i] = _collect(io, proc.returncode, output)
        finally:
            for proc, _ in running.values():  # a failure (or Ctrl-C) elsewhere: stop the rest
                proc.kill()
                proc.wait()
    return [e for i in range(len(specs)) for e in results[i]]


def _collect(io: Path, rc: int, output: str) -> list[ArtifactEntry]:
    try:
        res = json.loads(io.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        res = {}
    if "entries" in res and rc == 0:
        return [ArtifactEntry.from_dict(d, "worker") for d in res["entries"]]
    if os.environ.get("ALBERT_EDGE_DEBUG"):
        sys.stderr.write(output)
    if "error" in res:
        cls = getattr(errors, res["error"]["type"], None)
        cls = cls if isinstance(cls, type) and issubclass(cls, errors.AlbertEdgeError) else errors.ConversionError
        raise cls(res["error"]["message"])
    tail = [x for x in output.strip().splitlines() if x.strip()][-1:] or [f"exit status {rc}"]
    raise errors.ConversionError(f"a conversion worker died: {tail[0]}")


def main(path: str) -> int:
    io = Path(path)
    spec = json.loads(io.read_text(encoding="utf-8"))
    import torch

    torch.set_num_threads(spec["threads"])
    try:
        entries = run_group(spec, lambda msg: None)  # the parent said what this worker converts
    except Exception as e:  # noqa: BLE001 — carried to the parent, which raises it as the same albert_edge error
        if os.environ.get("ALBERT_EDGE_DEBUG"):
            import traceback

            traceback.print_exc()
        name = type(e).__name__ if isinstance(e, errors.AlbertEdgeError) else "ConversionError"
        msg = str(e) if isinstance(e, errors.AlbertEdgeError) else f"{type(e).__name__}: {errors.first_line(e)}"
        io.write_text(json.dumps({"error": {"type": name, "message": msg}}), encoding="utf-8")
        return 1
    io.write_text(json.dumps({"entries": [asdict(e) for e in entries]}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
