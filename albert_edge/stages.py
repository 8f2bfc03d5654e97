"""Timed pipeline stages and their cache stamps: a stage whose settings key matches its folder's stamp is reused."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

STAMP = ".albert_edge_stage.json"


def digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


def stamp_ok(folder: Path, key: dict) -> bool:
    f = Path(folder) / STAMP
    return f.is_file() and json.loads(f.read_text()).get("key") == digest(key)


def stamp(folder: Path, key: dict, info: dict | None = None) -> None:
    """Written last, once the stage's output is complete: a stage killed half-way has no stamp and runs again."""
    from .files import write_atomic

    write_atomic(Path(folder) / STAMP, (json.dumps({"key": digest(key), "settings": key, **(info or {})},
                                                   default=str) + "\n").encode())


def folder_bytes(folder: Path, names: tuple[str, ...] | None = None) -> int:
    return sum(p.stat().st_size for p in Path(folder).iterdir()
               if p.is_file() and not p.name.startswith(".") and (names is None or p.name in names))


class Stages:
    """Runs named stages, logs them, and keeps {name: {"seconds", "cached"}} for the report."""

    def __init__(self, log):
        self.times: dict[str, dict] = {}
        self.log = log

    def run(self, name: str, fn, *, cached: bool = False):
        self.log(f"[bold]== {name}[/]" + (" (cached)" if cached else ""))
        t0 = time.time()
        result = fn()
        self.times[name] = {"seconds": round(time.time() - t0, 1), "cached": cached}
        self.log(f"   {name}: {self.times[name]['seconds']} s")
        return result


def load_note(start: float, end: float, cores: int) -> str:
    """How busy the machine was around a timed job (1-minute load average at its start and end), for its record:
    other jobs slow every stage and artifact, so only ratios within one run compare."""
    worst = max(start, end)
    state = "quiet machine" if worst <= cores else f"busy machine ({worst / cores:.1f} runnable jobs per core)"
    return f"{state}, 1-min load avg {start:.1f} at start, {end:.1f} at end: timings include whatever else ran"
