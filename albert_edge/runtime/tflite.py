"""LiteRT .tflite in ai_edge_litert: signature serving_default (inputs ids, mask, segment_ids -> probability, logits;
one length, the MediaPipe layout of converters/tflite.py); files from before that layout (input_ids, attention_mask,
serving_<L> per extra length) run too. The bundle is the stored zip appended to the flatbuffer, with checksums.json
covering the flatbuffer body."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from albert_edge.backends import Backend, get_backend
from albert_edge.errors import CorruptArtifactError, first_line
from albert_edge.quiet import quiet_toolchain

from .base import Runner
from .bundle import TOKENIZER_JSON
from .integrity import tflite_parts


class TfliteRunner(Runner):
    """The classic Interpreter. Not LiteRT's CompiledModel, whose XNNPACK weight cache would hold the shared layer's
    packed weights once (bench's device runner uses it): in ai-edge-litert 2.3 it logs accelerator INFO lines at
    first run and at process exit that no option or variable silences, on every predict. So here weights_shared is
    False, and predict says so."""

    backend = Backend.TFLITE.value
    weights_shared = False
    _FEEDS = {"ids": "ids", "input_ids": "ids", "mask": "mask", "attention_mask": "mask", "segment_ids": "segments"}

    def __init__(self, path: Path, *, num_threads: int | None = None, data: bytes | None = None):
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError as e:
            raise get_backend(self.backend).missing("running a .tflite", e) from None
        data = Path(path).read_bytes() if data is None else data
        _, files = tflite_parts(data, str(path))  # body sha256 + zip CRCs before the interpreter sees a byte
        conf = files.pop(TOKENIZER_JSON)
        super().__init__(path, files, conf)
        try:
            with quiet_toolchain():  # "INFO: Created TensorFlow Lite XNNPACK delegate for CPU." on every load
                self.interpreter = Interpreter(model_content=data, num_threads=num_threads)
            self._runners = {name: self.interpreter.get_signature_runner(name)
                             for name in self.interpreter.get_signature_list()}
            self._ran: set[str] = set()
        except Exception as e:
            raise CorruptArtifactError(f"corrupt artifact: {path}: not a loadable .tflite ({first_line(e, 200)})") from None

    def run(self, input_ids, attention_mask) -> np.ndarray:
        L = np.asarray(input_ids).shape[1]
        name = "serving_default" if L == self.seq_lens[-1] else f"serving_{L}"
        if name not in self._runners:
            raise self.no_length(L)
        ids = np.asarray(input_ids, dtype=np.int32)
        values = {"ids": ids, "mask": np.asarray(attention_mask, dtype=np.int32), "segments": np.zeros_like(ids)}
        runner = self._runners[name]
        feeds = {n: values[self._FEEDS[n]] for n in runner.get_input_details() if n in self._FEEDS}
        if name in self._ran:
            out = runner(**feeds)
        else:  # a signature's first run applies the delegate, and prints that INFO line again
            with quiet_toolchain():
                out = runner(**feeds)
            self._ran.add(name)
        return np.asarray(out["logits"], dtype=np.float32)
