"""Where a runner runs: this machine, an emulated arm64 userland, a Linux box over ssh, an Android phone over adb.

Every device runs the same three runners (native .pte runner, litert_runner.py, ort_runner.py) and returns the JSON
object the runner printed. Each runner measures its own process, so memory figures are the runtime's, not ours.

    host                        this machine (default)
    qemu-aarch64                qemu-user + an arm64 sysroot made by `albert-edge device setup qemu-aarch64`;
                                timings are EMULATED (labelled "emulated": true), outputs are real ARM outputs
    ssh://USER@HOST[:PORT]      any Linux box reachable with key auth (BatchMode); the runner for its arch is copied
                                over with the artifact, run there, its JSON read back. Extra ssh options:
                                $ALBERT_EDGE_SSH_OPTS; remote Python for .tflite/.onnx: ?python=/path (default python3)
    adb[:SERIAL]                an Android device: .pte only, needs an NDK-built runner (see bench/README.md)
"""

from __future__ import annotations

import json
import os
import platform
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from ..backends import BACKENDS, Backend, get_backend
from ..errors import BenchError, InputError
from .build import RUNNER_DIR, build_pte_runner, cache_dir

NATIVE = Backend.EXECUTORCH.value  # the one backend whose device runner is a native binary we build


def runner_name(fmt: str) -> str:
    return get_backend(fmt).device_runner


def _clean_stderr(text: str, n: int = 3) -> str:
    """The lines of a runner's stderr worth showing: no ExecuTorch info logs, no import noise."""
    keep = []
    for ln in text.splitlines():
        s = ln.strip()
        if not s or (len(s) > 2 and s[0] in "ID" and s[1] == " " and s[2:3].isdigit()):
            continue  # ExecuTorch "I 00:00:00.0005 ..." / "D ..." logs
        if "torchao" in s or "FutureWarning" in s or s.startswith("INFO: Created TensorFlow Lite"):
            continue
        keep.append(re.sub(r"^[EWF] \d\d:\d\d:\d\d\.\d+ \S+\] ", "", s))  # ExecuTorch log prefix
    return " | ".join(keep[-n:])


def _signal_name(rc: int) -> str:
    try:
        return signal.Signals(-rc).name
    except ValueError:
        return f"signal {-rc}"


def run_process(cmd: list[str], *, what: str, timeout: float | None, env: dict | None = None,
                stdin: bytes | None = None, unreachable_rc: int | None = None, where: str = "") -> str:
    """Run a command, return its stdout. Timeouts, crashes and interrupts become one-line errors; the child is
    killed (with its process group) on Ctrl-C or timeout."""
    try:
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, start_new_session=True)
    except FileNotFoundError:
        raise BenchError(f"{cmd[0]}: not found{' ' + where if where else ''}") from None
    try:
        out, errb = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(p)
        raise BenchError(f"{what}: no answer after {timeout:.0f} s{' from ' + where if where else ''} "
                         f"(timed out; raise --timeout if the device is just slow)") from None
    except KeyboardInterrupt:
        _kill(p)
        raise
    err = errb.decode("utf-8", "replace")
    if p.returncode != 0:
        if unreachable_rc is not None and p.returncode == unreachable_rc:
            raise BenchError(f"{where or what}: unreachable: {_clean_stderr(err, 2) or 'no reason given'}")
        how = f"killed by {_signal_name(p.returncode)}" if p.returncode < 0 else f"exit {p.returncode}"
        raise BenchError(f"{what} failed ({how}){' on ' + where if where else ''}: "
                         f"{_clean_stderr(err) or 'no error output'}")
    return out.decode("utf-8", "replace")


def _kill(p: subprocess.Popen) -> None:
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        p.kill()
    p.wait()


def parse_runner_json(stdout: str, what: str) -> dict:
    for line in reversed(stdout.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except ValueError:
                break
    raise BenchError(f"{what}: the runner printed no JSON result (got {stdout.strip()[-200:]!r})")


def host_cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith(("model name", "hardware")):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


class Device:
    spec = "host"
    arch = platform.machine()
    emulated = False
    cpu = ""
    formats = tuple(b.value for b in BACKENDS)

    def __enter__(self) -> "Device":
        self.open()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def check_format(self, fmt: str) -> None:
        if fmt not in self.formats:
            raise InputError(f"device {self.spec} runs {', '.join(get_backend(f).suffix for f in self.formats)} "
                             f"artifacts only, not {get_backend(fmt).suffix}")

    def run(self, fmt: str, artifact: Path, args: list[str], *, timeout: float | None = None) -> dict:
        raise NotImplementedError


class HostDevice(Device):
    spec = "host"

    def __init__(self) -> None:
        self.arch = platform.machine()
        self.cpu = host_cpu()
        self._bundle: Path | None = None

    def command(self, fmt: str, artifact: Path, args: list[str]) -> list[str]:
        if fmt == NATIVE:
            if self._bundle is None:
                self._bundle = build_pte_runner("host")
            return [str(self._bundle / "pte_runner"), str(artifact), *args]
        return [sys.executable, str(RUNNER_DIR / runner_name(fmt)), str(artifact), *args]

    def run(self, fmt, artifact, args, *, timeout=None):
        self.check_format(fmt)
        cmd = self.command(fmt, artifact, args)
        what = f"{runner_name(fmt)} on {artifact.name}"
        return parse_runner_json(run_process(cmd, what=what, timeout=timeout), what)


# --- qemu-aarch64 ------------------------------------------------------------------------------------------------
def qemu_root() -> Path:
    return cache_dir() / "qemu-aarch64"


def qemu_binary() -> str | None:
    for name in ("qemu-aarch64-static", "qemu-aarch64"):
        if shutil.which(name):
            return shutil.which(name)
    return None


class QemuDevice(Device):
    spec = "qemu-aarch64"
    arch = "aarch64"
    emulated = True
    cpu = "qemu-user neoverse-n1 (emulated)"

    def __init__(self) -> None:
        self.root = qemu_root()
        self.sysroot = self.root / "sysroot"
        self.site = self.root / "site-packages"
        self.bundle = self.root / "runner"

    def open(self) -> None:
        if qemu_binary() is None or not (self.root / "READY").is_file():
            raise BenchError("qemu-aarch64 is not set up: run `albert-edge device setup qemu-aarch64` first "
                             "(qemu-user-static + an arm64 sysroot, ~300 MB of downloads)")
        # the cross-built runner follows pte_runner.cpp like the host one (a no-op while its stamp matches)
        build_pte_runner("aarch64", et_dir=self.root / "executorch", cxx="aarch64-linux-gnu-g++", out_dir=self.bundle)

    def _wrap(self, cmd: list[str]) -> list[str]:
        """ai-edge-litert (cpuinfo) crashes on the host's x86 /proc/cpuinfo under qemu: show it an aarch64 one
        in a private mount namespace when we may (root); plain run otherwise."""
        fake = self.root / "cpuinfo"
        if fake.is_file() and shutil.which("unshare") and os.geteuid() == 0:
            return ["unshare", "-m", "sh", "-c", 'mount --bind "$0" /proc/cpuinfo && exec "$@"', str(fake), *cmd]
        return cmd

    def command(self, fmt: str, artifact: Path, args: list[str]) -> tuple[list[str], dict]:
        env = {**os.environ, "QEMU_CPU": os.environ.get("QEMU_CPU", "neoverse-n1")}
        qemu = [qemu_binary(), "-L", str(self.sysroot)]
        if fmt == NATIVE:
            return self._wrap([*qemu, str(self.bundle / "pte_runner"), str(artifact), *args]), env
        env["PYTHONPATH"] = str(self.site)
        env.pop("PYTHONHOME", None)
        python = self.sysroot / "usr" / "bin" / "python3.11"
        return self._wrap([*qemu, str(python), "-s", str(RUNNER_DIR / runner_name(fmt)), str(artifact), *args]), env

    def run(self, fmt, artifact, args, *, timeout=None):
        self.check_format(fmt)
        cmd, env = self.command(fmt, artifact, args)
        what = f"{runner_name(fmt)} (qemu-aarch64) on {artifact.name}"
        return parse_runner_json(run_process(cmd, what=what, timeout=timeout, env=env), what)


# --- ssh -----------------------------------------------------------------------------------------------------------
class SshDevice(Device):
    def __init__(self, spec: str, connect_timeout: int = 10) -> None:
        u = urlsplit(spec)
        if u.scheme != "ssh" or not u.hostname:
            raise InputError(f"{spec}: expected ssh://USER@HOST[:PORT]")
        try:
            self.port = u.port or 22
        except ValueError:
            raise InputError(f"{spec}: bad port") from None
        self.user = unquote(u.username) if u.username else None
        self.host = u.hostname
        q = parse_qs(u.query)
        self.python = q.get("python", ["python3"])[0]
        self.spec = f"ssh://{self.user + '@' if self.user else ''}{self.host}{':' + str(self.port) if u.port else ''}"
        self.connect_timeout = connect_timeout
        self.remote_dir: str | None = None
        self.arch = "?"
        self.cpu = ""
        self._uploaded: set[str] = set()

    def _ssh(self) -> list[str]:
        extra = shlex.split(os.environ.get("ALBERT_EDGE_SSH_OPTS", ""))
        target = f"{self.user}@{self.host}" if self.user else self.host
        return ["ssh", "-p", str(self.port), "-o", "BatchMode=yes", "-o", f"ConnectTimeout={self.connect_timeout}",
                "-o", "ServerAliveInterval=15", *extra, target]

    def _remote(self, script: str, *, what: str, timeout: float | None = 60, stdin: bytes | None = None) -> str:
        return run_process([*self._ssh(), script], what=what, timeout=timeout, stdin=stdin, unreachable_rc=255,
                           where=self.spec)

    def open(self) -> None:
        if shutil.which("ssh") is None:
            raise BenchError("ssh: not found on PATH (apt-get install openssh-client)")
        out = self._remote("uname -m; (grep -m1 -iE '^(model name|hardware)' /proc/cpuinfo | cut -d: -f2-) "
                           "2>/dev/null; mktemp -d /tmp/albert-edge.XXXXXX",
                           what="connecting", timeout=self.connect_timeout + 20)
        lines = [ln.strip() for ln in out.strip().splitlines()]
        if len(lines) < 2 or not lines[-1].startswith("/tmp/albert-edge."):
            raise BenchError(f"{self.spec}: unexpected answer to uname/mktemp: {out.strip()[:200]!r}")
        self.arch, self.remote_dir = lines[0], lines[-1]
        self.cpu = lines[1] if len(lines) > 2 else ""

    def close(self) -> None:
        if self.remote_dir:
            try:
                self._remote(f"rm -rf {shlex.quote(self.remote_dir)}", what="cleaning up", timeout=30)
            except BenchError:
                pass
            self.remote_dir = None

    def _upload_dir(self, local: Path, remote_name: str, names: list[str] | None = None) -> None:
        """tar over the ssh channel: needs nothing on the remote but sh and tar."""
        with tempfile.TemporaryFile() as tf:
            subprocess.run(["tar", "-C", str(local), "-cf", "-", *(names or ["."])], stdout=tf, check=True)
            tf.seek(0)
            data = tf.read()
        dest = f"{self.remote_dir}/{remote_name}"
        self._remote(f"mkdir -p {shlex.quote(dest)} && tar -C {shlex.quote(dest)} -xf -",
                     what=f"copying {remote_name}", timeout=max(60.0, len(data) / 1e6), stdin=data)

    def _runner_bundle(self) -> Path:
        if self.arch == platform.machine():
            return build_pte_runner("host")
        if self.arch in ("aarch64", "arm64"):
            b = qemu_root() / "runner"
            if (b / "pte_runner").is_file():
                return b
            raise BenchError(f"{self.spec} is aarch64 and no aarch64 runner is built: run `albert-edge device setup "
                             f"qemu-aarch64` (it cross-builds the runner)")
        raise BenchError(f"{self.spec}: no .pte runner for arch {self.arch}")

    def run(self, fmt, artifact, args, *, timeout=None):
        self.check_format(fmt)
        if self.remote_dir is None:
            self.open()
        rd = shlex.quote(self.remote_dir)
        if fmt == NATIVE:
            if "runner" not in self._uploaded:
                self._upload_dir(self._runner_bundle(), "runner")
                self._uploaded.add("runner")
            exe = f"{rd}/runner/pte_runner"
        else:
            name = runner_name(fmt)
            if name not in self._uploaded:
                self._upload_dir(RUNNER_DIR, "py", [name])
                self._uploaded.add(name)
            exe = f"{shlex.quote(self.python)} {rd}/py/{name}"
        # the artifact and any sidecar that extends its name (model.onnx.data)
        names = sorted(p.name for p in artifact.parent.iterdir() if p.name.startswith(artifact.name))
        key = f"artifact:{artifact.resolve()}"
        if key not in self._uploaded:
            self._remote(f"rm -rf {rd}/a", what="preparing", timeout=30)
            self._upload_dir(artifact.parent, "a", names)
            self._uploaded = {k for k in self._uploaded if not k.startswith("artifact:")} | {key}
        script = f"{exe} {rd}/a/{shlex.quote(artifact.name)} {' '.join(shlex.quote(a) for a in args)}"
        what = f"{runner_name(fmt)} on {artifact.name}"
        return parse_runner_json(self._remote(script, what=what, timeout=timeout), what)


# --- adb -----------------------------------------------------------------------------------------------------------
def android_runner_dir() -> Path:
    return Path(os.environ.get("ALBERT_EDGE_ANDROID_RUNNER") or cache_dir() / "runners" / "android-arm64")


class AdbDevice(Device):
    arch = "arm64-v8a"
    formats = (NATIVE,)
    remote = "/data/local/tmp/albert-edge"

    def __init__(self, spec: str) -> None:
        self.serial = spec.split(":", 1)[1] if ":" in spec else None
        self.spec = spec
        self.cpu = ""

    def _adb(self) -> list[str]:
        return ["adb", *(["-s", self.serial] if self.serial else [])]

    def open(self) -> None:
        if shutil.which("adb") is None:
            raise BenchError("adb: not found on PATH; install Android platform-tools and connect a device with USB "
                             "debugging on (adb devices must list it)")
        bundle = android_runner_dir()
        if not (bundle / "pte_runner").is_file():
            raise BenchError(f"no Android .pte runner at {bundle}/pte_runner: build it with the Android NDK "
                             f"(see albert_edge/bench/README.md) or set $ALBERT_EDGE_ANDROID_RUNNER")
        state = run_process([*self._adb(), "get-state"], what="adb get-state", timeout=15, where=self.spec).strip()
        if state != "device":
            raise BenchError(f"{self.spec}: device state is {state!r}, not 'device'")
        self.cpu = run_process([*self._adb(), "shell", "getprop", "ro.product.model"], what="adb getprop",
                               timeout=15).strip()
        run_process([*self._adb(), "push", str(bundle), f"{self.remote}/runner"], what="adb push runner",
                    timeout=300)
        run_process([*self._adb(), "shell", f"chmod 755 {self.remote}/runner/pte_runner"], what="adb chmod",
                    timeout=30)

    def close(self) -> None:
        pass

    def run(self, fmt, artifact, args, *, timeout=None):
        self.check_format(fmt)
        run_process([*self._adb(), "push", str(artifact), f"{self.remote}/{artifact.name}"],
                    what=f"adb push {artifact.name}", timeout=300)
        rd = self.remote
        run_process([*self._adb(), "shell",
                     f"cd {rd} && LD_LIBRARY_PATH={rd}/runner/lib ./runner/pte_runner {shlex.quote(artifact.name)} "
                     f"{' '.join(shlex.quote(a) for a in args)} > {rd}/result.json"],
                    what=f"pte_runner on {artifact.name}", timeout=timeout, where=self.spec)
        with tempfile.TemporaryDirectory() as td:
            run_process([*self._adb(), "pull", f"{rd}/result.json", td], what="adb pull", timeout=60)
            return parse_runner_json(Path(td, "result.json").read_text(), f"pte_runner on {artifact.name}")


def get_device(spec: str | None) -> Device:
    spec = (spec or "host").strip()
    if spec == "host":
        return HostDevice()
    if spec in ("qemu-aarch64", "qemu"):
        return QemuDevice()
    if spec.startswith("ssh://"):
        return SshDevice(spec)
    if spec == "adb" or spec.startswith("adb:"):
        return AdbDevice(spec)
    raise InputError(f"unknown device {spec!r}: use host, qemu-aarch64, ssh://USER@HOST[:PORT] or adb[:SERIAL]")
