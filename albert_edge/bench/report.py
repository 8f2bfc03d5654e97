"""Bench records -> JSON, a Markdown table, and PNG plots (latency p50 with p90 spread, size vs accuracy, memory)."""

from __future__ import annotations

import json
import os
from pathlib import Path


def write_json(records: list[dict], path: str | Path) -> Path:
    """Atomic write, so a Ctrl-C while saving never leaves half a file."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(records, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def _fmt(v, spec: str = ".2f") -> str:
    if v is None:
        return "–"
    try:
        return format(v, spec)
    except (TypeError, ValueError):
        return str(v)


def label(rec: dict) -> str:
    return f"{Path(rec['artifact']).name}"


def markdown_table(records: list[dict]) -> str:
    has_acc = any(r.get("accuracy") is not None for r in records)
    head = ["artifact", "format", "precision", "device", "threads", "seq", "p50 ms", "p90 ms", "p99 ms", "min ms",
            "load ms", "first run ms", "peak RSS MB", "size MB"] + (["accuracy"] if has_acc else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in records:
        lat = r.get("latency_ms") or {}
        dev = r.get("device", "?") + (" (emulated)" if r.get("emulated") else "")
        if not r.get("complete", True):
            dev += " — INCOMPLETE"
        row = [label(r), r.get("format", "?"), r.get("precision", "?"), dev, str(r.get("threads", "–")),
               str(r.get("seq_len") or "–"), _fmt(lat.get("p50")), _fmt(lat.get("p90")), _fmt(lat.get("p99")),
               _fmt(lat.get("min")), _fmt(r.get("load_ms"), ".1f"), _fmt(r.get("first_run_ms")),
               _fmt(r.get("peak_rss_mb"), ".1f"), _fmt(r.get("size_mb"))]
        if has_acc:
            row.append(_fmt(r.get("accuracy"), ".4f"))
        lines.append("| " + " | ".join(row) + " |")
    notes = []
    if any(r.get("emulated") for r in records):
        notes.append("Emulated rows ran under qemu-user: their timings are NOT device latency (80–250× slower); "
                     "their outputs are real ARM outputs.")
    if any("baseline_rss_mb" in r for r in records):
        notes.append("Peak RSS of .tflite/.onnx rows includes the Python interpreter the runner lives in "
                     "(`baseline_rss_mb` in the JSON); .pte rows are a native process.")
    return "\n".join(lines) + ("\n\n" + "\n".join(f"- {n}" for n in notes) if notes else "") + "\n"


def plot(records: list[dict], out_dir: str | Path) -> list[Path]:
    """latency.png (p50 bars, p90 whiskers), memory.png (peak RSS vs file size), size_accuracy.png when any record
    has an accuracy. Returns the files written (none when matplotlib is missing)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recs = [r for r in records if r.get("complete", True) and r.get("latency_ms")]
    if not recs:
        return []
    written = []
    names = [label(r) + (" (emul.)" if r.get("emulated") else "") for r in recs]
    colors = {"executorch": "#4c72b0", "tflite": "#dd8452", "onnx": "#55a868"}
    c = [colors.get(r.get("format"), "#888888") for r in recs]
    h = max(2.5, 0.45 * len(recs) + 1.2)

    fig, ax = plt.subplots(figsize=(8, h))
    p50 = [r["latency_ms"]["p50"] for r in recs]
    p90 = [r["latency_ms"]["p90"] for r in recs]
    ax.barh(range(len(recs)), p50, color=c, xerr=[[0] * len(recs), [b - a for a, b in zip(p50, p90)]], capsize=4)
    ax.set_yticks(range(len(recs)), names)
    ax.invert_yaxis()
    ax.set_xlabel("latency ms (bar: p50, whisker: p90)")
    dev = {r.get("device") for r in recs}
    ax.set_title(f"latency, batch 1, {recs[0].get('threads')} thread(s), device {', '.join(sorted(dev))}")
    fig.tight_layout()
    fig.savefig(out_dir / "latency.png", dpi=110)
    plt.close(fig)
    written.append(out_dir / "latency.png")

    fig, ax = plt.subplots(figsize=(8, h))
    y = range(len(recs))
    ax.barh([i - 0.2 for i in y], [r.get("peak_rss_mb") or 0 for r in recs], height=0.4, label="peak RSS MB",
            color=c)
    ax.barh([i + 0.2 for i in y], [r.get("size_mb") or 0 for r in recs], height=0.4, label="file size MB",
            color="#bbbbbb")
    ax.set_yticks(list(y), names)
    ax.invert_yaxis()
    ax.set_xlabel("MB")
    ax.legend(loc="lower right")
    ax.set_title("memory: runner peak RSS vs artifact size")
    fig.tight_layout()
    fig.savefig(out_dir / "memory.png", dpi=110)
    plt.close(fig)
    written.append(out_dir / "memory.png")

    acc = [r for r in recs if r.get("accuracy") is not None]
    if acc:
        fig, ax = plt.subplots(figsize=(6, 4.5))
        for r in acc:
            ax.scatter(r["size_mb"], r["accuracy"], color=colors.get(r.get("format"), "#888"), s=40)
            ax.annotate(label(r), (r["size_mb"], r["accuracy"]), fontsize=7, xytext=(4, 2),
                        textcoords="offset points")
        ax.set_xlabel("artifact size MB")
        ax.set_ylabel("accuracy")
        ax.set_title("size vs accuracy")
        fig.tight_layout()
        fig.savefig(out_dir / "size_accuracy.png", dpi=110)
        plt.close(fig)
        written.append(out_dir / "size_accuracy.png")
    return written


def write_report(records: list[dict], out_dir: str | Path, *, command: str | None = None) -> list[Path]:
    """bench.json + bench.md (+ plots) in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = [write_json(records, out_dir / "bench.json")]
    pngs = plot(records, out_dir)
    md = ["# albert-edge bench", ""]
    if command:
        md += ["```", command, "```", ""]
    md.append(markdown_table(records))
    md += [f"![{p.stem}]({p.name})" for p in pngs]
    (out_dir / "bench.md").write_text("\n".join(md) + "\n", encoding="utf-8")
    return files + [out_dir / "bench.md", *pngs]
