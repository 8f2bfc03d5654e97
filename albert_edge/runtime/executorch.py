"""ExecuTorch .pte in executorch.runtime: constant methods tokenizer_model / tokenizer_config / bundle_sha256;
`forward` (the longest length) and `forward_<L>` methods. The integrity trailer (integrity.py) is checked before
the program is parsed, which it then is with ExecuTorch's strongest verification (InternalConsistency)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import CorruptArtifactError, first_line
from albert_edge.files import sha256_bytes
from albert_edge.quiet import quiet_toolchain

from .base import Runner
from .bundle import parse_bundle_config
from .integrity import check_pte

CONSTANTS = ("tokenizer_model", "tokenizer_config", "bundle_sha256")


class PteRunner(Runner):
    backend = Backend.EXECUTORCH.value

    def __init__(self, path: Path, *, num_threads: int | None = None, data: bytes | None = None):
        try:
            import executorch.kernels.quantized  # noqa: F401  registers embedding_byte for int8 files
            import torch
            from executorch.runtime import Runtime, Verification
        except ImportError as e:
            raise get_backend(self.backend).missing("running a .pte", e) from None
        self._torch = torch
        self.path = Path(path)
        if data is None:
            data = self.path.read_bytes()
            check_pte(data, str(path))
        from .xnnpack_cache import enable_weight_cache

        self.weights_shared = enable_weight_cache()  # before any delegate initialises
        if num_threads:  # XNNPACK runs on ExecuTorch's one threadpool: the setting is per process, as in the app
            from executorch.extension.pybindings.portable_lib import _unsafe_reset_threadpool

            with quiet_toolchain():
                _unsafe_reset_threadpool(num_threads)
        try:
            # the bytes that were hashed, trailer included (ExecuTorch ignores what follows the program)
            self.program = Runtime.get().load_program(data, verification=Verification.InternalConsistency)
            self.method_names = sorted(self.program.method_names)
        except Exception as e:  # the runtime raises RuntimeError / ValueError on malformed flatbuffers
            raise CorruptArtifactError(f"corrupt artifact: {path}: not a loadable .pte ({first_line(e, 200)})") from None
        absent = [c for c in CONSTANTS if c not in self.method_names]
        if absent:
            raise CorruptArtifactError(f"corrupt artifact: {path}: .pte carries no bundle (constant method {absent[0]} "
                                       "missing); convert it with albert-edge convert")
        self._methods: dict[str, object] = {}
        model, conf, digest = (self._const(c) for c in CONSTANTS)
        if sha256_bytes(conf) != digest.decode("ascii", "replace"):
            raise CorruptArtifactError(f"corrupt artifact: {path}: the bundled tokenizer config fails its sha256 check")
        (name,) = parse_bundle_config(conf, str(path))["files"] or ("?",)  # a .pte carries one tokenizer file
        super().__init__(path, {name: model}, conf)

    def _method(self, name: str):
        if name not in self._methods:
            try:
                with quiet_toolchain():  # the XNNPACK delegate's first init prints cpuinfo probing to stderr
                    self._methods[name] = self.program.load_method(name)
            except Exception as e:
                raise CorruptArtifactError(f"corrupt artifact: {self.path}: cannot load method {name} "
                                           f"({first_line(e, 200)})") from None
        return self._methods[name]

    def _const(self, name: str) -> bytes:
        try:
            t = self._method(name).execute([])[0]
            return bytes(t.numpy().astype(np.uint8).tobytes())
        except CorruptArtifactError:
            raise
        except Exception as e:
            raise CorruptArtifactError(f"corrupt artifact: {self.path}: constant {name} unreadable ({first_line(e, 200)})") from None

    def method_for(self, seq_len: int) -> str:
        if seq_len == self.seq_lens[-1]:
            return "forward"
        if f"forward_{seq_len}" in self.method_names:
            return f"forward_{seq_len}"
        raise self.no_length(seq_len)

    def run(self, input_ids, attention_mask, method: str | None = None) -> np.ndarray:
        t = self._torch
        ids = t.from_numpy(np.ascontiguousarray(input_ids, dtype=np.int64))
        mask = t.from_numpy(np.ascontiguousarray(attention_mask, dtype=np.int64))
        out = self._method(method or self.method_for(ids.shape[1])).execute([ids, mask])[0]
        return out.detach().numpy().astype(np.float32)
