"""`albert-edge bench`: native .pte runner (built here with g++ against the executorch wheel), LiteRT and ORT runners,
the ssh device against an sshd this test starts on 127.0.0.1, reports, and every bad input the issue lists.

Artifacts are a micro ALBERT classifier at seq 16 exported on the spot (torch.export + XNNPACK; litert-torch; legacy
torch.onnx), so the whole file runs in about a minute on 2 cores."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from albert_edge.errors import InputError
from albert_edge.runtime.integrity import seal_pte

torch = pytest.importorskip("torch")

SEQ = 16
IDS = [2] + [5 + (j * 7919) % 900 for j in range(1, SEQ)]  # the runners' default ids
RECORD_KEYS = {"artifact", "format", "precision", "device", "arch", "emulated", "threads", "seq_len", "runs",
               "latency_ms", "load_ms", "first_run_ms", "peak_rss_mb"}
CLI = [str(Path(sys.executable).parent / "albert-edge")]


@pytest.fixture(scope="module", autouse=True)
def bench_cache(tmp_path_factory):
    """Runners are built into a private cache so the test never depends on (or dirties) the user's."""
    old = os.environ.get("ALBERT_EDGE_CACHE")
    os.environ["ALBERT_EDGE_CACHE"] = str(tmp_path_factory.mktemp("bench_cache"))
    yield Path(os.environ["ALBERT_EDGE_CACHE"])
    if old is None:
        os.environ.pop("ALBERT_EDGE_CACHE", None)
    else:
        os.environ["ALBERT_EDGE_CACHE"] = old


def _micro_model():
    from albert_edge.model import AlbertConfig, AlbertForSequenceClassification

    torch.manual_seed(0)
    return AlbertForSequenceClassification(AlbertConfig.micro(vocab_size=3000)).eval()


def _inputs(dtype):
    ids = torch.tensor([IDS], dtype=dtype)
    return ids, torch.ones_like(ids)


@pytest.fixture(scope="module")
def model():
    return _micro_model()


def make_pte(model, path: Path) -> Path:
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    ep = torch.export.export(model, _inputs(torch.long))
    conf = json.dumps({"seq_lens": [SEQ], "labels": ["a", "b"]}).encode()
    et = to_edge_transform_and_lower(
        ep, partitioner=[XnnpackPartitioner()],
        constant_methods={"max_seq_len": SEQ, "tokenizer_config": torch.tensor(list(conf), dtype=torch.uint8)},
    ).to_executorch()
    path.write_bytes(seal_pte(et.buffer))  # bench checks the integrity trailer, as for a converted .pte
    return path


def make_onnx(model, path: Path) -> Path:
    torch.onnx.export(model, _inputs(torch.long), str(path), input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamo=False, opset_version=17)
    _manifest(path.parent, [SEQ], [(path.name, "onnx", "fp32", {"default": 0})])  # an .onnx is a folder format
    return path


def make_tflite(model, path: Path) -> Path:
    import litert_torch

    class Named(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask):
            return {"logits": self.m(input_ids, attention_mask)}

    ids, mask = _inputs(torch.int32)
    litert_torch.convert(Named(model).eval(), sample_args=(),
                         sample_kwargs={"input_ids": ids, "attention_mask": mask}).export(str(path))
    path.write_bytes(_with_bundle(path.read_bytes()))
    return path


def _with_bundle(flatbuffer: bytes) -> bytes:
    """The bundle zip (with checksums.json) a converted .tflite carries: bench checks it."""
    from converters.bundle import TokenizerBundle, append_bundle

    bundle = TokenizerBundle(kind="sentencepiece", files={}, settings={}, special_ids={}, labels=["a", "b"],
                             seq_lens=[SEQ], task="sequence-classification")
    return append_bundle(flatbuffer, bundle)


@pytest.fixture(scope="module")
def pte(model, tmp_path_factory) -> Path:
    pytest.importorskip("executorch")
    return make_pte(model, tmp_path_factory.mktemp("pte") / "micro_fp32.pte")


@pytest.fixture(scope="module")
def onnx_file(model, tmp_path_factory) -> Path:
    pytest.importorskip("onnxruntime")
    return make_onnx(model, tmp_path_factory.mktemp("onnx") / "micro.onnx")


@pytest.fixture(scope="module")
def tflite_file(model, tmp_path_factory) -> Path:
    pytest.importorskip("ai_edge_litert")
    pytest.importorskip("litert_torch")
    return make_tflite(model, tmp_path_factory.mktemp("tflite") / "micro.tflite")


def _expected(model) -> list[float]:
    with torch.no_grad():
        return model(*_inputs(torch.long)).ravel().tolist()


def _check_record(rec: dict, fmt: str, runs: int) -> None:
    assert RECORD_KEYS <= set(rec), RECORD_KEYS - set(rec)
    assert rec["format"] == fmt and rec["device"] == "host" and rec["emulated"] is False
    assert rec["seq_len"] == SEQ and rec["runs"] == runs and rec["threads"] == 1
    lat = rec["latency_ms"]
    assert set(lat) >= {"p50", "p90", "p99", "mean", "min"}
    assert 0 < lat["min"] <= lat["p50"] <= lat["p90"] <= lat["p99"]
    assert rec["load_ms"] > 0 and rec["first_run_ms"] > 0 and rec["peak_rss_mb"] > 0
    assert rec["complete"] is True


# --- runners on the host -------------------------------------------------------------------------------------------
def test_pte_runner_builds_and_matches_python_runtime(pte, model):
    from executorch.runtime import Runtime

    from albert_edge.bench import run_outputs
    from albert_edge.bench.build import build_pte_runner

    bundle = build_pte_runner("host")
    assert (bundle / "pte_runner").is_file() and (bundle / "lib" / "libexecutorch.so").is_file()
    assert build_pte_runner("host") == bundle  # cached: same stamp, no rebuild

    res = run_outputs(pte)
    assert res["methods"] == ["forward", "max_seq_len", "tokenizer_config"]
    assert res["max_seq_len"] == SEQ and json.loads(res["tokenizer_config"])["seq_lens"] == [SEQ]
    assert res["inputs"][0] == {"dtype": "int64", "shape": [1, SEQ]}
    native = res["outputs"][0]["values"]
    ids, mask = _inputs(torch.long)
    py = Runtime.get().load_program(str(pte)).load_method("forward").execute([ids, mask])[0]
    assert native == pytest.approx(py.ravel().tolist(), abs=1e-6)  # same runtime, same kernels
    assert native == pytest.approx(_expected(model), abs=1e-5)


def test_bench_pte_record(pte):
    from albert_edge.bench import bench

    seen = []
    recs = bench([pte], runs=7, warmup=1, on_result=seen.append)
    assert len(recs) == 1 and seen == recs
    rec = recs[0]
    _check_record(rec, "executorch", 7)
    assert rec["precision"] == "fp32" and rec["method"] == "forward" and len(rec["latencies_ms"]) == 7
    assert rec["peak_rss_mb"] < 100  # a native process: no Python, no libtorch
    assert rec["weight_cache"] is True  # the wheel's XNNPACK backend takes the option
    assert rec["size_mb"] == pytest.approx(pte.stat().st_size / 1e6)


def test_pte_runner_threads_and_missing_method(pte):
    from albert_edge.bench.build import build_pte_runner

    exe = build_pte_runner("host") / "pte_runner"
    r = subprocess.run([exe, pte, "--threads", "2", "--runs", "2", "--warmup", "0"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["threads"] == 2 and out["pool_threads"] == 2
    r = subprocess.run([exe, pte, "--method", "forward_64"], capture_output=True, text=True)
    assert r.returncode != 0 and "no method 'forward_64'" in r.stderr


def test_ort_runner(onnx_file, model):
    from albert_edge.bench import bench, run_outputs

    res = run_outputs(onnx_file)
    assert res["outputs"][0]["values"] == pytest.approx(_expected(model), abs=1e-5)
    rec = bench([onnx_file], runs=5, warmup=1)[0]
    _check_record(rec, "onnx", 5)
    assert rec["precision"] == "fp32" and rec["baseline_rss_mb"] > 0


def test_litert_runner(tflite_file, model):
    from albert_edge.bench import bench, run_outputs

    res = run_outputs(tflite_file)
    assert res["inputs"][0]["dtype"] == "int32"
    assert res["outputs"][0]["values"] == pytest.approx(_expected(model), abs=1e-5)
    rec = bench([tflite_file], runs=5, warmup=1)[0]
    _check_record(rec, "tflite", 5)
    assert rec["precision"] == "fp32"


@pytest.fixture(scope="module")
def shared_layer(tmp_path_factory):
    """One ALBERT layer (fp32, H 256, FFN 1024: ~3.1 MB packed), shared by 2 and by 12 passes with the same weights:
    without XNNPACK's weights cache every pass packs its own copy of it."""
    from albert_edge.model import AlbertConfig, AlbertForSequenceClassification

    torch.manual_seed(0)
    models = {}
    for passes in (2, 12):
        cfg = AlbertConfig.micro(vocab_size=3000, hidden_size=256, intermediate_size=1024, num_hidden_layers=passes)
        models[passes] = AlbertForSequenceClassification(cfg).eval()
        if passes != 2:
            models[passes].load_state_dict(models[2].state_dict())
    return models, tmp_path_factory.mktemp("shared")


@pytest.mark.parametrize("fmt", ["executorch", "tflite"])
def test_shared_layer_is_packed_once(shared_layer, fmt):
    """Judged on growth from 2 to 12 passes, not on one footprint: the runtimes' fixed costs differ between CPUs
    (a CI machine's CompiledModel started 5 MB above ours), the per-pass copies do not."""
    from albert_edge.bench.devices import HostDevice
    from albert_edge.bench.run import runner_args

    pytest.importorskip({"executorch": "executorch", "tflite": "litert_torch"}[fmt])
    models, d = shared_layer
    dev = HostDevice()

    def footprint(r):  # the Python runner's interpreter and imports are not the model's
        return r["peak_rss_mb"] - r.get("baseline_rss_mb", 0.0)

    growth = {}
    for wc in (True, False):
        fp = {}
        for passes, model in models.items():
            art = d / f"shared{passes}.{'pte' if fmt == 'executorch' else 'tflite'}"
            if not art.exists():
                (make_pte if fmt == "executorch" else make_tflite)(model, art)
            r = dev.run(fmt, art, runner_args(threads=1, runs=1, warmup=0, seq_len=None, outputs=True,
                                              weight_cache=wc))
            assert r["weight_cache"] is wc
            assert r["outputs"][0]["values"] == pytest.approx(_expected(model), abs=1e-4)
            fp[passes] = footprint(r)
        growth[wc] = fp[12] - fp[2]

    packed_layer_mb = 4 * (4 * 256 * 256 + 2 * 256 * 1024) / 1e6
    assert growth[False] > 0.5 * 10 * packed_layer_mb, growth  # the test can see per-pass copies at all
    assert growth[True] < 0.2 * growth[False], growth


def test_bench_texts_picks_the_smallest_bucket(model, tmp_path, onnx_file):
    """Real texts through a two-bucket .pte: each text runs at the smallest length that holds it, with the logits the
    eager model gives for that text unpadded; --buckets off runs all at the longest with the same logits."""
    from executorch.backends.xnnpack.partition.xnnpack_partitioner import XnnpackPartitioner
    from executorch.exir import to_edge_transform_and_lower

    from albert_edge.bench import bench_texts
    from albert_edge.errors import BenchError, InputError

    progs = {name: torch.export.export(model, (torch.ones(1, L, dtype=torch.long), torch.ones(1, L, dtype=torch.long)))
             for name, L in (("forward_8", 8), ("forward", SEQ))}  # two tensors: one object twice would alias
    pte = tmp_path / "buckets.pte"
    et = to_edge_transform_and_lower(progs, partitioner=[XnnpackPartitioner()]).to_executorch()
    pte.write_bytes(seal_pte(et.buffer))
    texts = [IDS[:5], IDS[:12], IDS[:8]]
    on = bench_texts(pte, texts, buckets=True, outputs=True, warmup=1)
    off = bench_texts(pte, texts, buckets=False, outputs=True, warmup=1)
    assert on["seq_lens"] == [8, SEQ, 8] and off["seq_lens"] == [SEQ, SEQ, SEQ]
    assert len(on["latencies_ms"]) == 3 and on["weight_cache"] is True
    with torch.no_grad():
        eager = [model(torch.tensor([t]), torch.ones(1, len(t), dtype=torch.long)).ravel().tolist() for t in texts]
    for a, b, e in zip(on["text_outputs"], off["text_outputs"], eager):
        assert a == pytest.approx(e, abs=1e-4) and b == pytest.approx(e, abs=1e-4)
    with pytest.raises(BenchError, match="has 17 ids; the longest method takes 16"):
        bench_texts(pte, [IDS + [3]])
    with pytest.raises(InputError, match="need a .pte"):
        bench_texts(onnx_file, texts)


def test_litert_runner_imports_no_torch():
    src = (Path(__file__).parents[1] / "albert_edge" / "bench" / "runner" / "litert_runner.py").read_text()
    imports = {ln.split()[1].split(".")[0] for ln in src.splitlines() if ln.strip().startswith(("import ", "from "))}
    assert imports <= {"argparse", "json", "sys", "time", "numpy", "ai_edge_litert"}, imports


# --- CLI, reports -------------------------------------------------------------------------------------------------
def test_cli_bench_json_and_report(pte, onnx_file, tmp_path):
    out, rep = tmp_path / "r.json", tmp_path / "rep"
    r = subprocess.run([*CLI, "bench", str(pte), str(onnx_file), "--runs", "5", "--warmup", "1", "--json", str(out),
                        "--report", str(rep), "--accuracy", f"{pte.name}=0.91"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    recs = json.loads(out.read_text())
    assert [x["format"] for x in recs] == ["executorch", "onnx"]
    assert recs[0]["accuracy"] == 0.91
    for f in ("bench.json", "bench.md", "latency.png", "memory.png", "size_accuracy.png"):
        assert (rep / f).is_file(), f
    assert "| micro_fp32.pte | executorch | fp32 | host |" in (rep / "bench.md").read_text()
    assert "| micro_fp32.pte |" in r.stdout


def test_report_marks_incomplete_and_emulated(tmp_path):
    from albert_edge.bench.report import markdown_table, write_report

    recs = [{"artifact": "a.pte", "format": "executorch", "precision": "int8", "device": "qemu-aarch64", "emulated": True,
             "threads": 1, "seq_len": 16, "latency_ms": {"p50": 2.0, "p90": 3.0, "p99": 4.0, "min": 1.0},
             "load_ms": 1.0, "first_run_ms": 2.0, "peak_rss_mb": 9.0, "size_mb": 1.0, "complete": True},
            {"artifact": "b.pte", "format": "executorch", "precision": "int8", "device": "host", "complete": False,
             "incomplete": True}]
    md = markdown_table(recs)
    assert "qemu-aarch64 (emulated)" in md and "INCOMPLETE" in md and "NOT device latency" in md
    files = write_report(recs, tmp_path)
    assert (tmp_path / "latency.png") in files


# --- bad input ------------------------------------------------------------------------------------------------------
def _cli_fails(args: list[str], expect: str, timeout: float = 120) -> str:
    r = subprocess.run([*CLI, "bench", *args], capture_output=True, text=True, timeout=timeout)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
    assert expect in lines[0], lines[0]
    return lines[0]


def test_bad_inputs(pte, tmp_path):
    _cli_fails([str(tmp_path / "missing.pte")], "no such file")
    (tmp_path / "text.pte").write_text("hello")
    _cli_fails([str(tmp_path / "text.pte")], "corrupt artifact: " + str(tmp_path / "text.pte") + ": not a ExecuTorch")
    (tmp_path / "x.bin").write_bytes(b"\0" * 100)
    _cli_fails([str(tmp_path / "x.bin")], "unknown artifact type")
    (tmp_path / "text.tflite").write_text("not a flatbuffer")
    _cli_fails([str(tmp_path / "text.tflite")], "not a LiteRT / TFLite file")
    trunc = tmp_path / "trunc.pte"
    trunc.write_bytes(pte.read_bytes()[:2000])
    _cli_fails([str(trunc)], f"corrupt artifact: {trunc}: no integrity trailer")
    # a truncated program sealed anew: passes the checks, the runner fails and its stderr is shown
    trunc.write_bytes(seal_pte(pte.read_bytes()[:2000]))
    line = _cli_fails([str(trunc)], "pte_runner on trunc.pte failed (exit 3)")
    assert "not a valid .pte" in line
    _cli_fails([str(pte), "--device", "nowhere"], "unknown device")
    _cli_fails([str(pte), "--runs", "0"], "--runs")
    _cli_fails([str(pte), "--device", "adb"] if not shutil.which("adb") else [str(pte), "--device", "adb:NOPE"],
               "adb")
    if not (Path(os.environ["ALBERT_EDGE_CACHE"]) / "qemu-aarch64" / "READY").exists():
        _cli_fails([str(pte), "--device", "qemu-aarch64"], "device setup qemu-aarch64")


def test_runner_crash_shows_stderr_and_signal(pte, tmp_path, monkeypatch):
    from albert_edge.bench.devices import run_process
    from albert_edge.errors import BenchError

    with pytest.raises(BenchError, match=r"killed by SIGSEGV.*boom"):
        run_process(["sh", "-c", "echo boom >&2; kill -SEGV $$"], what="runner", timeout=30)
    with pytest.raises(BenchError, match="no answer after"):
        run_process(["sleep", "30"], what="runner", timeout=0.5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_unreachable_ssh_device(pte):
    port = _free_port()
    line = _cli_fails([str(pte), "--device", f"ssh://nobody@127.0.0.1:{port}"], "unreachable")
    assert "Connection refused" in line


def _wait_for_runner(pid: int, timeout: float = 120.0) -> None:
    """Until process `pid` has started the native runner (Linux /proc): a fixed sleep raced slow cold imports on a
    fresh clone."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    deadline = time.time() + timeout
    while time.time() < deadline:
        for child in (children.read_text().split() if children.is_file() else []):
            try:
                if b"runner" in Path(f"/proc/{child}/cmdline").read_bytes():
                    time.sleep(1.0)  # the runner is loading the model; the warm-up runs follow
                    return
            except OSError:  # gone between the two reads
                pass
        time.sleep(0.1)
    pytest.fail(f"no runner process under pid {pid} after {timeout:.0f} s")


def test_ctrl_c_saves_partial_results(pte, tmp_path):
    """SIGINT while the runner works: exit 130, one line, the JSON saved with the interrupted artifact marked
    incomplete."""
    out = tmp_path / "partial.json"
    # Ctrl-C deliverable even when this test runs in a background job (which inherits SIGINT ignored)
    p = subprocess.Popen([*CLI, "bench", str(pte), str(pte), "--runs", "1", "--warmup", "100000000",
                          "--json", str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    _wait_for_runner(p.pid)  # the runner started: imports are done and it is inside its 10^8 warm-up runs
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "interrupted after 0 of 2" in err and "partial results" in err
    recs = json.loads(out.read_text())
    assert len(recs) == 1 and recs[0]["complete"] is False and recs[0]["incomplete"] is True


def test_interrupt_keeps_finished_records(pte):
    """In-process: the first artifact finished, Ctrl-C during the second."""
    from albert_edge.bench import BenchInterrupted, bench
    from albert_edge.bench.devices import HostDevice

    class Flaky(HostDevice):
        calls = 0

        def run(self, fmt, artifact, args, *, timeout=None):
            Flaky.calls += 1
            if Flaky.calls == 2:
                raise KeyboardInterrupt
            return super().run(fmt, artifact, args, timeout=timeout)

    with pytest.raises(BenchInterrupted) as ei:
        bench([pte, pte], device=Flaky(), runs=2, warmup=0)
    assert ei.value.exit_code == 130
    assert [r["complete"] for r in ei.value.results] == [True, False]


# --- ssh device, for real: our own sshd on 127.0.0.1 --------------------------------------------------------------
@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    sshd_bin = shutil.which("sshd") or "/usr/sbin/sshd"
    if not os.path.exists(sshd_bin) or not shutil.which("ssh") or not shutil.which("ssh-keygen"):
        pytest.skip("openssh-server / client not installed (scripts/ci-system-deps.sh installs them)")
    if not os.path.isdir("/run/sshd"):  # Debian's sshd insists on its privilege-separation directory
        try:
            os.makedirs("/run/sshd", mode=0o755)
        except OSError:
            pytest.skip("/run/sshd is missing and cannot be created (not root)")
    d = tmp_path_factory.mktemp("sshd")
    os.chmod(d, 0o700)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "host_key")], check=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(d / "client_key")], check=True)
    shutil.copy(d / "client_key.pub", d / "authorized_keys")
    os.chmod(d / "authorized_keys", 0o600)
    port = _free_port()
    (d / "sshd_config").write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {d / 'host_key'}\nPidFile {d / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {d / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n")
    log = open(d / "sshd.log", "w")
    proc = subprocess.Popen([sshd_bin, "-D", "-e", "-f", str(d / "sshd_config")], stdout=log, stderr=log)
    opts = (f"-i {d / 'client_key'} -o IdentitiesOnly=yes -o UserKnownHostsFile={d / 'known_hosts'} "
            "-o StrictHostKeyChecking=no -o LogLevel=ERROR")
    old = os.environ.get("ALBERT_EDGE_SSH_OPTS")
    os.environ["ALBERT_EDGE_SSH_OPTS"] = opts
    spec = f"ssh://{getpass.getuser()}@127.0.0.1:{port}"
    ok = False
    for _ in range(100):
        if proc.poll() is not None:
            break
        r = subprocess.run(["ssh", "-p", str(port), "-o", "BatchMode=yes", *opts.split(),
                            f"{getpass.getuser()}@127.0.0.1", "true"], capture_output=True)
        if r.returncode == 0:
            ok = True
            break
        time.sleep(0.1)
    if not ok:
        proc.kill()
        pytest.fail(f"our sshd did not come up: {(d / 'sshd.log').read_text()[-500:]}")
    yield spec
    proc.terminate()
    proc.wait(timeout=10)
    log.close()
    if old is None:
        os.environ.pop("ALBERT_EDGE_SSH_OPTS", None)
    else:
        os.environ["ALBERT_EDGE_SSH_OPTS"] = old


def test_ssh_device_end_to_end(sshd, pte, onnx_file, model, tmp_path):
    from albert_edge.bench import bench, run_outputs

    before = set(Path("/tmp").glob("albert-edge.*"))  # remote temp folders of other runs are not ours to judge
    res = run_outputs(pte, device=sshd)
    assert res["artifact"].startswith("/tmp/albert-edge.")  # it ran on the other side, from the copied files
    assert res["outputs"][0]["values"] == pytest.approx(_expected(model), abs=1e-5)

    spec = f"{sshd}/?python={sys.executable}"  # the remote's Python for .onnx: this venv's
    recs = bench([pte, onnx_file], device=spec, runs=5, warmup=1)
    assert [r["format"] for r in recs] == ["executorch", "onnx"]
    for r in recs:
        assert r["device"] == sshd and r["arch"] == os.uname().machine and r["emulated"] is False
        assert r["seq_len"] == SEQ and r["latency_ms"]["p50"] > 0 and r["peak_rss_mb"] > 0
    left = set(Path("/tmp").glob("albert-edge.*")) - before
    assert all(not (p / "a" / pte.name).exists() for p in left)  # our remote temp folders are cleaned up

    out = tmp_path / "ssh.json"
    r = subprocess.run([*CLI, "bench", str(pte), "--device", sshd, "--runs", "3", "--json", str(out)],
                       capture_output=True, text=True, env=os.environ.copy())
    assert r.returncode == 0, r.stderr
    assert json.loads(out.read_text())[0]["device"] == sshd

    r = subprocess.run([*CLI, "device", "check", sshd], capture_output=True, text=True)
    assert r.returncode == 0 and f"arch {os.uname().machine}" in r.stdout, r.stderr


def _manifest(folder: Path, seq_lens: list[int], entries: list[tuple[str, str, str, dict]]) -> None:
    """A manifest.json as converters write it (albert_edge.manifest), for files (name, backend, precision, points),
    and the tokenizer.json sidecar whose sha256 it records."""
    from albert_edge.files import sha256_bytes, sha256_file
    from albert_edge.manifest import ArtifactEntry, Manifest, TokenizerEntry, write_manifest

    arts = [ArtifactEntry(file=f, backend=b, precision=p, bytes=(folder / f).stat().st_size,
                          sha256=sha256_file(folder / f), entry_points=e, inputs=[], outputs=[], parity={})
            for f, b, p, e in entries]
    (folder / "tokenizer.json").write_bytes(b"{}")
    tok = TokenizerEntry(kind="sentencepiece", files={}, config="tokenizer.json", config_sha256=sha256_bytes(b"{}"),
                         settings={}, special_ids={})
    write_manifest(folder, Manifest(task="sequence-classification", labels=["a", "b"], seq_lens=seq_lens,
                                    tokenizer=tok, source={}, toolchain={}, artifacts=arts))


def test_manifest_and_name_give_precision(tmp_path):
    from albert_edge.bench.artifacts import inspect_artifact

    (tmp_path / "model_a.pte").write_bytes(seal_pte(b"\0\0\0\0ET12" + b"\0" * 64))
    (tmp_path / "model_b.pte").write_bytes(seal_pte(b"\0\0\0\0ET12" + b"\0" * 64))
    _manifest(tmp_path, [32, 128], [("model_a.pte", "executorch", "int8", {"forward": 128, "forward_32": 32}),
                                    ("model_b.pte", "executorch", "fp32", {"forward": 128, "forward_32": 32})])
    a, b = inspect_artifact(tmp_path / "model_a.pte"), inspect_artifact(tmp_path / "model_b.pte")
    assert (a.precision, b.precision, a.seq_lens) == ("int8", "fp32", [32, 128])
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "student_int8.tflite").write_bytes(_with_bundle(b"\0\0\0\0TFL3" + b"\0" * 64))
    assert inspect_artifact(tmp_path / "other" / "student_int8.tflite").precision == "int8"
    (tmp_path / "manifest.json").write_text('{"format_version": 1, "artifacts": []}')
    with pytest.raises(InputError, match="format_version 1"):
        inspect_artifact(tmp_path / "model_a.pte")


def test_dynamic_onnx_runs_at_the_manifest_length(tmp_path):
    """A dynamic-length .onnx is benchmarked at the length it was converted for, like the .pte beside it."""
    from albert_edge.bench.artifacts import inspect_artifact
    from albert_edge.bench.run import default_seq_len

    (tmp_path / "model_fp32.onnx").write_bytes(b"\x08\x07" + b"\x00" * 64)
    (tmp_path / "model_fp32.pte").write_bytes(seal_pte(b"\x00\x00\x00\x00ET12" + b"\x00" * 64))
    _manifest(tmp_path, [64], [("model_fp32.onnx", "onnx", "fp32", {"default": 0}),
                               ("model_fp32.pte", "executorch", "fp32", {"forward": 64})])
    assert default_seq_len(inspect_artifact(tmp_path / "model_fp32.onnx")) == 64
    assert default_seq_len(inspect_artifact(tmp_path / "model_fp32.pte")) is None  # its methods fix the length
