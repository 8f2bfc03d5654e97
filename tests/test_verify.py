"""albert_edge.verify: the parity gate as a library (synthetic logits; no backend needed)."""

import numpy as np
import pytest
import torch

from albert_edge.errors import ParityError
from albert_edge.verify import Int8Thresholds, check_parity, logit_stats, torch_runner

INPUTS = [(np.full((1, 8), i, dtype=np.int64), np.ones((1, 8), dtype=np.int64)) for i in range(5, 9)]


def ref(ids, mask):
    return np.asarray([[ids[0, 0] * 0.1, -ids[0, 0] * 0.05, 0.2]], dtype=np.float32)


def test_logit_stats():
    a = np.array([[1.0, 0.0], [0.0, 2.0]])
    s = logit_stats(a, a + np.array([[0.1, 0.0], [0.0, -0.5]]))
    assert s["max_abs_diff"] == pytest.approx(0.5)
    assert s["max_rel_err"] == pytest.approx(0.25)
    assert s["argmax_agreement"] == 1.0
    with pytest.raises(ParityError, match="shape"):
        logit_stats(a, a[:1])
    with pytest.raises(ParityError, match="non-finite"):
        logit_stats(a, a * np.nan)


def test_fp32_gate_passes_and_fails():
    rep = check_parity(ref, INPUTS, precision="fp32", fp32_reference=ref)
    assert rep["vs_fp32"]["max_abs_diff"] == 0 and rep["thresholds"]["vs_fp32_max_abs_diff"] == 1e-4
    assert rep["sentences"] == 4 and rep["seq_len"] == 8
    with pytest.raises(ParityError, match="fp32 parity failed"):
        check_parity(lambda i, m: ref(i, m) + 2e-4, INPUTS, precision="fp32", fp32_reference=ref)


def test_int8_gates():
    noisy = lambda i, m: ref(i, m) * 1.01  # noqa: E731
    rep = check_parity(noisy, INPUTS, precision="int8", fp32_reference=ref, int8_reference=ref)
    assert rep["vs_int8_reference"]["max_rel_err"] < 0.02 and rep["thresholds"] == Int8Thresholds().to_dict()
    with pytest.raises(ParityError, match="PyTorch int8 reference"):
        check_parity(noisy, INPUTS, precision="int8", fp32_reference=ref, int8_reference=ref,
                     int8=Int8Thresholds(vs_reference_max_rel=0.001))
    flipped = lambda i, m: -ref(i, m)  # noqa: E731
    with pytest.raises(ParityError):
        check_parity(flipped, INPUTS, precision="int8", fp32_reference=ref, int8=Int8Thresholds(vs_fp32_max_rel=10))


def test_torch_runner_matches_model():
    from albert_edge.checkpoint import new_model
    from albert_edge.model import AlbertConfig

    m = new_model(AlbertConfig.micro())
    ids, mask = INPUTS[0]
    out = torch_runner(m)(ids, mask)
    assert np.allclose(out, m(torch.from_numpy(ids), torch.from_numpy(mask)).detach().numpy())
