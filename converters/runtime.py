"""Load and run converted artifacts with only what travels with them (tokenizer, labels, lengths).

    runner = open_artifact("out/model_int8.pte")      # PteRunner | TfliteRunner | OnnxRunner
    runner.run(input_ids, attention_mask)              # numpy (1, L) int64 in, (1, C) float logits out
    load_artifact_predictor(path, max_length=None).predict(["great phone"])   # -> [Prediction]

Every user-caused problem (foreign or corrupt file, missing tokenizer, missing runtime) raises a typed error whose
message is one line.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from albert_edge.errors import InputError, MissingExtraError

from .bundle import SPIECE, TOKENIZER_JSON, parse_tokenizer_config, read_appended_zip, tokenizer_from_bytes

EXTRA = {"executorch": "executorch", "tflite": "tflite", "onnx": "onnx"}


def missing_extra(fmt: str, what: str, err: ImportError) -> MissingExtraError:
    return MissingExtraError(f"{what} needs {err.name or err} which is not installed; "
                             f"install it with: pip install 'albert-edge[{EXTRA[fmt]}]'")


def _first_line(e: BaseException) -> str:
    s = str(e).strip()
    return s.splitlines()[0][:200] if s else type(e).__name__


def detect_format(path: Path) -> str:
    """'executorch' | 'tflite' | 'onnx' from the file's magic bytes (suffix as a fallback for ONNX protobufs)."""
    with open(path, "rb") as f:
        head = f.read(8)
    if len(head) >= 8 and head[4:6] == b"ET":
        return "executorch"
    if len(head) >= 8 and head[4:8] == b"TFL3":
        return "tflite"
    if path.suffix == ".onnx":
        return "onnx"
    if path.suffix in (".pte", ".tflite"):
        raise InputError(f"{path}: not a valid {path.suffix} artifact (bad header); convert it again with albert-edge convert")
    raise InputError(f"{path}: not a .pte, .tflite or .onnx artifact")


class _Runner:
    format = ""

    def __init__(self, path: Path, spiece: bytes, conf_bytes: bytes):
        self.path = Path(path)
        self.tokenizer_bytes = spiece
        self.config = parse_tokenizer_config(conf_bytes, str(path))
        self.tokenizer = tokenizer_from_bytes(spiece, self.config, str(path))
        self.labels = list(self.config["labels"])
        self.seq_lens = sorted(int(x) for x in self.config["seq_lens"])

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class PteRunner(_Runner):
    """ExecuTorch .pte: constant methods tokenizer_model / tokenizer_config / max_seq_len; forward[_L] methods."""

    format = "executorch"

    def __init__(self, path: Path):
        try:
            import executorch.kernels.quantized  # noqa: F401  registers embedding_byte for int8 files
            import torch
            from executorch.runtime import Runtime
        except ImportError as e:
            raise missing_extra("executorch", "running a .pte", e) from None
        self._torch = torch
        try:
            self.program = Runtime.get().load_program(Path(path))
            names = set(self.program.method_names)
        except Exception as e:  # the runtime raises RuntimeError / ValueError on malformed flatbuffers
            raise InputError(f"{path}: not a valid .pte artifact ({_first_line(e)})") from None
        if "tokenizer_model" not in names or "tokenizer_config" not in names:
            raise InputError(f"{path}: .pte carries no tokenizer (constant methods tokenizer_model/tokenizer_config); "
                             "convert it with albert-edge convert")
        self._methods: dict[str, object] = {}
        spiece = bytes(self._const("tokenizer_model").numpy().astype(np.uint8).tobytes())
        conf = bytes(self._const("tokenizer_config").numpy().astype(np.uint8).tobytes())
        super().__init__(path, spiece, conf)
        self.method_names = sorted(names)

    def _method(self, name: str):
        if name not in self._methods:
            try:
                self._methods[name] = self.program.load_method(name)
            except Exception as e:
                raise InputError(f"{self.path}: cannot load method {name} ({_first_line(e)})") from None
        return self._methods[name]

    def _const(self, name: str):
        return self._method(name).execute([])[0]

    def method_for(self, seq_len: int) -> str:
        if seq_len == self.seq_lens[-1]:
            return "forward"
        if f"forward_{seq_len}" in self.method_names:
            return f"forward_{seq_len}"
        raise InputError(f"{self.path}: no method for sequence length {seq_len}; lengths: {self.seq_lens}")

    def run(self, input_ids, attention_mask, method: str | None = None) -> np.ndarray:
        t = self._torch
        ids = t.from_numpy(np.ascontiguousarray(input_ids, dtype=np.int64))
        mask = t.from_numpy(np.ascontiguousarray(attention_mask, dtype=np.int64))
        out = self._method(method or self.method_for(ids.shape[1])).execute([ids, mask])[0]
        return out.detach().numpy().astype(np.float32)


class TfliteRunner(_Runner):
    """LiteRT .tflite: signature serving_default (ids, mask, segment_ids int32 [1, L] -> probability, logits), TFLite
    Model Metadata, zip after the flatbuffer. Files from before the metadata layout (input_ids, attention_mask) run
    too; `metadata` is None for them."""

    format = "tflite"
    _FEEDS = {"ids": "ids", "input_ids": "ids", "mask": "mask", "attention_mask": "mask", "segment_ids": "segments"}

    def __init__(self, path: Path, *, num_threads: int | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as e:
            raise missing_extra("tflite", "running a .tflite", e) from None
        from .tflite_metadata import read_metadata

        data = Path(path).read_bytes()
        files = read_appended_zip(data, str(path))
        if SPIECE not in files or TOKENIZER_JSON not in files:
            raise InputError(f"{path}: the zip inside lacks {SPIECE} / {TOKENIZER_JSON}; convert it again")
        try:
            self.interpreter = Interpreter(model_content=data, num_threads=num_threads)
            self._runners = {name: self.interpreter.get_signature_runner(name)
                             for name in self.interpreter.get_signature_list()}
        except Exception as e:
            raise InputError(f"{path}: not a valid .tflite artifact ({_first_line(e)})") from None
        self.metadata = read_metadata(data, str(path))
        super().__init__(path, files[SPIECE], files[TOKENIZER_JSON])

    def run(self, input_ids, attention_mask) -> np.ndarray:
        L = np.asarray(input_ids).shape[1]
        name = "serving_default" if L == self.seq_lens[-1] else f"serving_{L}"
        if name not in self._runners:
            raise InputError(f"{self.path}: no signature for sequence length {L}; lengths: {self.seq_lens}")
        ids = np.asarray(input_ids, dtype=np.int32)
        values = {"ids": ids, "mask": np.asarray(attention_mask, dtype=np.int32), "segments": np.zeros_like(ids)}
        runner = self._runners[name]
        out = runner(**{n: values[self._FEEDS[n]] for n in runner.get_input_details() if n in self._FEEDS})
        return np.asarray(out["logits"], dtype=np.float32)


class OnnxRunner(_Runner):
    """ONNX Runtime .onnx (dynamic batch and length); tokenizer sidecars spiece.model + tokenizer.json beside it."""

    format = "onnx"

    def __init__(self, path: Path, *, num_threads: int | None = None):
        try:
            import onnxruntime as ort
        except ImportError as e:
            raise missing_extra("onnx", "running a .onnx", e) from None
        path = Path(path)
        side = {n: path.parent / n for n in (SPIECE, TOKENIZER_JSON)}
        absent = [str(p) for p in side.values() if not p.is_file()]
        if absent:
            raise InputError(f"{path}: tokenizer sidecar {absent[0]} missing; keep the .onnx in its converted folder")
        opts = ort.SessionOptions()
        if num_threads:
            opts.intra_op_num_threads = num_threads
        try:
            self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        except Exception as e:
            raise InputError(f"{path}: not a valid .onnx artifact ({_first_line(e)})") from None
        super().__init__(path, side[SPIECE].read_bytes(), side[TOKENIZER_JSON].read_bytes())

    def run(self, input_ids, attention_mask) -> np.ndarray:
        out = self.session.run(["logits"], {"input_ids": np.asarray(input_ids, dtype=np.int64),
                                            "attention_mask": np.asarray(attention_mask, dtype=np.int64)})
        return np.asarray(out[0], dtype=np.float32)


RUNNERS = {"executorch": PteRunner, "tflite": TfliteRunner, "onnx": OnnxRunner}


def open_artifact(path: str | Path) -> _Runner:
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    return RUNNERS[detect_format(path)](path)


class ArtifactPredictor:
    """Tokenize with the bundled tokenizer, pad to the artifact's length, run, softmax."""

    def __init__(self, runner: _Runner, *, max_length: int | None = None):
        self.runner = runner
        longest = runner.seq_lens[-1]
        if max_length is not None and max_length > longest:
            raise InputError(f"--max-length {max_length} exceeds the artifact's sequence length {longest} "
                             f"(lengths: {runner.seq_lens})")
        if max_length is not None and max_length < 3:
            raise InputError("--max-length must be at least 3 ([CLS] token [SEP])")
        self.max_length = max_length or longest
        fits = [L for L in runner.seq_lens if L >= self.max_length]
        self.seq_len = fits[0] if runner.format != "onnx" else self.max_length

    def predict(self, texts: list[str]) -> list:
        from albert_edge.predict import Prediction, softmax

        tok, pad = self.runner.tokenizer, self.runner.tokenizer.special_ids["pad"]
        out = []
        for text in texts:
            e = tok.encode(text, max_length=self.max_length)
            n = self.seq_len - len(e.ids)
            ids = np.asarray([e.ids + [pad] * n], dtype=np.int64)
            mask = np.asarray([e.attention_mask + [0] * n], dtype=np.int64)
            logits = [float(x) for x in self.runner.run(ids, mask).reshape(-1)]
            probs = softmax(logits)
            out.append(Prediction(self.runner.labels[probs.index(max(probs))], probs, logits, e.truncated))
        return out


def load_artifact_predictor(path: str | Path, *, max_length: int | None = None) -> ArtifactPredictor:
    return ArtifactPredictor(open_artifact(path), max_length=max_length)


def read_bundled_files(path: str | Path) -> dict[str, bytes]:
    """{spiece.model, tokenizer.json} bytes as the artifact carries them (inside for .pte/.tflite, sidecars for .onnx)."""
    r = open_artifact(path)
    return {SPIECE: r.tokenizer_bytes, TOKENIZER_JSON: json.dumps(r.config).encode("utf-8")}
