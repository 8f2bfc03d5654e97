"""Turn on ExecuTorch's XNNPACK weights cache in this process, so that a shared ALBERT layer's packed weights exist
once instead of once per pass (~7 MB per pass for ALBERT-base int8).

ExecuTorch 1.5 has the switch as a backend option ("weight_cache_enabled" of "XnnpackBackend", set with
`executorch::runtime::set_option`), but its Python bindings do not expose `set_option`. The bindings load the same
`libexecutorch.so` the C++ runner links, so this module calls that function through ctypes. The struct mirrors
`executorch/runtime/backend/options.h` (BackendOption: char key[64] + std::variant<bool, int, char[256]>, 324 bytes;
checked against the header in tests/test_runtime_xnnpack_cache.py). The option is read back: an ExecuTorch without it
ignores unknown keys, and then `enable_weight_cache()` says False and everything still runs, unshared.

Call it before loading a program: it applies when a method's XNNPACK delegates are initialised.
"""

from __future__ import annotations

import ctypes
import glob
import os

BACKEND = b"XnnpackBackend"
KEY = b"weight_cache_enabled"
_SET = "_ZN10executorch7runtime10set_optionEPKcNS0_4SpanINS0_13BackendOptionEEE"
_GET = "_ZN10executorch7runtime10get_optionEPKcNS0_4SpanINS0_13BackendOptionEEE"
_BOOL, _INT = 0, 1  # std::variant<bool, int, std::array<char, 256>> alternative indices


class BackendOption(ctypes.Structure):
    _fields_ = [("key", ctypes.c_char * 64), ("storage", ctypes.c_int32 * 64), ("index", ctypes.c_uint8)]


def _libexecutorch() -> ctypes.CDLL | None:
    try:
        import executorch
        import executorch.extension.pybindings.portable_lib  # noqa: F401  loads libexecutorch + registers XNNPACK
    except ImportError:
        return None
    for root in executorch.__path__:
        for path in glob.glob(os.path.join(root, "lib", "libexecutorch.so")):
            lib = ctypes.CDLL(path)  # the copy already loaded by the bindings (same file: same handle)
            if hasattr(lib, _SET) and hasattr(lib, _GET):
                return lib
    return None


def _call(lib: ctypes.CDLL, name: str, opt: BackendOption) -> int:
    fn = getattr(lib, name)
    # Span<BackendOption> {T* data; size_t length} is trivially copyable: passed by value as two machine words
    fn.argtypes = [ctypes.c_char_p, ctypes.POINTER(BackendOption), ctypes.c_size_t]
    fn.restype = ctypes.c_uint32  # executorch::runtime::Error; 0 = Ok
    return fn(BACKEND, ctypes.byref(opt), 1)


def enable_weight_cache(on: bool = True) -> bool:
    """Set the XNNPACK backend's weight cache for every program loaded afterwards; True when it is on."""
    lib = _libexecutorch()
    if lib is None:
        return False
    opt = BackendOption(key=KEY, index=_BOOL)
    opt.storage[0] = int(on)
    if _call(lib, _SET, opt) != 0:
        return False
    return weight_cache_enabled(lib)


def weight_cache_enabled(lib: ctypes.CDLL | None = None) -> bool:
    lib = lib or _libexecutorch()
    if lib is None:
        return False
    q = BackendOption(key=KEY, index=_INT)
    q.storage[0] = -1  # left as an int by a backend that does not know the key
    if _call(lib, _GET, q) != 0:
        return False
    return q.index == _BOOL and (q.storage[0] & 0xFF) == 1
