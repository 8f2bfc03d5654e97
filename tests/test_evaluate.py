"""evaluate.py: metrics equal scikit-learn's; the eval command on a checkpoint writes metrics.json + confusion.png."""

import json
import random

from typer.testing import CliRunner

from albert_edge.evaluate import classification_metrics, plot_confusion


def test_metrics_match_sklearn(tmp_path):
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

    rng = random.Random(0)
    labels = ["a", "b", "c", "d"]
    y = [rng.randrange(4) for _ in range(500)]
    p = [t if rng.random() < 0.6 else rng.randrange(3) for t in y]  # class d is never predicted: P undefined -> 0
    m = classification_metrics(y, p, labels)
    assert abs(m["accuracy"] - accuracy_score(y, p)) < 1e-4
    assert abs(m["macro_f1"] - f1_score(y, p, average="macro", zero_division=0)) < 1e-4
    pr, rc, f1, sup = precision_recall_fscore_support(y, p, labels=range(4), zero_division=0)
    for i, name in enumerate(labels):
        c = m["per_class"][name]
        assert abs(c["precision"] - pr[i]) < 1e-4 and abs(c["recall"] - rc[i]) < 1e-4
        assert abs(c["f1"] - f1[i]) < 1e-4 and c["support"] == sup[i]
    assert m["confusion"] == confusion_matrix(y, p, labels=range(4)).tolist()
    png = plot_confusion(m, tmp_path / "cm.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_command_on_checkpoint(tiny_ckpt, tmp_path):
    from albert_edge.cli import app

    rows = [{"text": f"some text {i}", "label": ["negative", "neutral", "positive"][i % 3]} for i in range(12)]
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = CliRunner().invoke(app, ["eval", str(tiny_ckpt), "--data", str(tmp_path / "d.jsonl"), "--out",
                                 str(tmp_path / "ev")])
    assert r.exit_code == 0, r.output
    assert "macro-F1" in r.output and "positive" in r.output
    m = json.loads((tmp_path / "ev" / "metrics.json").read_text())
    assert m["n"] == 12 and sum(map(sum, m["confusion"])) == 12
    assert (tmp_path / "ev" / "confusion.png").is_file()
