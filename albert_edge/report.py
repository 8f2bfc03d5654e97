"""The run's report: scores on the shared test split, the artifacts' own accuracy and latency, goals with their
margins, report.json / report.md and the plots (accuracy, accuracy vs latency vs size, stage times, training curve,
confusion matrices)."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

from .errors import first_line
from .stages import folder_bytes, load_note

MODELS = ("baseline_tfidf", "teacher", "teacher_mix", "student_fp32", "student_int8")


def score(name: str, y_true: list[int], pred: list[int], labels: list[str], out: Path, **extra) -> dict:
    from .evaluate import classification_metrics, plot_confusion

    m = classification_metrics(y_true, pred, labels)
    plot_confusion(m, out / f"confusion_{name}.png", title=f"{name}: acc {m['accuracy']:.3f} · "
                                                            f"macro-F1 {m['macro_f1']:.3f}")
    return {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], **extra, "per_class": m["per_class"],
            "confusion": m["confusion"]}


# -- bundle -----------------------------------------------------------------------------------------------------
def convert_stage(stages, enabled: bool, fp32_dir: Path, int8_dir: Path, bundle: Path, cache: Path, max_length: int,
                  buckets: list[int] | None,
                  budget: dict | None, log, *, name: str = "convert") -> dict:
    from .stages import digest
    from .teacher import _file_digest

    src = int8_dir if (int8_dir / "quantization.json").is_file() else fp32_dir
    key = {"weights": _file_digest(src / "model.safetensors"), "seq": max_length, "buckets": buckets,
           "recipe": (budget or {}).get("recipe")}
    stamp = cache / "convert.json"
    cached = (enabled and stamp.is_file() and json.loads(stamp.read_text()).get("key") == digest(key)
              and (bundle / "manifest.json").is_file())

    def run():
        if not enabled:
            return {"skipped": "--no-convert", "artifacts": []}
        if cached:
            return json.loads(stamp.read_text())["result"]
        res = convert_all(src, bundle, max_length=max_length, buckets=buckets, log=log)
        if res.get("artifacts") and not res.get("errors"):
            stamp.write_text(json.dumps({"key": digest(key), "result": res}) + "\n")
        return res

    return stages.run(name, run, cached=cached)


def convert_all(src: Path, bundle: Path, *, max_length: int, buckets: list[int] | None = None, log=print) -> dict:
    """executorch, tflite, onnx x fp32, int8 through `converters.convert_checkpoint` into `bundle/`. If the whole
    bundle fails, each format is tried alone (bundle_<format>/) so one broken backend does not hide the others."""
    try:
        from converters import convert_checkpoint, default_buckets
    except ImportError:
        msg = "the converters are not installed; no .pte/.tflite/.onnx written (pip install 'albert-edge[all]')"
        log(f"   [yellow]{msg}[/]")
        return {"skipped": msg, "artifacts": []}
    for stale in bundle.parent.glob("bundle_*"):  # per-format fallbacks of an earlier run
        shutil.rmtree(stale, ignore_errors=True)
    attempts = [(("executorch", "tflite", "onnx"), ("fp32", "int8"), bundle)]
    arts, errors = [], {}
    while attempts:
        formats, precs, target = attempts.pop(0)
        t0 = time.time()
        try:
            manifest = convert_checkpoint(src, target, formats=formats, precisions=precs,
                                          seq_lens=buckets or default_buckets(max_length),
                                          overwrite=True, log=lambda m: log("   " + m))
        except Exception as e:  # noqa: BLE001 — a failing backend must not sink the report
            first = first_line(e)
            what = "+".join(formats) + "/" + "+".join(precs)
            errors[what] = f"{type(e).__name__}: {first}"
            log(f"   [yellow]convert {what} failed: {type(e).__name__}: {first}[/]")
            if len(formats) > 1:
                attempts += [((f,), precs, bundle.parent / f"bundle_{f}") for f in formats]
            elif len(precs) > 1:
                attempts += [(formats, (p,), bundle.parent / f"bundle_{formats[0]}_{p}") for p in precs]
            continue
        for a in manifest.artifacts:
            arts.append({"format": a.backend, "precision": a.precision, "bytes": a.bytes,
                         "path": str(target / a.file), "convert_seconds": a.convert_seconds})
        log(f"   converted {'+'.join(formats)}/{'+'.join(precs)} into {target} in {time.time() - t0:.0f} s")
    return {"source": str(src), "seq_len": max_length, "artifacts": arts, "errors": errors}


def int8_bytes(bundle: dict, student, student_dir: Path, recipe: dict | None) -> tuple[int, str]:
    for a in bundle.get("artifacts", []) if isinstance(bundle, dict) else []:
        if a.get("format") == "executorch" and a.get("precision") == "int8" and a.get("bytes"):
            return int(a["bytes"]), "bytes = the int8 .pte with its tokenizer inside"
    # estimate: int8 weights for quantized linears and the embedding table, fp32 for the rest, + tokenizer
    fp32 = set((recipe or {}).get("fp32_modules", []))
    emb8 = (recipe or {}).get("int8_embeddings", True)
    total = 0
    for name, mod in student.named_modules():
        for pname, p in mod.named_parameters(recurse=False):
            full = f"{name}.{pname}" if name else pname
            in_fp32 = any(full == f or full.startswith(f + ".") for f in fp32)
            if (mod.__class__.__name__ == "Linear" and pname == "weight" and not in_fp32) or \
                    (name.endswith("word_embeddings") and emb8):
                total += p.numel() + 4 * p.shape[0]
            else:
                total += 4 * p.numel()
    total += folder_bytes(student_dir, ("spiece.model", "vocab.txt"))
    return total, "bytes ESTIMATED (no .pte built): int8 weights + scales, fp32 rest, + the tokenizer file"


def latency_ms(predict_one, texts: list[str], n: int = 50) -> float:
    """Median wall time of predict_one(text) over the first n texts (batch 1, as a phone runs it)."""
    times = []
    for t in texts[:n]:
        t0 = time.perf_counter()
        predict_one(t)
        times.append(time.perf_counter() - t0)
    return round(1000 * sorted(times)[len(times) // 2], 2) if times else None


def artifacts_eval(artifacts: list[dict], texts: list[str], y_true: list[int], labels: list[str], *,
                   latency_texts: int = 100, threads: int = 2,
                   scored: dict[str, list[int]] | None = None) -> list[dict]:
    """Each artifact in its own runtime with only what travels with it: accuracy on the test split and the median
    latency of one text at a time (host CPU, Python runtime, `threads` threads: every runtime alike; LiteRT's own
    default is 1) over the first `latency_texts` test texts. `scored`: label ids an artifact (by name, e.g.
    "executorch_int8") already gave for these texts; they are not predicted again."""
    from .evaluate import classification_metrics
    from .predict import ArtifactPredictor
    from .runtime import open_artifact

    rows = []
    for a in artifacts:
        name = f"{a['format']}_{a['precision']}"
        p = ArtifactPredictor(open_artifact(Path(a["path"]), num_threads=threads))
        pred = (scored or {}).get(name)
        if pred is None:
            index = {n: i for i, n in enumerate(labels)}
            pred = [index.get(r["label"], 0) for r in p.predict(texts)]
        m = classification_metrics(y_true, pred, labels)
        rows.append({**a, "name": name, "accuracy": m["accuracy"],
                     "macro_f1": m["macro_f1"], "latency_ms": latency_ms(lambda t: p.predict([t]), texts,
                                                                         latency_texts)})
    return rows


# -- goals, files ----------------------------------------------------------------------------------------------
def goals(r: dict, correct: dict[str, list[int]] | None = None) -> dict:
    """Each goal with met (True/False/None = not measured), and the margin in words. `correct`: per model, 1 where it
    got a test text right; with it each accuracy goal also carries the margin's 95% interval (margin_interval)."""
    g = {}
    b, t, s8 = r.get("baseline_tfidf"), r.get("teacher"), r.get("student_int8")

    def add(name, model, ref, factor, offset, what):
        value, target = r[model]["accuracy"], factor * r[ref]["accuracy"] + offset
        g[name] = {"met": value >= target - 1e-12, "value": value, "target": round(target, 4),
                   "margin": round(value - target, 4),
                   "detail": f"{what} {value:.4f} vs target {target:.4f} ({value - target:+.4f})"}
        if correct and model in correct and ref in correct:
            lo, hi = margin_interval(correct[model], correct[ref], factor, offset)
            g[name]["margin_ci95"] = [lo, hi]
            g[name]["detail"] += f"; 95% interval of the margin {lo:+.4f} to {hi:+.4f}" + (
                " (it spans 0: another draw of test texts could decide either way)" if lo < 0 < hi else "")

    if b and t:
        add("teacher_ge_tfidf_plus_0.02", "teacher", "baseline_tfidf", 1.0, 0.02, "teacher")
    if b and s8:
        add("student_int8_ge_tfidf", "student_int8", "baseline_tfidf", 1.0, 0.0, "int8 student")
        add("student_int8_ge_tfidf_plus_0.02", "student_int8", "baseline_tfidf", 1.0, 0.02, "int8 student")
    if t and s8:
        add("student_int8_ge_0.98_teacher", "student_int8", "teacher", 0.98, 0.0, "int8 student")
        add("student_int8_ge_0.97_teacher", "student_int8", "teacher", 0.97, 0.0, "int8 student")
    pte = [a for a in (r.get("bundle") or {}).get("artifacts", [])
           if a.get("format") == "executorch" and a.get("precision") == "int8" and a.get("bytes")]
    if pte:
        mb = pte[0]["bytes"] / 1e6
        g["int8_pte_le_6MB"] = {"met": mb <= 6.0, "value": round(mb, 3), "target": 6.0, "margin": round(6.0 - mb, 3),
                                "detail": f"{mb:.2f} MB incl. tokenizer"}
    else:
        g["int8_pte_le_6MB"] = {"met": None, "detail": "no .pte built in this run"}
    return g


def margin_interval(value_correct: list[int], ref_correct: list[int], factor: float = 1.0, offset: float = 0.0, *,
                    resamples: int = 1000, seed: int = 0) -> list[float]:
    """95% interval of a goal's margin, accuracy(value) - (factor * accuracy(ref) + offset), by a paired bootstrap of
    the test texts: both models are rescored on each resample of the same texts, so the texts both get right (or
    wrong) cancel out and only the texts they disagree on move the margin. Seeded: a report reads the same twice."""
    import numpy as np

    a, b = np.asarray(value_correct, np.float64), np.asarray(ref_correct, np.float64)
    idx = np.random.default_rng(seed).integers(0, len(a), (resamples, len(a)))
    margins = a[idx].mean(1) - (factor * b[idx].mean(1) + offset)
    return [round(float(x), 4) for x in np.percentile(margins, [2.5, 97.5])]


def write(report: dict, out: Path, log=print, correct: dict[str, list[int]] | None = None) -> dict:
    from .files import write_atomic

    report["goals"] = goals(report, correct)
    plots(report, out)
    write_atomic(out / "report.json", (json.dumps(report, indent=2, default=str) + "\n").encode())
    write_atomic(out / "report.md", markdown(report).encode())
    log(f"wrote {out / 'report.json'} and {out / 'report.md'} ({report['timings_s']['total']} s)")
    return report


def _points(r: dict) -> list[tuple[str, float, float | None, int]]:
    """(name, accuracy, latency ms or None, bytes) for every model and artifact."""
    pts = [(n, r[n]["accuracy"], r[n].get("latency_ms"), r[n]["bytes"]) for n in MODELS if n in r]
    pts += [(a["name"], a["accuracy"], a.get("latency_ms"), a["bytes"]) for a in r.get("artifacts_eval") or []]
    return pts


def plots(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in MODELS if n in r]
    if names:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        x = range(len(names))
        for off, key in ((-0.2, "accuracy"), (0.2, "macro_f1")):
            ax.bar([i + off for i in x], [r[n][key] for n in names], 0.4, label=key)
            for i, n in enumerate(names):
                ax.text(i + off, r[n][key] + 0.005, f"{r[n][key]:.3f}", ha="center", fontsize=8)
        ax.set_xticks(list(x), names)
        ax.set_ylim(max(0.0, min(min(r[n]["accuracy"], r[n]["macro_f1"]) for n in names) - 0.1), 1.0)
        ax.set_title(f"test split (n={r['data']['used']['test']})")
        ax.legend(loc="upper right")
        fig.tight_layout()
        fig.savefig(out / "accuracy.png", dpi=110)
        plt.close(fig)
    pts = [p for p in _points(r) if p[2]]
    if pts:
        fig, ax = plt.subplots(figsize=(7, 4.2))
        sizes = [p[3] / 1e6 for p in pts]
        sc = ax.scatter([p[2] for p in pts], [p[1] for p in pts], s=[40 + 8 * min(s, 100) for s in sizes],
                        c=sizes, cmap="viridis", alpha=0.8)
        for p, s in zip(pts, sizes):
            ax.annotate(f"{p[0]} ({s:.1f} MB)", (p[2], p[1]), fontsize=7, xytext=(4, 4), textcoords="offset points")
        ax.set_xscale("log")
        ax.set_xlabel("latency per text, ms (host CPU, batch 1, log scale)")
        ax.set_ylabel("test accuracy")
        fig.colorbar(sc, label="size (MB)")
        ax.set_title("accuracy vs latency vs size: every model and artifact")
        fig.tight_layout()
        fig.savefig(out / "tradeoff.png", dpi=110)
        plt.close(fig)
    t = {k: v for k, v in r.get("timings_s", {}).items() if k != "total"}
    if t:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        ax.barh(list(t), list(t.values()))
        ax.set_xlabel("seconds")
        ax.set_title(f"stage times (total {r['timings_s'].get('total', 0):.0f} s)")
        fig.tight_layout()
        fig.savefig(out / "timings.png", dpi=110)
        plt.close(fig)
    h = r.get("student_history") or []
    if h and any("dev_accuracy" in e for e in h):
        fig, ax = plt.subplots(figsize=(6, 3.4))
        ax.plot([e["epoch"] for e in h], [e["train_loss"] for e in h], "o-", label="train loss")
        ax2 = ax.twinx()
        ax2.plot([e["epoch"] for e in h], [e.get("dev_accuracy") for e in h], "s-", color="C1", label="dev accuracy")
        ax.set_xlabel("epoch")
        ax.set_title("student distillation")
        fig.legend(loc="lower center", ncol=2)
        fig.tight_layout()
        fig.savefig(out / "student_training.png", dpi=110)
        plt.close(fig)


def markdown(r: dict) -> str:
    d = r["data"]
    L = [f"# albert-edge run ({r['mode']})", "", f"Command: `{r.get('command', '')}`", "",
         f"Data: {d['source']} (encoding {d.get('encoding')}); {d['stats']['size']} labeled texts, "
         f"{len(d['labels'])} labels ({', '.join(d['labels'])}); split {d['split']['sizes']} (seed "
         f"{d['split']['seed']}, stratified; data/splits.json). Used: " + ", ".join(f"{k} {v}" for k, v in
                                                                                  d["used"].items())
         + f". `test.jsonl` holds exactly the {d['used']['test']} test texts every model below was scored on. "
         f"Student tokens per training text: {d.get('student_tokens')}.", ""]
    p = r.get("plan") or {}
    if p:
        L += [f"Plan: student max_length {p['max_length']}, teacher max_length {p['teacher_max_length']}, student "
              f"{p['student_epochs']} epochs at batch {p['student_batch']}; estimate "
              f"{p['plan']['estimate_s']['total'] / 60:.1f} min "
              + (f"on this machine (speed {p['speed']:g}x the plan's reference; config.json `speed`)."
                 if p.get("speed") else "on the plan's reference machine."), ""]
    L += ["| model | accuracy | macro-F1 | params | bytes | latency (ms/text) |", "|---|---|---|---|---|---|"]
    for n, acc, lat, nbytes in _points(r):
        m = r.get(n) or next(a for a in r.get("artifacts_eval", []) if a["name"] == n)
        params = f"{m['params']:,}" if m.get("params") else ""
        L.append(f"| {n} | {acc:.4f} | {m['macro_f1']:.4f} | {params} | {nbytes / 1e6:.2f} MB | "
                 f"{'' if lat is None else lat} |")
    L += [""] + [f"- **{n}**: {r[n]['note']}" for n in MODELS if n in r and r[n].get("note")]
    mix = r.get("ngram_mix") or {}
    if mix.get("dev"):
        by_w = {e["weight"]: e["accuracy"] for e in mix["dev"]}
        L += ["", "Teacher mix, dev accuracy by the encoder's weight: " + ", ".join(
            f"{w:g} {a:.4f}" for w, a in by_w.items()) + f"; chosen {mix['weight']:g}"
              + (" (the teacher alone)" if mix["weight"] == 1.0 else "") + "."]
        if r.get("teacher_mix") and r.get("student_int8"):
            L[-1] += (f" The int8 student reaches {r['student_int8']['accuracy'] / r['teacher_mix']['accuracy']:.3f}x "
                      "the mix it learned from.")
    L += ["", "## Goals", ""]
    for k, v in r.get("goals", {}).items():
        mark = {True: "met", False: "**MISSED**", None: "not measured"}[v["met"]]
        L.append(f"- {k}: {mark} — {v['detail']}")
    b = r.get("int8_budget") or {}
    if "within_budget" in b:
        L += ["", "## int8 accuracy budget (dev)", "",
              f"max drop {b['max_drop']}: fp32 {b['fp32_accuracy']:.4f}, all-int8 {b['all_int8_accuracy']:.4f}, "
              f"chosen {b['int8_accuracy']:.4f} (drop {b['drop']:+.4f}, within budget: {b['within_budget']}); "
              f"kept fp32: {', '.join(b['fp32_groups']) or 'nothing'}. Measured on: {b.get('measured_on', '?')}."]
    elif b:
        L += ["", f"int8: {b.get('error')}"]
    bd = r.get("bundle") or {}
    L += ["", "## Artifacts", ""]
    if bd.get("skipped"):
        L.append(f"Not built: {bd['skipped']}")
    for a in bd.get("artifacts", []):
        L.append(f"- {a['format']} {a['precision']}: {a['bytes'] / 1e6:.2f} MB — `{a['path']}`")
    for what, e in (bd.get("errors") or {}).items():
        L.append(f"- **failed** {what}: {e}")
    L += ["", "## Stage times (s)", "", "| stage | seconds | cached |", "|---|---|---|"]
    for k, v in r.get("stages", {}).items():
        L.append(f"| {k} | {v['seconds']} | {'yes' if v['cached'] else ''} |")
    L.append(f"| total | {r['timings_s'].get('total')} | |")
    m = r["machine"]
    start = m.get("load_average_at_start") or [0.0]
    end = m.get("load_average_at_end") or start  # reports from before the end was recorded
    L += ["", f"Machine: {m.get('cpu_count')} cores, torch threads {m.get('torch_threads')}, torch {m.get('torch')}; "
          f"{load_note(start[0], end[0], m.get('cpu_count') or 1)}.", "",
          "Plots: accuracy.png, tradeoff.png (accuracy vs latency vs size), timings.png, student_training.png, "
          "confusion_*.png", ""]
    return "\n".join(L)
