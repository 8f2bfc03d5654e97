"""distill.py: a micro student learns, checkpoint per epoch, Ctrl-C + --resume, NaN stop, DDP via torchrun."""

import os


import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from albert_edge.distill import DistillConfig, TrainingError, TrainingInterrupted, distill, student_preset

POS = "good great fine nice lovely happy".split()
NEG = "bad awful poor sad terrible angry".split()
LABELS = ["neg", "pos"]


def synthetic(n, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for i in range(n):
        y = i % 2
        words = rng.choice(POS if y else NEG, size=2)
        texts.append(f"the film was {words[0]} and {words[1]} today")
        labels.append(y)
    teacher = np.array([[-2.0, 2.0] if y else [2.0, -2.0] for y in labels], dtype=np.float32)
    return texts, labels, teacher


def run(out, spiece_dir, *, epochs=3, n=384, **kw):
    texts, labels, teacher = synthetic(n)
    dtexts, dlabels, _ = synthetic(64, seed=1)
    cfg = DistillConfig(**{"epochs": epochs, "batch_size": 16, "lr": 3e-3, "seed": 0, "patience": 5,
                           **{k: v for k, v in kw.items() if k in DistillConfig.__dataclass_fields__}})
    mcfg = student_preset("micro", vocab_size=3000, labels=LABELS, max_length=32)
    return distill(out, cfg=cfg, model_config=mcfg, tokenizer_dir=spiece_dir, train_texts=texts, train_labels=labels,
                   teacher_logits=teacher, dev_texts=dtexts, dev_labels=dlabels, progress=False, log=lambda m: None,
                   **{k: v for k, v in kw.items() if k not in DistillConfig.__dataclass_fields__})


def test_student_learns_and_checkpoints(tmp_path, spiece_dir):
    from albert_edge.checkpoint import load_checkpoint

    res = run(tmp_path / "s", spiece_dir)
    losses = [e["train_loss"] for e in res.history]
    assert losses[-1] < losses[0] and res.best_dev_accuracy >= 0.9, res.history
    ck = load_checkpoint(res.best)
    assert ck.config.labels == LABELS and (res.best / "spiece.model").is_file()
    assert (tmp_path / "s" / "last" / "model.safetensors").is_file()
    assert json.loads((tmp_path / "s" / "history.json").read_text())[-1]["epoch"] == 3
    with pytest.raises(Exception, match="--resume"):
        run(tmp_path / "s", spiece_dir)  # an existing run is not silently overwritten


def test_bf16_autocast_trains_and_saves_fp32_weights(tmp_path, spiece_dir, monkeypatch):
    import albert_edge.distill as d
    from albert_edge.checkpoint import read_state_dict

    seen = []
    real = d.autocast
    monkeypatch.setattr(d, "autocast", lambda p: seen.append(p) or real(p))
    res = run(tmp_path / "s", spiece_dir, epochs=2, precision="bf16")
    assert seen and set(seen) == {d.Precision.BF16}
    assert res.history[-1]["train_loss"] < res.history[0]["train_loss"] and res.best_dev_accuracy >= 0.9, res.history
    assert {v.dtype for v in read_state_dict(res.best).values()} == {torch.float32}
    # "auto" asks the probe: a machine where bf16 is no faster trains in fp32
    monkeypatch.setattr("albert_edge.plan.measure_bf16_gain", lambda threads=2: 0.6)
    seen.clear()
    run(tmp_path / "a", spiece_dir, epochs=1, n=64, precision="auto")
    assert set(seen) == {d.Precision.FP32}
    with pytest.raises(Exception, match="--precision='fp16': choose one of auto, fp32, bf16"):
        DistillConfig(precision="fp16")


def test_interrupt_then_resume_matches_uninterrupted(tmp_path, spiece_dir, monkeypatch):
    import albert_edge.distill as d
    from albert_edge.checkpoint import load_checkpoint

    ref = run(tmp_path / "ref", spiece_dir, epochs=2, n=128)
    calls = {"n": 0}
    real = d.kd_loss

    def flaky(*a, **kw):
        calls["n"] += 1
        if calls["n"] == 11:  # epoch 2, third step (8 steps per epoch)
            raise KeyboardInterrupt
        return real(*a, **kw)

    monkeypatch.setattr(d, "kd_loss", flaky)
    with pytest.raises(TrainingInterrupted, match="--resume"):
        run(tmp_path / "int", spiece_dir, epochs=2, n=128)
    st = torch.load(tmp_path / "int" / "train_state.pt", weights_only=False)
    assert (st["epoch"], st["step"]) == (1, 2)
    monkeypatch.setattr(d, "kd_loss", real)
    res = run(tmp_path / "int", spiece_dir, epochs=2, n=128, resume=True)
    a, b = load_checkpoint(ref.best).model.state_dict(), load_checkpoint(res.best).model.state_dict()
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)


def test_nan_stops_and_keeps_last_good(tmp_path, spiece_dir, monkeypatch):
    import albert_edge.distill as d

    calls = {"n": 0}
    real = d.kd_loss

    def poisoned(*a, **kw):
        calls["n"] += 1
        out = real(*a, **kw)
        return out * float("nan") if calls["n"] > 17 else out  # epoch 3, step 2 of 8-step epochs

    monkeypatch.setattr(d, "kd_loss", poisoned)
    with pytest.raises(TrainingError, match=r"loss became nan at epoch 3 step 2; stopped — last good checkpoint .*epoch 2"):
        run(tmp_path / "n", spiece_dir, epochs=4, n=128)
    assert (tmp_path / "n" / "last" / "model.safetensors").is_file()


def test_a_deadline_ends_training_at_the_epoch_that_would_overrun_it(tmp_path, spiece_dir):
    import time

    from albert_edge.plan import StudentDeadline

    far = run(tmp_path / "far", spiece_dir, epochs=3, n=128, deadline=StudentDeadline(time.time() + 3600, 1.0, 1.0))
    assert [e["epoch"] for e in far.history] == [1, 2, 3] and not far.stopped_early
    # past already: the first epoch still trains (a student is always made), the second would end too late
    res = run(tmp_path / "late", spiece_dir, epochs=3, n=128, deadline=StudentDeadline(time.time(), 0.0, 1.0))
    assert [e["epoch"] for e in res.history] == [1] and res.stopped_early
    assert res.history[-1]["stopped"] == "time budget" and (res.best / "model.safetensors").is_file()
    assert json.loads((tmp_path / "late" / "history.json").read_text())[-1]["stopped"] == "time budget"


def test_cli_nan_is_one_line(tmp_path, spiece_dir, monkeypatch, capsys):
    import albert_edge.distill as d
    from albert_edge import cli

    rows = [{"text": t, "label": LABELS[y]} for t, y in zip(*synthetic(64)[:2])]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    real = d.kd_loss
    monkeypatch.setattr(d, "kd_loss", lambda *a, **kw: real(*a, **kw) * float("nan"))
    monkeypatch.setattr(sys, "argv", ["albert-edge", "distill", "--data", str(tmp_path / "d.jsonl"), "--out",
                                      str(tmp_path / "o"), "--tokenizer", str(spiece_dir), "--preset", "micro",
                                      "--epochs", "1", "--quiet"])
    with pytest.raises(SystemExit) as e:
        cli.run()
    assert e.value.code == 2
    lines = [x for x in capsys.readouterr().err.splitlines() if x.startswith("error:")]
    assert len(lines) == 1 and "loss became nan at epoch 1 step 1" in lines[0]
    assert "no checkpoint had been written yet" in lines[0]


def test_ddp_two_processes(tmp_path, spiece_dir):
    texts, labels, _ = synthetic(192)
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"text": t, "label": LABELS[y]}) + "\n"
                                              for t, y in zip(texts, labels)))
    dt, dl, _ = synthetic(32, seed=1)
    (tmp_path / "dev.jsonl").write_text("".join(json.dumps({"text": t, "label": LABELS[y]}) + "\n"
                                                for t, y in zip(dt, dl)))
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONWARNINGS="ignore")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
           str(Path(sys.executable).parent / "albert-edge"), "distill", "--data", str(tmp_path / "d.jsonl"),
           "--dev", str(tmp_path / "dev.jsonl"), "--out", str(tmp_path / "ddp"), "--tokenizer", str(spiece_dir),
           "--preset", "micro", "--epochs", "2", "--batch-size", "16", "--lr", "3e-3", "--max-length", "32", "--quiet"]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=240)
    assert p.returncode == 0, p.stderr[-3000:]
    assert "student:" in p.stdout
    st = torch.load(tmp_path / "ddp" / "train_state.pt", weights_only=False)
    assert st["world_size"] == 2 and st["epoch"] == 2
    assert (tmp_path / "ddp" / "best" / "model.safetensors").is_file()


def test_pretrain_then_distill_init(tmp_path, spiece_dir):
    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.pretrain import mask_tokens, pretrain, sop_pairs

    a, b, y = sop_pairs(["one two three four", "single"], seed=0)
    assert sorted((a[0] + " " + b[0]).split()) == sorted("one two three four".split()) and b[1] == "" and y[1] == 0
    zh = [sop_pairs(["这本书非常好看"], seed=s) for s in range(8)]  # unspaced: cut between characters, not skipped
    assert all(a[0] and b[0] and (a[0] + b[0] if not y[0] else b[0] + a[0]) == "这本书非常好看" for a, b, y in zh)
    assert {y[0] for _, _, y in zh} == {0, 1}
    ids = torch.randint(5, 3000, (4, 50))
    masked, labels = mask_tokens(ids, {0, 1, 2, 3, 4}, 3000, 4, torch.Generator().manual_seed(0))
    chosen = labels != -100
    assert 0 < chosen.sum() < ids.numel() and (masked[~chosen] == ids[~chosen]).all()
    texts, _, _ = synthetic(128)
    cfg = student_preset("micro", vocab_size=3000, labels=LABELS, max_length=32)
    path = pretrain(tmp_path / "pre", texts, tokenizer_dir=spiece_dir, model_config=cfg, epochs=1, batch_size=32,
                    max_length=32, progress=False, log=lambda m: None)
    assert type(load_checkpoint(path).model).__name__ == "AlbertForPreTraining"
    res = run(tmp_path / "s", spiece_dir, epochs=1, n=64, init_from=path)
    assert res.best.is_dir()


def test_representation_distillation_trains_a_projection_and_resumes(tmp_path, spiece_dir):
    """repr_weight > 0: the student's [CLS] is pulled (through a projection) towards teacher vectors of another
    width; the projection lives in train_state.pt, not in the student checkpoint."""
    from albert_edge.checkpoint import load_checkpoint

    vecs = np.random.default_rng(0).normal(size=(96, 7)).astype(np.float32)
    res = run(tmp_path / "r", spiece_dir, epochs=1, n=96, repr_weight=1.0, teacher_vectors=vecs)
    st = torch.load(tmp_path / "r" / "train_state.pt", weights_only=False)
    assert st["projection"]["weight"].shape == (7, 32) and res.history[0]["train_loss"] > 0
    assert not any("proj" in k for k in load_checkpoint(res.best).model.state_dict())


def test_init_embeddings_set_the_given_rows_at_the_random_inits_scale(tmp_path, spiece_dir):
    """Rows from training.embed_init land in the student's word embeddings (the others stay random), rescaled to the
    std of the random init; lr 0 keeps them where they were put."""
    from albert_edge.checkpoint import load_checkpoint

    rng = np.random.default_rng(0)
    mcfg = student_preset("micro", vocab_size=3000, labels=LABELS, max_length=32)
    k = mcfg.embedding_size // 2  # a teacher narrower than E: the other columns keep their random init
    rows = rng.normal(size=(3000, k)).astype(np.float32)
    mask = np.zeros(3000, dtype=bool)
    mask[100:400] = True
    res = run(tmp_path / "s", spiece_dir, epochs=1, n=32, lr=0.0, init_embeddings=(rows, mask))
    w = load_checkpoint(res.best).model.albert.embeddings.word_embeddings.weight.detach().numpy()
    scale = w[mask, :k].std() / rows[mask].std()
    assert np.allclose(w[mask, :k], rows[mask] * scale, atol=1e-6)
    assert 0.01 < w[mask, :k].std() < 0.05 and abs(w[~mask].std() - w[mask, :k].std()) < 0.005
    assert abs(w[mask, k:].std() - w[~mask].std()) < 0.005 and w[mask, k:].any()
