"""albert_edge/runtime/xnnpack_cache.py: the ctypes mirror of ExecuTorch's BackendOption matches the installed
headers, and the switch really reaches the XNNPACK backend (read back through the runtime's own get_option).
The memory effect itself is checked end to end in tests/test_bench.py::test_shared_layer_is_packed_once. ~5 s."""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import pytest

pytest.importorskip("executorch")

from albert_edge.runtime import xnnpack_cache  # noqa: E402

LAYOUT = r"""
#include <executorch/runtime/backend/options.h>
#include <cstddef>
#include <cstdio>
int main() {
  using executorch::runtime::BackendOption;
  BackendOption o;
  o.value = true;
  const unsigned char* v = reinterpret_cast<const unsigned char*>(&o.value);
  size_t index_at = 0;
  for (size_t i = 0; i < sizeof o.value; ++i) {  // the one byte that changes between alternatives 0 and 1
    unsigned char before = v[i];
    o.value = 7;
    if (v[i] != before && v[i] == 1) index_at = i;
    o.value = true;
  }
  std::printf("%zu %zu %zu %zu\n", sizeof(BackendOption), alignof(BackendOption), offsetof(BackendOption, value),
              offsetof(BackendOption, value) + index_at);
}
"""


def test_struct_matches_the_headers(tmp_path):
    if shutil.which("g++") is None:
        pytest.skip("no g++")
    from albert_edge.bench.build import host_executorch_dir

    inc = host_executorch_dir() / "include"
    src = tmp_path / "layout.cpp"
    src.write_text(LAYOUT)
    subprocess.run(["g++", "-std=c++17", "-DC10_USING_CUSTOM_GENERATED_MACROS", f"-I{inc}",
                    f"-I{inc}/executorch/runtime/core/portable_type/c10", str(src), "-o", str(tmp_path / "layout")],
                   check=True, capture_output=True)
    size, align, value_at, index_at = map(int, subprocess.run([str(tmp_path / "layout")], capture_output=True,
                                                              text=True, check=True).stdout.split())
    S = xnnpack_cache.BackendOption
    assert (ctypes.sizeof(S), ctypes.alignment(S)) == (size, align)
    assert S.storage.offset == value_at and S.index.offset == index_at


def test_switch_reaches_the_backend_and_reads_back():
    before = xnnpack_cache.weight_cache_enabled()
    try:
        assert xnnpack_cache.enable_weight_cache(False) is False
        assert xnnpack_cache.weight_cache_enabled() is False
        assert xnnpack_cache.enable_weight_cache(True) is True
        assert xnnpack_cache.weight_cache_enabled() is True
    finally:
        xnnpack_cache.enable_weight_cache(before)
