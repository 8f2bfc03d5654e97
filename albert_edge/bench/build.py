"""Build the native .pte runner with g++ against the executorch wheel's C++ SDK (include/ + lib/).

The result is a self-contained *runner bundle*: `pte_runner` plus the ExecuTorch shared libraries it needs under
`lib/`, found through an `$ORIGIN/lib` rpath, so the same folder can be copied to another machine (ssh, adb) or run
under qemu. Kernel and backend libraries register themselves from static initializers, so they are linked with
`--no-as-needed` (nothing references them by symbol).

Bundles are cached under `cache_dir()/runners/<arch>/` and rebuilt when the source, flags or SDK change.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import BenchError

RUNNER_DIR = Path(__file__).parent / "runner"
PTE_SOURCE = RUNNER_DIR / "pte_runner.cpp"
# Order matters only for readability; all are linked --no-as-needed so their registrations run at load.
ET_LIBS = ["executorch", "executorch_threadpool", "executorch_backend_xnnpack", "executorch_kernels_quantized",
           "executorch_kernels_optimized"]
CXXFLAGS = ["-std=c++17", "-O2", "-DNDEBUG", "-DC10_USING_CUSTOM_GENERATED_MACROS"]


def cache_dir() -> Path:
    """Where runners and device sysroots live: $ALBERT_EDGE_CACHE, else ~/.cache/albert-edge."""
    root = os.environ.get("ALBERT_EDGE_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "albert-edge")
    return Path(root)


def host_executorch_dir() -> Path:
    try:
        import importlib.util

        spec = importlib.util.find_spec("executorch")
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BenchError("executorch is not installed: pip install 'albert-edge[executorch]' (its wheel ships the "
                         "C++ SDK the .pte runner is built against)")
    return Path(list(spec.submodule_search_locations)[0])


def _stamp(et_dir: Path, cxx: str, extra: list[str]) -> str:
    h = hashlib.sha256()
    h.update(PTE_SOURCE.read_bytes())
    h.update(" ".join([cxx, *CXXFLAGS, *extra]).encode())
    for lib in ET_LIBS:
        p = et_dir / "lib" / f"lib{lib}.so"
        st = p.stat()
        h.update(f"{lib}:{st.st_size}:{int(st.st_mtime)}".encode())
    return h.hexdigest()[:16]


def build_pte_runner(arch: str = "host", *, et_dir: Path | None = None, cxx: str | None = None,
                     extra_flags: list[str] | None = None, out_dir: Path | None = None, force: bool = False) -> Path:
    """Compile (or reuse) the runner bundle for `arch`; returns the bundle folder (runner at `<folder>/pte_runner`).

    arch "host" builds with the host g++ against the installed wheel; for cross builds pass the target wheel's
    `executorch/` folder as `et_dir` and the cross compiler as `cxx` (e.g. aarch64-linux-gnu-g++)."""
    import platform

    label = platform.machine() if arch == "host" else arch
    et_dir = Path(et_dir) if et_dir is not None else host_executorch_dir()
    cxx = cxx or os.environ.get("CXX") or "g++"
    extra = list(extra_flags or [])
    if shutil.which(cxx) is None:
        raise BenchError(f"{cxx}: C++ compiler not found (the .pte runner is compiled on this machine; "
                         f"install g++ / build-essential{' / crossbuild-essential-arm64' if 'aarch64' in cxx else ''})")
    include, libdir = et_dir / "include", et_dir / "lib"
    missing = [f"lib{lib}.so" for lib in ET_LIBS if not (libdir / f"lib{lib}.so").is_file()]
    if not include.is_dir() or missing:
        raise BenchError(f"{et_dir}: executorch wheel without its C++ SDK (missing {', '.join(missing) or 'include/'})")
    out = Path(out_dir) if out_dir is not None else cache_dir() / "runners" / label
    stamp = _stamp(et_dir, cxx, extra)
    if not force and (out / "pte_runner").is_file() and (out / "STAMP").is_file() \
            and (out / "STAMP").read_text().strip() == stamp:
        return out

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        (tmp / "lib").mkdir()
        for lib in ET_LIBS:
            shutil.copy2(libdir / f"lib{lib}.so", tmp / "lib" / f"lib{lib}.so")
        cmd = [cxx, *CXXFLAGS, *extra, f"-I{include}", f"-I{include}/executorch/runtime/core/portable_type/c10",
               str(PTE_SOURCE), "-o", str(tmp / "pte_runner"), f"-L{tmp / 'lib'}", "-Wl,--no-as-needed",
               *[f"-l{lib}" for lib in ET_LIBS], "-Wl,--as-needed", "-Wl,-rpath,$ORIGIN/lib", "-lpthread"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            errors = [ln for ln in r.stderr.splitlines() if "error" in ln] or r.stderr.strip().splitlines()[-3:]
            raise BenchError(f"building the .pte runner failed ({cxx}): {' | '.join(errors[:3])}")
        (tmp / "STAMP").write_text(stamp + "\n")
        if out.exists():
            shutil.rmtree(out, ignore_errors=True)
        try:
            os.replace(tmp, out)
        except OSError:  # another process finished the same build first
            if not ((out / "STAMP").is_file() and (out / "STAMP").read_text().strip() == stamp):
                raise
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return out
