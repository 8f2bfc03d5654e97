"""ARM under emulation: runs when `albert-edge device setup qemu-aarch64` has prepared its sysroot (`make test` does
that first, ~35 s and ~300 MB of downloads once). `make test` sets ALBERT_EDGE_REQUIRE_QEMU=1, which turns the skip
into a failure so that CI cannot pass without ARM. Checks that the aarch64 runners' outputs equal the host's and that
every record says "emulated": true."""

from __future__ import annotations

import os

import pytest

from albert_edge.bench.devices import qemu_binary, qemu_root

READY = qemu_binary() is not None and (qemu_root() / "READY").is_file()
if not READY and os.environ.get("ALBERT_EDGE_REQUIRE_QEMU") == "1":
    pytest.fail(f"ALBERT_EDGE_REQUIRE_QEMU=1 but qemu-aarch64 is not set up at {qemu_root()} "
                "(run `albert-edge device setup qemu-aarch64`)", pytrace=False)
pytestmark = pytest.mark.skipif(
    not READY, reason="qemu-aarch64 not set up (run `albert-edge device setup qemu-aarch64` to enable this test)")

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def artifacts(tmp_path_factory):
    """The same micro artifacts test_bench.py makes (built here too, so this file runs alone)."""
    pytest.importorskip("executorch")
    pytest.importorskip("litert_torch")
    from tests.test_bench import _micro_model, make_pte, make_tflite

    model = _micro_model()
    d = tmp_path_factory.mktemp("qemu")
    return model, make_pte(model, d / "micro_fp32.pte"), make_tflite(model, d / "micro.tflite")


def test_qemu_outputs_equal_host(artifacts):
    from albert_edge.bench import bench, run_outputs

    model, pte, tflite = artifacts
    for art in (pte, tflite):
        host = run_outputs(art)["outputs"][0]["values"]
        arm = run_outputs(art, device="qemu-aarch64")
        assert arm["outputs"][0]["values"] == pytest.approx(host, abs=1e-5), art.name
    recs = bench([pte, tflite], device="qemu-aarch64", runs=2, warmup=0)
    for r in recs:
        assert r["emulated"] is True and r["arch"] == "aarch64" and r["device"] == "qemu-aarch64"
        assert r["latency_ms"]["p50"] > 0 and r["peak_rss_mb"] > 0
