"""LiteRT `.tflite` via litert-torch, in the layout MediaPipe's TextClassifier loads as it is (and TFLite Task's
BertNLClassifier documents; docs/BUNDLE_FORMAT.md):

- ONE subgraph, signature `serving_default`, at the longest sequence length L: both MediaPipe text graphs refuse a
  model with more than one subgraph ("Text tflite models are assumed to have a single subgraph"), so no length
  buckets here;
- inputs `ids`, `mask`, `segment_ids` int32 [1, L] in that order; outputs `probability` (softmax in the graph, which
  the task APIs report as scores: the metadata has no softmax option) then `logits` (what our parity gate and
  `predict` read, as for every other backend);
- standard TFLite Model Metadata (converters/tflite_metadata.py) and a zip after the flatbuffer: the bundle
  (tokenizer file + tokenizer.json + checksums.json, our readers), `labels.txt` and, for SentencePiece, the
  portable model `spiece_portable.model` that the metadata names (MediaPipe runs no ALBERT preprocessing).
int8 = ai-edge-quantizer dynamic_wi8_afp32. Verified in ai_edge_litert.
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
from .tflite_metadata import INPUT_NAMES, embed, text_classifier_metadata

SPEC = get_backend(Backend.TFLITE)
SIGNATURE = "serving_default"
OUTPUTS = [("probability", "Class probabilities (softmax of the logits, over the last axis), in labels.txt order."),
           ("logits", "Raw class scores before the softmax.")]
LABELS_TXT = "labels.txt"
PORTABLE_SPIECE = "spiece_portable.model"


class _Signature(nn.Module):
    """Named int32 inputs, a dict output: litert-torch turns that into a clean serving signature."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, segment_ids: torch.Tensor) -> dict:
        logits = self.model(ids, mask, segment_ids)
        return {"probability": torch.softmax(logits, dim=-1), "logits": logits}


def _float_flatbuffer(job: ConversionJob) -> bytes:
    try:
        import litert_torch
    except ImportError as e:
        raise SPEC.missing("converting to .tflite", e) from None
    ids, mask = job.example(job.max_len)
    kw = {"ids": ids.to(torch.int32), "mask": mask.to(torch.int32), "segment_ids": torch.zeros_like(ids, dtype=torch.int32)}
    try:
        edge = litert_torch.signature(SIGNATURE, _Signature(job.model).eval(), sample_kwargs=kw).convert()
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


def _check_io(flatbuffer: bytes) -> None:
    """The subgraph's tensor order is what MediaPipe maps the metadata onto: make sure litert-torch kept ours."""
    from ai_edge_litert.interpreter import Interpreter

    it = Interpreter(model_content=flatbuffer)
    sig = it.get_signature_runner(SIGNATURE)
    ins = {d["index"]: n for n, d in sig.get_input_details().items()}
    outs = {d["index"]: n for n, d in sig.get_output_details().items()}
    order = [ins.get(d["index"]) for d in it.get_input_details()]
    out_order = [outs.get(d["index"]) for d in it.get_output_details()]
    if order != list(INPUT_NAMES) or out_order != [n for n, _ in OUTPUTS] or len(it.get_signature_list()) != 1:
        raise ConversionError(f"litert-torch laid the model out as inputs {order}, outputs {out_order}; the metadata "
                              f"needs inputs {list(INPUT_NAMES)} and outputs {[n for n, _ in OUTPUTS]}")


def tokenizer_for_mediapipe(job: ConversionJob) -> tuple[str, str, bytes]:
    """(kind, file name, bytes) of the tokenizer file the metadata names: for SentencePiece the portable model
    (ALBERT's preprocessing folded into its normalizer; built once per job, it walks every code point), for WordPiece
    the vocabulary as it is."""
    if "tflite_tokenizer" not in job.cache:
        tok = job.tokenizer
        if tok.kind == "sentencepiece":
            job.cache["tflite_tokenizer"] = ("sentencepiece", PORTABLE_SPIECE, tok.portable_spiece())
        else:
            (name, data), = tok.files().items()
            job.cache["tflite_tokenizer"] = (tok.kind, name, data)
    return job.cache["tflite_tokenizer"]


def mediapipe_ids_agree(tok, tokenizer_file: bytes, texts: list[str], seq_len: int) -> list[bool]:
    """Per text: does MediaPipe's BERT preprocessing (ASCII lowercasing, then a plain SentencePiece runtime with the
    portable model, `[CLS] pieces[:L-2] [SEP]`) give `tok`'s (HF-exact) ids? (SentencePiece only.)"""
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_proto=tokenizer_file)
    cls, sep = tok.special_ids["cls"], tok.special_ids["sep"]
    out = []
    for t in texts:
        lowered = "".join(c.lower() if c < "\x80" else c for c in t)  # absl::AsciiStrToLower
        out.append([cls] + sp.encode(lowered)[:seq_len - 2] + [sep] == tok.encode(t, max_length=seq_len).ids)
    return out


def package(job: ConversionJob, flatbuffer: bytes, precision: str) -> bytes:
    """Metadata + associated files around a converted flatbuffer."""
    from albert_edge import __version__

    L = job.max_len
    kind, tok_file, tok_bytes = tokenizer_for_mediapipe(job)
    meta = text_classifier_metadata(
        name=f"albert-edge {job.task.name.value} ({len(job.labels)} labels, {precision})",
        description=f"ALBERT {job.task.name.value} model converted by albert-edge {__version__}; labels: "
                    f"{', '.join(job.labels)}; sequence length {L}.",
        version=__version__, seq_len=L, tokenizer_kind=kind, tokenizer_file=tok_file, labels_file=LABELS_TXT,
        outputs=OUTPUTS)
    bundle = job.bundle([L])
    bundle.inputs = list(INPUT_NAMES)
    extra = {LABELS_TXT: ("\n".join(job.labels) + "\n").encode("utf-8")}
    if tok_file not in bundle.files:
        extra[tok_file] = tok_bytes
    return append_bundle(embed(flatbuffer, meta), bundle, extra)


def convert(job: ConversionJob, *, precision: str, out_dir: Path) -> ArtifactEntry:
    """Write model_<precision>.tflite into out_dir, verify it in ai_edge_litert; return its manifest entry."""
    if "tflite_fp32" not in job.cache:
        with quiet_toolchain():
            job.cache["tflite_fp32"] = _float_flatbuffer(job)
        _check_io(job.cache["tflite_fp32"])
    flat = job.cache["tflite_fp32"]
    if precision == "int8":
        flat = _quantize(flat)
    path = Path(out_dir) / f"model_{precision}{SPEC.suffix}"
    path.write_bytes(package(job, flat, precision))

    runner = TfliteRunner(path)
    L = job.max_len
    inputs = job.encode(job.parity_texts, L, tokenizer=runner.tokenizer)  # the tokenizer inside the .tflite
    parity = {SIGNATURE: check_parity(runner.run, inputs, precision=precision, fp32_reference=torch_runner(job.model),
                                      int8=job.int8_thresholds, what=f"{path.name}:{SIGNATURE}")}
    if precision == "int8":  # PT2E is not what LiteRT runs: reported, not gated
        parity[SIGNATURE]["vs_pt2e_int8"] = job.pt2e_comparison(L, inputs, runner.run)
    logits = job.output_spec(L)
    kind, tok_file, tok_bytes = tokenizer_for_mediapipe(job)
    details = {"flatbuffer_bytes": len(flat),
               "metadata": {"schema": "TFLite Model Metadata (metadata_schema.fbs)", "tokenizer": kind,
                            "tokenizer_file": tok_file, "labels_file": LABELS_TXT,
                            "verified_with": "mediapipe 1.2.2 TextClassifier (tests/test_mediapipe.py)"}}
    if kind == "sentencepiece":
        same = mediapipe_ids_agree(job.tokenizer, tok_bytes, job.parity_texts, L)
        details["mediapipe_tokenizer"] = {  # measured, not assumed: MediaPipe tokenizes with the bundled model alone
            "agreement_with_hf_ids": sum(same) / len(same), "texts": len(same),
            "how": f"ASCII-lowercased text through {tok_file}, as MediaPipe's BertPreprocessor does"}
        if not all(same):
            details["warnings"] = [f"MediaPipe's tokenizer gives HF's ids on {sum(same)}/{len(same)} parity texts "
                                   "(see manifest details.mediapipe_tokenizer); albert-edge's own runtime is exact"]
    if len(job.seq_lens) > 1:
        details["note"] = (f"one subgraph at length {L} (MediaPipe and TFLite Task load single-subgraph models only); "
                           f"lengths {job.seq_lens[:-1]} are not in the .tflite")
    return ArtifactEntry(
        file=path.name, backend=SPEC.name.value, precision=precision, bytes=path.stat().st_size,
        sha256=sha256_file(path), entry_points={SIGNATURE: L},
        inputs=[TensorSpec(n, "int32", [1, L]) for n in INPUT_NAMES],
        outputs=[TensorSpec("probability", "float32", logits["shape"]), TensorSpec(**logits)], parity=parity,
        quantization={"method": "ai-edge-quantizer dynamic_wi8_afp32"} if precision == "int8" else None,
        delegation={"backend": "XNNPACK (ai_edge_litert default delegate at load time)"}, details=details)
