"""This CPU's GEMM throughput through the runtimes we compare: one Linear of ALBERT-base's largest shape
(128 tokens x 768 -> 3072, the FFN's first matrix) as an XNNPACK .pte (fp32, and int8 with dynamic activations as
`convert` quantizes) and as ONNX Runtime (fp32, and `quantize_dynamic` int8, as the peer's artifact), timed in-process.
A whole model divided by this peak says how much of the runtime's own best GEMM it reaches.

    .venv/bin/python benchmarks/gemm_peak.py [--threads 1 2] [--runs 30]

albert_base.py calls `measure()` in its own run, so the fractions it reports come from one run.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

M, K, N = 128, 768, 3072


def _linear():
    import torch

    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(K, N)).eval(), (torch.randn(1, M, K),)


def _pte(path: Path, int8: bool) -> Path:
    import torch
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    from albert_edge.quantize import _require_executorch

    model, x = _linear()
    if int8:
        XNNPACKQuantizer, get_config, prepare_pt2e, convert_pt2e = _require_executorch()
        g = torch.export.export(model, x, strict=False).module()
        prepared = prepare_pt2e(g, XNNPACKQuantizer().set_global(get_config(is_per_channel=True, is_dynamic=True)))
        prepared(*x)
        model = convert_pt2e(prepared)
    et = to_edge_transform_and_lower(torch.export.export(model, x, strict=False),
                                     partitioner=[XnnpackPartitioner()]).to_executorch()
    path.write_bytes(et.buffer)
    return path


def _onnx(path: Path, int8: bool) -> Path:
    import torch

    model, x = _linear()
    fp32 = path.with_suffix(".fp32.onnx")
    torch.onnx.export(model, x, str(fp32), input_names=["x"], output_names=["y"], dynamo=False)
    if not int8:
        return fp32
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(fp32), str(path), weight_type=QuantType.QInt8, per_channel=True)
    return path


def measure(threads: int = 1, runs: int = 30, work: Path | None = None) -> dict:
    """GMAC/s of the probe Linear per (runtime, precision) at `threads`, median of `runs` calls."""
    import numpy as np
    import onnxruntime as ort
    from executorch.extension.pybindings.portable_lib import _unsafe_reset_threadpool
    from executorch.runtime import Runtime

    import executorch.kernels.quantized  # noqa: F401
    from peers import time_eager  # same timing loop as the eager peers (benchmarks/ is on sys.path)

    def p50(fn) -> float:
        return time_eager(fn, runs, warmup=3)["latency_ms"]["p50"]

    tmp = tempfile.TemporaryDirectory(prefix="gemm-")
    work = work or Path(tmp.name)
    work.mkdir(parents=True, exist_ok=True)
    _, (x,) = _linear()
    macs = M * K * N
    out = {"shape": {"M": M, "K": K, "N": N}, "macs": macs, "threads": threads, "runs": runs, "gmacs": {}}
    _unsafe_reset_threadpool(threads)
    for prec in ("fp32", "int8"):
        pte = work / f"gemm_{prec}.pte"
        if not pte.exists():
            _pte(pte, prec == "int8")
        program = Runtime.get().load_program(pte.read_bytes())  # must outlive its methods
        method = program.load_method("forward")
        out["gmacs"][f"pte {prec}"] = macs / p50(lambda: method.execute([x])) / 1e6
        onnx = work / f"gemm_{prec}.onnx"
        if not onnx.exists():
            onnx = _onnx(onnx, prec == "int8")
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        sess = ort.InferenceSession(str(onnx), opts, providers=["CPUExecutionProvider"])
        xn = x.numpy().astype(np.float32)
        out["gmacs"][f"onnx {prec}"] = macs / p50(lambda: sess.run(None, {"x": xn})) / 1e6
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args()
    print(json.dumps([measure(t, a.runs) for t in a.threads], indent=2))


if __name__ == "__main__":
    main()
