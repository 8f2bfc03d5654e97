"""TASKS: the registry, and token classification's post-processing (word spans, IOB2 entities, entity-level F1)."""

from types import SimpleNamespace

import pytest

from albert_edge.errors import InputError
from albert_edge.tasks import TASKS, Task, entities, entity_f1, get_task, task_of, word_spans


def test_registry_is_explicit_and_unknown_task_lists_choices():
    assert [t.value for t in TASKS] == ["sequence-classification", "token-classification"]
    assert get_task("AlbertForTokenClassification") is TASKS[Task.TOKEN_CLASSIFICATION]
    with pytest.raises(InputError, match="choose from sequence-classification, token-classification"):
        get_task("question-answering")
    from albert_edge.model import TASK_MODELS, AlbertConfig

    for spec in TASKS.values():  # every task has its head in model.py
        assert task_of(TASK_MODELS[spec.architecture](AlbertConfig.micro(vocab_size=50))) is spec
    with pytest.raises(InputError, match="AlbertForMaskedLM has no task"):
        task_of(TASK_MODELS["AlbertForMaskedLM"](AlbertConfig.micro(vocab_size=50)))


def _enc(text, pieces, offsets):
    n = len(pieces)
    return SimpleNamespace(pieces=pieces, offsets=offsets, attention_mask=[1] * n, ids=list(range(n)), truncated=False)


def test_sentencepiece_words_and_entities():
    text = "Ada Lovelace met  Babbage."
    pieces = ["[CLS]", "\u2581ada", "\u2581love", "lace", "\u2581met", "\u2581", "bab", "bage", ".", "[SEP]"]
    offs = [(0, 0), (0, 3), (3, 8), (8, 12), (12, 16), (16, 18), (18, 21), (21, 25), (25, 26), (0, 0)]
    labels = ["O", "B-PER", "I-PER", "I-PER", "O", "O", "B-PER", "B-PER", "I-PER", "O"]
    spans = word_spans(_enc(text, pieces, offs), labels, text)
    assert [(w["text"], w["label"]) for w in spans] == [("Ada", "B-PER"), ("Lovelace", "I-PER"), ("met", "O"),
                                                       ("Babbage.", "B-PER")]
    assert [(e["label"], text[e["start"]:e["end"]]) for e in entities(spans)] == [("PER", "Ada Lovelace"),
                                                                               ("PER", "Babbage.")]


def test_wordpiece_continuations_join_their_word():
    text = "我爱 Beijing"
    pieces = ["[CLS]", "我", "爱", "bei", "##jing", "[SEP]"]
    offs = [(0, 0), (0, 1), (1, 2), (3, 6), (6, 10), (0, 0)]
    spans = word_spans(_enc(text, pieces, offs), ["O", "O", "O", "B-LOC", "O", "O"], text)
    assert [(w["text"], w["label"]) for w in spans] == [("我爱", "O"), ("Beijing", "B-LOC")]


def test_entity_f1_is_exact_span_and_type():
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-ORG"]]
    assert entity_f1(gold, gold)["entity_f1"] == 1.0
    pred = [["B-PER", "O", "O", "B-LOC"], ["O", "B-PER"]]  # PER cut short, ORG typed PER
    m = entity_f1(gold, pred)
    assert (m["entities_gold"], m["entities_pred"]) == (3, 3)
    assert m["entity_precision"] == pytest.approx(1 / 3) and m["entity_f1"] == pytest.approx(1 / 3)
    assert entity_f1([["I-X", "I-X", "B-X"]], [["B-X", "I-X", "B-X"]])["entity_f1"] == 1.0  # IOB1-style starts
