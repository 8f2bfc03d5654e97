"""Label-preserving copies of the training texts for the transfer set when the data is small (issue 12, "augmentation
as TinyBERT does"). A student that sees the same 2,000 texts for 20 epochs memorizes them; the teacher's soft targets
on perturbed copies are new examples of its function at the cost of a teacher pass.

TinyBERT replaces words with a BERT masked LM's or GloVe neighbours; neither ships offline for every language (the
shipped MiniLM has no MLM head, and Chinese has no encoder here at all). So the copies use EDA's operations (Wei & Zou
2019), which need no model: delete words, swap words, keep a contiguous span. The span matters most for long texts: a
window from beyond the student's max_length is text the student would otherwise never read. "Words" are what the
n-gram baseline splits on: spaces, or characters in unspaced scripts (Chinese).

    texts, sources = augment(train.texts, copies=3, seed=0)   # sources[i]: index of the text texts[i] came from

Measured and not the default (`run` override `augment`: "auto" or copies per text; 0 by default): on the stand-in of
another kind (2,792 training paragraphs, "auto" = 3 copies each, 5 epochs over 10.7k texts instead of 23-24 over
2.8k), the int8 student's test accuracy went 0.598 -> 0.630 with seed 0 and 0.610 -> 0.567 with seed 1
(benchmarks/results/augment_standin.json): no gain beyond the noise of 351 test texts.
"""

from __future__ import annotations

import random

AUG_POOL = 12000  # "auto": texts + copies up to this many ...
AUG_MAX_COPIES = 4  # ... at most this many copies per text
RATE = 0.1  # share of the words deleted or swapped
SPAN = (0.5, 0.9)  # share of the words a span keeps
MIN_WORDS = 4  # shorter texts are not copied: one edit would change their meaning


def auto_copies(n_texts: int, setting) -> int:
    """Copies per training text: `setting` ("auto": enough to fill AUG_POOL, 0 once the data is that large, at most
    AUG_MAX_COPIES) or a whole number given as an override."""
    if setting != "auto":
        return int(setting)
    return max(0, min(AUG_MAX_COPIES, AUG_POOL // max(1, n_texts) - 1))


def _edit(words: list[str], rng: random.Random) -> list[str]:
    op = rng.choice(("delete", "swap", "span"))
    n = len(words)
    if op == "delete":
        kept = [w for w in words if rng.random() >= RATE]
        return kept or [rng.choice(words)]
    if op == "swap":
        words = list(words)
        for _ in range(max(1, round(RATE * n))):
            i, j = rng.randrange(n), rng.randrange(n)
            words[i], words[j] = words[j], words[i]
        return words
    k = max(MIN_WORDS - 1, round(n * rng.uniform(*SPAN)))
    start = rng.randrange(n - k + 1)
    return words[start:start + k]


def augment(texts: list[str], copies: int, *, seed: int, chars: bool = False) -> tuple[list[str], list[int]]:
    """Up to `copies` distinct edited copies of every text of MIN_WORDS words or more (an edit that lands on the
    text itself or on an earlier copy is dropped, not retried), and the index of each copy's source text.
    chars: edit characters (scripts without spaces between words)."""
    rng = random.Random(seed)
    out, sources, seen = [], [], set(texts)
    sep = "" if chars else " "
    for i, text in enumerate(texts):
        words = list(text) if chars else text.split()
        if copies <= 0 or len(words) < MIN_WORDS:
            continue
        for _ in range(copies):
            copy = sep.join(_edit(words, rng))
            if copy not in seen:
                seen.add(copy)
                out.append(copy)
                sources.append(i)
    return out, sources
