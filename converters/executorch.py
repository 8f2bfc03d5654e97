"""ExecuTorch `.pte` for XNNPACK: one fixed-length method per sequence length sharing one copy of the weights, the
tokenizer as constant methods, a BundledProgram `.bpte` with test cases beside it.

fp32: torch.export -> to_edge_transform_and_lower(XnnpackPartitioner) -> to_executorch.
int8: the PT2E model of albert_edge.quantize (dynamic per-channel linears, int8 per-row embedding table) exported the
same way; loading it needs `import executorch.kernels.quantized` (embedding_byte).
"""

from __future__ import annotations

from pathlib import Path

import torch

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import ConversionError, first_line
from albert_edge.files import sha256_bytes, sha256_file
from albert_edge.manifest import ArtifactEntry, TensorSpec
from albert_edge.runtime.executorch import PteRunner
from albert_edge.runtime.integrity import seal_pte
from albert_edge.verify import check_parity, torch_runner

from .job import ConversionJob

SPEC = get_backend(Backend.EXECUTORCH)
BUNDLED_CASES = 2  # test cases per method in the .bpte


def _imports():
    try:
        import executorch.exir.passes._quant_patterns_and_replacements  # noqa: F401  embedding_byte op
        from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
        from executorch.devtools.backend_debug import get_delegation_info
        from executorch.exir import to_edge_transform_and_lower
    except ImportError as e:
        raise SPEC.missing("converting to .pte", e) from None
    return XnnpackPartitioner, get_delegation_info, to_edge_transform_and_lower


def method_names(seq_lens: list[int]) -> dict[int, str]:
    """`forward` = the longest length, `forward_<L>` each shorter one (BUNDLE_FORMAT.md). The longest has no
    `forward_<L>` twin: ExecuTorch would lower the same program a second time (a sixth of a 5-length conversion)."""
    names = {seq_lens[-1]: "forward"}
    if len(seq_lens) > 1:
        names.update({L: f"forward_{L}" for L in seq_lens[:-1]})
    return names


def _delegation(info) -> dict:
    outside = {op: b.non_delegated for op, b in sorted(info.delegation_by_operator.items())
               if b.non_delegated and op != "getitem"}
    return {"backend": "XnnpackBackend", "partitions": info.num_delegated_subgraphs,
            "delegated_nodes": info.num_delegated_nodes, "non_delegated_nodes": info.num_non_delegated_nodes,
            "non_delegated_ops": outside}


def _bytes_tensor(data: bytes) -> torch.Tensor:
    return torch.frombuffer(bytearray(data), dtype=torch.uint8)


def convert(job: ConversionJob, *, precision: str, out_dir: Path) -> ArtifactEntry:
    """Write model_<precision>.pte (+ .bpte) into out_dir, verify it in executorch.runtime; return its manifest entry."""
    XnnpackPartitioner, get_delegation_info, to_edge_transform_and_lower = _imports()
    names = method_names(job.seq_lens)
    bundle = job.bundle()
    modules = {L: (job.export_module() if precision == "fp32" else job.int8_model(L)) for L in job.seq_lens}
    try:
        with torch.no_grad():
            programs = {names[L]: torch.export.export(modules[L], job.example(L), strict=False) for L in job.seq_lens}
        edge = to_edge_transform_and_lower(
            programs, partitioner=[XnnpackPartitioner()],
            constant_methods={
                "tokenizer_model": _bytes_tensor(bundle.model_bytes),
                "tokenizer_config": _bytes_tensor(bundle.config_bytes()),
                "bundle_sha256": _bytes_tensor(sha256_bytes(bundle.config_bytes()).encode("ascii")),
                "max_seq_len": job.max_len,
            })
        delegation = {m: _delegation(get_delegation_info(edge.exported_program(m).graph_module)) for m in programs}
        et = edge.to_executorch()
    except (RuntimeError, ValueError, AssertionError, torch._dynamo.exc.Unsupported) as e:
        raise ConversionError(f"ExecuTorch export failed ({precision}): {first_line(e)}") from e

    path = Path(out_dir) / f"model_{precision}{SPEC.suffix}"
    path.write_bytes(seal_pte(et.buffer))  # + the integrity trailer (docs/BUNDLE_FORMAT.md)

    runner = PteRunner(path)
    parity = {}
    fp32_ref = torch_runner(job.model)
    for L in job.seq_lens:
        inputs = job.encode(job.parity_texts, L, tokenizer=runner.tokenizer)  # the tokenizer inside the .pte
        int8_ref = torch_runner(modules[L]) if precision == "int8" else None
        parity[names[L]] = check_parity(lambda i, m, n=names[L]: runner.run(i, m, method=n), inputs,
                                        precision=precision, fp32_reference=fp32_ref, int8_reference=int8_ref,
                                        int8=job.int8_thresholds, what=f"{path.name}:{names[L]}")
    bpte = _bundled_program(et, job, names, runner, Path(out_dir) / f"model_{precision}.bpte")

    L = job.max_len
    methods = {names[x]: x for x in job.seq_lens}
    return ArtifactEntry(
        file=path.name, backend=SPEC.name.value, precision=precision, bytes=path.stat().st_size,
        sha256=sha256_file(path), entry_points=methods,
        inputs=[TensorSpec("input_ids", "int64", [1, L]), TensorSpec("attention_mask", "int64", [1, L])],
        outputs=[TensorSpec(**job.output_spec(L))], parity=parity, quantization=_quant_entry(job, precision),
        delegation=delegation,
        details={"constant_methods": ["tokenizer_model", "tokenizer_config", "bundle_sha256", "max_seq_len"],
                 "bundled_program": bpte,
                 "needs": ["executorch.kernels.quantized"] if precision == "int8" else []})


def _quant_entry(job: ConversionJob, precision: str) -> dict | None:
    if precision != "int8":
        return None
    return {"method": "pt2e-xnnpack", "recipe": job.recipe.to_dict()}


def _bundled_program(et, job: ConversionJob, names: dict[int, str], runner: PteRunner, path: Path) -> dict:
    """A .bpte: the same program plus a few inputs with the outputs the host runtime gave (check with rtol 1e-4)."""
    try:
        from executorch.devtools import BundledProgram
        from executorch.devtools.bundled_program.config import MethodTestCase, MethodTestSuite
        from executorch.devtools.bundled_program.serialize import serialize_from_bundled_program_to_flatbuffer
    except ImportError as e:
        raise SPEC.missing("writing a .bpte", e) from None
    suites = []
    for L, name in sorted(names.items()):
        cases = []
        for ids, mask in job.encode(job.parity_texts[:BUNDLED_CASES], L, tokenizer=runner.tokenizer):
            ti, tm = torch.from_numpy(ids), torch.from_numpy(mask)
            cases.append(MethodTestCase(inputs=[ti, tm], expected_outputs=[torch.from_numpy(runner.run(ids, mask, name))]))
        suites.append(MethodTestSuite(method_name=name, test_cases=cases))
    data = serialize_from_bundled_program_to_flatbuffer(BundledProgram(et, suites))
    path.write_bytes(data)
    return {"file": path.name, "bytes": len(data), "sha256": sha256_file(path), "methods": sorted(names.values()),
            "cases_per_method": BUNDLED_CASES, "expected": "executorch.runtime on the converting host",
            "tolerance": {"rtol": 1e-4, "atol": 1e-5}}
