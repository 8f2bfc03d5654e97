"""Check a .tflite with the real client: MediaPipe's TextClassifier (in a venv of its own, since mediapipe pins its
own numpy/protobuf) against `albert-edge predict` of the same file.

    python = mediapipe_python(cache_dir)                  # creates <cache_dir>/venv once, reuses it after
    report = compare(python, "out/model_int8.tflite", texts)
    # {"lines", "top1_agreement", "max_abs_dprob", "tokenizer_agreement", "on_same_ids": {...}, "largest_differences": [...]}

`tokenizer_agreement`: the share of texts on which a plain SentencePiece runtime fed the ASCII-lowercased text (what
MediaPipe's BertPreprocessor does) with the model the metadata names gives our (HF-exact) ids; `on_same_ids` restricts
the figures to those texts, where any difference is the model runtime's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from albert_edge.errors import AlbertEdgeError

MEDIAPIPE = "mediapipe==1.2.2"
CLASSIFY = Path(__file__).with_name("mediapipe_classify.py")


class MediaPipeError(AlbertEdgeError):
    pass


def mediapipe_python(cache_dir: str | os.PathLike) -> Path:
    """The Python of a venv holding MEDIAPIPE, made under cache_dir on first use (a few minutes, from PyPI)."""
    venv = Path(cache_dir) / "venv"
    python = venv / "bin" / "python"
    ready = venv / "READY"
    if ready.is_file() and ready.read_text().strip() == MEDIAPIPE and python.exists():
        return python
    for cmd in ([sys.executable, "-m", "venv", "--clear", str(venv)],
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", MEDIAPIPE]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            tail = (r.stderr or r.stdout).strip().splitlines()
            raise MediaPipeError(f"making the {MEDIAPIPE} venv failed ({' '.join(cmd[:3])}): {tail[-1] if tail else r.returncode}")
    ready.write_text(MEDIAPIPE + "\n")
    return python


def _write_lines(texts: list[str], folder: Path) -> Path:
    bad = [t for t in texts if "\n" in t]
    if bad:
        raise MediaPipeError(f"texts must be single lines; got {bad[0][:40]!r}")
    p = folder / "texts.txt"
    p.write_text("".join(t + "\n" for t in texts), encoding="utf-8", newline="")
    return p


def mediapipe_probs(python: Path, model: Path, texts: list[str], labels: list[str]) -> np.ndarray:
    with tempfile.TemporaryDirectory() as tmp:
        r = subprocess.run([str(python), str(CLASSIFY), str(model), str(_write_lines(texts, Path(tmp)))],
                           capture_output=True, text=True)
    if r.returncode != 0:
        lines = [x for x in r.stderr.strip().splitlines() if x.strip()]
        raise MediaPipeError(lines[-1] if lines else f"mediapipe exited {r.returncode}")
    rows = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    if len(rows) != len(texts):
        raise MediaPipeError(f"mediapipe returned {len(rows)} results for {len(texts)} texts")
    return np.array([[row["probability"][lab] for lab in labels] for row in rows], dtype=np.float64)


def predict_probs(model: Path, texts: list[str]) -> np.ndarray:
    """`albert-edge predict --json` of the same file, as a user runs it."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-c", "from albert_edge.cli import run; run()", "predict", str(model), "--json",
               "--file", str(_write_lines(texts, Path(tmp)))]
        r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise MediaPipeError(f"albert-edge predict failed: {r.stderr.strip().splitlines()[-1:]}")
    rows = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    return np.array([row["probs"] for row in rows], dtype=np.float64)


def _stats(a: np.ndarray, b: np.ndarray) -> dict:
    if not len(a):
        return {"lines": 0}
    return {"lines": int(len(a)), "top1_agreement": float(np.mean(a.argmax(1) == b.argmax(1))),
            "top1_mismatches": int(np.sum(a.argmax(1) != b.argmax(1))),
            "max_abs_dprob": float(np.abs(a - b).max()), "mean_abs_dprob": float(np.abs(a - b).mean())}


def compare(python: Path, model: str | os.PathLike, texts: list[str]) -> dict:
    """MediaPipe's probabilities vs `albert-edge predict`'s on `texts` (a sequence classifier's .tflite)."""
    from albert_edge.runtime.tflite import TfliteRunner

    from .tflite import mediapipe_ids_agree
    from .tflite_metadata import TOKENIZER_UNITS, require_metadata

    model = Path(model)
    runner = TfliteRunner(model)
    meta = require_metadata(model.read_bytes(), str(model))
    unit = meta["input_process_units"][0]
    ours = predict_probs(model, texts)
    theirs = mediapipe_probs(python, model, texts, runner.labels)
    report = _stats(ours, theirs)
    worst = np.argsort(-np.abs(ours - theirs).max(1))[:5]
    report["largest_differences"] = [{"text": texts[i][:80], "ours": ours[i].round(5).tolist(),
                                      "mediapipe": theirs[i].round(5).tolist()} for i in worst]
    if unit["type"] == TOKENIZER_UNITS["sentencepiece"]:  # the id check models MediaPipe's SentencePiece path only
        (tok_file,) = [f["name"] for f in unit["files"]]
        same = np.array(mediapipe_ids_agree(runner.tokenizer, runner.tokenizer_files[tok_file], texts,
                                            runner.seq_lens[-1]))
        report.update(tokenizer_agreement=float(same.mean()), on_same_ids=_stats(ours[same], theirs[same]))
        for row, i in zip(report["largest_differences"], worst):
            row["same_ids"] = bool(same[i])
    return report
