"""One conversion as the converters see it: the fp32 model, its tokenizer bundle, lengths, int8 recipe, parity inputs.

Also `ExportModule`, the (input_ids, attention_mask) -> logits view every backend exports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from albert_edge.quantize import QuantRecipe, quantize_int8
from albert_edge.tasks import task_of
from albert_edge.verify import PARITY_SENTENCES, Int8Thresholds

from .bundle import TokenizerBundle


class ExportModule(nn.Module):
    """(input_ids, attention_mask) -> logits: the positional signature every backend exports (segment A only);
    logits are (1, C) or, per token, (1, L, C) as the task says.

    model.py is already written for XNNPACK (4-D LayerNorm means, 3-D bmm attention, [CLS] as a slice)."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model.eval()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids, attention_mask)


def fit_length(ids: torch.Tensor, mask: torch.Tensor, seq_len: int, pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Stored (1, n) inputs cut or padded to (1, seq_len)."""
    ids, mask = ids.reshape(1, -1)[:, :seq_len], mask.reshape(1, -1)[:, :seq_len]
    n = seq_len - ids.shape[1]
    if n > 0:
        ids = torch.cat([ids, torch.full((1, n), pad, dtype=ids.dtype)], 1)
        mask = torch.cat([mask, torch.zeros((1, n), dtype=mask.dtype)], 1)
    return ids.to(torch.long), mask.to(torch.long)


@dataclass
class ConversionJob:
    model: nn.Module                      # fp32 eager task model (albert_edge.model.TASK_MODELS; the parity reference)
    tokenizer: object                     # the source's tokenizer (albert_edge.tokenizer.load_tokenizer)
    seq_lens: list[int]
    recipe: QuantRecipe = field(default_factory=QuantRecipe)
    calibration_texts: list[str] | None = None
    calibration_inputs: list[tuple] | None = None  # (input_ids, attention_mask) stored in a quantized checkpoint
    parity_texts: list[str] = field(default_factory=lambda: list(PARITY_SENTENCES))
    int8_thresholds: Int8Thresholds = field(default_factory=Int8Thresholds)

    def __post_init__(self) -> None:
        self.seq_lens = sorted(set(int(x) for x in self.seq_lens))
        self._export = None
        self._int8: dict[int, nn.Module] = {}
        self.cache: dict = {}  # converters keep shared intermediates here (e.g. the float flatbuffer for int8)

    @property
    def labels(self) -> list[str]:
        return self.model.config.labels

    @property
    def task(self):
        return task_of(self.model)

    def output_spec(self, seq_len) -> dict:
        return {"name": "logits", "dtype": "float32", "shape": self.task.output_shape(seq_len, len(self.labels))}

    @property
    def max_len(self) -> int:
        return self.seq_lens[-1]

    def bundle(self, seq_lens: list[int] | None = None) -> TokenizerBundle:
        return TokenizerBundle.from_tokenizer(self.tokenizer, labels=self.labels, seq_lens=seq_lens or self.seq_lens,
                                              task=self.task.name.value)

    def export_module(self) -> nn.Module:
        if self._export is None:
            self._export = ExportModule(self.model).eval()
        return self._export

    def encode(self, texts: list[str], seq_len: int, tokenizer=None) -> list[tuple[np.ndarray, np.ndarray]]:
        """(input_ids, attention_mask) int64 arrays of shape (1, seq_len), padded with the pad id."""
        tok = tokenizer or self.tokenizer
        out = []
        for t in texts:
            e = tok.encode(t, max_length=seq_len, padding=True)
            out.append((np.asarray([e.ids], dtype=np.int64), np.asarray([e.attention_mask], dtype=np.int64)))
        return out

    def example(self, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
        ids, mask = self.encode([self.parity_texts[0]], seq_len)[0]
        return torch.from_numpy(ids), torch.from_numpy(mask)

    def calibration(self, seq_len: int) -> list[tuple[torch.Tensor, torch.Tensor]] | None:
        if self.recipe.activations != "static":
            return None
        if self.calibration_inputs and not self.calibration_texts:
            return [fit_length(ids, mask, seq_len, self.tokenizer.special_ids["pad"]) for ids, mask in self.calibration_inputs]
        texts = self.calibration_texts or self.parity_texts
        return [(torch.from_numpy(i), torch.from_numpy(m)) for i, m in self.encode(texts, seq_len)]

    def int8_model(self, seq_len: int) -> nn.Module:
        """The PT2E int8 model at this length: the int8 PyTorch reference and what the .pte is exported from."""
        if seq_len not in self._int8:
            self._int8[seq_len] = quantize_int8(self.export_module(), self.example(seq_len), recipe=self.recipe,
                                                calibration=self.calibration(seq_len))
        return self._int8[seq_len]

    def pt2e_comparison(self, seq_len: int, inputs, run) -> dict:
        """Informational: a backend's own int8 (LiteRT, ONNX Runtime) vs the PT2E int8 model. Not a gate: the
        backends quantize differently (scales, granularity), so only fp32 parity and argmax are gated for them."""
        from albert_edge.errors import MissingExtraError
        from albert_edge.verify import collect, logit_stats, torch_runner

        try:
            ref = torch_runner(self.int8_model(seq_len))
        except MissingExtraError as e:
            return {"skipped": str(e)}
        return {**logit_stats(collect(ref, inputs), collect(run, inputs)), "gated": False}
