"""The steps of `albert-edge run` (albert_edge.pipeline) that are more than one call into a component: the TF-IDF
baseline, the student's SentencePiece, the plan's inputs from the data (`resolve`), and the student's pretraining and
resumable distillation with their cache keys. pipeline.run composes them, stage after stage."""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict
from pathlib import Path

from .stages import digest, stamp, stamp_ok


def baseline(train, test, labels, ngram=None):
    """The TF-IDF + logistic-regression row of the report: (test predictions, its report fields, predict one text).
    `ngram`: an NgramTeacher fitted on `train`; where its features are the baseline's, its full model is exactly this
    fit (not fitted twice)."""
    import pickle

    from .ngram_teacher import NgramTeacher, describe, fit_tfidf, tfidf_settings

    join = (lambda d: [t + " " + p for t, p in zip(d.texts, d.pairs)]) if train.pairs else (lambda d: d.texts)
    settings = tfidf_settings(join(train))  # character n-grams for unspaced scripts (Chinese), else words
    if ngram is not None and ngram.settings == settings:
        vec, clf = ngram.vectorizer, ngram.model
    else:  # no n-gram teacher, or one that reads more than the baseline (Chinese words)
        vec, clf = fit_tfidf(settings, NgramTeacher.C, join(train), train.label_ids(labels))
    pred = clf.predict(vec.transform(join(test))).tolist()
    return pred, {"params": int(clf.coef_.size + clf.intercept_.size), "bytes": len(pickle.dumps((vec, clf))),
                  "note": f"TF-IDF ({describe(settings)}) + logistic regression (C={NgramTeacher.C:g}) on all "
                          f"{len(train)} training texts; params = LR weights (vocabulary not counted), bytes = pickled "
                          "vectorizer + model"}, lambda t: clf.predict(vec.transform([t]))


def train_spiece(texts, spdir: Path, vocab: int, seed: int, key: dict, log) -> None:
    """train_tokenizer on the training text; a text too small for `vocab` pieces retries with the largest size
    SentencePiece allows (it names it in its error)."""
    import re

    from .errors import TokenizerError
    from .tokenizer import train_tokenizer

    spdir.mkdir(parents=True, exist_ok=True)
    corpus = spdir / "corpus.txt"
    corpus.write_text("\n".join(" ".join(t.split()) for t in texts) + "\n", encoding="utf-8")
    try:
        try:
            train_tokenizer([corpus], spdir, vocab_size=vocab, seed=seed)
        except TokenizerError as e:
            m = re.search(r"value <= (\d+)", str(e))
            if not m:
                raise
            log(f"   vocabulary {vocab} is too large for this text; using {m.group(1)} pieces")
            train_tokenizer([corpus], spdir, vocab_size=int(m.group(1)), seed=seed)
    finally:
        corpus.unlink(missing_ok=True)
    stamp(spdir, key)


def resolve(S, cfg, train, dev_sel, test, unlabeled, tok, teacher_given, backbone, log, ngram=False,
            shared=False, augmented=0) -> dict:
    """Every "auto" knob decided from the data (lengths) and the budget (albert_edge.plan). augmented: edited copies of
    the training texts in the transfer pool (albert_edge.training.augment)."""
    from .data import auto_buckets, covering_length
    from .plan import DEFAULT_BUDGET_MINUTES, measure_bf16_gain, measure_speed, ngram_fit_cost, plan_run, teacher_scale
    from .teacher import teacher_tokenizer
    from .training.precision import Precision, resolve_precision

    # lengths from a seeded random sample (tokenizing 30k texts twice is not free on 2 cores); not the first 5,000:
    # the split lists the training texts label by label, and classes can differ in length
    pick = sorted(random.Random(cfg.seed).sample(range(len(train)), min(5000, len(train))))
    sample = [train.texts[i] for i in pick]
    pairs = [train.pairs[i] for i in pick] if train.pairs is not None else None
    s_lens = [len(tok.encode(t, pairs[i] if pairs else None).ids) for i, t in enumerate(sample)]
    if ngram:  # no sequence length to plan for
        t_lens = s_lens
    else:
        ttok = teacher_given.tokenizer if teacher_given else teacher_tokenizer(backbone)
        t_lens = [len(x) for x in ttok(sample, pairs, truncation=False)["input_ids"]]
    ml = S["max_length"] if S["max_length"] != "auto" else max(S["buckets"]) if S["buckets"] != "auto" else \
        covering_length(s_lens, hi=S["length_cap"])  # explicit buckets: the longest is the run's length
    tml = S["teacher_max_length"] if S["teacher_max_length"] != "auto" else covering_length(t_lens,
                                                                                            hi=S["length_cap"])
    sb = S["student_batch"] if S["student_batch"] != "auto" else (64 if len(train) >= 20000 else 32)
    # length buckets placed where the data's lengths are (convert's fixed defaults know no data)
    buckets = sorted(set(S["buckets"])) if S["buckets"] != "auto" else auto_buckets(s_lens, ml) if cfg.convert else []
    budget = None if cfg.mode == "full" else (cfg.budget_minutes or DEFAULT_BUDGET_MINUTES) * 60
    speed = cfg.speed
    if speed is None and budget is not None and cfg.mode == "default":  # the other modes pin what the plan decides
        speed = previous_probe(Path(cfg.out), "speed") or measure_speed(cfg.threads)
    # student_precision auto: bf16 where it is measured faster (training.precision); pinned like the speed, so a rerun
    # trains as this one did. The plan stays fp32's (plan.measure_bf16_gain says why): bf16 ends the student sooner
    gain = None if S["student_precision"] != Precision.AUTO else \
        cfg.bf16_gain or previous_probe(Path(cfg.out), "bf16_gain") or measure_bf16_gain(cfg.threads)
    precision = resolve_precision(S["student_precision"], gain)
    finetune = teacher_given is None and not ngram
    pool = len(train) + len(unlabeled) + augmented  # texts the teacher may label for the student
    p = plan_run(budget_s=budget, n_train=len(train), n_pool=pool,
                 n_dev=len(dev_sel), n_test=len(test), teacher_tokens=sum(min(x, tml) for x in t_lens) / len(t_lens),
                 student_tokens=sum(min(x, ml) for x in s_lens) / len(s_lens), student_max_length=ml,
                 student_layers=S["student_layers"] or 4, student_preset=cfg.student, student_batch=sb,
                 student_min_steps=S["student_min_steps"], student_epochs=3 if S["student_epochs"] == "auto"
                 else S["student_epochs"], finetune_teacher=finetune, teacher_batch=S["teacher_batch"],
                 teacher_min_steps=S["teacher_min_steps"], teacher_epochs=S["teacher_epochs"],
                 # an n-gram teacher labels a text in microseconds (a lookup, a sparse dot product): it labels the
                 # whole pool; its fit (or that of a mix's n-grams) is planned by the training texts' characters
                 ngram_fit_s=ngram_fit_cost(train.texts if train.pairs is None else
                                            [t + " " + q for t, q in zip(train.texts, train.pairs)])
                 if ngram or S["ngram_mix"] else 0.0,
                 teacher_scale=1e-3 if ngram else teacher_scale(Path(cfg.teacher) if teacher_given else backbone),
                 embed_init_pieces=tok.vocab_size if S["embed_init"] and not ngram and not shared else 0,
                 teacher_per_student_step=shared and S["hidden_weight"] > 0,
                 convert_lengths=len(buckets) if cfg.convert else 0,
                 pretrain_texts=S["pretrain_epochs"] * (len(train) + len(unlabeled)) if not shared else 0,
                 strict=cfg.budget_minutes is not None,  # a budget the user chose is refused if too small
                 speed=speed or 1.0)
    if p.note:
        log(f"   [yellow]{p.note}[/]")
    out = {"max_length": ml, "teacher_max_length": tml, "student_batch": sb, "buckets": buckets,
           "teacher_train": (S["teacher_train"] if S["teacher_train"] != "auto" else p.teacher_train) or len(train),
           "transfer": S["transfer"] if S["transfer"] not in ("auto", None) else p.transfer,
           "student_epochs": S["student_epochs"] if S["student_epochs"] != "auto" else p.student_epochs,
           "plan": p.to_dict(), "speed": speed, "bf16_gain": gain, "student_precision": precision.value, "knobs": S}
    if S["transfer"] is None:
        out["transfer"] = pool
    log(f"   plan: student max_length {ml} (teacher {tml}), teacher on {out['teacher_train']} texts, transfer "
        f"{out['transfer']}" + (f" (pool {pool}: {augmented} of them edited copies)" if augmented else "")
        + f", student {out['student_epochs']} epochs at batch {sb} in {precision.value}"
        + (f", length buckets {'/'.join(map(str, buckets))}" if buckets else "") + "; estimated "
        f"{p.estimate_s['total'] / 60:.1f} min" + (f" on this machine (speed {speed:g}x the plan's reference)"
                                                    if speed else " on the plan's reference machine"))
    return out


def previous_probe(out: Path, name: str) -> float | None:
    """A probe's measure ("speed", "bf16_gain") an earlier run into `out` planned with: a rerun plans the same and
    finds its caches (a fresh probe differs by a few percent, and with it the texts each stage uses). Not
    RunConfig.load: an unreadable old config.json is no error here, the probe measures instead."""
    try:
        value = json.loads((out / "config.json").read_text(encoding="utf-8")).get(name)
    except (OSError, ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0 else None


def distill_key(teacher, skey, texts, pairs, dcfg, mcfg, dev_sel, embed_init: bool) -> dict:
    from .teacher import text_key

    return {"teacher": teacher.identity, "tok": skey,
            "texts": digest([text_key(t, pairs[i] if pairs else None) for i, t in enumerate(texts)]),
            "cfg": asdict(dcfg), "model": mcfg.to_hf_dict(), "dev": len(dev_sel), "embed_init": embed_init}


def distill_student(sdir: Path, key: dict, dcfg, mcfg, spdir, texts, pairs, y, logits, vectors, init_rows, dev_sel,
                    labels, cfg, log, init_state=None, hidden=None, init_from=None, deadline=None) -> list[dict]:
    """The student, resumable: an interrupted run with the same settings continues where it stopped. deadline: see
    distill (a student stopped by it is cached like one that ran all its epochs)."""
    from .distill import TrainingInterrupted, distill

    if stamp_ok(sdir, key) and (sdir / "best" / "config.json").is_file():
        return json.loads((sdir / "history.json").read_text())
    pending = sdir / ".pending.json"
    resume = (pending.is_file() and json.loads(pending.read_text()).get("key") == digest(key)
              and (sdir / "train_state.pt").is_file() and (sdir / "last" / "config.json").is_file())
    if resume:
        log("   resuming the interrupted student run")
    sdir.mkdir(parents=True, exist_ok=True)
    pending.write_text(json.dumps({"key": digest(key)}) + "\n")
    try:
        res = distill(sdir, cfg=dcfg, model_config=mcfg, tokenizer_dir=spdir, train_texts=texts, train_labels=y,
                      teacher_logits=logits, dev_texts=dev_sel.texts, dev_labels=dev_sel.label_ids(labels),
                      train_pairs=pairs, dev_pairs=dev_sel.pairs, teacher_vectors=vectors, init_embeddings=init_rows,
                      init_state=init_state, hidden_transfer=hidden, init_from=init_from, deadline=deadline,
                      overwrite=not resume, resume=resume, progress=cfg.progress, log=log)
    except TrainingInterrupted as e:
        raise TrainingInterrupted(str(e).split(" — ")[0] + " — rerun the same command: the cached stages are "
                                  "reused and the student resumes") from None
    stamp(sdir, key)
    pending.unlink(missing_ok=True)
    return res.history


def pretrain_student(pdir: Path, key: dict, texts, spdir, mcfg, ml, batch, lr, cfg, log) -> None:
    from .pretrain import pretrain

    shutil.rmtree(pdir, ignore_errors=True)
    pretrain(pdir, texts, tokenizer_dir=spdir, model_config=mcfg, epochs=key["epochs"], batch_size=batch, lr=lr,
             max_length=ml, seed=cfg.seed, threads=cfg.threads, progress=cfg.progress, log=lambda m: log("   " + m))
    stamp(pdir, key)
