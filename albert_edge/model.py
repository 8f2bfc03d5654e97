"""The whole ALBERT in one file: config, encoder with factorized embeddings and shared layer groups, task heads.

Module and parameter names follow Hugging Face `transformers` exactly, so a HF `state_dict` maps onto these modules
key for key (see checkpoint.py). The arithmetic is written for export rather than for eager speed:
  * attention is 3-D `bmm` (4-D matmul lowers to expand_copy outside XNNPACK),
  * LayerNorm is mean/variance arithmetic (`native_layer_norm` stays outside the XNNPACK delegate),
  * no data-dependent control flow, no squeeze, shapes derived from the input only through `.shape`,
so `torch.export`, ExecuTorch/XNNPACK and litert-torch take the graph whole. Numerically it is HF's model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields

import torch
import torch.nn.functional as F
from torch import nn

def gelu_tanh(x: torch.Tensor) -> torch.Tensor:
    # HF's NewGELUActivation, written out. Not F.gelu(approximate="tanh"): ExecuTorch 1.5's XNNPACK lowering drops
    # `approximate` and runs the erf GELU (|Δ| up to 4.7e-4 per activation; trained students then miss the 1e-4
    # fp32 parity gate). Plain mul/add/tanh lowers faithfully everywhere.
    return 0.5 * x * (1.0 + torch.tanh(0.7978845608028654 * (x + 0.044715 * (x * x * x))))


# Training (module.training) uses PyTorch's fused kernels for the same functions: the written-out forms above cost
# ~30% of a CPU training step in elementwise passes; only eval graphs are exported, and they keep the written-out form.
FUSED_FOR_TRAINING = {"gelu_new": lambda x: F.gelu(x, approximate="tanh"),
                      "gelu_pytorch_tanh": lambda x: F.gelu(x, approximate="tanh")}

# HF's hidden_act names -> functions. gelu_new is the tanh approximation ALBERT was trained with.
ACTIVATIONS = {
    "gelu": lambda x: F.gelu(x),
    "gelu_new": gelu_tanh,
    "gelu_pytorch_tanh": gelu_tanh,
    "gelu_fast": lambda x: 0.5 * x * (1.0 + torch.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
    "relu": F.relu,
    "silu": F.silu,
    "swish": F.silu,
    "tanh": torch.tanh,
}


@dataclass
class AlbertConfig:
    vocab_size: int = 30000
    embedding_size: int = 128  # E: the factorized embedding width, projected to hidden_size by the encoder
    hidden_size: int = 768
    num_hidden_layers: int = 12  # passes through the (shared) groups
    num_hidden_groups: int = 1  # distinct parameter sets; layer i uses group i * groups // layers
    inner_group_num: int = 1  # layers inside each group, all applied on every pass
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu_new"
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    # dropout acts in training only (eval graphs, and so every export, hold none). 0 as a default, not HF's
    # classifier 0.1: a config.json we write says what training did
    hidden_dropout_prob: float = 0.0
    attention_probs_dropout_prob: float = 0.0
    classifier_dropout_prob: float = 0.0
    pad_token_id: int = 0
    num_labels: int = 2
    id2label: dict[int, str] = field(default_factory=dict)
    problem_type: str | None = None

    def __post_init__(self) -> None:
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"hidden_size {self.hidden_size} is not a multiple of num_attention_heads {self.num_attention_heads}"
            )
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(f"hidden_act {self.hidden_act!r} is not supported; choose one of {sorted(ACTIVATIONS)}")
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "classifier_dropout_prob"):
            if not 0.0 <= getattr(self, name) < 1.0:
                raise ValueError(f"{name} {getattr(self, name)} must be in [0, 1)")
        if not 1 <= self.num_hidden_groups <= self.num_hidden_layers:
            raise ValueError("num_hidden_groups must be between 1 and num_hidden_layers")
        self.id2label = {int(k): str(v) for k, v in self.id2label.items()}
        if self.id2label:
            self.num_labels = len(self.id2label)

    @property
    def labels(self) -> list[str]:
        return [self.id2label.get(i, f"LABEL_{i}") for i in range(self.num_labels)]

    # -- presets -------------------------------------------------------------------------------------------------
    @classmethod
    def base_v2(cls, **kw) -> "AlbertConfig":
        """albert-base-v2: 12 passes of one shared layer, H=768; ~11.7M parameters."""
        return cls(**kw)

    @classmethod
    def tiny(cls, **kw) -> "AlbertConfig":
        """The edge student: E=128, H=312, FFN 1248, one shared layer applied 4 times."""
        base = dict(vocab_size=8000, hidden_size=312, num_hidden_layers=4, num_attention_heads=4,
                    intermediate_size=1248, max_position_embeddings=512)
        return cls(**{**base, **kw})

    @classmethod
    def micro(cls, **kw) -> "AlbertConfig":
        """A test-sized config: runs in milliseconds."""
        base = dict(vocab_size=1000, embedding_size=16, hidden_size=32, num_hidden_layers=2,
                    num_attention_heads=4, intermediate_size=64, max_position_embeddings=64)
        return cls(**{**base, **kw})

    # -- HF config.json ----------------------------------------------------------------------------------------
    def to_hf_dict(self) -> dict:
        d = asdict(self)
        d["id2label"] = {str(i): name for i, name in enumerate(self.labels)}
        d["label2id"] = {name: i for i, name in enumerate(self.labels)}
        d.update(model_type="albert", position_embedding_type="absolute", initializer_range=0.02,
                 bos_token_id=2, eos_token_id=3)
        if d["problem_type"] is None:
            del d["problem_type"]
        return d

    @classmethod
    def from_hf_dict(cls, d: dict) -> "AlbertConfig":
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if "id2label" not in d and "num_labels" in d:
            kw["num_labels"] = d["num_labels"]
        return cls(**kw)


def dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    # a Python branch, not nn.Dropout: the traced eval graph then has no dropout node at all
    return F.dropout(x, p, True) if training and p > 0 else x


def layer_norm(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, eps: float) -> torch.Tensor:
    # Written out so XNNPACK can delegate it: `native_layer_norm` stays outside the delegate, and XNNPACK takes
    # `mean` only over the two inner dims of a 4-D tensor, hence the (B, S, H, 1) view (same elements, same numbers).
    b, s, h = x.shape
    x4 = x.reshape(b, s, h, 1)
    centered = x4 - x4.mean(dim=(2, 3), keepdim=True)
    var = (centered * centered).mean(dim=(2, 3), keepdim=True)
    return (centered * torch.rsqrt(var + eps)).reshape(b, s, h) * weight + bias


class LayerNorm(nn.Module):
    """Drop-in for nn.LayerNorm with HF's parameter names (weight, bias)."""

    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:  # fused kernel (see FUSED_FOR_TRAINING)
            return F.layer_norm(x, x.shape[-1:], self.weight, self.bias, self.eps)
        return layer_norm(x, self.weight, self.bias, self.eps)


class AlbertEmbeddings(nn.Module):
    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.embedding_size, padding_idx=cfg.pad_token_id)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.embedding_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.embedding_size)
        self.LayerNorm = LayerNorm(cfg.embedding_size, cfg.layer_norm_eps)
        self.p = cfg.hidden_dropout_prob

    def forward(self, input_ids: torch.Tensor, token_type_ids: torch.Tensor | None) -> torch.Tensor:
        seq_len = input_ids.shape[1]
        x = self.word_embeddings(input_ids)  # (B, S, E)
        x = x + self.position_embeddings.weight[:seq_len]  # absolute positions 0..S-1, broadcast over batch
        if token_type_ids is None:
            x = x + self.token_type_embeddings.weight[0]  # all segment A; avoids a zeros() tensor in the graph
        else:
            x = x + self.token_type_embeddings(token_type_ids)
        return dropout(self.LayerNorm(x), self.p, self.training)


class AlbertAttention(nn.Module):
    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        h = cfg.hidden_size
        self.num_heads = cfg.num_attention_heads
        self.head_dim = h // cfg.num_attention_heads
        self.query, self.key, self.value = nn.Linear(h, h), nn.Linear(h, h), nn.Linear(h, h)
        self.dense = nn.Linear(h, h)
        self.LayerNorm = LayerNorm(h, cfg.layer_norm_eps)
        self.p_attn, self.p = cfg.attention_probs_dropout_prob, cfg.hidden_dropout_prob

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, s, _ = x.shape
        # (B, S, H) -> (B, nh, S, d) -> (B*nh, S, d): 3-D so the matmuls lower to plain bmm
        return x.reshape(b, s, self.num_heads, self.head_dim).permute(0, 2, 1, 3).reshape(b * self.num_heads, s, self.head_dim)

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        b, s, h = x.shape
        q, k, v = self._heads(self.query(x)), self._heads(self.key(x)), self._heads(self.value(x))
        scores = torch.bmm(q, k.transpose(1, 2)) * (1.0 / math.sqrt(self.head_dim))  # (B*nh, S, S)
        scores = scores.reshape(b, self.num_heads, s, s) + mask_bias  # mask_bias: (B, 1, 1, S) over keys
        probs = dropout(torch.softmax(scores, dim=-1), self.p_attn, self.training).reshape(b * self.num_heads, s, s)
        ctx = torch.bmm(probs, v)  # (B*nh, S, d)
        ctx = ctx.reshape(b, self.num_heads, s, self.head_dim).permute(0, 2, 1, 3).reshape(b, s, h)
        return self.LayerNorm(x + dropout(self.dense(ctx), self.p, self.training))


class AlbertLayer(nn.Module):
    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.attention = AlbertAttention(cfg)
        self.ffn = nn.Linear(cfg.hidden_size, cfg.intermediate_size)
        self.ffn_output = nn.Linear(cfg.intermediate_size, cfg.hidden_size)
        self.full_layer_layer_norm = LayerNorm(cfg.hidden_size, cfg.layer_norm_eps)
        self.act = ACTIVATIONS[cfg.hidden_act]
        self.act_training = FUSED_FOR_TRAINING.get(cfg.hidden_act, self.act)
        self.p = cfg.hidden_dropout_prob

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> torch.Tensor:
        a = self.attention(x, mask_bias)
        act = self.act_training if self.training else self.act
        return self.full_layer_layer_norm(a + dropout(self.ffn_output(act(self.ffn(a))), self.p, self.training))


class AlbertLayerGroup(nn.Module):
    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.albert_layers = nn.ModuleList(AlbertLayer(cfg) for _ in range(cfg.inner_group_num))

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> list[torch.Tensor]:
        states = []
        for layer in self.albert_layers:
            x = layer(x, mask_bias)
            states.append(x)
        return states


class AlbertTransformer(nn.Module):
    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.cfg = cfg
        self.embedding_hidden_mapping_in = nn.Linear(cfg.embedding_size, cfg.hidden_size)  # E -> H
        self.albert_layer_groups = nn.ModuleList(AlbertLayerGroup(cfg) for _ in range(cfg.num_hidden_groups))

    def forward(self, x: torch.Tensor, mask_bias: torch.Tensor) -> list[torch.Tensor]:
        """Hidden states as transformers 5 reports them: after the E->H mapping, then after every layer applied
        (num_hidden_layers passes x inner_group_num layers)."""
        states = [self.embedding_hidden_mapping_in(x)]
        n, g = self.cfg.num_hidden_layers, self.cfg.num_hidden_groups
        for i in range(n):
            states += self.albert_layer_groups[i * g // n](states[-1], mask_bias)  # same modules each pass: sharing
        return states


class AlbertModel(nn.Module):
    """Encoder + optional pooler; HF's `AlbertModel` (the `albert.` prefix in task checkpoints)."""

    def __init__(self, cfg: AlbertConfig, add_pooling_layer: bool = True):
        super().__init__()
        self.config = cfg
        self.embeddings = AlbertEmbeddings(cfg)
        self.encoder = AlbertTransformer(cfg)
        self.pooler = nn.Linear(cfg.hidden_size, cfg.hidden_size) if add_pooling_layer else None

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> tuple[list[torch.Tensor], torch.Tensor | None]:
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        # 0 for kept keys, a huge negative for padding, as HF (finfo.min); shape (B, 1, 1, S)
        mask_bias = (1.0 - attention_mask.to(torch.float32)).reshape(input_ids.shape[0], 1, 1, -1)
        mask_bias = mask_bias * torch.finfo(torch.float32).min
        states = self.encoder(self.embeddings(input_ids, token_type_ids), mask_bias)
        # [CLS] as a slice + reshape: a `select` is not delegated and would cut the pooler into its own partition
        cls = states[-1][:, 0:1, :].reshape(input_ids.shape[0], -1)  # (B, H)
        pooled = torch.tanh(self.pooler(cls)) if self.pooler is not None else None
        return states, pooled


def _init_weights(module: nn.Module, std: float = 0.02) -> None:
    for m in module.modules():
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=std)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=std)


class AlbertForSequenceClassification(nn.Module):
    task = "sequence-classification"
    hf_architecture = "AlbertForSequenceClassification"

    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.config = cfg
        self.albert = AlbertModel(cfg)
        self.classifier = nn.Linear(cfg.hidden_size, cfg.num_labels)
        _init_weights(self)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        _, pooled = self.albert(input_ids, attention_mask, token_type_ids)
        return self.classifier(dropout(pooled, self.config.classifier_dropout_prob, self.training))  # (B, labels)

    def forward_features(self, input_ids, attention_mask=None, token_type_ids=None):
        """Logits plus every hidden state, for distillation."""
        states, pooled = self.albert(input_ids, attention_mask, token_type_ids)
        return self.classifier(dropout(pooled, self.config.classifier_dropout_prob, self.training)), states


class AlbertForTokenClassification(nn.Module):
    task = "token-classification"
    hf_architecture = "AlbertForTokenClassification"

    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.config = cfg
        self.albert = AlbertModel(cfg, add_pooling_layer=False)
        self.classifier = nn.Linear(cfg.hidden_size, cfg.num_labels)
        _init_weights(self)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        states, _ = self.albert(input_ids, attention_mask, token_type_ids)
        # (B, S, num_labels)
        return self.classifier(dropout(states[-1], self.config.classifier_dropout_prob, self.training))


class AlbertMLMHead(nn.Module):
    """HF's `predictions`: H -> E, act, LayerNorm, then the decoder tied to the word embeddings (E -> vocab)."""

    def __init__(self, cfg: AlbertConfig, word_embeddings: nn.Embedding):
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.embedding_size)
        self.LayerNorm = LayerNorm(cfg.embedding_size, cfg.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(cfg.vocab_size))
        self.decoder = nn.Linear(cfg.embedding_size, cfg.vocab_size)
        self.decoder.weight = word_embeddings.weight  # tied, as HF: one tensor, two names
        self.decoder.bias = self.bias
        self.act = ACTIVATIONS[cfg.hidden_act]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.LayerNorm(self.act(self.dense(x))))  # (B, S, vocab)


class AlbertForMaskedLM(nn.Module):
    task = "masked-lm"
    hf_architecture = "AlbertForMaskedLM"

    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.config = cfg
        self.albert = AlbertModel(cfg, add_pooling_layer=False)
        _init_weights(self)
        self.predictions = AlbertMLMHead(cfg, self.albert.embeddings.word_embeddings)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> torch.Tensor:
        states, _ = self.albert(input_ids, attention_mask, token_type_ids)
        return self.predictions(states[-1])


class AlbertForPreTraining(nn.Module):
    """MLM + sentence-order prediction (SOP: are segments A, B in their original order?), as ALBERT was pretrained."""

    task = "pretraining"
    hf_architecture = "AlbertForPreTraining"

    def __init__(self, cfg: AlbertConfig):
        super().__init__()
        self.config = cfg
        self.albert = AlbertModel(cfg)
        _init_weights(self)
        self.predictions = AlbertMLMHead(cfg, self.albert.embeddings.word_embeddings)
        self.sop_classifier = nn.Module()
        self.sop_classifier.classifier = nn.Linear(cfg.hidden_size, 2)  # HF key: sop_classifier.classifier.*

    def forward(self, input_ids, attention_mask=None, token_type_ids=None) -> tuple[torch.Tensor, torch.Tensor]:
        states, pooled = self.albert(input_ids, attention_mask, token_type_ids)
        return self.predictions(states[-1]), self.sop_classifier.classifier(pooled)  # (B,S,V), (B,2)


TASK_MODELS = {
    cls.hf_architecture: cls
    for cls in (AlbertForSequenceClassification, AlbertForTokenClassification, AlbertForMaskedLM, AlbertForPreTraining)
}


def count_parameters(model: nn.Module) -> int:
    """Unique parameters: shared groups and the tied decoder counted once (parameters() deduplicates)."""
    return sum(p.numel() for p in model.parameters())
