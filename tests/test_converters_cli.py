"""`albert-edge convert` / `predict` on artifacts, and what users get wrong: unknown backend, occupied --out, corrupt
artifact, missing extra, failed parity (which must leave nothing behind)."""

import builtins
import json

import pytest
from typer.testing import CliRunner

from albert_edge.cli import app
from albert_edge.errors import InputError, MissingExtraError, ParityError
from albert_edge.backends import get_backend, names
from converters import convert_checkpoint

pytest.importorskip("onnxruntime")
runner = CliRunner()


def invoke(*args):
    from albert_edge.errors import AlbertEdgeError

    try:
        return runner.invoke(app, [str(a) for a in args], catch_exceptions=False), None
    except AlbertEdgeError as e:  # run() prints these as one line; the Typer app itself lets them through
        return None, e


def test_registry_is_explicit_and_unknown_backend_lists_choices(tiny_ckpt, tmp_path):
    assert names() == ["executorch", "tflite", "onnx"]
    assert get_backend("pte") is get_backend(".pte") is get_backend("executorch")
    with pytest.raises(InputError, match="executorch, tflite, onnx"):
        get_backend("coreml")
    _, e = invoke("convert", tiny_ckpt, "--to", "coreml", "--out", tmp_path / "o")
    assert isinstance(e, InputError) and "choose from executorch, tflite, onnx" in str(e)
    assert not (tmp_path / "o").exists()


def test_cli_convert_then_predict_matches_checkpoint(tiny_ckpt, tmp_path):
    out = tmp_path / "o"
    res, e = invoke("convert", tiny_ckpt, "--to", "onnx", "--precision", "fp32", "--seq-len", "32", "--out", out)
    assert e is None and res.exit_code == 0, res.output
    assert (out / "manifest.json").is_file() and (out / "model_fp32.onnx").is_file()
    a, _ = invoke("predict", out / "model_fp32.onnx", "I love it", "meh", "--json")
    b, _ = invoke("predict", tiny_ckpt, "I love it", "meh", "--json", "--max-length", "32")
    ra = [json.loads(x) for x in a.stdout.splitlines()]
    rb = [json.loads(x) for x in b.stdout.splitlines()]
    assert [x["label"] for x in ra] == [x["label"] for x in rb]
    assert all(abs(p - q) < 1e-4 for x, y in zip(ra, rb) for p, q in zip(x["logits"], y["logits"]))
    # occupied --out is refused, and left as it was
    before = sorted(p.name for p in out.iterdir())
    _, e = invoke("convert", tiny_ckpt, "--to", "onnx", "--out", out)
    assert isinstance(e, InputError) and "--overwrite" in str(e)
    assert sorted(p.name for p in out.iterdir()) == before
    res, e = invoke("convert", tiny_ckpt, "--to", "onnx", "--seq-len", "16", "--out", out, "--overwrite")
    assert e is None and json.loads((out / "manifest.json").read_text())["seq_lens"] == [16]


@pytest.mark.parametrize("suffix", [".pte", ".tflite", ".onnx"])
def test_corrupt_or_foreign_artifact_is_one_line(tmp_path, suffix):
    from albert_edge import load as load_artifact_predictor

    bad = tmp_path / f"model{suffix}"
    bad.write_bytes(b"\x00garbage, not a model" * 10)
    with pytest.raises((InputError, MissingExtraError)) as ei:
        load_artifact_predictor(bad)
    assert "\n" not in str(ei.value) and str(bad) in str(ei.value)
    foreign = tmp_path / "notes.txt"
    foreign.write_text("hello")
    with pytest.raises(InputError, match="unknown artifact type '.txt'; expected .pte, .tflite, .onnx"):
        load_artifact_predictor(foreign)


def test_missing_extra_names_the_pip_fix(tmp_path, monkeypatch):
    from albert_edge.runtime.executorch import PteRunner

    real = builtins.__import__

    def no_executorch(name, *a, **k):
        if name.startswith("executorch"):
            raise ImportError(f"No module named {name!r}", name=name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_executorch)
    f = tmp_path / "m.pte"
    f.write_bytes(b"\0\0\0\0ET12" + b"\0" * 32)
    with pytest.raises(MissingExtraError, match=r"pip install 'albert-edge\[executorch\]'"):
        PteRunner(f)
    from converters import executorch as ex

    with pytest.raises(MissingExtraError, match=r"pip install 'albert-edge\[executorch\]'"):
        ex._imports()


def test_failed_parity_leaves_nothing(tiny_ckpt, tmp_path, monkeypatch):
    import converters.onnx as conv
    from albert_edge.verify import torch_runner

    def skewed(model):
        run = torch_runner(model)
        return lambda i, m: run(i, m) + 1e-3  # a reference the artifact cannot match

    monkeypatch.setattr(conv, "torch_runner", skewed)
    out = tmp_path / "o"
    with pytest.raises(ParityError, match="fp32 parity failed"):
        convert_checkpoint(tiny_ckpt, out, formats=["onnx"], precisions=["fp32"], seq_lens=[16])
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_length_buckets_by_default_and_bad_lists():
    from converters import parse_seq_lens

    assert parse_seq_lens(None, 512) == [16, 32, 48, 64, 128]
    assert parse_seq_lens(None, 40) == [16, 32, 40]  # up to the model's maximum, which always fits
    assert parse_seq_lens("64,32,32", 512) == [32, 64]
    for bad, msg in ((",", "empty"), ("", "empty"), ([], "empty"), ("600", "outside 3..512"), ("2", "outside"), ("a,b", "give integers")):
        with pytest.raises(InputError, match=msg):
            parse_seq_lens(bad, 512)


def test_convert_prints_only_its_own_lines(tiny_ckpt, tmp_path):
    """The toolchains' developer output (LiteRT's XNNPACK INFO line, tqdm, absl) stays out of a user's terminal: it is
    written by C++ to the file descriptors, so only a real process shows it."""
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", "from albert_edge.cli import run; run()", "convert", str(tiny_ckpt),
                        "--to", "tflite", "--precision", "fp32", "--seq-len", "16", "--out", str(tmp_path / "o")],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    assert "INFO" not in r.stdout + r.stderr and "Traceback" not in r.stderr, r.stderr
