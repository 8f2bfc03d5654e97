"""ONNX `.onnx` for ONNX Runtime: inputs `input_ids` / `attention_mask` int64 [batch, sequence] (dynamic axes), output
`logits`; int8 = onnxruntime.quantization.quantize_dynamic (QInt8 weights); tokenizer = sidecars spiece.model and
tokenizer.json in the same folder (named in manifest.json). Verified in onnxruntime.

Exporter: the TorchScript exporter (`dynamo=False`, opset 17): ~4x faster than the dynamo exporter here, handles
dynamic axes on this graph, deterministic bytes; onnxruntime matched eager to ~1e-8 on the test models.
"""

from __future__ import annotations

import tempfile
import warnings
from pathlib import Path

import torch

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import ConversionError, first_line
from albert_edge.files import sha256_file
from albert_edge.manifest import ArtifactEntry, TensorSpec
from albert_edge.runtime.onnx import OnnxRunner
from albert_edge.quiet import quiet_toolchain
from albert_edge.verify import check_parity, torch_runner

from .job import ConversionJob

SPEC = get_backend(Backend.ONNX)
OPSET = 17


class _Graph(torch.nn.Module):
    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        return self.model(input_ids, attention_mask)


def _export_fp32(job: ConversionJob, path: Path) -> None:
    try:
        import onnx  # noqa: F401
    except ImportError as e:
        raise SPEC.missing("converting to .onnx", e) from None
    ids, mask = job.example(job.max_len)
    try:
        with warnings.catch_warnings(), torch.no_grad(), quiet_toolchain():
            warnings.simplefilter("ignore")
            torch.onnx.export(_Graph(job.model).eval(), (ids, mask), str(path), dynamo=False, opset_version=OPSET,
                              input_names=["input_ids", "attention_mask"], output_names=["logits"],
                              dynamic_axes={"input_ids": {0: "batch", 1: "sequence"},
                                            "attention_mask": {0: "batch", 1: "sequence"},
                                            "logits": {0: "batch", 1: "sequence"} if job.task.per_token else {0: "batch"}},
                              do_constant_folding=True)
        _inline_weight_identities(path)
    except Exception as e:
        raise ConversionError(f"ONNX export failed: {first_line(e)}") from e


def _inline_weight_identities(path: Path) -> None:
    """The exporter reads ALBERT's shared layer weights through Identity nodes on every pass after the first;
    quantize_dynamic only quantizes MatMuls fed straight by an initializer, so those passes stayed fp32 (int8 file
    ~95% of fp32). Rewire consumers to the initializer itself: same graph, weights reachable by the quantizer."""
    import onnx

    model = onnx.load(str(path))
    inits = {i.name for i in model.graph.initializer}
    alias = {n.output[0]: n.input[0] for n in model.graph.node if n.op_type == "Identity" and n.input[0] in inits}
    if not alias:
        return
    keep = [n for n in model.graph.node if not (n.op_type == "Identity" and n.output[0] in alias)]
    for n in keep:
        for i, name in enumerate(n.input):
            if name in alias:
                n.input[i] = alias[name]
    outputs = {o.name for o in model.graph.output}
    if outputs & set(alias):
        return  # a graph output is an alias: leave the graph as exported
    del model.graph.node[:]
    model.graph.node.extend(keep)
    onnx.save(model, str(path))


def _quantize(src: Path, dst: Path) -> None:
    try:
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as e:
        raise SPEC.missing("int8 .onnx", e) from None
    try:
        with quiet_toolchain():
            quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8)
    except Exception as e:
        raise ConversionError(f"onnxruntime quantize_dynamic failed: {first_line(e)}") from e


def convert(job: ConversionJob, *, precision: str, out_dir: Path) -> ArtifactEntry:
    """Write model_<precision>.onnx into out_dir (sidecars are the folder's spiece.model / tokenizer.json)."""
    out_dir = Path(out_dir)
    path = out_dir / f"model_{precision}{SPEC.suffix}"
    if precision == "fp32":
        _export_fp32(job, path)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            f32 = Path(tmp) / "fp32.onnx"
            _export_fp32(job, f32)
            _quantize(f32, path)
    for name, data in job.bundle().all_files().items():  # sidecars (convert_checkpoint writes them too)
        if not (out_dir / name).is_file():
            (out_dir / name).write_bytes(data)

    runner = OnnxRunner(path)
    fp32_ref = torch_runner(job.model)
    parity = {}
    for L in job.seq_lens:
        inputs = job.encode(job.parity_texts, L, tokenizer=runner.tokenizer)  # the sidecar tokenizer
        parity[f"seq_len_{L}"] = check_parity(runner.run, inputs, precision=precision, fp32_reference=fp32_ref,
                                              int8=job.int8_thresholds, what=f"{path.name}@{L}")
        if precision == "int8":
            parity[f"seq_len_{L}"]["vs_pt2e_int8"] = job.pt2e_comparison(L, inputs, runner.run)
    out = job.output_spec("sequence")
    out["shape"][0] = "batch"
    return ArtifactEntry(
        file=path.name, backend=SPEC.name.value, precision=precision, bytes=path.stat().st_size,
        sha256=sha256_file(path), entry_points={"default": 0},
        inputs=[TensorSpec("input_ids", "int64", ["batch", "sequence"]),
                TensorSpec("attention_mask", "int64", ["batch", "sequence"])],
        outputs=[TensorSpec(**out)], parity=parity,
        quantization={"method": "onnxruntime quantize_dynamic QInt8"} if precision == "int8" else None,
        delegation={"backend": "onnxruntime CPUExecutionProvider"},
        details={"opset": OPSET, "sidecars": sorted(job.bundle().all_files())})
