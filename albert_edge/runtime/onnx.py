"""ONNX Runtime .onnx (dynamic batch and length); the tokenizer file and tokenizer.json are sidecars beside it, and
the manifest.json beside them records their sha256 and the model's (a folder format: integrity.verify_artifact
requires the manifest)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import CorruptArtifactError, InputError, first_line
from albert_edge.manifest import manifest_beside

from .base import Runner
from .bundle import TOKENIZER_JSON, parse_bundle_config
from .integrity import check_sidecars


class OnnxRunner(Runner):
    backend = Backend.ONNX.value
    dynamic_length = True

    def __init__(self, path: Path, *, num_threads: int | None = None, data: bytes | None = None):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise get_backend(self.backend).missing("running a .onnx", e) from None
        path = Path(path)
        conf_path = path.parent / TOKENIZER_JSON
        if not conf_path.is_file():
            raise InputError(f"{path}: tokenizer sidecar {conf_path} missing; keep the .onnx in its converted folder")
        if data is None:  # else verify_artifact checked the model and the sidecars against the manifest
            manifest = manifest_beside(path)
            if manifest is not None:
                check_sidecars(path, manifest)
            data = path.read_bytes()
        conf_bytes = conf_path.read_bytes()
        names = parse_bundle_config(conf_bytes, str(conf_path))["files"]
        absent = [n for n in names if not (path.parent / n).is_file()]
        if absent:
            raise InputError(f"{path}: tokenizer sidecar {path.parent / absent[0]} missing; keep the .onnx in its "
                             "converted folder")
        super().__init__(path, {n: (path.parent / n).read_bytes() for n in names}, conf_bytes)
        opts = ort.SessionOptions()
        if num_threads:
            opts.intra_op_num_threads = num_threads
        try:
            self.session = ort.InferenceSession(data, opts, providers=["CPUExecutionProvider"])
        except Exception as e:
            raise CorruptArtifactError(f"corrupt artifact: {path}: not a loadable .onnx ({first_line(e, 200)})") from None

    def run(self, input_ids, attention_mask) -> np.ndarray:
        out = self.session.run(["logits"], {"input_ids": np.asarray(input_ids, dtype=np.int64),
                                            "attention_mask": np.asarray(attention_mask, dtype=np.int64)})
        return np.asarray(out[0], dtype=np.float32)
