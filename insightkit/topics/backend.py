"""BERTopic plumbing for :class:`~insightkit.topics.model.TopicModel`: our encoder as its embedding
backend, its logging kept quiet, and its saved files loaded without a hub or a pickle."""

from __future__ import annotations

import logging
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np

__all__ = ["quiet", "normalise", "make_backend", "model_hash", "model_path", "load_bertopic"]


@contextmanager
def quiet():
    """Silence UMAP/BERTopic chatter (n_jobs overridden by random_state, pandas copy warnings)."""
    logger = logging.getLogger("BERTopic")
    level = logger.level
    logger.setLevel(logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            yield
        finally:
            logger.setLevel(level)


def normalise(emb: np.ndarray) -> np.ndarray:
    emb = np.asarray(emb, dtype=np.float32)
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.where(norms > 0, norms, 1.0)


def make_backend(embedder):
    """Wrap an Embedder (anything with ``encode(list[str]) -> array``) as a BERTopic backend."""
    from bertopic.backend import BaseEmbedder

    class InsightkitBackend(BaseEmbedder):
        def __init__(self, emb):
            super().__init__()
            self.embedder = emb

        def embed(self, documents, verbose: bool = False) -> np.ndarray:
            docs = [documents] if isinstance(documents, str) else list(documents)
            return normalise(self.embedder.encode(docs))

    return InsightkitBackend(embedder)


def model_hash(embedder) -> str | None:
    return getattr(embedder, "model_hash", None)


def model_path(embedder) -> str | None:
    p = getattr(embedder, "model_path", None)
    return str(p) if p is not None else None


def load_bertopic(path: Path, embedder):
    """BERTopic from safetensors, with our backend instead of a SentenceTransformer it would build."""
    from insightkit.embed.load import _offline

    _offline()  # a saved model name must never send anyone to a hub
    with quiet():
        from bertopic import _save_utils as save_utils
        from bertopic._bertopic import _create_model_from_files

        topics, params, tensors, ctfidf_tensors, ctfidf_config, images = save_utils.load_local_files(path)
        params.pop("embedding_model", None)  # we give the backend ourselves
        bt = _create_model_from_files(topics, params, tensors, ctfidf_tensors, ctfidf_config, images,
                                      warn_no_backend=False)
    if embedder is not None:
        bt.embedding_model = make_backend(embedder)
    return bt
