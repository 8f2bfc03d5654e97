"""Time `albert-edge convert` of the AlbertConfig.tiny() student (random weights, vocab 3000 = the test tokenizer) to
all six artifacts (.pte/.tflite/.onnx x fp32/int8), as a user runs it, once per --workers value (1 = every
conversion in one process, auto = side by side, converters/workers.py). Not a test. Goal: <= 5 min on 2 cores.

    python benchmarks/convert_time.py [--seq-len 16,32,48,64,128] [--workers 1,auto] [--out ...convert_time.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIECE = ROOT / "tests" / "assets" / "spiece"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq-len", default="16,32,48,64,128")  # convert's default buckets for a 128-token model
    ap.add_argument("--workers", default="1,auto")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "convert_time.json")
    args = ap.parse_args()

    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig, count_parameters

    work = Path(tempfile.mkdtemp(prefix="convert_time."))
    try:
        cfg = AlbertConfig.tiny(vocab_size=3000, id2label={0: "negative", 1: "neutral", 2: "positive"})
        model = new_model(cfg, seed=0)
        ckpt = save_checkpoint(model, work / "tiny", tokenizer_dir=SPIECE)
        exe = shutil.which("albert-edge") or str(Path(sys.executable).with_name("albert-edge"))
        runs = []
        for w in args.workers.split(","):
            out = work / f"out-{w}"
            cmd = [exe, "convert", str(ckpt), "--to", "executorch,tflite,onnx", "--precision", "fp32,int8",
                   "--seq-len", args.seq_len, "--out", str(out)] + ([] if w == "auto" else ["--workers", w])
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            if proc.returncode:
                sys.exit(f"convert failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
            manifest = json.loads((out / "manifest.json").read_text())
            runs.append({"workers": w, "wall_seconds": round(wall, 1), "within_goal": wall <= 300,
                         "artifacts": [_artifact(a) for a in manifest["artifacts"]],
                         "load_avg_at_end": os.getloadavg()})
            print(f"--workers {w}: {wall:.1f} s", file=sys.stderr)
            for a in runs[-1]["artifacts"]:
                print(f"{a['file']:>20} {a['bytes'] / 1e6:7.2f} MB  {a['convert_seconds']:6.1f} s  "
                      f"max|d| {a['parity_vs_fp32_max_abs_diff']:.2e}  partitions {a['xnnpack_partitions']}")
        result = {
            "benchmark": "convert_time",
            "command": f"python benchmarks/convert_time.py --seq-len {args.seq_len} --workers {args.workers}",
            "convert_command": f"albert-edge convert <tiny> --to executorch,tflite,onnx --precision fp32,int8 "
                               f"--seq-len {args.seq_len} --out <out> [--workers W]",
            "model": {"preset": "AlbertConfig.tiny(vocab_size=3000)", "parameters": count_parameters(model),
                      "weights": "random (seed 0)"},
            "goal_seconds": 300, "runs": runs,
            "host": {"cpus": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine()},
            "toolchain": manifest["toolchain"],
            "note": "wall time includes imports and every parity run; convert_seconds of one artifact is measured "
                    "inside its process (side by side, two conversions share the 2 cores)",
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _artifact(a: dict) -> dict:
    par = next(iter(a["parity"].values()))
    return {"file": a["file"], "bytes": a["bytes"], "convert_seconds": a["convert_seconds"],
            "parity_vs_fp32_max_abs_diff": par["vs_fp32"]["max_abs_diff"],
            "parity_vs_fp32_max_rel_err": par["vs_fp32"]["max_rel_err"],
            "argmax_agreement_vs_fp32": par["vs_fp32"]["argmax_agreement"],
            "vs_int8_reference_max_rel_err": (par.get("vs_int8_reference") or {}).get("max_rel_err"),
            "xnnpack_partitions": ({m: d["partitions"] for m, d in a["delegation"].items()}
                                   if a["backend"] == "executorch" else None),
            "bpte_bytes": (a["details"].get("bundled_program") or {}).get("bytes")}


if __name__ == "__main__":
    main()
