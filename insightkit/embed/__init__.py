"""Sentence embeddings from the locally installed model, with an on-disk cache.

The encoder is the slowest step on a CPU (tens of texts a second), so every vector is cached on
disk keyed by the model's weights hash and the text: a second run over the same batch, or a later
stage (topics, quotes) over the same segments, never encodes a text twice. Weights are loaded only
from an installed package or a folder the user names; nothing is ever fetched from a hub.

* :mod:`.encoder` - :class:`Embedder` (the sentence-transformer, with a GPU path) and :func:`get_embedder`
* :mod:`.cache` - :class:`EmbeddingCache` (SQLite on disk) and the in-process memory
* :mod:`.static` - :class:`StaticEmbedder`: static vectors distilled with model2vec, the fast CPU path
* :mod:`.load` - where the encoder is (:func:`default_encoder_path`), its weights hash, a quiet offline load
"""

from insightkit.embed.cache import EmbeddingCache, default_cache_dir
from insightkit.embed.encoder import Embedder, get_embedder
from insightkit.embed.load import (
    DEFAULT_MODEL_NAME,
    cuda_available,
    default_encoder_path,
    default_encoder_path_or_none,
    model_weights_hash,
)
from insightkit.embed.static import (
    STATIC_DEFAULTS,
    STATIC_FORMAT,
    STATIC_PROBES,
    StaticEmbedder,
    get_static_embedder,
)

__all__ = [
    "DEFAULT_MODEL_NAME",
    "default_encoder_path",
    "default_encoder_path_or_none",
    "model_weights_hash",
    "cuda_available",
    "Embedder",
    "EmbeddingCache",
    "StaticEmbedder",
    "STATIC_DEFAULTS",
    "STATIC_FORMAT",
    "STATIC_PROBES",
    "get_embedder",
    "get_static_embedder",
    "default_cache_dir",
]
