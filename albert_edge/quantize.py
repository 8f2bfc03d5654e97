"""int8 quantization of ALBERT: PT2E with the XNNPACK quantizer, int8 per-row embedding tables, quantized checkpoints.

The machinery, not the policy: `quantize_int8` turns an fp32 model into the PT2E-quantized module that is both the
int8 PyTorch reference (run it eagerly) and what `converters/executorch.py` exports to a `.pte`. The recipe is a small
dataclass so an accuracy-budget search can enumerate recipes, and a quantized checkpoint is simply the HF fp32 folder
plus `quantization.json` (the recipe) and, for static activations, the calibration inputs — enough to rebuild the
very same int8 model deterministically.

    recipe = QuantRecipe()                                  # dynamic per-channel linears + int8 embeddings
    q = quantize_int8(model, (ids, mask), recipe=recipe)    # torch.fx.GraphModule, q(ids, mask) -> logits
    save_quantized(model, "student-int8", recipe=recipe, tokenizer_dir="student")
    qc = load_quantized("student-int8"); q2 = qc.build()    # the same int8 model again
"""

from __future__ import annotations

import copy
import json
import operator
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import torch
from torch import nn

from .errors import CheckpointError, InputError, MissingExtraError
from .files import staged_folder

QUANTIZATION_JSON = "quantization.json"
CALIBRATION_FILE = "calibration.safetensors"
FORMAT_VERSION = 1
ACTIVATIONS = ("dynamic", "static")


@dataclass
class QuantRecipe:
    """What to quantize and how.

    activations: "dynamic" (int8 activations quantized at run time, no data needed) or "static" (scales calibrated
        on example inputs; needs `calibration`).
    per_channel: per-output-channel weight scales for linears (else one scale per tensor).
    int8_embeddings: word-embedding table stored int8 with one scale per row (quantized_decomposed.embedding_byte).
    fp32_modules: module-name prefixes left in fp32, e.g. ["classifier", "albert.pooler"].
    """

    activations: str = "dynamic"
    per_channel: bool = True
    int8_embeddings: bool = True
    fp32_modules: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.activations not in ACTIVATIONS:
            raise InputError(f"activations {self.activations!r} is not one of {', '.join(ACTIVATIONS)}")
        self.fp32_modules = [str(p).strip(".") for p in self.fp32_modules]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "QuantRecipe":
        known = {"activations", "per_channel", "int8_embeddings", "fp32_modules"}
        unknown = sorted(set(d) - known)
        if unknown:
            raise CheckpointError(f"quantization recipe has unknown field(s) {unknown}; known: {sorted(known)}")
        return cls(**d)


# -- PT2E ----------------------------------------------------------------------------------------------------------
def _require_executorch():
    try:
        import executorch.exir.passes._quant_patterns_and_replacements  # noqa: F401  registers embedding_byte
        from executorch.backends.xnnpack.quantizer.xnnpack_quantizer import (
            XNNPACKQuantizer, get_symmetric_quantization_config)
        from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    except ImportError as e:
        raise MissingExtraError(f"int8 quantization needs ExecuTorch's XNNPACK quantizer ({e.name or e} not "
                                "importable); install it with: pip install 'albert-edge[executorch]'") from None
    return XNNPACKQuantizer, get_symmetric_quantization_config, prepare_pt2e, convert_pt2e


def _module_filter(fp32_modules: Sequence[str]):
    """A node filter for the quantizer: False for nodes created inside a module listed in fp32_modules."""
    prefixes = tuple(fp32_modules)

    def keep(node) -> bool:
        stack = node.meta.get("nn_module_stack") or {}
        for path, _type in stack.values():
            name = path.removeprefix("L['self'].").removeprefix("L__self__.")
            for p in prefixes:
                if name == p or name.startswith(p + "."):
                    return False
        return True

    return keep


class Int8Embedding(nn.Module):
    """An embedding table stored int8 with one symmetric scale per row; `embedding_byte` on export."""

    def __init__(self, weight):
        super().__init__()
        w = weight.detach().to(torch.float32)
        scales = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0
        q = torch.clamp(torch.round(w / scales[:, None]), -128, 127).to(torch.int8)
        self.register_buffer("weight", q)
        self.register_buffer("scales", scales)

    def forward(self, ids):
        return torch.ops.quantized_decomposed.embedding_byte.default(self.weight, self.scales, None, -128, 127, ids)


def _swap_embeddings(model) -> None:
    for name, mod in list(model.named_modules()):
        if name.endswith("word_embeddings") and isinstance(mod, torch.nn.Embedding):
            parent = model.get_submodule(name.rpartition(".")[0]) if "." in name else model
            setattr(parent, name.rpartition(".")[2], Int8Embedding(mod.weight))


def _unshare_dynamic_activation_quant(gm) -> int:
    """Give every consumer of a dynamically quantized activation its own choose_qparams -> quantize -> dequantize.

    PT2E quantizes an activation read by several linears once (Q/K/V share their input). XNNPACK's partitioner
    groups every node of a dynamic-quant linear's pattern (disjoint-set union), so the three linears and the shared
    choose_qparams become ONE group, whose nodes interleave topologically with the Q/K head reshapes sitting between
    the query and value linears. Its greedy single-pass merge then sees a cycle and cuts the delegate at that group:
    one extra partition per layer pass. One chain per consumer keeps each group contiguous (the partition merges
    into one delegate); numerics are unchanged (same input, same scale), weights are untouched, the extra cost is
    re-quantizing an already computed activation. Returns the number of chains added.
    """
    qd = torch.ops.quantized_decomposed
    added = 0
    graph = gm.graph
    for dq in list(graph.nodes):
        if dq.op != "call_function" or dq.target != qd.dequantize_per_tensor.tensor or len(dq.users) < 2:
            continue
        q = dq.args[0]
        if not (isinstance(q, torch.fx.Node) and q.target == qd.quantize_per_tensor.tensor and len(q.users) == 1):
            continue
        scale, zp = q.args[1], q.args[2]
        cq = scale.args[0] if isinstance(scale, torch.fx.Node) and scale.target is operator.getitem else None
        if (cq is None or cq.target != qd.choose_qparams.tensor or getattr(zp, "args", (None,))[0] is not cq
                or any(u.target is not operator.getitem for u in cq.users)):
            continue
        chain = [cq, *sorted(cq.users, key=lambda n: n.args[1]), q, dq]  # getitem 0 (scale), 1 (zero point)
        for user in list(dq.users)[1:]:
            env: dict = {}
            with graph.inserting_before(user):
                for n in chain:
                    env[n] = graph.node_copy(n, lambda a: env.get(a, a))
            user.replace_input_with(dq, env[dq])
            added += 1
    if added:
        graph.lint()
        gm.recompile()
    return added


def quantize_int8(model, example_inputs: tuple, *, recipe: QuantRecipe | None = None,
                  calibration: Iterable[tuple] | None = None):
    """PT2E int8 model of `model` (left untouched), for inputs shaped like `example_inputs`.

    Returns a `torch.fx.GraphModule`: call it like the model (positional inputs as in example_inputs) for the int8
    PyTorch reference, or `torch.export.export` it again for ExecuTorch. Deterministic for a given model, recipe and
    calibration set. Static activations need `calibration` (an iterable of input tuples); dynamic ones ignore it.
    """
    recipe = recipe or QuantRecipe()
    XNNPACKQuantizer, get_config, prepare_pt2e, convert_pt2e = _require_executorch()
    calib = list(calibration) if calibration is not None else []
    if recipe.activations == "static" and not calib:
        raise InputError("static activations need calibration inputs (e.g. --calib FILE with example sentences)")

    m = copy.deepcopy(model).eval()
    if recipe.int8_embeddings:
        _swap_embeddings(m)
    with torch.no_grad():
        graph = torch.export.export(m, tuple(example_inputs), strict=False).module()
        quantizer = XNNPACKQuantizer().set_global(
            get_config(is_per_channel=recipe.per_channel, is_dynamic=recipe.activations == "dynamic"))
        if recipe.fp32_modules:
            quantizer.set_filter_function(_module_filter(recipe.fp32_modules))
        prepared = prepare_pt2e(graph, quantizer)
        for inputs in (calib if recipe.activations == "static" else [tuple(example_inputs)]):
            prepared(*inputs)
        converted = convert_pt2e(prepared)
        if recipe.activations == "dynamic":
            _unshare_dynamic_activation_quant(converted)
        return converted


# -- quantized checkpoints -----------------------------------------------------------------------------------------
@dataclass
class QuantizedCheckpoint:
    checkpoint: object  # albert_edge.checkpoint.Checkpoint (fp32 weights)
    recipe: QuantRecipe
    calibration: list[tuple] | None  # static recipes: the stored calibration inputs (input_ids, attention_mask)

    def build(self, example_inputs: tuple | None = None):
        """The int8 model this checkpoint describes (deterministic)."""
        if example_inputs is None:
            if self.calibration:
                example_inputs = self.calibration[0]
            else:
                example_inputs = (torch.ones(1, 16, dtype=torch.long), torch.ones(1, 16, dtype=torch.long))
        return quantize_int8(self.checkpoint.model, example_inputs, recipe=self.recipe, calibration=self.calibration)


def is_quantized(folder: str | os.PathLike) -> bool:
    return (Path(folder) / QUANTIZATION_JSON).is_file()


def save_quantized(model, folder: str | os.PathLike, *, recipe: QuantRecipe, calibration: Sequence[tuple] | None = None,
                   tokenizer_dir: str | os.PathLike | None = None, overwrite: bool = False,
                   extra: dict | None = None) -> Path:
    """Write the fp32 HF folder of `model` + quantization.json (+ calibration inputs for static recipes), atomically.

    `extra` is stored under "extra" in quantization.json (e.g. the accuracy budget a search settled on).
    """
    from safetensors.torch import save_file

    from .checkpoint import save_checkpoint

    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise CheckpointError(f"{folder}: exists; pass overwrite to replace it")
    if recipe.activations == "static" and not calibration:
        raise InputError("a static recipe needs its calibration inputs saved with it")
    with staged_folder(folder) as staged:
        save_checkpoint(model, staged, tokenizer_dir=tokenizer_dir)
        meta = {"format_version": FORMAT_VERSION, "recipe": recipe.to_dict(), "extra": extra or {}}
        if recipe.activations == "static":
            tensors = {}
            for i, inputs in enumerate(calibration):
                ids, mask = inputs[0], inputs[1]
                tensors[f"{i:05d}.input_ids"] = ids.to(torch.long).contiguous()
                tensors[f"{i:05d}.attention_mask"] = mask.to(torch.long).contiguous()
            save_file(tensors, str(staged / CALIBRATION_FILE))
            meta["calibration"] = {"file": CALIBRATION_FILE, "count": len(calibration)}
        (staged / QUANTIZATION_JSON).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return folder


def load_quantized(folder: str | os.PathLike, *, require_tokenizer: bool = True) -> QuantizedCheckpoint:
    from .checkpoint import load_checkpoint

    folder = Path(folder)
    path = folder / QUANTIZATION_JSON
    if not path.is_file():
        raise CheckpointError(f"{path}: missing; not a quantized checkpoint (save one with save_quantized)")
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
        recipe = QuantRecipe.from_dict(meta["recipe"])
    except (json.JSONDecodeError, UnicodeDecodeError, KeyError, TypeError) as e:
        raise CheckpointError(f"{path}: not a valid quantization.json ({e})") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format_version {meta.get('format_version')!r}, expected {FORMAT_VERSION}")
    ck = load_checkpoint(folder, require_tokenizer=require_tokenizer)
    calibration = None
    if recipe.activations == "static":
        from safetensors.torch import load_file

        cal = folder / (meta.get("calibration") or {}).get("file", CALIBRATION_FILE)
        if not cal.is_file():
            raise CheckpointError(f"{cal}: calibration inputs of this static recipe are missing")
        t = load_file(str(cal))
        keys = sorted({k.split(".")[0] for k in t})
        calibration = [(t[f"{k}.input_ids"], t[f"{k}.attention_mask"]) for k in keys]
    return QuantizedCheckpoint(checkpoint=ck, recipe=recipe, calibration=calibration)
