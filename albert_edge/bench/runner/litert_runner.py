"""Benchmark one .tflite in this process with ai-edge-litert (XNNPACK on by default). Imports ai_edge_litert and numpy
only, so it runs the same on a board or in a qemu sysroot that has nothing else. Prints one JSON object on stdout;
errors: one line on stderr and a non-zero exit.

    python litert_runner.py MODEL.tflite [--seq-len L] [--threads N] [--runs N] [--warmup N] [--ids 2,17,...]
                            [--outputs] [--info] [--weight-cache on|off]

Shared weights: ALBERT runs one layer N times and the .tflite stores its weights once, but XNNPACK packs them once
per call site unless its weight cache is on (~7 MB per pass for ALBERT-base int8). The classic `Interpreter` has no
way to turn that cache on, so by default the model runs through LiteRT's `CompiledModel` with
`CpuOptions(xnnpack_weight_cache_path=":memory")` (XNNPACK's in-memory weight cache: packed buffers are keyed by the
model buffer they come from, so every call site of a shared weight finds one entry). An ai-edge-litert without
`CompiledModel` (or `--weight-cache off`) uses the `Interpreter`; the JSON then says "weight_cache": false.
`baseline_rss_mb` is this process before the model is loaded (Python + numpy + the runtime library), so
`peak_rss_mb - baseline_rss_mb` is the model's own footprint.
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
    ap.add_argument("--weight-cache", choices=("on", "off"), default="on")
    a = ap.parse_args()

    import numpy as np

    compiled = compiled_api() if a.weight_cache == "on" else None
    from ai_edge_litert.interpreter import Interpreter

    baseline = status_mb("VmRSS")  # after the imports: the runtime's libraries are not the model's footprint
    t0 = time.perf_counter()
    try:
        model = open_compiled(compiled, a.model, a.threads) if compiled else None
        model = model or open_interpreter(Interpreter, a.model, a.threads)
    except Exception as e:  # noqa: BLE001 - the runtime raises ValueError/RuntimeError for bad files
        die(f"{a.model}: cannot load: {str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__}")
    load_ms = (time.perf_counter() - t0) * 1e3

    names, details = model["names"], model["details"]
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
    info = {"runner": "litert", "api": model["api"], "artifact": a.model, "signatures": model["signatures"],
            "inputs": [{"name": n, "dtype": str(np.dtype(details[n]["dtype"])),
                        "shape": [int(x) for x in details[n]["shape"]]} for n in names],
            "seq_len": seq, "weight_cache": model["weight_cache"]}
    if a.info:
        info["peak_rss_mb"] = status_mb("VmHWM")
        info["precision_guess"] = precision_guess(a.model)
        print(json.dumps(info))
        return

    def run_once():
        t = time.perf_counter()
        res = model["run"](feeds)  # sets every input, invokes
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
    info["precision_guess"] = precision_guess(a.model)  # after the peak was read: it loads the model once more
    if a.outputs:
        info["outputs"] = [{"name": n, "dtype": str(np.asarray(res[n]).dtype), "shape": list(np.shape(res[n])),
                            "values": np.asarray(res[n], dtype=np.float64).ravel().tolist()}
                           for n in model["out_names"]]
    print(json.dumps(info))


def compiled_api():
    """LiteRT's CompiledModel API, or None in an ai-edge-litert that predates it."""
    try:
        from ai_edge_litert.compiled_model import CompiledModel
        from ai_edge_litert.hardware_accelerator import HardwareAccelerator
        from ai_edge_litert.options import CpuOptions, Options
    except ImportError:
        return None
    return CompiledModel, HardwareAccelerator, CpuOptions, Options


def open_compiled(api, path, threads):
    """The model through CompiledModel with XNNPACK's in-memory weight cache; None when it has no signature."""
    import numpy as np

    CompiledModel, HardwareAccelerator, CpuOptions, Options = api
    opts = Options(hardware_accelerators=HardwareAccelerator.CPU,
                   cpu_options=CpuOptions(num_threads=threads, xnnpack_weight_cache_path=":memory"))
    cm = CompiledModel.from_file(path, options=opts)
    sigs = cm.get_signature_list()
    if not sigs:
        return None
    key = "serving_default" if "serving_default" in sigs else next(iter(sigs))
    index = cm.get_signature_index(key)
    ins, outs = cm.get_input_tensor_details(key), cm.get_output_tensor_details(key)
    names, out_names = list(sigs[key]["inputs"]), list(sigs[key]["outputs"])
    details = {n: {"dtype": np.dtype(ins[n]["dtype"]), "shape": [int(x) for x in ins[n]["shape"]]} for n in names}
    in_bufs, out_bufs = cm.create_input_buffers(index), cm.create_output_buffers(index)
    out_meta = [(np.dtype(outs[n]["dtype"]), [int(x) for x in outs[n]["shape"]]) for n in out_names]

    def run(feeds):
        for buf, n in zip(in_bufs, names):
            buf.write(feeds[n])
        cm.run_by_index(index, in_bufs, out_bufs)
        return {n: buf.read(int(np.prod(shape)), dtype).reshape(shape)
                for n, buf, (dtype, shape) in zip(out_names, out_bufs, out_meta)}

    return {"api": "CompiledModel", "weight_cache": True, "signatures": list(sigs), "names": names,
            "details": details, "out_names": out_names, "run": run, "keep": cm}


def open_interpreter(Interpreter, path, threads):
    """The classic Interpreter: XNNPACK without a weight cache (each call site packs its own copy)."""
    interp = Interpreter(model_path=path, num_threads=threads)
    sigs = interp.get_signature_list()
    if "serving_default" in sigs:
        runner = interp.get_signature_runner("serving_default")
        details = runner.get_input_details()
        out_names = list(runner.get_output_details())

        def run(feeds):
            return runner(**feeds)
    else:  # a plain model without signatures: positional tensors
        interp.allocate_tensors()
        details = {d["name"]: d for d in interp.get_input_details()}
        out_names = [d["name"] for d in interp.get_output_details()]

        def run(feeds):
            for d in interp.get_input_details():
                interp.set_tensor(d["index"], feeds[d["name"]])
            interp.invoke()
            return {d["name"]: interp.get_tensor(d["index"]) for d in interp.get_output_details()}

    return {"api": "Interpreter", "weight_cache": False, "signatures": list(sigs), "names": list(details),
            "details": details, "out_names": out_names, "run": run, "keep": interp}


def precision_guess(path):
    from ai_edge_litert.interpreter import Interpreter

    types = {str(t["dtype"].__name__) for t in Interpreter(model_path=path).get_tensor_details()}
    return "int8" if "int8" in types else ("fp16" if "float16" in types else "fp32")


if __name__ == "__main__":
    main()
