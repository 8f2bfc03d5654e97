"""`albert-edge device setup qemu-aarch64`: an arm64 userland to run the runners under qemu-user, no ARM machine
needed. Everything lands in `cache_dir()/qemu-aarch64/`:

    sysroot/        arm64 .debs (python3.11, libstdc++6 and their closure) unpacked with dpkg -x; apt runs with its
                    own state/cache folders and APT::Architecture=arm64, so the host's apt is untouched
    site-packages/  aarch64 wheels (numpy, ai-edge-litert, onnxruntime) via pip --only-binary --platform --target
    executorch/     include/ + lib/ of the aarch64 executorch wheel (the C++ SDK only)
    runner/         pte_runner cross-built with aarch64-linux-gnu-g++ (crossbuild-essential-arm64) + its libs
    cpuinfo         an aarch64 /proc/cpuinfo (ai-edge-litert's cpuinfo segfaults on the host's x86 one)
    READY           written last

Host packages qemu-user-static and crossbuild-essential-arm64 are installed with apt-get when missing (as root).
Downloads ~300 MB once; each step is skipped when its output exists (--force redoes them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Callable

from ..errors import BenchError
from .build import build_pte_runner, host_executorch_dir
from .devices import qemu_binary, qemu_root

DEBS = ["python3.11", "libpython3.11-stdlib", "libstdc++6", "libgcc-s1", "libc6"]
# pip does not widen --platform to older manylinux tags: name them (ai-edge-litert ships manylinux_2_27 wheels)
PLATFORMS = ["manylinux_2_28_aarch64", "manylinux_2_27_aarch64", "manylinux_2_17_aarch64", "manylinux2014_aarch64"]
PLATFORM_ARGS = [x for p in PLATFORMS for x in ("--platform", p)]
CPUINFO = "".join(
    f"processor\t: {i}\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp "
    f"asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\n"
    f"CPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n\n" for i in range(2))


def _run(cmd: list[str], what: str, log: Callable[[str], None], env: dict | None = None) -> str:
    log(f"{what}: {' '.join(cmd[:6])}{' …' if len(cmd) > 6 else ''}")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        tail = " | ".join((r.stderr or r.stdout).strip().splitlines()[-3:])
        raise BenchError(f"device setup qemu-aarch64: {what} failed: {tail}")
    return r.stdout


def _pkg_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for name in ("executorch", "ai-edge-litert", "onnxruntime", "numpy"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            pass
    return out


def ensure_host_packages(log: Callable[[str], None]) -> None:
    need = []
    if qemu_binary() is None:
        need.append("qemu-user-static")
    if shutil.which("aarch64-linux-gnu-g++") is None:
        need.append("crossbuild-essential-arm64")
    if shutil.which("dpkg") is None or shutil.which("apt-get") is None:
        raise BenchError("device setup qemu-aarch64 needs a Debian/Ubuntu host (apt-get, dpkg)")
    if not need:
        return
    if os.geteuid() != 0:
        raise BenchError(f"device setup qemu-aarch64 needs: sudo apt-get install {' '.join(need)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update", "-qq"], "apt-get update", log, env)
    _run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *need], "apt-get install", log, env)


def make_sysroot(root: Path, log: Callable[[str], None]) -> Path:
    sysroot = root / "sysroot"
    if (sysroot / "usr" / "bin" / "python3.11").exists():
        return sysroot
    apt = root / "apt"
    for d in ("lists/partial", "cache/archives/partial"):
        (apt / d).mkdir(parents=True, exist_ok=True)
    (apt / "status").write_text("")
    opts = ["-o", "APT::Architecture=arm64", "-o", "APT::Architectures::=arm64", "-o",
            f"Dir::State::Lists={apt / 'lists'}", "-o", f"Dir::State::status={apt / 'status'}", "-o",
            f"Dir::Cache={apt / 'cache'}", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"]
    _run(["apt-get", *opts, "update", "-qq"], "apt-get update (arm64 lists)", log)
    _run(["apt-get", *opts, "install", "--download-only", "-y", "-qq", "--no-install-recommends", *DEBS],
         "apt-get download (arm64 .debs)", log)
    debs = sorted((apt / "cache" / "archives").glob("*.deb"))
    if not debs:
        raise BenchError("device setup qemu-aarch64: apt downloaded no arm64 .debs")
    tmp = root / "sysroot.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    log(f"unpacking {len(debs)} arm64 .debs")
    for deb in debs:
        _run(["dpkg", "-x", str(deb), str(tmp)], f"dpkg -x {deb.name}", lambda m: None)
    shutil.rmtree(sysroot, ignore_errors=True)
    tmp.rename(sysroot)
    shutil.rmtree(apt / "cache" / "archives", ignore_errors=True)  # the .debs are unpacked; keep the disk
    return sysroot


def _pip(args: list[str], what: str, log: Callable[[str], None]) -> None:
    _run([sys.executable, "-m", "pip", "--disable-pip-version-check", *args], what, log)


def make_site_packages(root: Path, log: Callable[[str], None]) -> Path:
    site = root / "site-packages"
    if (site / "ai_edge_litert").is_dir() and (site / "numpy").is_dir():
        return site
    v = _pkg_versions()
    pkgs = ["numpy" + (f"=={v['numpy']}" if "numpy" in v else ""),
            "ai-edge-litert" + (f"=={v['ai-edge-litert']}" if "ai-edge-litert" in v else ""),
            "onnxruntime" + (f"=={v['onnxruntime']}" if "onnxruntime" in v else "")]
    tmp = root / "site-packages.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    _pip(["install", "-q", "--only-binary=:all:", *PLATFORM_ARGS, "--python-version", "3.11",
          "--implementation", "cp", "--target", str(tmp), *pkgs], "pip install (aarch64 wheels)", log)
    shutil.rmtree(site, ignore_errors=True)
    tmp.rename(site)
    return site


def make_executorch_sdk(root: Path, log: Callable[[str], None]) -> Path:
    et = root / "executorch"
    if (et / "lib" / "libexecutorch.so").is_file():
        return et
    version = _pkg_versions().get("executorch")
    if version is None:
        host_executorch_dir()  # raises the "install executorch" error
    wheels = root / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    _pip(["download", "-q", "--no-deps", "--only-binary=:all:", *PLATFORM_ARGS, "--python-version", "3.11",
          "--implementation", "cp", "-d", str(wheels), f"executorch=={version}"], "pip download executorch (aarch64)",
         log)
    whl = next(iter(sorted(wheels.glob(f"executorch-{version}-*.whl"))), None)
    if whl is None:
        raise BenchError(f"device setup qemu-aarch64: no aarch64 executorch {version} wheel downloaded")
    tmp = root / "executorch.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    log(f"extracting the C++ SDK from {whl.name}")
    with zipfile.ZipFile(whl) as z:
        for n in z.namelist():
            if n.startswith(("executorch/include/", "executorch/lib/")) and not n.endswith("/"):
                dest = tmp / n[len("executorch/"):]
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(z.read(n))
    shutil.rmtree(et, ignore_errors=True)
    tmp.rename(et)
    shutil.rmtree(wheels, ignore_errors=True)
    return et


def check_runner(root: Path, log: Callable[[str], None]) -> None:
    env = {**os.environ, "QEMU_CPU": "neoverse-n1"}
    out = _run([qemu_binary(), "-L", str(root / "sysroot"), str(root / "runner" / "pte_runner"), "--help"],
               "running the aarch64 runner under qemu", log, env)
    if "usage: pte_runner" not in out:
        raise BenchError("device setup qemu-aarch64: the cross-built runner does not run under qemu")
    py = _run([qemu_binary(), "-L", str(root / "sysroot"), str(root / "sysroot" / "usr" / "bin" / "python3.11"),
               "-s", "-c", "import numpy, platform; print(platform.machine(), numpy.__version__)"],
              "arm64 python + numpy under qemu", log, {**env, "PYTHONPATH": str(root / "site-packages")})
    if not py.startswith("aarch64"):
        raise BenchError(f"device setup qemu-aarch64: the arm64 python says {py.strip()!r}")


def setup_qemu_aarch64(*, force: bool = False, log: Callable[[str], None] = print) -> Path:
    root = qemu_root()
    if force:
        shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True, exist_ok=True)
    (root / "READY").unlink(missing_ok=True)
    ensure_host_packages(log)
    make_sysroot(root, log)
    make_site_packages(root, log)
    et = make_executorch_sdk(root, log)
    log("cross-building pte_runner for aarch64")
    build_pte_runner("aarch64", et_dir=et, cxx="aarch64-linux-gnu-g++", out_dir=root / "runner")
    (root / "cpuinfo").write_text(CPUINFO)
    check_runner(root, log)
    (root / "READY").write_text("qemu-aarch64 sysroot for albert-edge bench\n")
    return root
