"""converters/workers.py: conversions side by side in worker processes give what one process gives, and a worker's
failure reaches the caller as the same albert_edge error."""

import json

import pytest

from albert_edge.errors import ConversionError, ParityError
from albert_edge.files import sha256_file
from converters import convert_checkpoint
from converters.workers import _collect, groups


def test_groups_split_pte_precisions_and_keep_other_backends_whole():
    assert groups(["executorch", "tflite", "onnx"], ["fp32", "int8"]) == [
        ("executorch", ("fp32",)), ("executorch", ("int8",)), ("tflite", ("fp32", "int8")), ("onnx", ("fp32", "int8"))]


def test_workers_write_what_one_process_writes(tiny_ckpt, tmp_path):
    logs = {1: [], 2: []}
    for w in (1, 2):
        m = convert_checkpoint(tiny_ckpt, tmp_path / f"w{w}", formats=["executorch", "onnx"], precisions=["fp32"],
                               seq_lens=[16], workers=w, log=logs[w].append)
        assert [a.file for a in m.artifacts] == ["model_fp32.pte", "model_fp32.onnx"]  # the order asked, not finished
    for name in ("model_fp32.pte", "model_fp32.bpte", "model_fp32.onnx"):
        assert sha256_file(tmp_path / "w1" / name) == sha256_file(tmp_path / "w2" / name)
    assert sum("in a worker process" in x for x in logs[2]) == 2 and not any("worker" in x for x in logs[1])


def test_a_workers_error_is_raised_as_its_own_type(tmp_path):
    io = tmp_path / "g.json"
    io.write_text(json.dumps({"error": {"type": "ParityError", "message": "model_int8.pte:forward misses PyTorch"}}))
    with pytest.raises(ParityError, match="misses PyTorch"):
        _collect(io, 1, "")
    io.write_text(json.dumps({"error": {"type": "SystemExit", "message": "x"}}))  # not ours: a ConversionError
    with pytest.raises(ConversionError) as e:
        _collect(io, 1, "")
    assert type(e.value) is ConversionError


def test_a_worker_that_dies_says_its_last_line(tmp_path):
    with pytest.raises(ConversionError, match="worker died: Killed"):
        _collect(tmp_path / "never-written.json", -9, "loading\nKilled\n")
