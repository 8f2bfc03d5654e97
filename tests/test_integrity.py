"""albert_edge/runtime/integrity.py: artifacts check their own bytes before any runtime parses them, and damaged
copies (tests/integrity_fuzz.py) are rejected in one line by load/predict, the CLI, bench and eval.

CI: a fixed-seed fuzz of 16 cases per fp32 artifact (the module: 35-75 s of tests after a 100-270 s conversion fixture
on 2 cores shared with other jobs). On demand, N cases per artifact and a JSON report (the figures in
benchmarks/results/integrity_fuzz.md):

    ALBERT_EDGE_FUZZ_N=100 ALBERT_EDGE_FUZZ_REPORT=benchmarks/results/integrity_fuzz.json \
        pytest -q tests/test_integrity.py -k on_demand
"""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from albert_edge.errors import CorruptArtifactError, InputError
from albert_edge.runtime.integrity import PTE_MAGIC, check_pte, seal_pte, tflite_parts, verify_artifact
from tests.integrity_fuzz import REPO, TEXTS, Case, Fuzzer, cases, stage, summary

CLI = [sys.executable, "-c", "from albert_edge.cli import run; run()"]
FORMATS = ["executorch", "tflite", "onnx"]


def test_pte_trailer_layout():
    """The spec the Android core implements: sha256 (32 raw bytes) of every preceding byte, then ASCII AEPTESUM."""
    prog = bytes(range(256)) * 3
    sealed = seal_pte(prog)
    assert sealed[:len(prog)] == prog and len(sealed) == len(prog) + 40
    assert sealed[-40:-8] == hashlib.sha256(prog).digest() and sealed[-8:] == b"AEPTESUM" == PTE_MAGIC
    check_pte(sealed, "m.pte")
    flipped_program = sealed[:5] + bytes([sealed[5] ^ 1]) + sealed[6:]
    flipped_digest = sealed[:-20] + bytes([sealed[-20] ^ 0x80]) + sealed[-19:]
    for data in (flipped_program, flipped_digest, sealed[:-1], sealed + b"\0", prog, PTE_MAGIC):
        with pytest.raises(CorruptArtifactError, match=r"^corrupt artifact: m\.pte: "):
            check_pte(data, "m.pte")


def _tflite_like() -> bytes:
    from converters.bundle import TokenizerBundle, append_bundle

    bundle = TokenizerBundle(kind="sentencepiece", files={"spiece.model": b"model bytes"}, settings={},
                             special_ids={"pad": 0}, labels=["a", "b"], seq_lens=[16], task="sequence-classification")
    return append_bundle(b"\0\0\0\0TFL3" + bytes(range(200)), bundle)


def test_tflite_body_crc_and_tail():
    data = _tflite_like()
    body, files = tflite_parts(data, "m.tflite")
    assert body[4:8] == b"TFL3" and set(files) == {"spiece.model", "tokenizer.json"}
    i = data.index(b"model bytes")
    bad = {"body": (data[:20] + b"\xff" + data[21:], "model body fails its sha256"),
           "entry": (data[:i] + b"M" + data[i + 1:], "no readable bundle inside"),  # zipfile's CRC-32 check
           "appended": (data + b"garbage", "bytes after the bundle's zip"),
           "no zip": (data[:len(body)], "no readable bundle inside")}
    for what, (damaged, msg) in bad.items():
        with pytest.raises(CorruptArtifactError, match=msg):
            tflite_parts(damaged, "m.tflite")


@pytest.fixture(scope="module")
def converted(tiny_ckpt, tmp_path_factory) -> Path:
    """fp32 in every format, one length (int8: test_converters_* load their sealed int8 files; the on-demand fuzz
    damages them)."""
    from converters import convert_checkpoint

    out = tmp_path_factory.mktemp("integrity") / "bundle"
    convert_checkpoint(tiny_ckpt, out, formats=FORMATS, precisions=["fp32"], seq_lens=[16])
    return out


def _pte_alone(src: Path, tmp_path: Path) -> None:
    """A .pte copied on its own is checked by its trailer and runs as it does beside its manifest (ExecuTorch
    ignores the trailer); without the trailer, or with one byte changed, it is refused."""
    import albert_edge

    data = src.read_bytes()
    check_pte(data, str(src))
    alone = tmp_path / src.name
    alone.write_bytes(data)
    assert albert_edge.load(alone).predict(TEXTS) == albert_edge.load(src).predict(TEXTS)
    alone.write_bytes(data[:-40])  # the bare program ExecuTorch would load: refused, it carries no checksum
    with pytest.raises(CorruptArtifactError, match="no integrity trailer"):
        albert_edge.load(alone)
    alone.write_bytes(data[:-41] + bytes([data[-41] ^ 1]) + data[-40:])  # the program's last byte
    with pytest.raises(CorruptArtifactError, match="fails its sha256 check"):
        albert_edge.load(alone)


def test_pte_checked_without_manifest(converted, tmp_path):
    _pte_alone(converted / "model_fp32.pte", tmp_path)


def test_onnx_needs_its_manifest(converted, tmp_path):
    import albert_edge

    folder = tmp_path / "f"
    shutil.copytree(converted, folder)
    onnx = folder / "model_fp32.onnx"
    assert albert_edge.load(onnx).predict(TEXTS)
    (folder / "tokenizer.json").write_bytes((folder / "tokenizer.json").read_bytes().replace(b'"labels"', b'"labels" '))
    with pytest.raises(CorruptArtifactError, match=r"tokenizer\.json: sha256 differs from .*manifest\.json"):
        albert_edge.load(onnx)
    (folder / "manifest.json").unlink()
    with pytest.raises(InputError, match="no manifest.json beside it; an .onnx is a folder format"):
        albert_edge.load(onnx)
    man = json.loads((converted / "manifest.json").read_text())
    man["artifacts"] = [a for a in man["artifacts"] if a["file"] != "model_fp32.onnx"]
    (folder / "manifest.json").write_text(json.dumps(man))
    with pytest.raises(InputError, match="does not list it"):
        albert_edge.load(onnx)


def test_bench_and_eval_check_too(converted, tmp_path):
    from albert_edge.bench.artifacts import inspect_artifact
    from albert_edge.evaluate import predict_labels

    for suffix in (".pte", ".tflite", ".onnx"):
        src = converted / f"model_fp32{suffix}"
        bad = stage(Case(str(src), "bitflip", 7, manifest=True), tmp_path)
        with pytest.raises(CorruptArtifactError):
            inspect_artifact(bad)
        with pytest.raises(CorruptArtifactError):
            predict_labels(bad, TEXTS)
        assert verify_artifact(src)[1] == src.read_bytes()


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    env.pop("ALBERT_EDGE_DEBUG", None)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def test_cli_rejects_damaged_artifacts(converted, tmp_path):
    """predict and bench on damaged copies: exit 2, one line `corrupt artifact: ...`, no traceback, nothing written."""
    for i, src in enumerate(sorted(converted.glob("model_fp32.*"))):
        if src.suffix == ".bpte":
            continue
        bad = stage(Case(str(src), ["truncate", "zero", "append"][i % 3], i, manifest=True), tmp_path)
        before = sorted(p.name for p in bad.parent.iterdir())
        for args in (["predict", str(bad), "a text", "--json"], ["bench", str(bad), "--runs", "1"]):
            r = _cli(*args, cwd=bad.parent)
            lines = r.stderr.strip().splitlines()
            assert r.returncode == 2 and r.stdout == "" and len(lines) == 1, (args, r.stdout, r.stderr)
            assert lines[0].startswith(f"error: corrupt artifact: {bad}: "), lines
        assert sorted(p.name for p in bad.parent.iterdir()) == before


def _fuzz(srcs: list[Path], per_file: int, seed: int) -> dict:
    fuzzer = Fuzzer()
    try:
        done = [fuzzer.run(c) for c in cases(srcs, per_file, seed)]
    finally:
        fuzzer.close()
    return summary(done)


def test_fuzz_ci(converted):
    srcs = [p for p in sorted(converted.glob("model_fp32.*")) if p.suffix != ".bpte"]
    res = _fuzz(srcs, per_file=16, seed=1234)
    assert not res["failures"], [asdict(c) for c in res["failures"][:5]]
    assert set(res["counts"]) == {"pte", "tflite", "onnx"}


@pytest.mark.skipif(not os.environ.get("ALBERT_EDGE_FUZZ_N"), reason="on demand: ALBERT_EDGE_FUZZ_N=<cases per file>")
def test_fuzz_on_demand(tiny_ckpt, tmp_path_factory):
    """ALBERT_EDGE_FUZZ_N cases per artifact over fp32 and int8 of each format (2 N per format)."""
    from converters import convert_checkpoint

    both = tmp_path_factory.mktemp("fuzz") / "bundle"
    convert_checkpoint(tiny_ckpt, both, formats=FORMATS, precisions=["fp32", "int8"], seq_lens=[16])
    srcs = [p for p in sorted(both.glob("model_*")) if p.suffix != ".bpte"]
    for pte in both.glob("model_*.pte"):
        _pte_alone(pte, tmp_path_factory.mktemp("alone"))
    n, seed = int(os.environ["ALBERT_EDGE_FUZZ_N"]), int(os.environ.get("ALBERT_EDGE_FUZZ_SEED", "0"))
    res = _fuzz(srcs, per_file=n, seed=seed)
    report = {"cases_per_file": n, "seed": seed, "files": [p.name for p in srcs], "counts": res["counts"],
              "reasons": res["reasons"], "failures": [asdict(c) for c in res["failures"]]}
    if os.environ.get("ALBERT_EDGE_FUZZ_REPORT"):
        Path(os.environ["ALBERT_EDGE_FUZZ_REPORT"]).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["counts"]))
    assert not res["failures"], report["failures"][:5]
