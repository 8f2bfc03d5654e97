"""Mutated-artifact fuzzing for tests/test_integrity.py: damage a converted artifact (bit flips, truncation, zeroed
spans, appended garbage, swapped bytes), with or without the manifest.json beside it, and run each copy through
`albert_edge.load(path).predict(texts)` in a worker subprocess.

A runtime that parsed damaged bytes could die by a signal, hang or print a traceback; the worker reports per case
(one JSON line each) and is restarted after a death or a hang, so those are recorded as failures instead of
killing the test. Each case must end `rejected` (an AlbertEdgeError: one line) or `identical` (the mutation hit
nothing that is checked and nothing that changes the output), and write nothing.

    python -m tests.integrity_fuzz worker          # reads cases as JSON lines on stdin (what Fuzzer starts)
"""

from __future__ import annotations

import json
import os
import random
import re
import select
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KINDS = ("bitflip", "truncate", "zero", "append", "swap")
TEXTS = ["what a great phone", "the battery died after two days , awful"]


def mutate(data: bytes, rng: random.Random, kind: str) -> bytes:
    """One damaged copy of `data` that differs from it (a mutation that changes nothing is drawn again)."""
    n = len(data)
    while True:
        b = bytearray(data)
        if kind == "bitflip":
            for _ in range(rng.choice((1, 1, 2, 8))):
                i = rng.randrange(n)
                b[i] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            b = b[:rng.choice((rng.randrange(n), n - rng.randint(1, 64)))]
        elif kind == "zero":
            i = rng.randrange(n)
            end = min(n, i + rng.choice((1, 16, 4096)))
            b[i:end] = bytes(end - i)
        elif kind == "append":
            b += bytes(rng.randrange(256) for _ in range(rng.choice((1, 40, 1000))))
        elif kind == "swap":
            k = rng.choice((1, 4, 64))
            i, j = sorted(rng.sample(range(n - k), 2))
            if j - i >= k:
                b[i:i + k], b[j:j + k] = b[j:j + k], b[i:i + k]
        else:
            raise ValueError(kind)
        if bytes(b) != data:
            return bytes(b)


@dataclass
class Case:
    src: str             # the converted artifact
    kind: str
    seed: int
    manifest: bool       # copy the manifest.json (and sidecars) beside the damaged file
    outcome: str = ""    # rejected | identical | changed | traceback | signal | hang | wrote
    detail: str = ""


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


def stage(case: Case, root: Path) -> Path:
    """A fresh folder holding the damaged copy (and, if asked, the manifest and sidecars from its folder)."""
    src = Path(case.src)
    folder = Path(tempfile.mkdtemp(prefix="case-", dir=root))
    if case.manifest:
        for p in src.parent.iterdir():
            if p.is_file() and p.suffix not in (".pte", ".tflite", ".onnx", ".bpte"):
                shutil.copy2(p, folder / p.name)
    data = src.read_bytes()
    if case.kind != "none":
        data = mutate(data, random.Random(case.seed), case.kind)
    (folder / src.name).write_bytes(data)
    return folder / src.name


def run_case(case: Case, root: Path) -> dict:
    """In the worker: load + predict one staged case; {"outcome": ran|rejected|traceback, ...} and what changed."""
    import traceback

    import albert_edge
    from albert_edge.errors import AlbertEdgeError

    path = stage(case, root)
    before, cwd_before = _snapshot(path.parent), set(os.listdir(root))
    try:
        res = {"outcome": "ran", "output": albert_edge.load(path).predict(TEXTS)}
    except AlbertEdgeError as e:
        msg = str(e)
        res = {"outcome": "rejected" if msg and "\n" not in msg else "traceback", "detail": msg}
    except Exception:  # noqa: BLE001 - the very thing this harness looks for
        res = {"outcome": "traceback", "detail": traceback.format_exc(limit=3)}
    wrote = sorted(set(_snapshot(path.parent).items()) ^ set(before.items()))
    wrote += sorted(set(os.listdir(root)) - cwd_before - {path.parent.name})
    if wrote:
        res = {"outcome": "wrote", "detail": repr(wrote[:3])}
    shutil.rmtree(path.parent, ignore_errors=True)
    return res


def worker() -> None:
    root = Path(tempfile.mkdtemp(prefix="fuzz-worker-"))
    os.chdir(root)
    try:
        for line in sys.stdin:
            case = Case(**json.loads(line))
            print(json.dumps(run_case(case, root)), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Fuzzer:
    """Runs cases in a worker process, restarted after a signal or a hang; compares with the undamaged output."""

    timeout: float = 120.0
    proc: subprocess.Popen | None = None
    reference: dict = field(default_factory=dict)  # src -> predict output of the undamaged artifact

    def _start(self) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.integrity_fuzz", "worker"], cwd=REPO, env=env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                     text=True, bufsize=1)

    def _ask(self, case: Case) -> dict:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        from dataclasses import asdict

        self.proc.stdin.write(json.dumps(asdict(case)) + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], self.timeout)
        line = self.proc.stdout.readline() if ready else ""
        if line:
            return json.loads(line)
        if not ready:
            self.close()
            return {"outcome": "hang", "detail": f"no answer in {self.timeout:.0f} s"}
        code = self.proc.wait()
        self.proc = None
        return {"outcome": "signal" if code < 0 else "died", "detail": f"worker exit {code}"}

    def run(self, case: Case) -> Case:
        if case.src not in self.reference:
            ref = self._ask(Case(case.src, "none", 0, True))
            assert ref["outcome"] == "ran", f"the undamaged {case.src} does not run: {ref}"
            self.reference[case.src] = ref["output"]
        res = self._ask(case)
        case.outcome, case.detail = res["outcome"], res.get("detail", "")
        if case.outcome == "ran":
            case.outcome = "identical" if res["output"] == self.reference[case.src] else "changed"
        return case

    def close(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None


def cases(srcs: list[Path], per_file: int, seed: int) -> list[Case]:
    """`per_file` cases per artifact, kinds in turn, half of them with the manifest beside."""
    rng = random.Random(seed)
    return [Case(str(s), KINDS[i % len(KINDS)], rng.randrange(2 ** 32), manifest=bool(i // len(KINDS) % 2))
            for s in srcs for i in range(per_file)]


def reason(message: str) -> str:
    """What check a rejection names, without the paths: 'no integrity trailer (...)', 'sha256 differs from <path>'."""
    text = message.split(": ", 2)[-1] if message.startswith("corrupt artifact: ") else message.split(": ", 1)[-1]
    return re.sub(r"/\S+", "<path>", text.split(";")[0])


def summary(done: list[Case]) -> dict:
    """{format: {outcome: count}}, {format: {with manifest | alone: {outcome or rejection reason: count}}} and the
    cases that failed."""
    counts: dict[str, dict[str, int]] = {}
    reasons: dict[str, dict[str, dict[str, int]]] = {}
    for c in done:
        fmt = Path(c.src).suffix.lstrip(".")
        counts.setdefault(fmt, {}).setdefault(c.outcome, 0)
        counts[fmt][c.outcome] += 1
        by = reasons.setdefault(fmt, {}).setdefault("with manifest" if c.manifest else "alone", {})
        key = reason(c.detail) if c.outcome == "rejected" else c.outcome
        by[key] = by.get(key, 0) + 1
    return {"counts": counts, "reasons": reasons,
            "failures": [c for c in done if c.outcome not in ("rejected", "identical")]}


if __name__ == "__main__" and sys.argv[1:] == ["worker"]:
    worker()
