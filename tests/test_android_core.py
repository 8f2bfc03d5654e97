"""The Android demo's pure-Java core (android_demo/core), verified on the JVM: its JUnit suite, and its tokenizer
(through android_demo/tokenize.sh) id for id against the golden file, the Python reference and live HF transformers.

Needs a JDK 17+ and junit4 (scripts/ci-system-deps.sh installs both); skipped only where `javac` is absent.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ASSETS = REPO / "tests" / "assets"
SPIECE = ASSETS / "spiece" / "spiece.model"
TOKENIZE = REPO / "android_demo" / "tokenize.sh"
BUILD = REPO / "android_demo" / "core" / "build.sh"

pytestmark = pytest.mark.skipif(shutil.which("javac") is None or shutil.which("java") is None,
                                reason="no JDK (javac) on PATH: install default-jdk-headless (scripts/ci-system-deps.sh)")

# Random lines mix these: accents, CJK, emoji (ZWJ, skin tones, flags, keycaps, VS16), digits with commas, every
# kind of whitespace, and the Unicode corners where Java, Python and Rust disagree unless handled (marks with
# combining class 0, final sigma, dotted I, literal ▁, typed special tokens, astral letters).
POOLS = {
    "ascii": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,!?'`\"-:;()[]<>@#$%&*",
    "accents": "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿÀÉÎÕÜŁłŒœßẞİıǅǈ",
    "cjk": "東京タワーは高いです北京欢迎你서울은아름답다ｶﾀｶﾅﾊﾞﾟ",
    "emoji": ["😀", "😂", "👍🏽", "🇫🇷", "👨‍👩‍👧", "❤️", "☺", "🏽", "\u200d", "\ufe0f", "#\u20e3", "1\ufe0f\u20e3"],
    "digits": "0123456789,,,.",
    "space": [" ", "  ", "\t", "\u00a0", "\u2003", "\u3000", "\u200b", "\u00ad", "\x1c", "\x85", "\u2028", "\u202f",
              "\r", "\x0b", "\x0c", "\u1680", "\u205f"],
    "misc": ["ΑΣ", "Σ", "ς", "ﬁ", "Ⅻ", "①", "²", "½", "\u0301", "\u0308", "\u0903", "क्षि", "ไทย", "ข้า", "▁", "``",
             "''", "[MASK]", "<unk>", "[cls]", "[SEP]", "‐", "…", "™", "\u200c", "\u1100\u1161", "ℌ", "㍿", "\ufeff",
             "e\u0301", "a\U0001F3FD", "\U0001D400", "İ", "ǰ", "ŉ", "\u0345", "Ꭰ", "ꭰ", "🅬", "\U00010570", "\u0afa"],
}


def random_line(rng: random.Random) -> str:
    if rng.random() < 0.2:  # any code point (no surrogates, no newline)
        cps = [rng.choice([rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF), rng.randint(0x3000, 0xFFFF),
                           rng.randint(0x10000, 0x1FAFF)]) for _ in range(rng.randint(1, 20))]
        return "".join(chr(c) for c in cps if not 0xD800 <= c <= 0xDFFF)
    parts = []
    for _ in range(rng.randint(0, 12)):
        pool = POOLS[rng.choice(list(POOLS))]
        parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 4))))
    return "".join(parts)


@pytest.fixture(scope="module")
def junit_run():
    """Builds the core and runs its JUnit suite once (also leaves the classes tokenize.sh uses)."""
    return subprocess.run(["bash", str(BUILD)], capture_output=True, text=True, timeout=300)


def tokenize(junit_run, model: Path, text: Path, *opts: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(TOKENIZE), *opts, str(model), str(text)], capture_output=True, text=True,
                          timeout=120)


def ids_of(proc: subprocess.CompletedProcess) -> list[list[int]]:
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines()]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return path


def assert_one_line_error(proc: subprocess.CompletedProcess, *fragments: str) -> None:
    assert proc.returncode != 0
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, err
    assert "Exception" not in err and "\tat " not in err, err
    for f in fragments:
        assert f in err, err


def test_junit_suite_passes(junit_run):
    out = junit_run.stdout + junit_run.stderr
    assert junit_run.returncode == 0, out[-4000:]
    assert "OK (" in out and "GoldenTest" not in out, out[-4000:]


def test_golden_lines_match_hf_golden_and_python_reference(junit_run, golden_lines):
    got = ids_of(tokenize(junit_run, SPIECE, ASSETS / "golden_lines.txt"))
    golden = [json.loads(line) for line in (ASSETS / "golden_ids.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(got) == len(golden) == len(golden_lines) == 2228
    bad = [i for i, (g, want) in enumerate(zip(got, golden)) if g != want]
    assert not bad, f"{len(bad)}/2228 golden lines differ, first: {golden_lines[bad[0]]!r}"
    # Byte-identical output format too (json.dumps layout).
    assert tokenize(junit_run, SPIECE, ASSETS / "golden_lines.txt").stdout == \
        (ASSETS / "golden_ids.jsonl").read_text(encoding="utf-8")

    from albert_edge.tokenizer import load_tokenizer

    ref = load_tokenizer(ASSETS / "spiece")
    assert [ref.encode(line).ids for line in golden_lines] == got


def test_random_lines_match_live_hf(junit_run, tmp_path):
    import sentencepiece as spm
    import transformers

    hf = transformers.AlbertTokenizer.from_pretrained(str(ASSETS / "spiece"))
    assert len(hf) == spm.SentencePieceProcessor(model_file=str(SPIECE)).get_piece_size()
    rng = random.Random(20240611)
    lines = [random_line(rng) for _ in range(400)]
    text = write_lines(tmp_path / "random.txt", lines)
    got = ids_of(tokenize(junit_run, SPIECE, text))
    assert len(got) == len(lines)
    bad = [(line, g, hf(line)["input_ids"]) for line, g in zip(lines, got) if g != hf(line)["input_ids"]]
    assert not bad, f"{len(bad)}/{len(lines)} differ from HF; first: {bad[0]!r}"

    # The other preprocessing settings, against HF built with the same settings.
    for opts, kw in [(["--keep-accents"], {"keep_accents": True}), (["--no-lower-case"], {"do_lower_case": False})]:
        hf_opt = transformers.AlbertTokenizer.from_pretrained(str(ASSETS / "spiece"), **kw)
        got = ids_of(tokenize(junit_run, SPIECE, text, *opts))
        bad = [line for line, g in zip(lines, got) if g != hf_opt(line)["input_ids"]]
        assert not bad, f"{opts}: {len(bad)} lines differ from HF, first: {bad[0]!r}"


def test_split_digit_comma_matches_python_reference(junit_run, tmp_path):
    """transformers 5 has no split_digit_comma, so the Python reference is the judge; the golden model has no piece
    ending in digit + ",", so a copy gets a few."""
    from sentencepiece import sentencepiece_model_pb2 as pb

    from albert_edge.tokenizer import AlbertTokenizer as RefTokenizer

    m = pb.ModelProto()
    m.ParseFromString(SPIECE.read_bytes())
    have = {p.piece for p in m.pieces}
    for piece in ["▁12,", "12,", "▁3,", "5,", "▁1,000,", "00,", "▁7,8,"]:
        if piece not in have:
            m.pieces.add(piece=piece, score=-1.0, type=pb.ModelProto.SentencePiece.NORMAL)
    model = tmp_path / "digits.model"
    model.write_bytes(m.SerializeToString())
    ref = RefTokenizer(model.read_bytes(), split_digit_comma=True)
    rng = random.Random(5)
    lines = ["1,000,000 dollars, 2,5 and 3, 4, 5,", "12, 12,12, 7,8, x12,", "a5, 00, 1,000,"]
    lines += ["".join(rng.choice(["12,", "3,", "5,", " ", "1,000,", "00,", "7,8,", "a", "x"]) for _ in range(8))
              for _ in range(100)]
    text = write_lines(tmp_path / "digits.txt", lines)
    got = ids_of(tokenize(junit_run, model, text, "--split-digit-comma"))
    assert got == [ref.encode(line).ids for line in lines]
    assert got != ids_of(tokenize(junit_run, model, text)), "the option changed nothing: the test is not testing it"


def fake_flatbuffer() -> bytes:
    return bytes((i * 31) & 0xFF for i in range(4096))


def bundle_of(tok, task: str = "sequence-classification", labels=("negative", "neutral", "positive"),
              seq_lens=(16, 64)):
    """What the converters pack (converters/bundle.py, the writer itself) for this tokenizer."""
    from converters.bundle import TokenizerBundle

    return TokenizerBundle.from_tokenizer(tok, labels=list(labels), seq_lens=list(seq_lens), task=task)


def test_tokenizer_from_tflite_appended_zip(junit_run, tmp_path):
    from albert_edge.runtime.bundle import read_appended_zip
    from albert_edge.tokenizer import load_tokenizer
    from converters.bundle import append_bundle

    lines = ["Café déjà vu — naïve façade", "", "I ❤️ emoji 😀 [MASK] 1,000"]
    text = write_lines(tmp_path / "t.txt", lines)
    want = ids_of(tokenize(junit_run, SPIECE, text))
    bundle = bundle_of(load_tokenizer(ASSETS / "spiece"))

    # (a) as the converter writes it, (b) zipfile in append mode on the file (offsets from the file's start).
    a = tmp_path / "a.tflite"
    a.write_bytes(append_bundle(fake_flatbuffer(), bundle))
    assert read_appended_zip(a.read_bytes(), "a")[0] == fake_flatbuffer()
    b = tmp_path / "b.tflite"
    b.write_bytes(fake_flatbuffer())
    with zipfile.ZipFile(b, "a", zipfile.ZIP_STORED) as z:
        for name, data in bundle.all_files().items():
            z.writestr(name, data)
        z.writestr("checksums.json", json.dumps({"model": hashlib.sha256(fake_flatbuffer()).hexdigest()}))
    for f in (a, b):
        assert ids_of(tokenize(junit_run, f, text)) == want, f.name

    # A .tflite whose zip lacks the bundle JSON, and one with no zip at all.
    c = tmp_path / "c.tflite"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("labels.txt", "a\nb\n")
    c.write_bytes(fake_flatbuffer() + buf.getvalue())
    assert_one_line_error(tokenize(junit_run, c, text), "c.tflite", "corrupt artifact", "lacks tokenizer.json")
    d = tmp_path / "d.tflite"
    d.write_bytes(fake_flatbuffer())
    assert_one_line_error(tokenize(junit_run, d, text), "corrupt artifact", "no zip archive appended")


# -- the artifact side of the core (ArtifactCli): manifest, integrity, post-processing, against Python -------------
NER_LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "S-ORG", "E-ORG", "MISC"]


def artifact_cli(junit_run, *args: str) -> subprocess.CompletedProcess:
    classes = REPO / "android_demo" / "core" / "build" / "classes"
    assert (classes / "org" / "albertedge" / "core" / "ArtifactCli.class").is_file(), junit_run.stderr[-2000:]
    return subprocess.run(["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-cp", str(classes),
                           "org.albertedge.core.ArtifactCli", *args], capture_output=True, text=True, timeout=300)


def jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def ner_onnx(tmp_path_factory) -> Path:
    """A token-classification checkpoint converted to .onnx by the converter (manifest.json, sidecars)."""
    pytest.importorskip("onnxruntime")
    import torch

    from albert_edge.checkpoint import save_checkpoint
    from albert_edge.model import AlbertConfig, AlbertForTokenClassification
    from converters import convert_checkpoint

    from .conftest import SPIECE_DIR, SPIECE_VOCAB

    torch.manual_seed(3)
    model = AlbertForTokenClassification(AlbertConfig.micro(vocab_size=SPIECE_VOCAB,
                                                            id2label=dict(enumerate(NER_LABELS)))).eval()
    tmp = tmp_path_factory.mktemp("ner")
    ckpt = save_checkpoint(model, tmp / "ckpt", tokenizer_dir=SPIECE_DIR)
    convert_checkpoint(ckpt, tmp / "bundle", formats=["onnx"], precisions=["fp32"], seq_lens=[16, 32])
    return tmp / "bundle"


def test_manifest_from_the_converter_reads_the_same_in_java(junit_run, ner_onnx, tmp_path):
    from albert_edge.manifest import read_manifest

    proc = artifact_cli(junit_run, "manifest", str(ner_onnx))
    assert proc.returncode == 0, proc.stderr
    want = read_manifest(ner_onnx).to_dict()
    assert want["task"] == "token-classification" and want["artifacts"]
    assert json.loads(proc.stdout) == want
    assert artifact_cli(junit_run, "check", str(ner_onnx / "model_fp32.onnx")).stdout.startswith("ok onnx ")

    # Damage each part in a copy: the model, the bundle JSON, the tokenizer file; then another format version.
    for name, fragment in [("model_fp32.onnx", "model_fp32.onnx: sha256 differs from manifest.json"),
                           ("tokenizer.json", "tokenizer.json: sha256 differs from"),
                           ("spiece.model", "spiece.model: sha256 differs from")]:
        copy = tmp_path / name.replace(".", "_")
        shutil.copytree(ner_onnx, copy)
        data = bytearray((copy / name).read_bytes())
        data[len(data) // 2] ^= 0x04
        (copy / name).write_bytes(bytes(data))
        assert_one_line_error(artifact_cli(junit_run, "check", str(copy / "model_fp32.onnx")),
                              "corrupt artifact: ", fragment)
    manifest = json.loads((ner_onnx / "manifest.json").read_text(encoding="utf-8"))
    for change, fragment in [({"format_version": 1}, "format_version 1, this app reads 2"),
                             ({"labels_v2": []}, "unknown field labels_v2")]:
        copy = tmp_path / f"m{len(change)}_{fragment[:6]}"
        shutil.copytree(ner_onnx, copy)
        (copy / "manifest.json").write_text(json.dumps({**manifest, **change}), encoding="utf-8")
        assert_one_line_error(artifact_cli(junit_run, "manifest", str(copy)), "manifest.json", fragment)


def mutations(data: bytes, n: int, seed: int) -> list[bytes]:
    """Bit flips, truncations and zeroed spans, each different from `data`."""
    rng = random.Random(seed)
    out = []
    for k in range(n):
        m = bytearray(data)
        if k % 3 == 0:
            m[rng.randrange(len(m))] ^= 1 << rng.randrange(8)
        elif k % 3 == 1:
            m = m[:rng.randrange(len(m))]
        else:
            at, n = rng.randrange(len(m)), rng.randint(1, 64)
            m[at:at + n] = bytes(len(m[at:at + n]))
            if bytes(m) == data:
                m[at] ^= 1
        out.append(bytes(m))
    return out


def test_mutated_tflite_bundles_are_refused_or_unchanged(junit_run, tmp_path):
    """Files written by the Python writer, mutated 240 ways: Java refuses each as corrupt, or (metadata no check
    covers, such as zip timestamps) reads exactly the original bundle — never a different one, never a crash."""
    from albert_edge.tokenizer import load_tokenizer
    from converters.bundle import append_bundle

    bundle = bundle_of(load_tokenizer(ASSETS / "spiece"))
    good = append_bundle(fake_flatbuffer(), bundle)
    files = []
    for i, data in enumerate([good, *mutations(good, 240, seed=11)]):
        files.append(tmp_path / f"m{i}.tflite")
        files[-1].write_bytes(data)
    proc = artifact_cli(junit_run, "check", *map(str, files))
    assert proc.returncode == 2 and not proc.stderr, proc.stderr[-2000:]  # 2: some refused
    verdicts = proc.stdout.split("\n")[:-1]
    assert len(verdicts) == len(files)
    sha = hashlib.sha256
    want = f"ok tflite {sha(bundle.config_bytes()).hexdigest()} {sha(bundle.model_bytes).hexdigest()}"
    assert verdicts[0] == want
    refused = [v for v in verdicts[1:] if v.startswith("corrupt artifact: ")]
    assert all(v == want for v in verdicts[1:] if not v.startswith("corrupt artifact: ")), verdicts
    assert len(refused) >= 200, f"only {len(refused)} of 240 mutations refused"


def test_pte_sealed_by_python_is_verified_in_java(junit_run, tmp_path):
    """The Python writer's integrity trailer (sha256 + AEPTESUM) on a stand-in program: Java accepts the sealed
    file and refuses every mutation, as Python's check_pte does."""
    integrity = pytest.importorskip("albert_edge.runtime.integrity",
                                    reason="the .pte trailer writer (branch integrity) is not merged here yet")
    from albert_edge.errors import CorruptArtifactError

    program = random.Random(5).randbytes(30000)
    good = integrity.seal_pte(program)
    files = []
    for i, data in enumerate([good, *mutations(good, 150, seed=12)]):
        files.append(tmp_path / f"m{i}.pte")
        files[-1].write_bytes(data)
    proc = artifact_cli(junit_run, "check", *map(str, files))
    verdicts = proc.stdout.split("\n")[:-1]
    assert proc.returncode == 2 and len(verdicts) == len(files), proc.stderr[-2000:]
    assert verdicts[0] == "ok executorch"
    assert all(v.startswith(f"corrupt artifact: {f}: ") for f, v in zip(files[1:], verdicts[1:])), verdicts
    for f in files[1:]:
        with pytest.raises(CorruptArtifactError):
            integrity.check_pte(f.read_bytes(), str(f))


def random_logits(rng: random.Random, rows: int, cols: int):
    import numpy as np

    # few distinct values: ties, where "the first of equal maxima" must agree
    return np.asarray([[rng.choice([-1.5, 0.0, 0.25, 2.0]) for _ in range(cols)] for _ in range(rows)], np.float32)


@pytest.fixture(scope="module")
def wordpiece_dir(tmp_path_factory, golden_lines) -> Path:
    """A small BERT WordPiece vocabulary trained on the golden lines, in a folder albert-edge loads."""
    from tokenizers import BertWordPieceTokenizer

    folder = tmp_path_factory.mktemp("wp")
    trainer = BertWordPieceTokenizer(lowercase=True)
    trainer.train_from_iterator(golden_lines, vocab_size=800, min_frequency=1, show_progress=False)
    trainer.save_model(str(folder))
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "BertTokenizer",
                                                              "do_lower_case": True}))
    return folder


def test_token_tagging_matches_python_tasks(junit_run, tmp_path, golden_lines, wordpiece_dir):
    """The same encodings and logits through albert_edge/tasks.py and TokenTagging: every field equal."""
    from albert_edge.tasks import TASKS, Task
    from albert_edge.tokenizer import load_tokenizer

    post = TASKS[Task.TOKEN_CLASSIFICATION].postprocess
    rng = random.Random(20261201)
    texts = golden_lines[::8] + [random_line(rng) for _ in range(150)]
    texts += ["Ada  Lovelace met\u00a0Charles Babbage in London.", " \t leading space", "x\u3000y\u2028z", ""]
    rows, want = [], []
    for tok in (load_tokenizer(ASSETS / "spiece"), load_tokenizer(wordpiece_dir)):
        for k, text in enumerate(texts):
            enc = tok.encode(text, max_length=48, padding=k % 5 == 0)
            logits = random_logits(rng, 48 if k % 2 else len(enc.ids), len(NER_LABELS))
            want.append(post(enc, logits, NER_LABELS, text))
            rows.append({"text": text, "pieces": enc.pieces, "offsets": [list(o) for o in enc.offsets],
                         "mask": enc.attention_mask, "truncated": enc.truncated, "logits": logits.tolist()})
    labels = tmp_path / "labels.json"
    labels.write_text(json.dumps(NER_LABELS))
    proc = artifact_cli(junit_run, "tag", str(labels), str(jsonl(tmp_path / "enc.jsonl", rows)))
    assert proc.returncode == 0, proc.stderr[-2000:]
    got = [json.loads(line) for line in proc.stdout.split("\n")[:-1]]  # not splitlines: U+2028 is text
    assert len(got) == len(want)
    assert sum(len(w["entities"]) for w in want) > 100  # the labels really form entities
    bad = [(r["text"], g, w) for r, g, w in zip(rows, got, want) if g != w]
    assert not bad, f"{len(bad)}/{len(want)} differ; first: {bad[0]!r}"


def test_java_pipeline_matches_python_predict(junit_run, tmp_path, golden_lines, wordpiece_dir):
    """Bundle → tokenizer → the task's post-processing, all in Java from what the Python writer bundled, against
    Python's tokenizer + tasks on the same logits (sequence classification with SentencePiece; token
    classification with WordPiece, the kind whose Java tokenizer tracks character offsets)."""
    import numpy as np

    from albert_edge.tasks import get_task
    from albert_edge.tokenizer import load_tokenizer
    from converters.bundle import append_bundle

    rng = random.Random(7)
    texts = golden_lines[1::40] + [random_line(rng) for _ in range(30)]
    for kind, tok, task, labels in [("spiece", load_tokenizer(ASSETS / "spiece"), "sequence-classification",
                                     ["negative", "neutral", "positive"]),
                                    ("wp", load_tokenizer(wordpiece_dir), "token-classification", NER_LABELS)]:
        model = tmp_path / f"{kind}.tflite"
        model.write_bytes(append_bundle(fake_flatbuffer(), bundle_of(tok, task, labels, seq_lens=(16, 64))))
        spec, rows, want = get_task(task), [], []
        for text in texts:
            enc = tok.encode(text, max_length=64)
            logits = random_logits(rng, len(enc.ids), len(labels)) if spec.per_token else \
                np.asarray([rng.uniform(-4, 4) for _ in labels], np.float32)
            want.append(spec.postprocess(enc, logits, labels, text))
            rows.append({"text": text, "logits": logits.tolist()})
        proc = artifact_cli(junit_run, "predict", str(model), str(jsonl(tmp_path / f"{kind}.jsonl", rows)))
        assert proc.returncode == 0, proc.stderr[-2000:]
        got = [json.loads(line) for line in proc.stdout.split("\n")[:-1]]  # not splitlines: U+2028 is text
        assert len(got) == len(want)
        for text, g, w in zip(texts, got, want):
            if "probs" in w:  # float32 softmax in Java, float64 in Python
                assert g.pop("probs") == pytest.approx(w.pop("probs"), abs=1e-6), text
            assert g == w, text


def test_bad_inputs_exit_nonzero_with_one_line(junit_run, tmp_path):
    text = write_lines(tmp_path / "ok.txt", ["hello"])
    not_model = tmp_path / "notes.model"
    not_model.write_text("this is not a sentencepiece model\n")
    assert_one_line_error(tokenize(junit_run, not_model, text), "notes.model", "not a SentencePiece model")
    truncated = tmp_path / "trunc.model"
    truncated.write_bytes(SPIECE.read_bytes()[:5000])
    assert_one_line_error(tokenize(junit_run, truncated, text), "trunc.model")
    empty = tmp_path / "empty.model"
    empty.write_bytes(b"")
    assert_one_line_error(tokenize(junit_run, empty, text), "empty")
    assert_one_line_error(tokenize(junit_run, tmp_path / "missing.model", text), "not found")
    assert_one_line_error(tokenize(junit_run, SPIECE, tmp_path / "missing.txt"), "not found")

    bad_utf8 = tmp_path / "bad.txt"
    bad_utf8.write_bytes("fine\nalso fine\n".encode() + b"caf\xe9 latin-1\n" + b"after\n")
    proc = tokenize(junit_run, SPIECE, bad_utf8)
    assert_one_line_error(proc, "line 3", "not valid UTF-8")
    surrogate = tmp_path / "surrogate.txt"
    surrogate.write_bytes(b"ok\n\xed\xa0\x80\n")  # an encoded surrogate is not UTF-8 (as Python's strict decoder)
    assert_one_line_error(tokenize(junit_run, SPIECE, surrogate), "line 2")

    usage = subprocess.run(["bash", str(TOKENIZE), str(SPIECE)], capture_output=True, text=True, timeout=60)
    assert_one_line_error(usage, "usage")


def test_line_splitting_and_empty_lines(junit_run, tmp_path):
    f = tmp_path / "lines.txt"
    f.write_bytes(b"\n  \nlast line without newline")
    got = ids_of(tokenize(junit_run, SPIECE, f))
    assert len(got) == 3
    assert got[0] == got[1] == [2, 3]
    from albert_edge.tokenizer import load_tokenizer

    assert got[2] == load_tokenizer(ASSETS / "spiece").encode("last line without newline").ids
