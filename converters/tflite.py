"""LiteRT `.tflite` via litert-torch: signature `serving_default` (the longest length; `serving_<L>` for the others),
inputs `input_ids` / `attention_mask` int32 [1, L], output `logits`; int8 = ai-edge-quantizer dynamic_wi8_afp32;
tokenizer = a stored zip (spiece.model, tokenizer.json) appended to the flatbuffer. Verified in ai_edge_litert.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import torch
from torch import nn

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import ConversionError, first_line
from albert_edge.files import sha256_file
from albert_edge.manifest import ArtifactEntry, TensorSpec
from albert_edge.runtime.tflite import TfliteRunner
from albert_edge.quiet import quiet_toolchain
from albert_edge.verify import check_parity, torch_runner

from .bundle import append_bundle
from .job import ConversionJob

SPEC = get_backend(Backend.TFLITE)


class _Signature(nn.Module):
    """Named int32 inputs, a {"logits": ...} output: litert-torch turns that into a clean serving signature."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> dict:
        return {"logits": self.model(input_ids, attention_mask)}


def signature_names(seq_lens: list[int]) -> dict[int, str]:
    return {L: ("serving_default" if L == seq_lens[-1] else f"serving_{L}") for L in seq_lens}


def _float_flatbuffer(job: ConversionJob) -> bytes:
    try:
        import litert_torch
    except ImportError as e:
        raise SPEC.missing("converting to .tflite", e) from None
    module = _Signature(job.model).eval()
    conv = None
    for L, name in signature_names(job.seq_lens).items():
        ids, mask = job.example(L)
        kw = {"input_ids": ids.to(torch.int32), "attention_mask": mask.to(torch.int32)}
        conv = (litert_torch.signature if conv is None else conv.signature)(name, module, sample_kwargs=kw)
    try:
        edge = conv.convert()
        with tempfile.TemporaryDirectory() as tmp:
            edge.export(str(Path(tmp) / "m.tflite"))
            return (Path(tmp) / "m.tflite").read_bytes()
    except Exception as e:  # litert-torch surfaces lowering problems as assorted exception types
        raise ConversionError(f"TFLite conversion failed: {first_line(e)}") from e


def _quantize(flatbuffer: bytes) -> bytes:
    try:
        from ai_edge_quantizer import quantizer, recipe
    except ImportError as e:
        raise SPEC.missing("int8 .tflite", e) from None
    try:
        with quiet_toolchain():
            result = quantizer.Quantizer(bytearray(flatbuffer), recipe.dynamic_wi8_afp32()).quantize()
    except Exception as e:
        raise ConversionError(f"ai-edge-quantizer failed: {first_line(e)}") from e
    return bytes(result.quantized_model)


def convert(job: ConversionJob, *, precision: str, out_dir: Path) -> ArtifactEntry:
    """Write model_<precision>.tflite into out_dir, verify it in ai_edge_litert; return its manifest entry."""
    if "tflite_fp32" not in job.cache:
        with quiet_toolchain():
            job.cache["tflite_fp32"] = _float_flatbuffer(job)
    flat = job.cache["tflite_fp32"]
    if precision == "int8":
        flat = _quantize(flat)
    path = Path(out_dir) / f"model_{precision}{SPEC.suffix}"
    path.write_bytes(append_bundle(flat, job.bundle()))

    runner = TfliteRunner(path)
    names = signature_names(job.seq_lens)
    fp32_ref = torch_runner(job.model)
    parity = {}
    for L in job.seq_lens:
        inputs = job.encode(job.parity_texts, L, tokenizer=runner.tokenizer)  # the tokenizer inside the .tflite
        parity[names[L]] = check_parity(runner.run, inputs, precision=precision, fp32_reference=fp32_ref,
                                        int8=job.int8_thresholds, what=f"{path.name}:{names[L]}")
        if precision == "int8":  # PT2E is not what LiteRT runs: reported, not gated
            parity[names[L]]["vs_pt2e_int8"] = job.pt2e_comparison(L, inputs, runner.run)
    L = job.max_len
    return ArtifactEntry(
        file=path.name, backend=SPEC.name.value, precision=precision, bytes=path.stat().st_size,
        sha256=sha256_file(path), entry_points={names[x]: x for x in job.seq_lens},
        inputs=[TensorSpec("input_ids", "int32", [1, L]), TensorSpec("attention_mask", "int32", [1, L])],
        outputs=[TensorSpec(**job.output_spec(L))], parity=parity,
        quantization={"method": "ai-edge-quantizer dynamic_wi8_afp32"} if precision == "int8" else None,
        delegation={"backend": "XNNPACK (ai_edge_litert default delegate at load time)"},
        details={"flatbuffer_bytes": len(flat), "associated_files": sorted(job.bundle().all_files())})
