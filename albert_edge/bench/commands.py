"""What the `bench` and `device` CLI commands do (the CLI stays one thin function per command)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

import typer

from ..backends import get_backend
from ..errors import InputError
from .report import markdown_table, write_json, write_report
from .run import BenchInterrupted, bench


def _parse_accuracy(items: list[str] | None) -> dict[str, float]:
    out = {}
    for it in items or []:
        name, sep, val = it.rpartition("=")
        try:
            if not sep:
                raise ValueError
            out[Path(name).name] = float(val)
        except ValueError:
            raise InputError(f"--accuracy {it!r}: expected NAME=FLOAT (NAME: the artifact's file name)") from None
    return out


def bench_command(artifacts: list[Path], *, device: str, threads: int, runs: int, warmup: int, seq_len: int | None,
                  timeout: float | None, json_out: Path | None, report: Path | None, accuracy: list[str] | None,
                  console) -> list[dict]:
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    command = "albert-edge " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    done: list[dict] = []

    def save(records: list[dict]) -> None:
        if json_out is not None:
            write_json(records, json_out)

    def on_result(rec: dict) -> None:
        done.append(rec)
        save(done)  # saved as we go: a crash or Ctrl-C later keeps what finished

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console, transient=True) as prog:
        task = prog.add_task("bench", total=len(artifacts))

        def progress(i: int, n: int, text: str) -> None:
            prog.update(task, completed=i, total=n, description=text)

        try:
            records = bench(artifacts, device=device, threads=threads, runs=runs, warmup=warmup, seq_len=seq_len,
                            timeout=timeout, accuracies=_parse_accuracy(accuracy), progress=progress,
                            on_result=on_result)
        except BenchInterrupted as e:
            save(e.results)
            if report is not None and e.results:
                write_report(e.results, report, command=command)
            where = f"; partial results in {json_out}" if json_out is not None else ""
            raise BenchInterrupted(f"{e}{where} (marked incomplete)", e.results) from None
    typer.echo(markdown_table(records), nl=False)
    save(records)
    if json_out is not None:
        console.print(f"wrote {json_out}")
    if report is not None:
        files = write_report(records, report, command=command)
        console.print(f"wrote {', '.join(str(f) for f in files)}")
    return records


def bench_texts_command(artifacts: list[Path], texts: Path, *, buckets: bool, device: str, threads: int,
                        warmup: int, timeout: float | None, json_out: Path | None) -> list[dict]:
    """Each line of `texts`, tokenized by the tokenizer inside the .pte and cut at its longest bucket, run once."""
    from collections import Counter

    from ..backends import Backend, backend_for_file
    from ..runtime import open_artifact
    from .run import bench_texts, latency_stats

    try:
        lines = [ln for ln in texts.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"--texts {texts}: cannot read it as UTF-8 text ({type(e).__name__}); give one text per line") from None
    if not lines:
        raise InputError(f"--texts {texts}: no non-empty lines")
    records = []
    for art in artifacts:
        if backend_for_file(art).name != Backend.EXECUTORCH:
            raise InputError(f"{art.name}: --texts runs a .pte (its forward_<L> methods are the buckets); "
                             f"bench other formats without --texts")
        runner = open_artifact(art)  # the tokenizer inside the .pte, as every runtime uses it
        ids = [runner.tokenizer.encode(t, max_length=max(runner.seq_lens)).ids for t in lines]
        r = bench_texts(art, ids, buckets=buckets, device=device, threads=threads, warmup=warmup, timeout=timeout)
        rec = {"artifact": str(art), "texts": str(texts), "n": len(ids), "buckets": buckets, "device": device,
               "threads": threads, "per_length": dict(sorted(Counter(r["seq_lens"]).items())),
               "latency_ms": latency_stats(r["latencies_ms"]), "weight_cache": r.get("weight_cache")}
        records.append(rec)
        lat = rec["latency_ms"]
        typer.echo(f"{art.name}: {len(ids)} texts, mean {lat['mean']:.2f} ms, p50 {lat['p50']:.2f}, p90 "
                   f"{lat['p90']:.2f}; texts per length {rec['per_length']}")
    if json_out is not None:
        write_json(records, json_out)
    return records


def device_setup_command(name: str, *, force: bool, console) -> None:
    if name not in ("qemu-aarch64", "qemu"):
        raise InputError(f"device setup knows qemu-aarch64 only (host needs nothing; ssh/adb need a runner, which "
                         f"bench copies over), not {name!r}")
    from .qemu_setup import setup_qemu_aarch64

    root = setup_qemu_aarch64(force=force, log=lambda m: console.print(f"[dim]·[/] {m}"))
    typer.echo(f"qemu-aarch64 ready in {root}")


def device_check_command(spec: str) -> None:
    from .devices import get_device

    dev = get_device(spec)
    with dev:
        typer.echo(f"{dev.spec}: arch {dev.arch}, cpu {dev.cpu or '?'}{', emulated' if dev.emulated else ''}, "
                   f"runs {', '.join(get_backend(f).suffix for f in dev.formats)}")
