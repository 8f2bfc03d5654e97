"""Hugging Face ALBERT folders in and out: config.json, model.safetensors (or a plain pytorch_model.bin), and the
tokenizer: spiece.model (SentencePiece) or vocab.txt (WordPiece, the Chinese ALBERT checkpoints).

Strict by design: every key and every shape is checked and a mismatch names the key, the expected and the found
shape. Weights are read with safetensors or `torch.load(weights_only=True)` — never a plain unpickle.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from .errors import CheckpointError, first_line
from .files import staged_folder
from .model import TASK_MODELS, AlbertConfig, AlbertForSequenceClassification

CONFIG = "config.json"
SAFETENSORS = "model.safetensors"
TORCH_BIN = "pytorch_model.bin"
SPIECE = "spiece.model"
TOKENIZER_CONFIG = "tokenizer_config.json"
# A checkpoint's tokenizer: spiece.model (SentencePiece) or vocab.txt (WordPiece), with HF's config files.
TOKENIZER_FILES = (SPIECE, "vocab.txt", TOKENIZER_CONFIG, "tokenizer.json")

# Keys a checkpoint may legitimately omit: tied to another tensor, or buffers HF used to persist.
TIED = {"predictions.decoder.weight": "albert.embeddings.word_embeddings.weight", "predictions.decoder.bias": "predictions.bias"}
IGNORED_SUFFIXES = ("embeddings.position_ids", "embeddings.token_type_ids")


@dataclass
class Checkpoint:
    model: nn.Module
    config: AlbertConfig
    folder: Path
    tokenizer_path: Path | None

    @property
    def labels(self) -> list[str]:
        return self.config.labels


def read_config(folder: Path) -> tuple[AlbertConfig, dict]:
    path = Path(folder) / CONFIG
    if not Path(folder).is_dir():
        raise CheckpointError(f"{folder}: not a folder; give an HF ALBERT folder with config.json and model.safetensors")
    if not path.is_file():
        raise CheckpointError(f"{path}: config.json missing; an HF ALBERT folder needs config.json, model.safetensors, spiece.model")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e}); re-export it with save_pretrained") from None
    if not isinstance(raw, dict) or raw.get("model_type") != "albert":
        found = raw.get("model_type") if isinstance(raw, dict) else type(raw).__name__
        raise CheckpointError(f"{path}: model_type is {found!r}, not 'albert'; albert-edge loads ALBERT checkpoints only "
                              "(use `albert-edge distill` to turn another family into an ALBERT student)")
    if raw.get("position_embedding_type", "absolute") != "absolute":
        raise CheckpointError(f"{path}: position_embedding_type {raw['position_embedding_type']!r} is not supported; only 'absolute'")
    try:
        return AlbertConfig.from_hf_dict(raw), raw
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: invalid ALBERT config: {e}") from None


def read_state_dict(folder: Path) -> dict[str, torch.Tensor]:
    folder = Path(folder)
    st, binf = folder / SAFETENSORS, folder / TORCH_BIN
    if st.is_file():
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        try:
            return load_file(str(st))
        except (SafetensorError, OSError, ValueError, RuntimeError) as e:
            raise CheckpointError(f"{st}: unreadable safetensors file ({e}); it may be truncated — copy it again") from None
    if binf.is_file():
        try:
            sd = torch.load(str(binf), map_location="cpu", weights_only=True)
        except Exception as e:  # weights_only refuses pickled code; torch raises UnpicklingError/RuntimeError
            first = first_line(e)
            raise CheckpointError(f"{binf}: refused — not a plain tensor state dict ({first}); nothing in it was executed. "
                                  "Convert it to model.safetensors with a trusted tool") from None
        if not isinstance(sd, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in sd.items()):
            raise CheckpointError(f"{binf}: not a plain state dict of tensors")
        return sd
    raise CheckpointError(f"{folder}: no weights; expected {SAFETENSORS} (or {TORCH_BIN})")


def _architecture(raw: dict, state: dict[str, torch.Tensor]) -> str:
    for arch in raw.get("architectures") or []:
        if arch in TASK_MODELS:
            return arch
    if any(k.startswith("classifier.") for k in state):
        return "AlbertForSequenceClassification"
    raise CheckpointError(f"architectures {raw.get('architectures')} has no head albert-edge can load; "
                          f"supported: {sorted(TASK_MODELS)}")


def load_state_strict(model: nn.Module, state: dict[str, torch.Tensor], *, where: str) -> None:
    """Copy `state` into `model`, failing on any missing, unexpected or mis-shaped key."""
    state = {k: v for k, v in state.items() if not k.endswith(IGNORED_SUFFIXES)}
    expected = model.state_dict()
    wants_prefix, has_prefix = any(k.startswith("albert.") for k in expected), any(k.startswith("albert.") for k in state)
    if wants_prefix and not has_prefix:  # a bare AlbertModel checkpoint loaded under a task head
        state = {f"albert.{k}": v for k, v in state.items()}
    elif has_prefix and not wants_prefix:  # a task checkpoint loaded as a bare encoder: heads are unexpected keys
        state = {k.removeprefix("albert."): v for k, v in state.items()}
    missing = [k for k in expected if k not in state and k not in TIED]
    unexpected = [k for k in state if k not in expected]
    if missing:
        raise CheckpointError(f"{where}: missing key {missing[0]} (expected shape {tuple(expected[missing[0]].shape)})"
                              + (f" and {len(missing) - 1} more" if len(missing) > 1 else ""))
    if unexpected:
        raise CheckpointError(f"{where}: unexpected key {unexpected[0]} (shape {tuple(state[unexpected[0]].shape)})"
                              + (f" and {len(unexpected) - 1} more" if len(unexpected) > 1 else "")
                              + "; does config.json match the weights?")
    for k, v in state.items():
        if tuple(v.shape) != tuple(expected[k].shape):
            raise CheckpointError(f"{where}: key {k} has shape {tuple(v.shape)}, expected {tuple(expected[k].shape)} from config.json")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=False)


def load_checkpoint(folder: str | os.PathLike, *, task: str | None = None, require_tokenizer: bool = True) -> Checkpoint:
    """Load an HF ALBERT folder into albert-edge's model. `task` forces an architecture (e.g. 'AlbertForMaskedLM')."""
    folder = Path(folder)
    cfg, raw = read_config(folder)
    state = read_state_dict(folder)
    arch = task or _architecture(raw, state)
    model = TASK_MODELS[arch](cfg)
    load_state_strict(model, state, where=str(folder))
    model.eval()
    tokenizer_path = None
    if require_tokenizer:
        from .errors import TokenizerError
        from .tokenizer import KINDS, detect_kind, load_tokenizer

        try:  # which kind (SentencePiece or WordPiece) the checkpoint's own tokenizer files say
            kind = detect_kind(folder)
            tok = load_tokenizer(folder)
        except TokenizerError as e:
            raise CheckpointError(str(e)) from None
        tokenizer_path = folder / KINDS[kind][1]
        if tok.vocab_size != cfg.vocab_size:
            raise CheckpointError(f"{tokenizer_path}: tokenizer has {tok.vocab_size} entries but config.json says "
                                  f"vocab_size {cfg.vocab_size}; they must be the same vocabulary")
    else:
        tokenizer_path = next((folder / n for n in TOKENIZER_FILES[:2] if (folder / n).is_file()), None)
    return Checkpoint(model=model, config=cfg, folder=folder, tokenizer_path=tokenizer_path)


def save_checkpoint(model: nn.Module, folder: str | os.PathLike, *, tokenizer_dir: str | os.PathLike | None = None,
                    overwrite: bool = True, extra_config: dict | None = None) -> Path:
    """Write an HF folder `transformers` loads (`from_pretrained`); atomically: a temp folder renamed into place."""
    from safetensors.torch import save_file

    folder = Path(folder)
    if folder.exists() and not overwrite:
        raise CheckpointError(f"{folder}: exists; pass overwrite to replace it")
    with staged_folder(folder) as tmp:
        cfg: AlbertConfig = model.config
        conf = cfg.to_hf_dict() | {"architectures": [type(model).hf_architecture]} | (extra_config or {})
        (tmp / CONFIG).write_text(json.dumps(conf, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        state = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items() if k not in TIED}
        save_file(state, str(tmp / SAFETENSORS), metadata={"format": "pt"})
        if tokenizer_dir is not None:
            for name in TOKENIZER_FILES:
                if (Path(tokenizer_dir) / name).is_file():
                    shutil.copyfile(Path(tokenizer_dir) / name, tmp / name)
    return folder


def new_model(cfg: AlbertConfig, *, seed: int = 0) -> AlbertForSequenceClassification:
    torch.manual_seed(seed)
    return AlbertForSequenceClassification(cfg).eval()
