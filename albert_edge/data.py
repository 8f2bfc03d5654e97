"""Labeled text in, seeded stratified splits out.

    ds = read_dataset("tweets.csv", text_column="text", label_column="sentiment", encoding="latin-1")
    splits = split_dataset(ds, dev=0.1, test=0.1, seed=0)       # {"train": [...idx], "dev": [...], "test": [...]}
    write_splits(ds, splits, "runs/x/data")                      # train/dev/test.jsonl + splits.json (written down)
    train, dev, test = (read_dataset(f"runs/x/data/{s}.jsonl") for s in ("train", "dev", "test"))

Formats: .csv, .tsv, .jsonl (one object per line), and a `datasets` folder saved with `save_to_disk` when the
`datasets` package is installed. Labels are kept as strings; the label vocabulary (sorted, unless given) becomes the
model's id2label. Everything a user can get wrong is a one-line DataError.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import random
import statistics as stats
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataError, InputError

SPLITS = ("train", "dev", "test")


@dataclass
class Dataset:
    texts: list[str]
    labels: list[str]
    pairs: list[str] | None = None
    source: str = ""
    extra: dict = field(default_factory=dict)  # e.g. {"dropped": n} rows without text or label

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, idx: list[int]) -> "Dataset":
        return Dataset([self.texts[i] for i in idx], [self.labels[i] for i in idx],
                       [self.pairs[i] for i in idx] if self.pairs is not None else None, source=self.source)

    @property
    def label_names(self) -> list[str]:
        return label_vocab(self.labels)

    def label_ids(self, labels: list[str]) -> list[int]:
        index = {name: i for i, name in enumerate(labels)}
        unknown = sorted({y for y in self.labels if y not in index})
        if unknown:
            raise DataError(f"{self.source or 'data'}: label(s) {', '.join(map(repr, unknown[:5]))} not in the "
                            f"model's labels {labels}")
        return [index[y] for y in self.labels]


def label_vocab(labels: list[str]) -> list[str]:
    return sorted(set(labels))


def _rows_csv(path: Path, delimiter: str, encoding: str) -> tuple[list[dict], list[str]]:
    try:
        with path.open(newline="", encoding=encoding) as f:
            reader = csv.DictReader(f, delimiter=delimiter)
            rows = list(reader)
            return rows, list(reader.fieldnames or [])
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not valid {encoding} at byte {e.start}; pass --encoding (e.g. latin-1)") from None
    except csv.Error as e:
        raise DataError(f"{path}: malformed {'TSV' if delimiter == chr(9) else 'CSV'} ({e})") from None


def read_jsonl_rows(path: Path, encoding: str) -> tuple[list[dict], list[str]]:
    rows, columns = [], {}
    try:
        with path.open(encoding=encoding) as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    raise DataError(f"{path}:{n}: not valid JSON ({e.msg})") from None
                if not isinstance(obj, dict):
                    raise DataError(f"{path}:{n}: expected a JSON object per line, found {type(obj).__name__}")
                rows.append(obj)
                columns.update(dict.fromkeys(obj))
    except UnicodeDecodeError as e:
        raise DataError(f"{path}: not valid {encoding} at byte {e.start}; pass --encoding (e.g. latin-1)") from None
    return rows, list(columns)


def _rows_hf(path: Path, split: str | None) -> tuple[list[dict], list[str]]:
    try:
        import datasets
    except ImportError:
        raise DataError(f"{path}: looks like a `datasets` folder but the `datasets` package is not installed "
                        "(pip install datasets), or export it to JSONL") from None
    d = datasets.load_from_disk(str(path))
    if isinstance(d, datasets.DatasetDict):
        names = list(d)
        if split is None:
            split = "train" if "train" in d else names[0]
        if split not in d:
            raise DataError(f"{path}: no split {split!r}; available: {', '.join(names)}")
        d = d[split]
    features = getattr(d, "features", {}) or {}
    rows = d.to_list()
    for col, feat in features.items():  # ClassLabel ints -> their names
        if hasattr(feat, "int2str"):
            for r in rows:
                r[col] = feat.int2str(r[col])
    return rows, list(d.column_names)


def detect_encoding(path: str | os.PathLike, *, sample: int = 8 << 20) -> str:
    """utf-8 when the file's first `sample` bytes decode as UTF-8 (a BOM allowed), else cp1252 when they decode as
    that (Windows exports), else latin-1 (which decodes any byte). A multi-byte character cut at the sample's end
    still counts as UTF-8."""
    with open(path, "rb") as f:
        head = f.read(sample)
    utf8 = "utf-8-sig" if head.startswith(b"\xef\xbb\xbf") else "utf-8"  # -sig: the BOM is not in a column name
    try:
        head.decode("utf-8")
        return utf8
    except UnicodeDecodeError as e:
        if len(head) == sample and e.start >= len(head) - 3:
            return utf8
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        pass
    return "latin-1"


def read_lines(path: str | os.PathLike, *, what: str = "unlabeled text") -> list[str]:
    """Non-empty lines of a UTF-8 text file (one text per line); empty or not UTF-8: one-line DataError."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file ({what})")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: {what} is not UTF-8 (byte {e.start}); re-save it as UTF-8") from None
    lines = [t.strip() for t in text.splitlines() if t.strip()]
    if not lines:
        raise DataError(f"{path}: {what} is empty; give one text per line")
    return lines


def covering_length(lengths: list[int], *, quantile: float = 0.95, multiple: int = 16, lo: int = 32,
                    hi: int = 128) -> int:
    """A sequence length that covers `quantile` of the texts, rounded up to `multiple`, within [lo, hi]."""
    if not lengths:
        return lo
    s = sorted(lengths)
    q = s[min(len(s) - 1, int(quantile * len(s)))]
    return max(lo, min(hi, -(-q // multiple) * multiple))


def fit_buckets(lengths: list[int], longest: int, count: int, *, multiple: int = 8) -> list[int]:
    """At most `count` length buckets (the last is `longest`) that minimize the padded tokens of `lengths`, each text
    running at the smallest bucket that holds it. Fixed buckets (16/32/48/64) waste most where the data is dense:
    tweets of 33 tokens pad to 48. Latency per text is close to linear in the bucket at these lengths, so padded tokens
    are the cost. Candidates are multiples of `multiple` (what GEMM kernels tile well); exact by dynamic programming."""
    if count < 1 or longest < 1:
        raise ValueError(f"fit_buckets: count {count} and longest {longest} must be positive")
    if not lengths:
        return [longest]
    cands = sorted({c for c in range(multiple, longest, multiple)} | {longest})
    hist = Counter(min(max(int(n), 1), longest) for n in lengths)
    upto = [sum(v for n, v in hist.items() if n <= c) for c in cands]  # texts that fit in cands[j]
    m = len(cands)
    if count >= m:
        chosen = list(range(m))
    else:
        # cost[k][j]: padded tokens of the texts up to cands[j] with k+1 buckets, the largest being cands[j]
        cost, back = [[upto[j] * cands[j] for j in range(m)]], [[-1] * m]
        for k in range(1, count):
            row, brow = [float("inf")] * m, [-1] * m
            for j in range(k, m):
                for i in range(k - 1, j):
                    v = cost[k - 1][i] + (upto[j] - upto[i]) * cands[j]
                    if v < row[j]:
                        row[j], brow[j] = v, i
            cost.append(row)
            back.append(brow)
        chosen, j = [], m - 1
        for k in range(count - 1, -1, -1):
            chosen.append(j)
            j = back[k][j]
        chosen.sort()
    # a bucket no text falls in costs a conversion and saves nothing
    return [cands[j] for n, j in enumerate(chosen) if j == m - 1 or upto[j] > (upto[chosen[n - 1]] if n else 0)]


def auto_buckets(lengths: list[int], longest: int, *, most: int = 6, min_gain: float = 0.05) -> list[int]:
    """The fewest fitted buckets after which one more would cut the mean padded length by less than `min_gain`
    (each bucket is one more method to lower, convert and keep in the bundle). Tweets get 5 (24..64), long reviews 4."""
    def mean_padded(buckets: list[int]) -> float:
        return sum(next(b for b in buckets if b >= min(n, longest)) for n in lengths) / max(1, len(lengths))

    best = fit_buckets(lengths, longest, 1)
    for k in range(2, most + 1):
        more = fit_buckets(lengths, longest, k)
        if len(more) == len(best) or mean_padded(more) > (1 - min_gain) * mean_padded(best):
            break
        best = more
    return best


def read_dataset(path: str | os.PathLike, *, text_column: str = "text", label_column: str | None = "label",
                 pair_column: str | None = None, encoding: str = "utf-8", split: str | None = None,
                 require_labels: bool = True, min_classes: int = 2) -> Dataset:
    """Read labeled text. Rows with an empty text or label are dropped (counted in `extra['dropped']`).
    min_classes: 2 for training data; 1 for evaluation (scoring a one-class file is legitimate)."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if encoding == "auto":
        encoding = detect_encoding(path) if path.is_file() else "utf-8"
    try:
        "".encode(encoding)
    except LookupError:
        raise InputError(f"--encoding {encoding!r}: unknown encoding") from None
    if path.is_dir():
        if not ((path / "dataset_info.json").is_file() or (path / "dataset_dict.json").is_file()
                or (path / "state.json").is_file()):
            raise DataError(f"{path}: a folder, but not a `datasets` save_to_disk folder; give a .csv/.tsv/.jsonl file")
        rows, columns = _rows_hf(path, split)
    else:
        suffix = path.suffix.lower()
        if suffix == ".csv":
            rows, columns = _rows_csv(path, ",", encoding)
        elif suffix in (".tsv", ".tab"):
            rows, columns = _rows_csv(path, "\t", encoding)
        elif suffix in (".jsonl", ".json", ".ndjson"):
            rows, columns = read_jsonl_rows(path, encoding)
        else:
            raise DataError(f"{path}: unknown format {suffix or '(no suffix)'!r}; use .csv, .tsv or .jsonl")
    if not rows:
        raise DataError(f"{path}: empty data set (no rows)")
    wanted = [c for c in (text_column, label_column if require_labels else None, pair_column) if c]
    for col in wanted:
        if col not in columns:
            raise DataError(f"{path}: no column {col!r}; available columns: {', '.join(map(str, columns)) or '(none)'}")
    texts, labels, pairs, dropped = [], [], ([] if pair_column else None), 0
    for r in rows:
        t = r.get(text_column)
        y = r.get(label_column) if label_column else None
        t = "" if t is None else str(t)
        y = "" if y is None else str(y).strip()
        if not t.strip() or (require_labels and not y):
            dropped += 1
            continue
        texts.append(t)
        labels.append(y)
        if pairs is not None:
            p = r.get(pair_column)
            pairs.append("" if p is None else str(p))
    if not texts:
        raise DataError(f"{path}: empty data set (every row lacks a text{' or a label' if require_labels else ''})")
    ds = Dataset(texts, labels, pairs, source=str(path), extra={"dropped": dropped, "encoding": encoding})
    if require_labels and len(set(labels)) < min_classes:
        raise DataError(f"{path}: only one class ({labels[0]!r}) in column {label_column!r} ({len(labels)} rows); a "
                        "classifier needs at least two — check --label-column")
    return ds


# -- splits --------------------------------------------------------------------------------------------------------
def split_dataset(ds: Dataset, *, dev: float = 0.1, test: float = 0.1, seed: int = 0) -> dict[str, list[int]]:
    """Seeded stratified split into index lists: per class, shuffled, `test` then `dev` fractions cut off."""
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise InputError(f"split fractions dev={dev} test={test} must be in [0, 1) and sum below 1")
    by_class: dict[str, list[int]] = {}
    for i, y in enumerate(ds.labels):
        by_class.setdefault(y, []).append(i)
    rng = random.Random(seed)
    out = {s: [] for s in SPLITS}
    for y in sorted(by_class):
        idx = by_class[y]
        rng.shuffle(idx)
        n_test = round(len(idx) * test)
        n_dev = round(len(idx) * dev)
        if len(idx) - n_test - n_dev < 1:
            raise DataError(f"{ds.source or 'data'}: class {y!r} has only {len(idx)} example(s); too few to split "
                            f"(dev={dev}, test={test}); every class needs one in train")
        out["test"] += idx[:n_test]
        out["dev"] += idx[n_test:n_test + n_dev]
        out["train"] += idx[n_test + n_dev:]
    for s in SPLITS:
        out[s].sort()
    return out


def stratified_subsample(ds: Dataset, n: int, *, seed: int = 0) -> list[int]:
    """Indexes of a seeded, class-proportional subsample of size ~n (all of ds when n >= len(ds))."""
    if n >= len(ds):
        return list(range(len(ds)))
    by_class: dict[str, list[int]] = {}
    for i, y in enumerate(ds.labels):
        by_class.setdefault(y, []).append(i)
    rng = random.Random(seed)
    out = []
    for y in sorted(by_class):
        idx = by_class[y][:]
        rng.shuffle(idx)
        out += idx[:max(1, round(n * len(idx) / len(ds)))]
    return sorted(out)


def check_labels(train: Dataset, *others: Dataset) -> None:
    """Every label of dev/test must occur in train (else the model cannot predict it)."""
    known = set(train.labels)
    for d in others:
        unseen = sorted(set(d.labels) - known)
        if unseen:
            raise DataError(f"{d.source or 'dev/test'}: label(s) {', '.join(map(repr, unseen[:5]))} never occur in "
                            f"train ({train.source or 'train'}); add examples to train or drop them")


def write_jsonl(ds: Dataset, path: str | os.PathLike) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as f:
        for i, (t, y) in enumerate(zip(ds.texts, ds.labels)):
            row = {"text": t, "label": y}
            if ds.pairs is not None:
                row["text_pair"] = ds.pairs[i]
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    os.replace(tmp, path)
    return path


def write_splits(ds: Dataset, splits: dict[str, list[int]], folder: str | os.PathLike, *, seed: int,
                 dev: float, test: float) -> dict:
    """train/dev/test.jsonl ({"text","label"} per line) + splits.json: how they were made, sizes, content hashes."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"source": ds.source, "seed": seed, "fractions": {"dev": dev, "test": test,
                                                             "train": round(1 - dev - test, 6)},
            "method": "stratified per label: shuffle each class with random.Random(seed) (classes in sorted order), "
                      "cut round(n*test) for test, then round(n*dev) for dev, the rest is train",
            "labels": label_vocab(ds.labels), "sizes": {}, "sha256": {}}
    for s in SPLITS:
        sub = ds.subset(splits[s])
        p = write_jsonl(sub, folder / f"{s}.jsonl")
        meta["sizes"][s] = len(sub)
        meta["sha256"][s] = hashlib.sha256(p.read_bytes()).hexdigest()
    (folder / "splits.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return meta


def statistics(ds: Dataset, tokenizer=None, *, max_length: int | None = None) -> dict:
    """Size, class balance and (with a tokenizer: an albert_edge tokenizer or any callable text -> ids) token lengths."""
    counts = Counter(ds.labels)
    out = {"size": len(ds), "dropped": ds.extra.get("dropped", 0),
           "classes": {y: {"count": c, "fraction": round(c / len(ds), 4)} for y, c in sorted(counts.items())},
           "chars": {"mean": round(stats.mean(len(t) for t in ds.texts), 1), "max": max(len(t) for t in ds.texts)}}
    if tokenizer is not None:
        enc = getattr(tokenizer, "encode", tokenizer)
        lens = sorted(len(enc(t).ids if hasattr(enc(t), "ids") else enc(t)) for t in ds.texts)
        out["tokens"] = {"mean": round(stats.mean(lens), 1), "p50": lens[len(lens) // 2],
                         "p95": lens[min(len(lens) - 1, int(0.95 * len(lens)))], "max": lens[-1]}
        if max_length:
            out["tokens"]["truncated_at_%d" % max_length] = sum(x > max_length for x in lens)
    return out


def length_batches(lengths: list[int], batch_size: int, *, shuffle: bool, seed: int = 0) -> list[list[int]]:
    """Batches of indexes of similar length (little padding). Shuffled: sort within random chunks of 50 batches,
    then shuffle the batch order — seeded, so an epoch's order can be rebuilt exactly on --resume."""
    idx = list(range(len(lengths)))
    if not shuffle:
        idx.sort(key=lambda i: lengths[i])
        return [idx[i:i + batch_size] for i in range(0, len(idx), batch_size)]
    rng = random.Random(seed)
    rng.shuffle(idx)
    chunk = batch_size * 50
    batches = []
    for c in range(0, len(idx), chunk):
        part = sorted(idx[c:c + chunk], key=lambda i: lengths[i])
        batches += [part[i:i + batch_size] for i in range(0, len(part), batch_size)]
    rng.shuffle(batches)
    return batches


def progress(enabled: bool = True, *, transient: bool = False):
    """A rich progress bar (description, bar, count, rate, time left); a no-op display when disabled."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[info]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                    console=Console(stderr=True), disable=not enabled, transient=transient)
