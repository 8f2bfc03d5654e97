"""The int8 accuracy budget: quantize everything, and if dev accuracy drops more than `max_drop`, keep the most
sensitive parts in fp32 until it does not.

    res = search_budget(evaluate=lambda m: dev_accuracy(m), quantize=lambda r: quantize_int8(model, ex, recipe=r),
                        fp32_accuracy=acc32, groups=albert_groups(model.config), max_drop=0.01)
    res.recipe.fp32_modules   # what stayed fp32; res.trials: every recipe tried with its accuracy

Search: (1) all-int8; within budget -> done. (2) sensitivity: one trial per group with only that group fp32, gain =
its accuracy minus all-int8's. (3) add groups in order of gain (largest first) until the drop is within budget; if even
all groups fp32 are not enough, the best recipe found is returned with within_budget False. Cost: 1 + G + (k - 1)
quantize+evaluate rounds. `quantize` and `evaluate` are parameters so the search is testable with stubs.
"""

from __future__ import annotations


import time
from dataclasses import dataclass, field
from typing import Callable

from .quantize import QuantRecipe

WORD_EMBEDDINGS = "albert.embeddings.word_embeddings"  # a group handled by recipe.int8_embeddings, not a filter


def albert_groups(cfg) -> dict[str, list[str]]:
    """Parts of an albert_edge ALBERT classifier that can stay fp32: name -> module-name prefixes."""
    groups = {"word_embeddings": [WORD_EMBEDDINGS],
              "embedding_projection": ["albert.encoder.embedding_hidden_mapping_in"]}
    for g in range(cfg.num_hidden_groups):
        for j in range(cfg.inner_group_num):
            base = f"albert.encoder.albert_layer_groups.{g}.albert_layers.{j}"
            tag = f"g{g}l{j}" if cfg.num_hidden_groups * cfg.inner_group_num > 1 else "layer"
            groups[f"{tag}.attention_qkv"] = [f"{base}.attention.query", f"{base}.attention.key",
                                              f"{base}.attention.value"]
            groups[f"{tag}.attention_out"] = [f"{base}.attention.dense"]
            groups[f"{tag}.ffn_in"] = [f"{base}.ffn"]
            groups[f"{tag}.ffn_out"] = [f"{base}.ffn_output"]
    groups["pooler"] = ["albert.pooler"]
    groups["classifier"] = ["classifier"]
    return groups


def recipe_for(base: QuantRecipe, groups: dict[str, list[str]], chosen: list[str]) -> QuantRecipe:
    prefixes = [p for name in chosen for p in groups[name] if p != WORD_EMBEDDINGS]
    emb = base.int8_embeddings and not any(WORD_EMBEDDINGS in groups[name] for name in chosen)
    return QuantRecipe(activations=base.activations, per_channel=base.per_channel, int8_embeddings=emb,
                       fp32_modules=sorted(set(base.fp32_modules) | set(prefixes)))


@dataclass
class BudgetResult:
    recipe: QuantRecipe
    fp32_groups: list[str]
    fp32_accuracy: float
    int8_accuracy: float
    max_drop: float
    within_budget: bool
    all_int8_accuracy: float
    trials: list[dict] = field(default_factory=list)
    sensitivity: dict[str, float] = field(default_factory=dict)
    model: object = None  # the chosen int8 model

    @property
    def drop(self) -> float:
        return self.fp32_accuracy - self.int8_accuracy

    def to_dict(self) -> dict:
        return {"max_drop": self.max_drop, "fp32_accuracy": round(self.fp32_accuracy, 4),
                "int8_accuracy": round(self.int8_accuracy, 4), "drop": round(self.drop, 4),
                "within_budget": self.within_budget, "all_int8_accuracy": round(self.all_int8_accuracy, 4),
                "fp32_groups": self.fp32_groups, "recipe": self.recipe.to_dict(),
                "sensitivity": {k: round(v, 4) for k, v in self.sensitivity.items()}, "trials": self.trials}


def search_budget(*, quantize: Callable[[QuantRecipe], object], evaluate: Callable[[object], float],
                  fp32_accuracy: float, groups: dict[str, list[str]], max_drop: float = 0.01,
                  base: QuantRecipe | None = None, log=lambda msg: None) -> BudgetResult:
    base = base or QuantRecipe()
    trials: list[dict] = []
    models: dict[tuple, tuple[float, object]] = {}

    def trial(chosen: list[str]) -> float:
        key = tuple(sorted(chosen))
        if key in models:
            return models[key][0]
        t0 = time.time()
        recipe = recipe_for(base, groups, list(key))
        m = quantize(recipe)
        acc = float(evaluate(m))
        models[key] = (acc, m)
        trials.append({"fp32_groups": list(key), "accuracy": round(acc, 4), "drop": round(fp32_accuracy - acc, 4),
                       "seconds": round(time.time() - t0, 1)})
        log(f"int8 with fp32 {list(key) or 'nothing'}: accuracy {acc:.4f} (drop {fp32_accuracy - acc:+.4f})")
        return acc

    def result(chosen: list[str], sensitivity: dict) -> BudgetResult:
        key = tuple(sorted(chosen))
        acc, m = models[key]
        return BudgetResult(recipe=recipe_for(base, groups, list(key)), fp32_groups=list(key),
                            fp32_accuracy=fp32_accuracy, int8_accuracy=acc, max_drop=max_drop,
                            within_budget=fp32_accuracy - acc <= max_drop + 1e-12, all_int8_accuracy=models[()][0],
                            trials=trials, sensitivity=sensitivity, model=m)

    acc0 = trial([])
    if fp32_accuracy - acc0 <= max_drop + 1e-12:
        return result([], {})
    sensitivity = {name: trial([name]) - acc0 for name in groups}
    order = sorted(groups, key=lambda n: (-sensitivity[n], list(groups).index(n)))
    chosen: list[str] = []
    best = ()
    for name in order:
        chosen.append(name)
        acc = trial(chosen)
        if acc > models[best][0]:
            best = tuple(sorted(chosen))
        if fp32_accuracy - acc <= max_drop + 1e-12:
            return result(chosen, sensitivity)
    return result(list(best), sensitivity)


def albert_budget(model, tokenizer, texts: list[str], labels: list[int], *, pairs: list[str] | None = None,
                  max_drop: float = 0.01,
                  max_length: int = 64, base: QuantRecipe | None = None, log=lambda msg: None) -> BudgetResult:
    """The search on a real albert_edge model with albert_edge.quantize, dev accuracy on (texts, labels)."""
    import torch

    from .evaluate import INT8_BATCH, accuracy, albert_logits, int8_logits
    from .quantize import quantize_int8

    model.eval()
    fp32 = accuracy(labels, albert_logits(model, tokenizer, texts, pairs, max_length=max_length).argmax(1).tolist())
    example = (torch.ones(INT8_BATCH, max_length, dtype=torch.long), torch.ones(INT8_BATCH, max_length, dtype=torch.long))
    res = search_budget(
        quantize=lambda r: quantize_int8(model, example, recipe=r),
        evaluate=lambda q: accuracy(labels, int8_logits(q, tokenizer, texts, pairs,
                                                        max_length=max_length).argmax(1).tolist()),
        fp32_accuracy=fp32, groups=albert_groups(model.config), max_drop=max_drop, base=base, log=log)
    return res
