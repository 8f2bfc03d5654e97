"""The core CLI commands, run as a user runs them: a subprocess, stdout JSON, one-line errors on stderr."""

import json
import subprocess
import sys

import pytest
import torch
import transformers

from albert_edge.tokenizer import load_tokenizer

from .conftest import SPIECE_DIR

EXE = [sys.executable, "-c", "from albert_edge.cli import run; run()"]


def cli(*args, ok=True):
    r = subprocess.run([*EXE, *map(str, args)], capture_output=True, text=True, timeout=300)
    if ok:
        assert r.returncode == 0, r.stderr
    return r


def assert_one_line_error(r, match: str):
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [l for l in r.stderr.splitlines() if l.strip() and "warning" not in l.lower() and "Failed to load" not in l]
    assert len(lines) == 1 and match in lines[0], r.stderr


def test_version():
    assert cli("--version").stdout.startswith("albert-edge 0.1.0")


def test_info(tiny_ckpt):
    out = cli("info", tiny_ckpt).stdout
    assert "AlbertForSequenceClassification" in out and "negative, neutral, positive" in out
    from albert_edge.checkpoint import load_checkpoint
    from albert_edge.model import count_parameters
    assert f"{count_parameters(load_checkpoint(tiny_ckpt).model):,}" in out


def test_tokenize_json_file_keeps_empty_lines(tiny_ckpt, tmp_path):
    f = tmp_path / "in.txt"
    f.write_text("Hello Wörld\n\nsecond  line\n", encoding="utf-8")
    rows = [json.loads(l) for l in cli("tokenize", tiny_ckpt, "--file", f, "--json").stdout.splitlines()]
    tok = load_tokenizer(SPIECE_DIR)
    assert [r["ids"] for r in rows] == [tok.encode(t).ids for t in ["Hello Wörld", "", "second  line"]]
    assert rows[1]["pieces"] == ["[CLS]", "[SEP]"]


def test_tokenize_truncates_only_when_asked(tiny_ckpt):
    long = "word " * 50
    assert len(json.loads(cli("tokenize", tiny_ckpt, long, "--json").stdout)["ids"]) > 50
    r = cli("tokenize", tiny_ckpt, long, "--json", "--max-length", 8)
    assert len(json.loads(r.stdout)["ids"]) == 8 and "truncated" in r.stderr


def test_predict_json_matches_transformers(tiny_ckpt):
    texts = ["I love this phone", "worst day ever", ""]
    rows = [json.loads(l) for l in cli("predict", tiny_ckpt, *texts, "--json").stdout.splitlines()]
    hf = transformers.AutoModelForSequenceClassification.from_pretrained(tiny_ckpt).eval()
    tok = transformers.AutoTokenizer.from_pretrained(tiny_ckpt)
    for text, row in zip(texts, rows):
        with torch.no_grad():
            ref = hf(**tok(text, return_tensors="pt")).logits[0]
        assert max(abs(a - b) for a, b in zip(row["logits"], ref.tolist())) < 1e-5
        assert row["label"] == hf.config.id2label[int(ref.argmax())]
        assert abs(sum(row["probs"]) - 1) < 1e-6


def test_predict_truncates_over_long_input_with_a_warning(tiny_ckpt):
    r = cli("predict", tiny_ckpt, "word " * 200, "--json")  # micro config: 64 positions
    assert "truncated" in r.stderr and json.loads(r.stdout)["label"]


def test_invalid_utf8_names_the_line(tiny_ckpt, tmp_path):
    f = tmp_path / "bad.txt"
    f.write_bytes(b"fine\nalso fine\nbad \xff byte\n")
    assert_one_line_error(cli("predict", tiny_ckpt, "--file", f, ok=False), "bad.txt:3: invalid UTF-8")


@pytest.mark.parametrize("cmd", ["info", "predict", "tokenize"])
def test_missing_checkpoint_is_one_line(cmd, tmp_path):
    assert_one_line_error(cli(cmd, tmp_path / "nope", "x", ok=False) if cmd != "info" else cli(cmd, tmp_path / "nope", ok=False),
                          "nope")


def test_no_input_is_one_line(tiny_ckpt):
    assert_one_line_error(cli("predict", tiny_ckpt, ok=False), "no input")


def test_tokenizer_train_cli(tmp_path):
    f = tmp_path / "c.txt"
    f.write_text("\n".join(f"line {i} of some text for training" for i in range(300)), encoding="utf-8")
    cli("tokenizer-train", f, "--out", tmp_path / "tok", "--vocab-size", 50)
    assert load_tokenizer(tmp_path / "tok").vocab_size == 50
