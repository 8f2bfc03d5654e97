"""How long OpenMP's waiting workers should spin: the student's real epochs under each wait setting, alone and with a
second training process on the same cores.

    .venv/bin/python benchmarks/omp_wait.py   -> benchmarks/results/omp_wait.json   (~15 min on 2 cores)

libgomp (torch's OpenMP on Linux) reads OMP_WAIT_POLICY / GOMP_SPINCOUNT once, when it loads, so every setting runs
in a fresh process: the zh-reviews training split (seed 0), its first N reviews, a SentencePiece of 8,000 pieces
trained on the split, the run's student (tiny, 2 passes) through albert_edge.distill.distill on 2 threads, 2 epochs of
length-bucketed batches of 32 up to 128 tokens. Reported: the second epoch's seconds (the first also encodes the
texts). "pair": two such processes started together, as when two jobs share a 2-core machine. albert_edge's own
default (albert_edge/__init__.py) is what these numbers chose.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

# name -> the variables the child process starts with (the others unset). albert_edge sets PASSIVE in every child
# that does not name a policy; a GOMP_SPINCOUNT given overrides the zero spin PASSIVE implies (libgomp's docs)
SETTINGS = {
    "passive": {"OMP_WAIT_POLICY": "PASSIVE"},
    "spin 5k": {"GOMP_SPINCOUNT": "5000"},
    "spin 10k": {"GOMP_SPINCOUNT": "10000"},
    "spin 20k": {"GOMP_SPINCOUNT": "20000"},
    "libgomp's default (300k)": {"GOMP_SPINCOUNT": "300000"},
}
N_REVIEWS = 3000
SPDIR = Path(os.environ.get("TMPDIR", "/tmp")) / "albert_edge_omp_wait_spiece"


def child(precision: str, n: int) -> None:
    import albert_edge  # noqa: F401  (first, as in `run`: before torch loads OpenMP)

    import tempfile

    from zh_split import splits, student_epochs

    sp = splits()
    train, labels = sp["train"], sp["labels"]
    with tempfile.TemporaryDirectory() as tmp:
        history = student_epochs(Path(tmp) / "s", SPDIR, train.texts[:n], train.label_ids(labels)[:n], labels,
                                 epochs=2, precision=precision)
    cumulative = [h["seconds"] for h in history]  # distill's seconds count from its start
    print(json.dumps({"epoch2_s": round(cumulative[1] - cumulative[0], 1)}))


def launch(setting: str, precision: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    env.update(SETTINGS[setting])
    return subprocess.Popen([sys.executable, __file__, "--child", precision, str(N_REVIEWS)], env=env,
                            stdout=subprocess.PIPE, text=True)


def measure(setting: str, precision: str, together: int) -> list[float]:
    procs = [launch(setting, precision) for _ in range(together)]
    outs = [p.communicate()[0] for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a child failed under {setting!r}")
    return [json.loads(o.strip().splitlines()[-1])["epoch2_s"] for o in outs]


def main() -> None:
    if not (SPDIR / "spiece.model").is_file():
        from zh_split import spiece, splits

        spiece(splits()["train"].texts, SPDIR)
    rows = []
    for precision, together in (("fp32", 1), ("bf16", 1), ("fp32", 2)):
        for setting in SETTINGS:
            s = measure(setting, precision, together)
            rows.append({"setting": setting, "env": SETTINGS[setting], "precision": precision,
                         "processes": together, "epoch2_s": s})
            print(rows[-1], flush=True)
    out = {
        "what": __doc__.split("\n\n")[0].strip(),
        "command": ".venv/bin/python benchmarks/omp_wait.py",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.processor() or 'cpu'}",
        "reviews": N_REVIEWS, "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "rows": rows,
    }
    path = Path(__file__).parent / "results" / "omp_wait.json"
    path.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    print(path)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
    else:
        main()
