"""The Android demo's pure-Java core (android_demo/core), verified on the JVM: its JUnit suite, and its tokenizer
(through android_demo/tokenize.sh) id for id against the golden file, the Python reference and live HF transformers.

Needs a JDK 17+ and junit4 (scripts/ci-system-deps.sh installs both); skipped only where `javac` is absent.
"""

from __future__ import annotations

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


def test_tokenizer_from_tflite_appended_zip(junit_run, tmp_path):
    config = {"do_lower_case": True, "remove_space": True, "keep_accents": False, "split_digit_comma": False,
              "special_ids": {"pad": 0, "unk": 1, "cls": 2, "sep": 3, "mask": 4},
              "labels": ["negative", "neutral", "positive"], "seq_lens": [128],
              "inputs": ["input_ids", "attention_mask"], "output": "logits"}
    lines = ["Café déjà vu — naïve façade", "", "I ❤️ emoji 😀 [MASK] 1,000"]
    text = write_lines(tmp_path / "t.txt", lines)
    want = ids_of(tokenize(junit_run, SPIECE, text))

    # (a) zip built in memory then appended (offsets relative to the zip), (b) zipfile in append mode on the file.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("spiece.model", SPIECE.read_bytes())
        z.writestr("tokenizer.json", json.dumps(config))
    a = tmp_path / "a.tflite"
    a.write_bytes(fake_flatbuffer() + buf.getvalue())
    b = tmp_path / "b.tflite"
    b.write_bytes(fake_flatbuffer())
    with zipfile.ZipFile(b, "a", zipfile.ZIP_STORED) as z:
        z.writestr("spiece.model", SPIECE.read_bytes())
        z.writestr("tokenizer.json", json.dumps(config))
    for f in (a, b):
        assert ids_of(tokenize(junit_run, f, text)) == want, f.name

    # A .tflite whose zip has no spiece.model, and one with no zip at all.
    c = tmp_path / "c.tflite"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr("labels.txt", "a\nb\n")
    c.write_bytes(fake_flatbuffer() + buf.getvalue())
    assert_one_line_error(tokenize(junit_run, c, text), "c.tflite", "no spiece.model")
    d = tmp_path / "d.tflite"
    d.write_bytes(fake_flatbuffer())
    assert_one_line_error(tokenize(junit_run, d, text), "no zip archive appended")


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
