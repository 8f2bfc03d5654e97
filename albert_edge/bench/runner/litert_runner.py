"""Benchmark one .tflite in this process with ai-edge-litert (XNNPACK on by default). Imports ai_edge_litert and numpy
only, so it runs the same on a board or in a qemu sysroot that has nothing else. Prints one JSON object on stdout;
errors: one line on stderr and a non-zero exit.

    python litert_runner.py MODEL.tflite [--seq-len L] [--threads N] [--runs N] [--warmup N] [--ids 2,17,...]
                            [--outputs] [--info]
"""

import argparse
import json
import sys
import time


def status_mb(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        pass
    return -1.0


def default_ids(n):
    return [2 if j == 0 else 5 + (j * 7919) % 900 for j in range(n)]


def die(msg, code=3):
    sys.stderr.write(f"litert_runner: {msg}\n")
    sys.exit(code)


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
    from ai_edge_litert.interpreter import Interpreter

    baseline = status_mb("VmRSS")
    t0 = time.perf_counter()
    try:
        interp = Interpreter(model_path=a.model, num_threads=a.threads)
    except Exception as e:  # noqa: BLE001 - the runtime raises ValueError/RuntimeError for bad files
        die(f"{a.model}: cannot load: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}")
    sigs = interp.get_signature_list()
    if "serving_default" in sigs:
        runner = interp.get_signature_runner("serving_default")
        details = runner.get_input_details()
        names = list(details)
        out_names = list(runner.get_output_details())
    else:  # a plain model without signatures: positional tensors
        interp.allocate_tensors()
        runner = None
        details = {d["name"]: d for d in interp.get_input_details()}
        names = list(details)
        out_names = [d["name"] for d in interp.get_output_details()]
    load_ms = (time.perf_counter() - t0) * 1e3

    # "ids" in the MediaPipe / TFLite Task layout (with "mask", "segment_ids"); "input_ids" in older files
    ids_name = next((n for n in names if n == "ids" or "input_ids" in n), names[0])
    shape = [int(x) for x in details[ids_name]["shape"]]
    seq = shape[-1]
    if a.seq_len and a.seq_len != seq:
        die(f"{a.model}: built for sequence length {seq}, --seq-len {a.seq_len} asked")
    ids = [int(x) for x in a.ids.split(",") if x] or default_ids(seq)
    ids = (ids * (seq // len(ids) + 1))[:seq]
    feeds = {}
    for n in names:
        d = details[n]
        dtype = d["dtype"]
        if n == ids_name:
            arr = np.array(ids, dtype=dtype).reshape(d["shape"])
        elif "mask" in n:
            arr = np.ones(d["shape"], dtype=dtype)
        else:
            arr = np.zeros(d["shape"], dtype=dtype)
        feeds[n] = arr
    types = {str(t["dtype"].__name__) for t in interp.get_tensor_details()}
    precision = "int8" if ("int8" in types) else ("fp16" if "float16" in types else "fp32")
    info = {"runner": "litert", "artifact": a.model, "signatures": list(sigs), "inputs":
            [{"name": n, "dtype": str(np.dtype(details[n]["dtype"])), "shape": [int(x) for x in details[n]["shape"]]}
             for n in names], "seq_len": seq, "precision_guess": precision}
    if a.info:
        info["peak_rss_mb"] = status_mb("VmHWM")
        print(json.dumps(info))
        return

    def run_once():
        t = time.perf_counter()
        if runner is not None:
            res = runner(**feeds)  # sets every input, invokes
        else:
            for d in interp.get_input_details():
                interp.set_tensor(d["index"], feeds[d["name"]])
            interp.invoke()
            res = {d["name"]: interp.get_tensor(d["index"]) for d in interp.get_output_details()}
        return (time.perf_counter() - t) * 1e3, res

    rss_after_load = status_mb("VmRSS")
    try:
        first, res = run_once()
        for _ in range(a.warmup):
            run_once()
        lat = [run_once()[0] for _ in range(a.runs)]
    except Exception as e:  # noqa: BLE001
        die(f"invoke failed: {e}")
    info.update(threads=a.threads, runs=a.runs, warmup=a.warmup, load_ms=load_ms, first_run_ms=first,
                latencies_ms=lat, baseline_rss_mb=baseline, rss_after_load_mb=rss_after_load,
                peak_rss_mb=status_mb("VmHWM"))
    if a.outputs:
        info["outputs"] = [{"name": n, "dtype": str(np.asarray(res[n]).dtype), "shape": list(np.shape(res[n])),
                            "values": np.asarray(res[n], dtype=np.float64).ravel().tolist()} for n in out_names]
    print(json.dumps(info))


if __name__ == "__main__":
    main()
