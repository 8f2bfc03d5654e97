"""What the MediaPipe layout costs at conversion: the portable spiece (built once per conversion), bytes and seconds of
`package()` (metadata + re-pack + zip) on the bare litert-torch / ai-edge-quantizer flatbuffers of the AlbertConfig.tiny() student (random weights, vocab 3000),
and optionally the whole `albert-edge convert --to tflite` wall time of this tree vs another source tree (e.g. an
export of the commit before the layout). Not a test.

    python benchmarks/tflite_metadata_cost.py [--seq-len 128] [--before-src DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SPIECE = ROOT / "tests" / "assets" / "spiece"


def convert_seconds(src: Path, ckpt: Path, out: Path, seq_len: int) -> tuple[float, dict]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from albert_edge.cli import run; run()", "convert", str(ckpt), "--to",
                    "tflite", "--precision", "fp32,int8", "--seq-len", str(seq_len), "--out", str(out)],
                   check=True, env=env, capture_output=True)
    secs = time.perf_counter() - t
    m = json.loads((out / "manifest.json").read_text())
    return round(secs, 1), {a["file"]: a["bytes"] for a in m["artifacts"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--before-src", type=Path, help="source tree of the layout before (no metadata) to time too")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "tflite_metadata_cost.json")
    a = ap.parse_args()

    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig
    from albert_edge.tokenizer import load_tokenizer
    from converters.job import ConversionJob, quiet_toolchain
    from converters.tflite import _float_flatbuffer, _quantize, package, tokenizer_for_mediapipe

    cfg = AlbertConfig.tiny(vocab_size=3000, id2label={0: "negative", 1: "neutral", 2: "positive"})
    model = new_model(cfg, seed=0).eval()
    job = ConversionJob(model=model, tokenizer=load_tokenizer(SPIECE), seq_lens=[a.seq_len])
    with quiet_toolchain():
        bare = {"fp32": _float_flatbuffer(job)}
        bare["int8"] = _quantize(bare["fp32"])
    t = time.perf_counter()
    _, _, portable = tokenizer_for_mediapipe(job)  # built once per conversion, cached in the job
    rows = {"portable_spiece": {"bytes": len(portable), "seconds": round(time.perf_counter() - t, 2)}}
    for prec, flat in bare.items():
        t = time.perf_counter()
        packed = package(job, flat, prec)
        rows[prec] = {"bare_flatbuffer_bytes": len(flat), "packaged_bytes": len(packed),
                      "added_bytes": len(packed) - len(flat), "spiece_bytes": len(job.tokenizer.files()["spiece.model"]),
                      "package_seconds": round(time.perf_counter() - t, 3)}
    report = {"benchmark": "tflite_metadata_cost", "command": "python benchmarks/tflite_metadata_cost.py " +
              " ".join(sys.argv[1:]), "model": "AlbertConfig.tiny(vocab_size=3000), random (seed 0)",
              "seq_len": a.seq_len, "package": rows}
    if a.before_src:
        with tempfile.TemporaryDirectory() as tmp:
            ckpt = save_checkpoint(model, Path(tmp) / "tiny", tokenizer_dir=SPIECE)
            after = convert_seconds(ROOT, ckpt, Path(tmp) / "after", a.seq_len)
            before = convert_seconds(a.before_src, ckpt, Path(tmp) / "before", a.seq_len)
        report["convert_tflite_fp32_int8"] = {"before": {"seconds": before[0], "bytes": before[1]},
                                              "after": {"seconds": after[0], "bytes": after[1]},
                                              "note": "wall time on a shared 2-core machine; run back to back"}
    a.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
