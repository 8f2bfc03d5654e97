"""Parity of an artifact against PyTorch: the gate every converter passes before it keeps a file.

Backend- and task-agnostic on purpose: an artifact is given as a `run(input_ids, attention_mask) -> logits` callable
(numpy in, numpy out) built on the real runtime (albert_edge/runtime), and the references are PyTorch callables. Inputs are
real sentences tokenized by the tokenizer that travels *inside* the artifact.

Logits (1, C) are compared per text; per-token logits (1, L, C) per real token (padding positions dropped).

Gates (written into the manifest with the figures):
  fp32: max |Δlogits| vs eager ≤ 1e-4.
  int8: vs the int8 PyTorch reference (the PT2E model, when the backend's int8 is that model): max relative error;
        vs fp32 eager: argmax agreement and max relative error. Relative error = max |Δ| / max |reference logit|.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Sequence

import numpy as np

from .errors import ParityError

FP32_ATOL = 1e-4

# Sentences the gate runs when the caller has none (mixed length, case, accents, digits, punctuation, emoji).
PARITY_SENTENCES = [
    "The battery lasts two full days and the screen is gorgeous.",
    "Worst customer service I have ever had, never again!",
    "It's okay, I guess. Nothing special.",
    "@united flight 1234 delayed 3 hours... again #fail",
    "Café au lait, naïve résumé — accents everywhere.",
    "I LOVE THIS PHONE!!! 😍😍",
    "The package arrived on 12/03/2024, two days late, but intact.",
    "",
    "no",
    "Could you tell me whether the update fixes the overheating issue that started after version 2.1.7?",
    "Meh.",
    "This is, without any doubt, the most ridiculous, overpriced and badly designed gadget that I have bought in "
    "years, and I have bought many gadgets over the years, believe me, including several that broke on day one.",
    "Thanks @USAirways, the crew was fantastic http://t.co/abc123",
    "[CLS] typed specials [SEP] stay whole [MASK]",
    "numbers 1,000,000 and 3.14159 and 42",
    "Not bad at all, actually pretty good.",
]


@dataclass
class Int8Thresholds:
    """Limits for int8 artifacts. Relative errors are max |Δ| / max |reference logit| over the parity set."""

    vs_reference_max_rel: float = 0.10   # the backend's int8 vs the PyTorch int8 model it was exported from
    vs_fp32_max_rel: float = 0.50        # int8 vs fp32 eager
    vs_fp32_min_argmax: float = 0.75     # fraction of sentences with the same top label as fp32

    def to_dict(self) -> dict:
        return asdict(self)


def logit_stats(ref: np.ndarray, got: np.ndarray) -> dict:
    """max |Δ|, relative error (max |Δ| / max |ref|), argmax agreement of two (N, C) logit arrays."""
    ref, got = np.asarray(ref, dtype=np.float64), np.asarray(got, dtype=np.float64)
    if ref.shape != got.shape:
        raise ParityError(f"output shape {got.shape} differs from the reference {ref.shape}")
    if not np.all(np.isfinite(got)):
        raise ParityError("artifact produced non-finite logits")
    diff = np.abs(ref - got)
    scale = float(np.max(np.abs(ref))) or 1.0
    return {"max_abs_diff": float(diff.max()), "mean_abs_diff": float(diff.mean()),
            "max_rel_err": float(diff.max() / scale), "reference_max_abs": scale,
            "argmax_agreement": float(np.mean(ref.argmax(-1) == got.argmax(-1)))}


def _rows(out, mask) -> np.ndarray:
    """(rows, C): one row per text, or per real token when the output is per token."""
    out = np.asarray(out, dtype=np.float64)
    if out.ndim == 3:
        return out.reshape(-1, out.shape[-1])[np.asarray(mask).reshape(-1) != 0]
    return out.reshape(-1, out.shape[-1])


def collect(fn: Callable, inputs: Sequence[tuple]) -> np.ndarray:
    return np.concatenate([_rows(fn(ids, mask), mask) for ids, mask in inputs])


def torch_runner(model) -> Callable:
    """numpy-in/numpy-out wrapper of a PyTorch model or PT2E GraphModule taking (input_ids, attention_mask)."""
    import torch

    def run(ids, mask):
        with torch.no_grad():
            out = model(torch.as_tensor(np.asarray(ids), dtype=torch.long), torch.as_tensor(np.asarray(mask), dtype=torch.long))
        return out.detach().numpy()

    return run


def check_parity(run: Callable, inputs: Sequence[tuple], *, precision: str, fp32_reference: Callable,
                 int8_reference: Callable | None = None, fp32_atol: float = FP32_ATOL,
                 int8: Int8Thresholds | None = None, what: str = "artifact") -> dict:
    """Run `run` and the references on `inputs` ((ids, mask) numpy pairs, shape (1, L)); raise ParityError on a miss.

    Returns the figures and thresholds for the manifest.
    """
    if not inputs:
        raise ParityError(f"{what}: no parity inputs")
    got = collect(run, inputs)
    fp32 = collect(fp32_reference, inputs)
    report: dict = {"sentences": len(inputs), "seq_len": int(np.asarray(inputs[0][0]).shape[-1]),
                    "vs_fp32": logit_stats(fp32, got)}
    if precision == "fp32":
        report["thresholds"] = {"vs_fp32_max_abs_diff": fp32_atol}
        if report["vs_fp32"]["max_abs_diff"] > fp32_atol:
            raise ParityError(f"{what}: fp32 parity failed, max |Δlogits| {report['vs_fp32']['max_abs_diff']:.3g} > "
                              f"{fp32_atol:g} vs PyTorch eager")
        return report
    if precision != "int8":
        raise ParityError(f"{what}: unknown precision {precision!r}")
    t = int8 or Int8Thresholds()
    report["thresholds"] = t.to_dict()
    if int8_reference is not None:
        report["vs_int8_reference"] = logit_stats(collect(int8_reference, inputs), got)
        if report["vs_int8_reference"]["max_rel_err"] > t.vs_reference_max_rel:
            raise ParityError(f"{what}: int8 parity failed, relative error {report['vs_int8_reference']['max_rel_err']:.3g}"
                              f" > {t.vs_reference_max_rel:g} vs the PyTorch int8 reference")
    s = report["vs_fp32"]
    if s["max_rel_err"] > t.vs_fp32_max_rel:
        raise ParityError(f"{what}: int8 drifted from fp32, relative error {s['max_rel_err']:.3g} > {t.vs_fp32_max_rel:g}")
    if s["argmax_agreement"] < t.vs_fp32_min_argmax:
        raise ParityError(f"{what}: int8 agrees with fp32 on {s['argmax_agreement']:.0%} of top labels "
                          f"< {t.vs_fp32_min_argmax:.0%}")
    return report
