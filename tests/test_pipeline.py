"""pipeline.py: the whole `run` on a tiny synthetic data set with a tiny random BERT teacher (smoke mode), a rerun
that reuses the caches."""

import json
import shutil

import numpy as np
import pytest


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    """A random 1-layer BERT backbone (hidden 32) with a small WordPiece vocabulary; no downloads."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    words = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "was", "and", "number"] + POS + NEG + NEU
    tok = BertTokenizer(vocab={w: i for i, w in enumerate(words)})  # vocab_file= is broken in transformers 5
    root = tmp_path_factory.mktemp("bert")
    torch.manual_seed(0)
    BertModel(BertConfig(vocab_size=len(tok), hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                         intermediate_size=64, max_position_embeddings=64)).save_pretrained(root / "backbone")
    tok.save_pretrained(root / "backbone")
    return root

POS = "good great fine nice lovely happy".split()
NEG = "bad awful poor sad terrible angry".split()
NEU = "okay average normal plain usual regular".split()


def write_data(path, n=600):
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="latin-1") as f:
        f.write("sentiment,confidence,text\n")
        for i in range(n):
            y = ["negative", "neutral", "positive"][i % 3]
            words = rng.choice({"negative": NEG, "neutral": NEU, "positive": POS}[y], size=2)
            f.write(f'{y},0.9,"the caf\xe9 was {words[0]} and {words[1]} number {i % 17}"\n')
    return path


def test_run_smoke_rerun_and_config(tmp_path, tiny_bert):
    """The whole recipe on synthetic latin-1 data (encoding detected), a rerun from caches, config.json reproduces."""
    pytest.importorskip("sklearn")
    pytest.importorskip("executorch")
    from albert_edge.pipeline import RunConfig, run

    data = write_data(tmp_path / "tweets.csv")
    cfg = RunConfig(out=str(tmp_path / "run"), mode="smoke", data=str(data), label_column="sentiment",
                    backbone=str(tiny_bert / "backbone"), max_drop=1.0, progress=False,
                    overrides={"teacher_epochs": 2, "student_epochs": 3})
    logs = []
    r = run(cfg, log=logs.append)
    out = tmp_path / "run"
    for name in ("baseline_tfidf", "teacher", "student_fp32", "student_int8"):
        assert 0.0 <= r[name]["accuracy"] <= 1.0 and r[name]["params"] > 0 and r[name]["bytes"] > 0, name
        assert r[name]["latency_ms"] > 0 and "macro_f1" in r[name] and (out / f"confusion_{name}.png").is_file()
    assert r["baseline_tfidf"]["accuracy"] > 0.9  # the synthetic task is easy
    assert r["data"]["encoding"] in ("cp1252", "latin-1")  # the file is latin-1 (é as one byte), not UTF-8
    saved = json.loads((out / "report.json").read_text())
    assert set(saved["timings_s"]) >= {"data", "teacher_finetune", "student_distill", "student_int8", "total"}
    assert (out / "report.md").read_text().startswith("# albert-edge run")
    rows = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert rows and set(rows[0]) == {"text", "label"} and {x["label"] for x in rows} <= set(saved["data"]["labels"])
    assert (out / "data" / "splits.json").is_file() and (out / "student-int8" / "quantization.json").is_file()
    g = saved["goals"]
    assert g["student_int8_ge_0.98_teacher"]["met"] == (r["student_int8"]["accuracy"] >= 0.98 * r["teacher"]["accuracy"])
    assert g["teacher_ge_tfidf_plus_0.02"]["margin"] == pytest.approx(
        r["teacher"]["accuracy"] - r["baseline_tfidf"]["accuracy"] - 0.02, abs=1e-4)
    mix = saved["ngram_mix"]  # the teacher mixed with the n-grams where that helps on dev (here: they are perfect)
    assert mix["weight"] in [e["weight"] for e in mix["dev"]] and len(mix["dev"]) == 11
    assert mix["weight"] < 1.0 and r["teacher"]["params"] < r["teacher_mix"]["params"]
    assert r["teacher_mix"]["accuracy"] >= r["teacher"]["accuracy"] and "Teacher mix" in (out / "report.md").read_text()
    assert "from teacher_mix" in r["student_fp32"]["note"]
    assert "to the teacher's pooled vector" in r["student_fp32"]["note"]  # representation transfer is on by default
    if r["bundle"].get("artifacts"):
        assert (out / "bundle" / "manifest.json").is_file() and (out / "tradeoff.png").is_file()
        assert {(a["format"], a["precision"]) for a in r["bundle"]["artifacts"]} == {
            (f, p) for f in ("executorch", "tflite", "onnx") for p in ("fp32", "int8")}
        assert {a["name"] for a in saved["artifacts_eval"]} == {f"{f}_{p}" for f in ("executorch", "tflite", "onnx")
                                                               for p in ("fp32", "int8")}
        assert g["int8_pte_le_6MB"]["met"]
        assert json.loads((out / "bundle" / "manifest.json").read_text())["seq_lens"] == saved["plan"]["buckets"]
        pte = next(a for a in saved["artifacts_eval"] if a["name"] == "executorch_int8")
        assert r["student_int8"]["accuracy"] == pte["accuracy"] and "as it ships" in r["student_int8"]["note"]
        # the run reuses student_int8's predictions for this row; predicted afresh in its runtime, it is the same
        from albert_edge.report import artifacts_eval

        again = artifacts_eval([a for a in r["bundle"]["artifacts"] if a["format"] == "executorch"
                                and a["precision"] == "int8"], [x["text"] for x in rows],
                               [saved["data"]["labels"].index(x["label"]) for x in rows], saved["data"]["labels"],
                               latency_texts=2)
        assert again[0]["accuracy"] == pte["accuracy"] and again[0]["macro_f1"] == pte["macro_f1"]
    from albert_edge.tokenizer import model_max_length

    assert model_max_length(out / "student") == saved["plan"]["max_length"]  # eval reads it as far as it trained

    # the config file reproduces the run, from cache, also with the backbone elsewhere (a run folder and its
    # backbone copied to another clone: the teacher is keyed by the backbone's content, not its path)
    moved = shutil.copytree(tiny_bert / "backbone", tmp_path / "elsewhere" / "backbone")
    again_cfg = RunConfig.load(out / "config.json")
    again_cfg.backbone = str(moved)
    r2 = run(again_cfg, log=logs.append)
    assert r2["stages"]["teacher_finetune"]["cached"] and r2["stages"]["student_distill"]["cached"]
    assert r2["stages"]["convert"]["cached"] or not r["bundle"].get("artifacts")
    assert r2["teacher"]["accuracy"] == r["teacher"]["accuracy"]
    assert r2["student_int8"]["accuracy"] == r["student_int8"]["accuracy"]
    assert r2["plan"]["max_length"] == r["plan"]["max_length"]


@pytest.fixture(scope="module")
def classifier_teacher(tiny_bert):
    """A random BERT sequence classifier whose labels are 'bad'/'good' (the data has negative/neutral/positive)."""
    from transformers import BertConfig, BertForSequenceClassification

    folder = tiny_bert / "clf"
    BertForSequenceClassification(BertConfig(vocab_size=40, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
                                             intermediate_size=64, id2label={0: "bad", 1: "good"},
                                             label2id={"bad": 0, "good": 1})).save_pretrained(folder)
    for f in (tiny_bert / "backbone").iterdir():
        if "token" in f.name or f.name == "vocab.txt":
            shutil.copy(f, folder / f.name)
    return folder


def _cfg(tmp_path, data, **kw):
    from albert_edge.pipeline import RunConfig

    return RunConfig(out=str(tmp_path / "o"), data=str(data), mode="smoke", progress=False, **kw)


@pytest.mark.parametrize("case", ["missing_column", "one_class", "teacher_labels", "teacher_not_classifier",
                                  "unlabeled_empty", "unlabeled_not_utf8", "buckets_empty", "buckets_too_long",
                                  "pretrain_epochs", "speed", "augment", "student_lr",
                                  "student_dropout", "student_precision", "bf16_gain"])
def test_bad_input_stops_before_anything_is_written(tmp_path, tiny_bert, classifier_teacher, case):
    from albert_edge.errors import AlbertEdgeError
    from albert_edge.pipeline import run

    data = write_data(tmp_path / "d.csv", n=60)
    kw, match = {"label_column": "sentiment"}, ""
    if case == "missing_column":
        kw, match = {"label_column": "stars"}, "no column 'stars'; available columns: sentiment, confidence, text"
    elif case == "one_class":
        data.write_text("text,sentiment\n" + "".join(f"t{i},pos\n" for i in range(20)))
        match = "only one class ('pos')"
    elif case == "teacher_labels":
        kw["teacher"], match = str(classifier_teacher), "the teacher's labels ['bad', 'good'] differ from the data's " \
                                                        "['negative', 'neutral', 'positive']"
    elif case == "teacher_not_classifier":
        kw["teacher"], match = str(tiny_bert / "backbone"), "a BertModel, not a sequence classifier"
    elif case == "buckets_empty":  # not convert's default buckets in silence
        kw["overrides"], match = {"buckets": []}, "override buckets=[]: give \"auto\" or a non-empty list"
    elif case == "pretrain_epochs":
        kw["overrides"], match = {"pretrain_epochs": "2"}, "override pretrain_epochs='2': give a whole number"
    elif case == "student_dropout":
        kw["overrides"], match = {"student_dropout": 1}, "override student_dropout=1: give a probability in [0, 1)"
    elif case == "augment":
        kw["overrides"], match = {"augment": -1}, "override augment=-1: give \"auto\" or a whole number"
    elif case == "student_lr":
        kw["overrides"], match = {"student_lr": 3}, "override student_lr=3: give \"auto\" or a learning rate"
    elif case == "student_precision":
        kw["overrides"], match = {"student_precision": "fp16"}, "override student_precision='fp16': choose one of auto"
    elif case == "bf16_gain":  # a config.json edited by hand
        kw["bf16_gain"], match = 0, "bf16_gain 0: give how many times faster a bf16 training step is"
    elif case == "speed":  # a config.json edited by hand
        kw["speed"], match = -1.5, "speed -1.5: give the machine's speed for the plan as a positive number"
    elif case == "buckets_too_long":
        kw["overrides"], match = {"buckets": [16, 64], "max_length": 32}, "longer than max_length 32"
    else:
        u = tmp_path / "u.txt"
        u.write_bytes(b"\n \n" if case == "unlabeled_empty" else b"fine\ncaf\xe9\n")
        kw["unlabeled"], match = str(u), ("is empty" if case == "unlabeled_empty" else "u.txt:2: unlabeled text is "
                                                                                       "not UTF-8")
    with pytest.raises(AlbertEdgeError) as e:
        run(_cfg(tmp_path, data, **kw), log=lambda m: None)
    assert match in str(e.value) and "\n" not in str(e.value)
    assert not (tmp_path / "o").exists()


def test_budget_too_small_says_what_fits_and_keeps_caches(tmp_path, tiny_bert):
    from albert_edge.pipeline import run
    from albert_edge.plan import BudgetTooSmall

    data = write_data(tmp_path / "d.csv", n=300)
    cfg = _cfg(tmp_path, data, label_column="sentiment", backbone=str(tiny_bert / "backbone"), budget_minutes=0.05)
    cfg.mode = "default"
    cfg.overrides = {"vocab": 600, "dev_select": 30, "test": 30}
    with pytest.raises(BudgetTooSmall, match=r"pass --budget-minutes \d+ or more"):
        run(cfg, log=lambda m: None)
    spiece = tmp_path / "o" / "cache" / "spiece"
    assert (spiece / "spiece.model").is_file() and (spiece / ".albert_edge_stage.json").is_file()


def test_the_plan_is_made_at_the_measured_speed(tmp_path, tiny_bert, monkeypatch):
    import re

    import albert_edge.plan as plan
    from albert_edge.pipeline import run
    from albert_edge.plan import BudgetTooSmall

    data = write_data(tmp_path / "d.csv", n=300)
    needs = {}
    for speed in (1.0, 0.25):  # a machine 4x slower needs more minutes for the same smallest run
        monkeypatch.setattr(plan, "measure_speed", lambda threads=2, s=speed: s)
        monkeypatch.setattr(plan, "measure_bf16_gain", lambda threads=2: 1.0)
        cfg = _cfg(tmp_path, data, label_column="sentiment", backbone=str(tiny_bert / "backbone"), budget_minutes=0.05)
        cfg.mode, cfg.overrides = "default", {"vocab": 600, "dev_select": 30, "test": 30}
        with pytest.raises(BudgetTooSmall) as e:
            run(cfg, log=lambda m: None)
        needs[speed] = int(re.search(r"pass --budget-minutes (\d+) or more", str(e.value)).group(1))
    assert needs[0.25] > needs[1.0]


def test_without_a_bundle_the_int8_search_judges_on_pt2e(tmp_path, tiny_bert):
    """--no-convert: no .pte can judge the all-int8 recipe, so budget.py's search does, on PT2E graphs."""
    pytest.importorskip("executorch")
    from albert_edge.pipeline import run

    data = write_data(tmp_path / "d.csv", n=300)
    cfg = _cfg(tmp_path, data, label_column="sentiment", backbone=str(tiny_bert / "backbone"), convert=False,
               max_drop=1.0, overrides={"ngram_mix": False})  # and without the n-gram mix: the teacher alone
    r = run(cfg, log=lambda m: None)
    assert "teacher_mix" not in r and "ngram_mix" not in r and "teacher_mix" not in r["stages"]
    assert "from teacher_mix" not in r["student_fp32"]["note"]
    assert r["int8_budget"]["measured_on"].startswith("PT2E") and r["int8_budget"]["within_budget"]
    assert "student_int8_search" in r["stages"] and "student_int8_dev" not in r["stages"]
    assert "PT2E graph in PyTorch" in r["student_int8"]["note"] and r["bundle"]["skipped"] == "--no-convert"


def test_cli_run_error_is_one_line(tmp_path):
    import subprocess
    import sys

    data = write_data(tmp_path / "d.csv", n=30)
    r = subprocess.run([sys.executable, "-c", "from albert_edge.cli import run; run()", "run", "--data", str(data),
                        "--out", str(tmp_path / "o"), "--smoke"], capture_output=True, text=True, timeout=300)
    lines = [x for x in r.stderr.splitlines() if x.strip() and "warning" not in x.lower() and "Failed to load" not in x]
    assert r.returncode != 0 and "Traceback" not in r.stderr
    assert len(lines) == 1 and "no column 'label'; available columns: sentiment, confidence, text" in lines[0], r.stderr


def test_lengths_are_planned_from_every_class(spiece_dir):
    """The split lists training texts label by label: 6,000 short texts of one class before 1,000 long ones of the
    other. The planned length must cover the long class (a first-5,000 sample saw none of it)."""
    from albert_edge.data import Dataset
    from albert_edge.pipeline import KNOBS, RunConfig
    from albert_edge.run_steps import resolve
    from albert_edge.tokenizer import load_tokenizer

    train = Dataset(["short one"] * 6000 + [" ".join(["many words here"] * 12)] * 1000, ["a"] * 6000 + ["b"] * 1000)
    dev = train.subset(list(range(0, 7000, 50)))
    r = resolve(dict(KNOBS["default"]), RunConfig(), train, dev, dev, [], load_tokenizer(spiece_dir), None, None,
                 lambda m: None, ngram=True)
    assert r["max_length"] >= 36
    # the buckets sit where the texts are: one holds the short class tightly, the last is the planned length
    assert r["buckets"][0] == 8 and r["buckets"][-1] == r["max_length"] and len(r["buckets"]) <= 6


def test_pretrain_knob_starts_the_student_from_mlm_sop(tmp_path):
    """Override pretrain_epochs: MLM + SOP on the training texts first (cached), the student distilled from it."""
    from albert_edge.pipeline import run
    from albert_edge.stages import STAMP

    data = write_data(tmp_path / "d.csv", n=300)
    cfg = _cfg(tmp_path, data, label_column="sentiment", teacher="ngram", convert=False, max_drop=1.0,
               overrides={"pretrain_epochs": 1})
    r = run(cfg, log=lambda m: None)
    pre = tmp_path / "o" / "cache" / "pretrain"
    assert not r["stages"]["student_pretrain"]["cached"] and (pre / "model.safetensors").is_file()
    settings = json.loads((tmp_path / "o" / "cache" / "student" / STAMP).read_text())["settings"]
    pkey = json.loads((pre / STAMP).read_text())["key"]
    assert settings["pretrained"] == pkey  # the student's cache is keyed by the pretraining it started from
    assert settings["cfg"]["repr_weight"] == 0.0 and "pooled" not in r["student_fp32"]["note"]  # no n-gram vectors
    r2 = run(cfg, log=lambda m: None)
    assert r2["stages"]["student_pretrain"]["cached"] and r2["stages"]["student_distill"]["cached"]
    assert "student_pretrain" not in run(_cfg(tmp_path, data, label_column="sentiment", teacher="ngram", convert=False,
                                              max_drop=1.0), log=lambda m: None)["stages"]


def test_augment_knob_fills_the_transfer_set_with_edited_copies(tmp_path):
    """Override augment: edited copies of the training texts follow them in the transfer set, keep their source's
    label, and key the student's cache."""
    from albert_edge.pipeline import run
    from albert_edge.stages import STAMP

    data = write_data(tmp_path / "d.csv", n=300)
    kw = dict(label_column="sentiment", teacher="ngram", convert=False, max_drop=1.0)
    r = run(_cfg(tmp_path, data, **kw, overrides={"augment": 2}), log=lambda m: None)
    used = r["data"]["used"]
    assert r["plan"]["augment"]["copies_per_text"] == 2 and r["plan"]["augment"]["texts"] > used["train_split"]
    assert used["transfer_augmented"] == 300 - used["train_split"] > 0 and used["transfer_unlabeled"] == 0
    assert f"({used['transfer_augmented']} of them edited copies" in r["student_fp32"]["note"]
    key = json.loads((tmp_path / "o" / "cache" / "student" / STAMP).read_text())["settings"]["texts"]
    r0 = run(_cfg(tmp_path, data, **kw), log=lambda m: None)  # smoke's default: no copies
    assert r0["data"]["used"]["transfer_augmented"] == 0 and "edited" not in r0["student_fp32"]["note"]
    assert json.loads((tmp_path / "o" / "cache" / "student" / STAMP).read_text())["settings"]["texts"] != key


def test_auto_student_lr_is_gentler_from_a_random_start(tmp_path):
    """student_lr "auto": 5e-4 where no teacher vector starts the student's embeddings (an n-gram teacher), in the
    student's cache key and its note; the smoke run's encoder teacher (embeddings from its vectors) keeps 1e-3."""
    from albert_edge.pipeline import run
    from albert_edge.stages import STAMP

    data = write_data(tmp_path / "d.csv", n=300)
    r = run(_cfg(tmp_path, data, label_column="sentiment", teacher="ngram", convert=False, max_drop=1.0,
                 overrides={"student_lr": "auto"}), log=lambda m: None)
    assert "peak lr 0.0005" in r["student_fp32"]["note"]
    assert json.loads((tmp_path / "o" / "cache" / "student" / STAMP).read_text())["settings"]["cfg"]["lr"] == 5e-4


def test_an_ngram_teachers_student_starts_from_its_texts_cooccurrence(tmp_path):
    """embed_init with an n-gram teacher (no vectors to give): the student's rows from the pieces' PPMI in the
    transfer texts, a stage of its own, in the student's cache key and note; embed_init off leaves them random."""
    from albert_edge.pipeline import run
    from albert_edge.stages import STAMP

    data = write_data(tmp_path / "d.csv", n=300)
    kw = dict(label_column="sentiment", teacher="ngram", convert=False, max_drop=1.0)
    r = run(_cfg(tmp_path, data, **kw), log=lambda m: None)
    assert "student_embed_init" in r["stages"] and "co-occurrence (PPMI + SVD)" in r["student_fp32"]["note"]
    assert json.loads((tmp_path / "o" / "cache" / "student" / STAMP).read_text())["settings"]["embed_init_text"]
    r0 = run(_cfg(tmp_path, data, **kw, overrides={"embed_init": False}), log=lambda m: None)
    assert "student_embed_init" not in r0["stages"] and "co-occurrence" not in r0["student_fp32"]["note"]
    assert not r0["stages"]["student_distill"]["cached"]


def test_the_default_run_keeps_its_budget_by_ending_the_student_early(tmp_path, monkeypatch):
    """mode default: the student's training gets the deadline the plan leaves it (plan.student_deadline); one already
    past ends it after its first epoch, and the report says so. With student_precision auto it trains in bf16 where
    the probe finds that faster."""
    import albert_edge.plan as plan
    from albert_edge.pipeline import run

    monkeypatch.setattr(plan, "measure_speed", lambda threads=2: 1.0)
    monkeypatch.setattr(plan, "measure_bf16_gain", lambda threads=2: 2.0)  # auto: bf16 where it is faster
    given = []
    monkeypatch.setattr(plan, "student_deadline", lambda *a: given.append(a) or plan.StudentDeadline(0.0, 0.0, 1.0))
    data = write_data(tmp_path / "d.csv", n=300)
    cfg = _cfg(tmp_path, data, label_column="sentiment", teacher="ngram", convert=False, max_drop=1.0)
    cfg.mode, cfg.overrides = "default", {"vocab": 600, "dev_select": 30, "test": 30, "student_precision": "auto"}
    r = run(cfg, log=lambda m: None)
    assert len(given) == 1 and given[0][1] is None and given[0][2]["after_student_s"] > 0
    planned = r["plan"]["student_epochs"]
    assert planned > 1 and r["student_history"][-1] == {**r["student_history"][-1], "epoch": 1, "stopped": "time budget"}
    assert f"1 epochs (of {planned}: stopped at the time budget)" in r["student_fp32"]["note"]
    assert r["plan"]["student_precision"] == "bf16" and "trained in bf16 mixed precision" in r["student_fp32"]["note"]
    assert json.loads((tmp_path / "o" / "config.json").read_text())["bf16_gain"] == 2.0  # a rerun trains the same
