"""Benchmark one .onnx in this process with ONNX Runtime (CPU, sequential, N intra-op threads). Imports onnxruntime and
numpy only (onnx, if present, to guess the precision). One JSON object on stdout; errors: one line on stderr.

    python ort_runner.py MODEL.onnx [--seq-len L] [--threads N] [--runs N] [--warmup N] [--ids 2,17,...]
                         [--outputs] [--info]
"""

import argparse
import json
import sys
import time

QUANT_OPS = {"MatMulInteger", "DynamicQuantizeLinear", "QLinearMatMul", "QLinearConv", "ConvInteger",
             "DequantizeLinear", "QuantizeLinear", "DynamicQuantizeMatMul", "MatMulIntegerToFloat", "QAttention",
             "GatherBlockQuantized", "MatMulNBits"}


def status_mb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return -1.0


def die(msg, code=3):
    sys.stderr.write(f"ort_runner: {msg}\n")
    sys.exit(code)


def guess_precision(path):
    try:
        import onnx
    except ImportError:
        return None
    try:
        m = onnx.load(path, load_external_data=False)
    except Exception:  # noqa: BLE001
        return None
    ops = {n.op_type for n in m.graph.node}
    if ops & QUANT_OPS:
        return "int8"
    if any(t.data_type == onnx.TensorProto.FLOAT16 for t in m.graph.initializer):
        return "fp16"
    return "fp32"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--seq-len", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--ids", default="")
    ap.add_argument("--outputs", action="store_true")
    ap.add_argument("--info", action="store_true")
    a = ap.parse_args()

    import numpy as np
    import onnxruntime as ort

    baseline = status_mb("VmRSS")
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    t0 = time.perf_counter()
    try:
        sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        die(f"{a.model}: cannot load: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}")
    load_ms = (time.perf_counter() - t0) * 1e3

    ins = sess.get_inputs()
    ids_in = next((i for i in ins if "input_ids" in i.name), ins[0])
    dims = list(ids_in.shape)
    static = isinstance(dims[-1], int)
    seq = dims[-1] if static else (a.seq_len or 128)
    if static and a.seq_len and a.seq_len != seq:
        die(f"{a.model}: built for sequence length {seq}, --seq-len {a.seq_len} asked")
    ids = [int(x) for x in a.ids.split(",") if x] or [2 if j == 0 else 5 + (j * 7919) % 900 for j in range(seq)]
    ids = (ids * (seq // len(ids) + 1))[:seq]
    np_types = {"tensor(int64)": np.int64, "tensor(int32)": np.int32, "tensor(float)": np.float32}
    feeds = {}
    for i in ins:
        shape = [d if isinstance(d, int) else (1 if k == 0 else seq) for k, d in enumerate(i.shape)]
        dt = np_types.get(i.type, np.int64)
        if i is ids_in:
            feeds[i.name] = np.array(ids, dtype=dt).reshape(shape)
        elif "mask" in i.name:
            feeds[i.name] = np.ones(shape, dtype=dt)
        else:
            feeds[i.name] = np.zeros(shape, dtype=dt)
    info = {"runner": "ort", "artifact": a.model,
            "inputs": [{"name": k, "dtype": str(v.dtype), "shape": list(v.shape)} for k, v in feeds.items()],
            "seq_len": seq, "precision_guess": guess_precision(a.model), "ort_version": ort.__version__}
    if a.info:
        info["peak_rss_mb"] = status_mb("VmHWM")
        print(json.dumps(info))
        return
    rss_after_load = status_mb("VmRSS")

    def run_once():
        t = time.perf_counter()
        res = sess.run(None, feeds)
        return (time.perf_counter() - t) * 1e3, res

    try:
        first, res = run_once()
        for _ in range(a.warmup):
            run_once()
        lat = [run_once()[0] for _ in range(a.runs)]
    except Exception as e:  # noqa: BLE001
        die(f"run failed: {str(e).strip().splitlines()[0]}")
    info.update(threads=a.threads, runs=a.runs, warmup=a.warmup, load_ms=load_ms, first_run_ms=first,
                latencies_ms=lat, baseline_rss_mb=baseline, rss_after_load_mb=rss_after_load,
                peak_rss_mb=status_mb("VmHWM"))
    if a.outputs:
        info["outputs"] = [{"name": o.name, "dtype": str(r.dtype), "shape": list(r.shape),
                            "values": np.asarray(r, dtype=np.float64).ravel().tolist()}
                           for o, r in zip(sess.get_outputs(), res)]
    print(json.dumps(info))


if __name__ == "__main__":
    main()
