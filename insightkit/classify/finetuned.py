"""The fine-tuned encoder of a model being fitted: trained once per data and settings, kept on disk.

Fine-tuning takes minutes on a CPU, so the encoder is stored in the user's cache under a key made of
everything that decides its weights (the base encoder's weights, the texts, labels and weights, the
settings and the seed); refitting the same model (a threshold experiment, a second ``insightkit
train`` run) reuses it. Saving a model copies the encoder into the model folder (``encoder/``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

__all__ = ["fine_tuned_encoder", "ENCODER_DIR"]

#: the sub-folder of a model folder that holds its fine-tuned encoder
ENCODER_DIR = "encoder"


def fine_tuned_encoder(model, texts: list[str], Y: np.ndarray, sample_weight: np.ndarray | None) -> Path:
    """The folder of ``model``'s encoder fine-tuned on ``texts``/``Y`` (from the cache, or trained now)."""
    from insightkit.classify.persist import training_data_hash
    from insightkit.embed import default_cache_dir, default_encoder_path, model_weights_hash
    from insightkit.embed.finetune import FineTuneSettings, fine_tune_encoder

    if sample_weight is not None:  # texts weighted 0 never reach the encoder (nor its cache key)
        keep = np.flatnonzero(sample_weight > 0)
        texts, Y, sample_weight = [texts[i] for i in keep], Y[keep], sample_weight[keep]
        if np.all(sample_weight == 1.0):
            sample_weight = None
    settings = FineTuneSettings.from_dict(model.fine_tune)
    base = Path(model.embedding_model) if model.embedding_model else default_encoder_path()
    key = hashlib.sha256(json.dumps({
        "base": model_weights_hash(base),
        "data": training_data_hash(texts, Y, [f"t{j}" for j in range(Y.shape[1])], sample_weight),
        "settings": settings.to_dict(),
        "seed": int(model.seed),
        "format": 1,
    }, sort_keys=True).encode()).hexdigest()[:32]
    root = default_cache_dir() / "encoders"
    folder = root / key
    if (folder / "fine_tuned.json").is_file() and (folder / "model.safetensors").is_file():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=root))
    try:
        fine_tune_encoder(texts, Y, tmp / "encoder", base=base, settings=settings, sample_weight=sample_weight,
                          seed=int(model.seed), show_progress=bool(model.show_progress))
        try:
            os.replace(tmp / "encoder", folder)
        except OSError:  # another process finished the same encoder first: use theirs
            if not (folder / "model.safetensors").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
