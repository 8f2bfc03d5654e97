"""training/augment.py: edited copies are distinct, traceable to their source, made of the source's words (or
characters), deterministic by seed; "auto" copies only small data."""

from collections import Counter

import pytest

from albert_edge.training.augment import AUG_MAX_COPIES, AUG_POOL, MIN_WORDS, augment, auto_copies


def test_auto_copies_fill_the_pool_of_small_data_only():
    assert auto_copies(AUG_POOL, "auto") == 0 and auto_copies(AUG_POOL // 2, "auto") == 1
    assert auto_copies(100, "auto") == AUG_MAX_COPIES and auto_copies(0, "auto") == AUG_MAX_COPIES
    assert auto_copies(100, 0) == 0 and auto_copies(50000, 2) == 2  # an override is taken as given


@pytest.mark.parametrize("chars", [False, True])
def test_copies_are_edits_of_their_source(chars):
    texts = (["这本书写得很好我非常喜欢它的故事", "质量太差了根本不能用还很贵"] if chars else
             ["the plot was slow but the actors were wonderful to watch", "cheap plastic broke after one day of use"])
    texts.append("short" if not chars else "好")  # under MIN_WORDS: never copied
    out, src = augment(texts, 3, seed=0, chars=chars)
    assert len(out) == len(src) and 0 < len(out) <= 6 and set(src) == {0, 1}
    assert len(set(out)) == len(out) and not set(out) & set(texts)
    for copy, i in zip(out, src):
        units = list(copy) if chars else copy.split()
        source = list(texts[i]) if chars else texts[i].split()
        assert not Counter(units) - Counter(source)  # deletions, swaps and spans only: nothing the source lacks
    assert augment(texts, 3, seed=0, chars=chars) == (out, src)
    assert augment(texts, 3, seed=1, chars=chars) != (out, src)
    assert augment(texts, 0, seed=0, chars=chars) == ([], [])
