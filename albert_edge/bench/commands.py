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
