"""Training steps in fp32 and under bf16 autocast on this machine: what training.precision's "auto" decides by.

    .venv/bin/python benchmarks/bf16_training.py   -> benchmarks/results/bf16_training.json   (~1 min)

The student's shape (tiny: H=312, 2 passes of one shared layer, E=128, an 8,000-piece vocabulary), batch 32 at 32, 64
and 128 tokens, forward + backward + AdamW on 2 threads; measure_speed's MiniLM-shaped probe step in both precisions;
and the gain `run` decides by (plan.measure_bf16_gain). Median of 10 steps after 2 warm-up steps, the two precisions interleaved so that a machine
drifting in speed drifts both. Real epochs: benchmarks/bf16_epochs.py; accuracy and a cold run with bf16: recorded in
the same JSON by hand, with their commands.
"""

from __future__ import annotations

import json
import platform
import statistics
import time
from pathlib import Path


def main() -> None:
    import torch

    from albert_edge.model import AlbertConfig, AlbertForSequenceClassification
    from albert_edge.plan import measure_bf16_gain
    from albert_edge.training import adamw
    from albert_edge.training.precision import BF16_MIN_GAIN, Precision, step_seconds

    torch.set_num_threads(2)
    torch.manual_seed(0)
    cfg = AlbertConfig.tiny(vocab_size=8000, id2label={0: "negative", 1: "positive"})
    cfg.num_hidden_layers = 2
    model = AlbertForSequenceClassification(cfg).train()
    opt = adamw(list(model.named_parameters()), lr=1e-4)
    rows = []
    for length in (32, 64, 128):
        fp32, bf16 = [], []
        for _ in range(2):
            ids = torch.randint(5, cfg.vocab_size, (32, length))
            fp32.append(step_seconds(model, opt, ids, Precision.FP32, 10))
            bf16.append(step_seconds(model, opt, ids, Precision.BF16, 10))
        f, b = statistics.median(fp32), statistics.median(bf16)
        rows.append({"tokens": length, "batch": 32, "fp32_ms": round(f * 1e3, 1), "bf16_ms": round(b * 1e3, 1),
                     "bf16_over_fp32": round(b / f, 3)})
        print(rows[-1])
    # measure_speed's MiniLM-shaped probe (16 x 32 tokens): too small a step for what bf16 speeds up to show
    torch.manual_seed(0)
    minilm = AlbertForSequenceClassification(AlbertConfig(
        vocab_size=30522, embedding_size=384, hidden_size=384, num_hidden_layers=6, num_hidden_groups=6,
        num_attention_heads=12, intermediate_size=1536, id2label={0: "a", 1: "b"}))
    m_opt = adamw(list(minilm.named_parameters()), lr=1e-5)
    ids = torch.randint(5, 30522, (16, 32))
    m32, m16 = (step_seconds(minilm, m_opt, ids, p, 10) for p in (Precision.FP32, Precision.BF16))
    gain = measure_bf16_gain(threads=2)
    flags = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    out = {
        "command": ".venv/bin/python benchmarks/bf16_training.py",
        "machine": {"cpu": platform.processor() or platform.machine(), "threads": 2,
                    "cpu_flags": sorted(flags & {"avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_bf16",
                                                 "amx_int8", "amx_tile"}),
                    "torch": torch.__version__, "capability": torch.backends.cpu.get_cpu_capability()},
        "student_steps": rows,
        "minilm_probe_16x32": {"fp32_ms": round(m32 * 1e3, 1), "bf16_ms": round(m16 * 1e3, 1),
                               "gain": round(m32 / m16, 2)},
        "measure_bf16_gain": gain,
        "auto_chooses": "bf16" if gain >= BF16_MIN_GAIN else "fp32",
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = Path(__file__).parent / "results" / "bf16_training.json"
    old = json.loads(path.read_text()) if path.is_file() else {}
    for k in ("accuracy", "cold_run_auto", "real_epochs"):  # recorded by hand, or by bf16_epochs.py: kept
        if k in old:
            out[k] = old[k]
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
