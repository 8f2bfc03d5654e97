"""Eager forward of albert-edge's ALBERT-base-v2 shape vs transformers.AlbertModel, same weights, same run.

    .venv/bin/python benchmarks/model_eager.py [--runs 30]

Batch 1, seq 128, 1 thread, random weights. Writes benchmarks/results/model_eager.json. Goal: ratio <= 1.1.
The two are interleaved run by run so machine noise hits both alike.
"""

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import torch
import transformers

from albert_edge.checkpoint import load_state_strict
from albert_edge.model import AlbertConfig, AlbertModel


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--out", default=str(Path(__file__).parent / "results" / "model_eager.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = AlbertConfig.base_v2()
    torch.manual_seed(0)
    hf = transformers.AlbertModel(transformers.AlbertConfig(**cfg.to_hf_dict())).eval()
    ours = AlbertModel(cfg).eval()
    load_state_strict(ours, hf.state_dict(), where="hf")  # same weights
    ids = torch.randint(5, cfg.vocab_size, (1, args.seq))
    mask = torch.ones_like(ids)
    times = {"albert_edge": [], "transformers": []}
    with torch.inference_mode():
        diff = (ours(ids, mask)[0][-1] - hf(input_ids=ids, attention_mask=mask).last_hidden_state).abs().max().item()
        for _ in range(5):
            ours(ids, mask), hf(input_ids=ids, attention_mask=mask)
        for _ in range(args.runs):
            for name, fn in (("albert_edge", lambda: ours(ids, mask)), ("transformers", lambda: hf(input_ids=ids, attention_mask=mask))):
                t = time.perf_counter()
                fn()
                times[name].append((time.perf_counter() - t) * 1e3)
    p50 = {k: statistics.median(v) for k, v in times.items()}
    result = {
        "command": " ".join([".venv/bin/python", "benchmarks/model_eager.py", *sys.argv[1:]]),
        "shape": "albert-base-v2 (E=128, H=768, 12 heads, FFN 3072, 12 passes of 1 shared layer)",
        "batch": 1, "seq_len": args.seq, "threads": 1, "runs": args.runs,
        "p50_ms": p50, "min_ms": {k: min(v) for k, v in times.items()},
        "ratio_p50_albert_edge_over_transformers": p50["albert_edge"] / p50["transformers"],
        "goal_ratio": 1.1, "max_abs_diff_last_hidden": diff,
        "torch": torch.__version__, "transformers": transformers.__version__, "cpu": platform.processor() or platform.machine(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
