"""Fine-tune the sentence encoder on labelled texts: embeddings that separate a codebook's themes.

Why: the stock MiniLM was trained to place paraphrases together, not to tell an EPR point from a
strategy point; on real passages a frozen encoder caps a theme classifier well below two human
coders however its heads are tuned (``benchmarks/results/classifier_real.md``). Training the encoder
end to end with a multi-label head (one logit per theme, binary cross-entropy over mean-pooled,
L2-normalised embeddings with a learned scale) moves the embedding itself towards the themes.

The result is a complete sentence-transformers folder (the base folder's configuration and tokenizer
files, and the new weights as ``model.safetensors``), so :class:`~insightkit.embed.Embedder` loads it
like any other; the head is dropped (the classifier fits its own heads on the new embeddings).

Reproducible: the seed fixes the initial head, the batch order and dropout; on the same machine and
thread count the same texts, labels and settings give the same weights. CPU by default; a GPU is used
only when asked (``device="cuda"``) and available.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from insightkit.embed.load import (
    DEFAULT_MODEL_NAME,
    _offline,
    _quiet_load,
    default_encoder_path,
    default_encoder_path_or_none,
    model_weights_hash,
)
from insightkit.errors import ModelError, ParameterError

__all__ = ["FineTuneSettings", "fine_tune_encoder"]

#: files of a sentence-transformers folder that are copied unchanged from the base model
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


@dataclass(frozen=True)
class FineTuneSettings:
    """How the encoder is fine-tuned (stored in a model's meta.json; part of what makes it reproducible)."""

    epochs: float = 3.0
    learning_rate: float = 3e-5
    head_learning_rate: float = 1e-3
    batch_size: int = 16
    max_length: int = 256
    warmup: float = 0.1
    weight_decay: float = 0.01
    max_positive_weight: float = 4.0

    def check(self) -> "FineTuneSettings":
        if not self.epochs > 0:
            raise ParameterError(f"fine-tuning epochs must be positive, got {self.epochs!r}")
        if not (self.learning_rate > 0 and self.head_learning_rate > 0):
            raise ParameterError("fine-tuning learning rates must be positive")
        if int(self.batch_size) < 1 or int(self.max_length) < 8:
            raise ParameterError("fine-tuning needs batch_size >= 1 and max_length >= 8")
        if not 0 <= self.warmup < 1:
            raise ParameterError("fine-tuning warmup must be a fraction in [0, 1)")
        return self

    @classmethod
    def from_dict(cls, d: dict | None) -> "FineTuneSettings":
        d = dict(d or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise ParameterError(f"unknown fine-tuning setting(s) {unknown}; known: {sorted(known)}")
        return cls(**d).check()

    def to_dict(self) -> dict:
        return asdict(self)


def fine_tune_encoder(texts: Sequence[str], Y: np.ndarray, out_dir: str | Path, *,
                      base: str | Path | None = None, settings: FineTuneSettings | dict | None = None,
                      sample_weight: Sequence[float] | np.ndarray | None = None, seed: int = 0, device: str = "cpu",
                      show_progress: bool = False) -> Path:
    """Fine-tune ``base`` (default: the installed MiniLM) on ``texts`` and 0/1 labels ``Y`` (n, k);
    write the encoder to ``out_dir`` (a sentence-transformers folder) and return its path.

    ``sample_weight`` weighs each text's loss (e.g. scarce real passages above written ones).
    """
    import torch

    s = settings if isinstance(settings, FineTuneSettings) else FineTuneSettings.from_dict(settings)
    s.check()
    Ym = np.asarray(Y, dtype=np.float32)
    n = len(texts)
    if Ym.ndim != 2 or Ym.shape[0] != n or n == 0:
        raise ValueError(f"fine-tuning needs texts and a label matrix with one row per text; got {n} texts "
                         f"and labels of shape {Ym.shape}")
    w = np.ones(n, dtype=np.float32) if sample_weight is None else np.asarray(sample_weight, dtype=np.float32)
    if w.shape != (n,) or not np.all(w >= 0) or not w.sum() > 0:
        raise ValueError("sample_weight needs one non-negative weight per text, not all zero")
    base_dir = Path(base) if base else default_encoder_path()
    out = Path(out_dir)
    _offline()
    try:
        from transformers import AutoModel, AutoTokenizer
    except ImportError as exc:  # pragma: no cover
        raise ModelError("fine-tuning the encoder needs transformers and torch") from exc
    try:
        with _quiet_load():
            tok = AutoTokenizer.from_pretrained(str(base_dir), local_files_only=True)
            enc = AutoModel.from_pretrained(str(base_dir), local_files_only=True, dtype=torch.float32)
    except Exception as exc:  # a broken folder must not send anyone to a hub
        raise ModelError(f"could not load the encoder to fine-tune from {base_dir}: {exc}") from exc

    gen = torch.Generator().manual_seed(int(seed))
    torch.manual_seed(int(seed))
    dev = torch.device(device if device.startswith("cuda") and torch.cuda.is_available() else "cpu")
    enc.to(dev)
    dim = int(enc.config.hidden_size)
    head = torch.nn.Linear(dim, Ym.shape[1])
    with torch.no_grad():  # a seeded head, not torch's global default init order
        head.weight.copy_(torch.randn(head.weight.shape, generator=gen) * (1.0 / np.sqrt(dim)))
        head.bias.zero_()
    head.to(dev)
    scale = torch.nn.Parameter(torch.tensor(10.0, device=dev))
    opt = torch.optim.AdamW([
        {"params": enc.parameters(), "lr": s.learning_rate},
        {"params": list(head.parameters()) + [scale], "lr": s.head_learning_rate},
    ], weight_decay=s.weight_decay)
    bs = int(s.batch_size)
    steps = max(1, int(np.ceil(np.ceil(n / bs) * s.epochs)))
    warm = max(1, int(s.warmup * steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: min(1.0, (i + 1) / warm) * max(0.0, (steps - i) / steps))
    pos = np.clip(Ym.mean(axis=0), 1e-3, 1 - 1e-3)
    pos_weight = torch.tensor(np.minimum((1 - pos) / pos, s.max_positive_weight), dtype=torch.float32, device=dev)
    loss_fn = torch.nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)
    texts = [str(t) for t in texts]

    def embed(batch: list[str]):
        b = tok(batch, padding=True, truncation=True, max_length=int(s.max_length), return_tensors="pt").to(dev)
        hidden = enc(**b).last_hidden_state
        mask = b["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        e = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
        return torch.nn.functional.normalize(e, dim=-1)

    from insightkit.progress import progress

    rng = np.random.default_rng(int(seed))
    enc.train()
    step = 0
    with progress(total=steps, desc="fine-tuning the encoder", unit="batch",
                  disable=None if show_progress else True) as bar:
        while step < steps:
            order = rng.permutation(n)
            for i in range(0, n, bs):
                if step >= steps:
                    break
                idx = order[i:i + bs]
                logits = head(embed([texts[j] for j in idx]) * scale)
                target = torch.from_numpy(Ym[idx]).to(dev)
                weight = torch.from_numpy(w[idx]).to(dev)
                loss = (loss_fn(logits, target).mean(dim=1) * weight).sum() / weight.sum()
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                step += 1
                bar.update(1)
    enc.eval()
    _write_folder(enc.to("cpu"), base_dir, out, s, seed=int(seed), n_texts=n)
    return out


def _write_folder(enc, base_dir: Path, out: Path, s: FineTuneSettings, *, seed: int, n_texts: int) -> None:
    """The base folder's files with the new weights: a folder Embedder and model2vec load as they are."""
    from safetensors.torch import save_file

    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(base_dir, out, ignore=shutil.ignore_patterns(*_WEIGHT_FILES, "*.onnx", "onnx", "openvino",
                                                                    "README.md", ".*"))
    state = {k: v.detach().contiguous() for k, v in enc.state_dict().items()}
    save_file(state, str(out / "model.safetensors"), metadata={"format": "pt"})
    base = DEFAULT_MODEL_NAME if base_dir == default_encoder_path_or_none() else base_dir.name
    (out / "fine_tuned.json").write_text(json.dumps(
        {"base": base, "base_sha256": model_weights_hash(base_dir), "settings": s.to_dict(), "seed": seed,
         "n_texts": n_texts}, indent=2) + "\n", encoding="utf-8")
