"""The int8 stage of `albert-edge run` (a part of the recipe in pipeline.py): the all-int8 student is converted and
judged on dev as it ships, the sensitivity search of budget.py runs only when that misses --max-drop, and the int8
student is scored on test the same way.

Why the .pte judges: it runs ~20x faster than the PT2E graph in PyTorch (which pads every text to max_length at batch
1: 69-77 s for 1,500 dev reviews against ~20 s) and gives the numbers the device gives.
"""

from __future__ import annotations

import time
from pathlib import Path

from .errors import MissingExtraError


def int8_and_bundle(stages, bundle_for, student, tok, student_dir: Path, int8_dir: Path, dev, labels, ml: int, cfg,
                    log) -> tuple[dict, object, dict]:
    """(int8 budget, BudgetResult or None, bundle). All-int8 first, judged on dev as it ships: its .pte in ExecuTorch,
    ~20x faster than the PT2E graph in PyTorch and the numbers the device gives. Only when that misses --max-drop (or
    no .pte can judge it: --no-convert, text pairs) does the sensitivity search of budget.py run, on PT2E graphs,
    and the bundle is converted again with what it keeps in fp32. Without the int8 toolchain the budget is an error
    line and the bundle whatever converted."""
    from .budget import albert_budget
    from .evaluate import accuracy, albert_logits
    from .quantize import QuantRecipe, save_quantized

    y_dev = dev.label_ids(labels)
    all_int8, bundle = QuantRecipe(), None
    if cfg.convert and not dev.pairs:
        stages.run("student_int8", lambda: save_quantized(student, int8_dir, recipe=all_int8, overwrite=True,
                                                          tokenizer_dir=student_dir))
        bundle = bundle_for({"recipe": all_int8.to_dict()}, "convert")
        pte = next((a for a in bundle.get("artifacts", []) if (a["format"], a["precision"]) == ("executorch", "int8")),
                   None)
        if pte is not None:
            def judge() -> dict:
                from .predict import load as load_predictor

                t0 = time.time()
                fp32 = accuracy(y_dev, albert_logits(student, tok, dev.texts, max_length=ml).argmax(1).tolist())
                index = {n: i for i, n in enumerate(labels)}
                int8 = accuracy(y_dev, [index[r["label"]] for r in load_predictor(Path(pte["path"])).predict(dev.texts)])
                ok = fp32 - int8 <= cfg.max_drop + 1e-12
                log(f"   int8 .pte on dev: accuracy {int8:.4f} (fp32 {fp32:.4f}, drop {fp32 - int8:+.4f}, "
                    f"max {cfg.max_drop}){'' if ok else ': searching for parts to keep in fp32'}")
                return {"max_drop": cfg.max_drop, "fp32_accuracy": round(fp32, 4), "int8_accuracy": round(int8, 4),
                        "drop": round(fp32 - int8, 4), "within_budget": ok, "all_int8_accuracy": round(int8, 4),
                        "fp32_groups": [], "recipe": all_int8.to_dict(), "sensitivity": {},
                        "measured_on": f"{Path(pte['path']).name} in ExecuTorch, each text at its smallest bucket",
                        "trials": [{"fp32_groups": [], "accuracy": round(int8, 4), "drop": round(fp32 - int8, 4),
                                    "seconds": round(time.time() - t0, 1)}]}

            first = stages.run("student_int8_dev", judge)
            if first["within_budget"]:
                return first, None, bundle
    try:
        res = stages.run("student_int8_search", lambda: albert_budget(
            student, tok, dev.texts, y_dev, pairs=dev.pairs, max_drop=cfg.max_drop, max_length=ml,
            log=lambda m: log("   " + m)))
    except MissingExtraError as e:
        return {"error": str(e)}, None, bundle if bundle is not None else bundle_for(None, "convert")
    save_quantized(student, int8_dir, recipe=res.recipe, tokenizer_dir=student_dir, overwrite=True,
                   extra={"budget": res.to_dict()})
    budget = res.to_dict() | {"measured_on": "PT2E graphs in PyTorch, every text padded to max_length"}
    return budget, res, bundle_for(budget, "convert_after_search" if cfg.convert and not dev.pairs else "convert")


def record_int8(record, bundle: dict, res, student, student_dir: Path, n_student: int, tok, test, labels: list[str],
                 ml: int, max_drop: float) -> list[int] | None:
    """The int8 student on the test split as it ships: its .pte in ExecuTorch (bucketed, XNNPACK), when the bundle has
    one and the texts are single (a .pte reads segment A only); else the PT2E graph in PyTorch (every text padded to
    max_length, batch 1: ~20x slower than the .pte). Returns the .pte's predictions (artifacts_eval reuses them), or
    None."""
    from . import report as rep

    how = (f"the fp32 student through albert_edge.quantize (PT2E dynamic int8 linears + int8 embedding rows; fp32 "
           f"parts chosen by the --max-drop {max_drop} search on dev)")
    pte = next((a for a in bundle.get("artifacts", []) if a["format"] == "executorch" and a["precision"] == "int8"),
               None)
    if pte is not None and not test.pairs:
        from .predict import load as load_predictor

        p = load_predictor(Path(pte["path"]))
        index = {n: i for i, n in enumerate(labels)}
        pred = [index[r["label"]] for r in p.predict(test.texts)]
        record("student_int8", pred, params=n_student, bytes=int(pte["bytes"]),
               latency_ms=rep.latency_ms(lambda t: p.predict([t]), test.texts),
               note=f"{how}; scored as it ships: the int8 .pte in ExecuTorch, each text at its smallest length "
                    "bucket; bytes = the .pte with its tokenizer inside")
        return pred
    from .evaluate import int8_logits

    nbytes, what = rep.int8_bytes(bundle, student, student_dir, res.recipe.to_dict())
    record("student_int8", int8_logits(res.model, tok, test.texts, test.pairs, max_length=ml).argmax(1).tolist(),
           params=n_student, bytes=nbytes,
           latency_ms=rep.latency_ms(lambda t: int8_logits(res.model, tok, [t], max_length=ml), test.texts),
           note=f"{how}; scored as the PT2E graph in PyTorch (no .pte in this run); {what}")
    return None
