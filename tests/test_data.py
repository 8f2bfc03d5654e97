"""data.py: parsing CSV/TSV/JSONL, seeded stratified splits written down, statistics, bad inputs as DataError."""

import json

import pytest

from albert_edge.data import (check_labels, length_batches, read_dataset, split_dataset, statistics,
                              stratified_subsample, write_splits)
from albert_edge.errors import DataError, InputError


def _rows(n=60):
    labels = ["neg", "neu", "pos"]
    return [{"text": f"tweet number {i} {'good' if i % 3 == 2 else 'bad'}", "label": labels[i % 3],
             "conf": "0.9"} for i in range(n)]


def write_csv(path, rows, delimiter=",", encoding="utf-8"):
    cols = list(rows[0])
    with open(path, "w", encoding=encoding, newline="") as f:
        f.write(delimiter.join(cols) + "\n")
        for r in rows:
            f.write(delimiter.join('"' + str(r[c]).replace('"', '""') + '"' if delimiter == "," else str(r[c])
                                   for c in cols) + "\n")
    return path


def test_formats_agree(tmp_path):
    rows = _rows()
    a = read_dataset(write_csv(tmp_path / "d.csv", rows))
    b = read_dataset(write_csv(tmp_path / "d.tsv", rows, delimiter="\t"))
    (tmp_path / "d.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    c = read_dataset(tmp_path / "d.jsonl")
    assert a.texts == b.texts == c.texts and a.labels == b.labels == c.labels
    assert a.label_names == ["neg", "neu", "pos"]


def test_columns_encoding_and_pairs(tmp_path):
    rows = [{"sentiment": "négatif" if i % 2 else "positif", "tweet": f"caf\xe9 {i}", "other": f"p{i}"}
            for i in range(10)]
    p = write_csv(tmp_path / "l1.csv", rows, encoding="latin-1")
    with pytest.raises(DataError, match="latin-1"):
        read_dataset(p, text_column="tweet", label_column="sentiment")  # utf-8 by default
    ds = read_dataset(p, text_column="tweet", label_column="sentiment", pair_column="other", encoding="latin-1")
    assert ds.texts[0] == "caf\xe9 0" and ds.pairs[1] == "p1" and "négatif" in ds.labels


def test_bad_inputs_one_line(tmp_path):
    p = write_csv(tmp_path / "d.csv", _rows())
    with pytest.raises(DataError, match=r"no column 'sentiment'; available columns: text, label, conf"):
        read_dataset(p, label_column="sentiment")
    (tmp_path / "empty.csv").write_text("text,label\n")
    with pytest.raises(DataError, match="empty"):
        read_dataset(tmp_path / "empty.csv")
    one = write_csv(tmp_path / "one.csv", [{"text": f"t{i}", "label": "pos"} for i in range(5)])
    with pytest.raises(DataError, match="only one class"):
        read_dataset(one)
    with pytest.raises(InputError, match="no such file"):
        read_dataset(tmp_path / "missing.csv")
    (tmp_path / "bad.jsonl").write_text('{"text": "a", "label": "x"}\nnot json\n')
    with pytest.raises(DataError, match=r"bad.jsonl:2"):
        read_dataset(tmp_path / "bad.jsonl")
    train = read_dataset(p)
    other = write_csv(tmp_path / "dev.csv", [{"text": "x", "label": "angry"}, {"text": "y", "label": "neg"}])
    with pytest.raises(DataError, match="'angry' never occur in train"):
        check_labels(train, read_dataset(other))


def test_rows_without_text_or_label_are_dropped(tmp_path):
    rows = _rows(9) + [{"text": "", "label": "neg", "conf": ""}, {"text": "no label", "label": "", "conf": ""}]
    ds = read_dataset(write_csv(tmp_path / "d.csv", rows))
    assert len(ds) == 9 and ds.extra["dropped"] == 2


def test_split_is_seeded_stratified_and_written_down(tmp_path):
    ds = read_dataset(write_csv(tmp_path / "d.csv", _rows(300)))
    s1 = split_dataset(ds, dev=0.1, test=0.2, seed=3)
    assert s1 == split_dataset(ds, dev=0.1, test=0.2, seed=3)
    assert s1 != split_dataset(ds, dev=0.1, test=0.2, seed=4)
    assert sorted(s1["train"] + s1["dev"] + s1["test"]) == list(range(300))
    for name, frac in (("test", 0.2), ("dev", 0.1)):
        sub = ds.subset(s1[name])
        assert {y: sub.labels.count(y) for y in sub.label_names} == {y: round(100 * frac) for y in ds.label_names}
    meta = write_splits(ds, s1, tmp_path / "splits", seed=3, dev=0.1, test=0.2)
    assert meta["sizes"] == {"train": 210, "dev": 30, "test": 60}
    back = read_dataset(tmp_path / "splits" / "test.jsonl")
    assert back.texts == ds.subset(s1["test"]).texts
    assert json.loads((tmp_path / "splits" / "splits.json").read_text())["seed"] == 3
    with pytest.raises(DataError, match="too few to split"):
        split_dataset(ds.subset([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] + [2]), dev=0.5, test=0.45)


def test_statistics_and_subsample(tmp_path, spiece_dir):
    from albert_edge.tokenizer import load_tokenizer

    ds = read_dataset(write_csv(tmp_path / "d.csv", _rows(90)))
    st = statistics(ds, load_tokenizer(spiece_dir), max_length=4)
    assert st["size"] == 90 and st["classes"]["neg"]["count"] == 30
    assert st["tokens"]["max"] >= st["tokens"]["p50"] > 2 and st["tokens"]["truncated_at_4"] > 0
    idx = stratified_subsample(ds, 30, seed=0)
    assert len(idx) == 30 and sorted(ds.subset(idx).labels).count("pos") == 10


def test_length_batches_cover_everything_once():
    lengths = [i % 17 for i in range(1000)]
    for shuffle in (False, True):
        b = length_batches(lengths, 32, shuffle=shuffle, seed=1)
        assert sorted(i for x in b for i in x) == list(range(1000))
    assert length_batches(lengths, 32, shuffle=True, seed=1) == length_batches(lengths, 32, shuffle=True, seed=1)


def test_detect_encoding(tmp_path):
    from albert_edge.data import detect_encoding

    cases = {"u.csv": "text,label\ncafé,x\n".encode("utf-8"), "b.csv": b"\xef\xbb\xbftext,label\na,x\n",
             "w.csv": "text,label\n“quoted” café,x\n".encode("cp1252"), "l.csv": b"text,label\ncaf\xe9 \x81,x\n"}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
    assert [detect_encoding(tmp_path / n) for n in cases] == ["utf-8", "utf-8-sig", "cp1252", "latin-1"]
    # a multi-byte character cut by the sample's end is still UTF-8
    (tmp_path / "cut.csv").write_bytes("ab€".encode("utf-8"))
    assert detect_encoding(tmp_path / "cut.csv", sample=3) == "utf-8"


def test_auto_encoding_reads_a_bom_file_with_clean_columns(tmp_path):
    from albert_edge.data import read_dataset

    p = tmp_path / "b.csv"
    p.write_bytes(b"\xef\xbb\xbftext,label\na,x\nb,y\n")
    ds = read_dataset(p, encoding="auto")
    assert ds.texts == ["a", "b"] and ds.extra["encoding"] == "utf-8-sig"


def test_read_lines_rejects_empty_and_non_utf8(tmp_path):
    from albert_edge.data import read_lines
    from albert_edge.errors import DataError

    p = tmp_path / "u.txt"
    p.write_text("one\n\n  two  \n", encoding="utf-8")
    assert read_lines(p) == ["one", "two"]
    p.write_bytes(b"ok\nok\nbad \xff\n")
    with pytest.raises(DataError, match=r"u.txt:3: unlabeled text is not UTF-8"):
        read_lines(p)
    p.write_bytes(b"\n   \n")
    with pytest.raises(DataError, match="is empty"):
        read_lines(p)


def test_covering_length():
    from albert_edge.data import covering_length

    assert covering_length([10] * 96 + [500] * 4) == 32  # p95 10 -> the floor; the 4% long tail is cut
    assert covering_length(list(range(1, 101))) == 96  # p95 96, a multiple of 16
    assert covering_length([300] * 10, hi=128) == 128


def test_fit_buckets_is_optimal_and_places_buckets_where_texts_are():
    import itertools
    import random

    from albert_edge.data import fit_buckets

    def padded(lengths, buckets, longest):
        return sum(next(b for b in buckets if b >= min(n, longest)) for n in lengths)

    rng = random.Random(0)
    for _ in range(30):
        longest, count = rng.choice([32, 64, 72, 128]), rng.randint(1, 5)
        lengths = [max(1, int(rng.lognormvariate(rng.uniform(2, 4), rng.uniform(0.2, 0.8)))) for _ in range(300)]
        got = fit_buckets(lengths, longest, count)
        assert got == sorted(set(got)) and got[-1] == longest and len(got) <= count
        assert all(b % 8 == 0 or b == longest for b in got)
        cands = sorted(set(range(8, longest, 8)) | {longest})
        best = min(padded(lengths, sorted(set(c) | {longest}), longest)
                   for c in itertools.combinations(cands[:-1], min(count - 1, len(cands) - 1)))
        assert padded(lengths, got, longest) == best  # exact, checked by brute force


def test_fit_buckets_drops_empty_buckets_and_handles_no_data():
    from albert_edge.data import fit_buckets

    assert fit_buckets([10] * 50 + [30] * 40 + [60] * 10, 64, 4) == [16, 32, 64]  # a 4th bucket would hold nothing
    assert fit_buckets([33] * 10 + [20] * 10, 64, 4) == [24, 40, 64]
    assert fit_buckets([], 64, 3) == [64]
    assert fit_buckets([500], 64, 2) == [64]  # too long: truncated into the longest
    with pytest.raises(ValueError):
        fit_buckets([5], 64, 0)


def test_auto_buckets_adds_a_bucket_only_while_it_pays():
    from albert_edge.data import auto_buckets

    assert auto_buckets([40] * 100, 64) == [40, 64]  # one length: its bucket, and the longest for anything longer
    assert auto_buckets([64] * 100, 64) == [64]  # every text at the longest: nothing to gain
    spread = list(range(1, 129)) * 5
    got = auto_buckets(spread, 128, most=4)
    assert len(got) == 4 and got[-1] == 128  # uniform lengths: every bucket pays, up to `most`
    assert len(auto_buckets(spread, 128, min_gain=0.5)) < len(got)  # a higher bar: fewer buckets
