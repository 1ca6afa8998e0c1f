"""Static token vectors distilled from the sentence-transformer (model2vec): the fast CPU path.

:class:`StaticEmbedder` distils static token vectors from the same MiniLM with model2vec at first
use and caches them on disk: a text's vector is then a weighted mean of table rows, some hundreds
of times faster than the transformer on a CPU, for the fast tagging mode.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np
from filelock import FileLock

from insightkit.embed.cache import default_cache_dir
from insightkit.embed.load import (
    DEFAULT_MODEL_NAME,
    _offline,
    _quiet_load,
    default_encoder_path,
    default_encoder_path_or_none,
    model_weights_hash,
)
from insightkit.errors import ModelError
from insightkit.integrity import file_sha256


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
        self.source_path = Path(model_path) if model_path is not None else default_encoder_path()
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
        cache_dir = self._cache_dir
        if cache_dir is False:
            return None
        base = default_cache_dir() if cache_dir is None or cache_dir is True else Path(cache_dir)
        return base / "static" / self.key[:24]

    @property
    def name(self) -> str:
        src = DEFAULT_MODEL_NAME if self.source_path == default_encoder_path_or_none() else str(self.source_path)
        return f"model2vec:{src}"

    @property
    def model_hash(self) -> str:
        """sha256 of the distilled vector table (float32, C order)."""
        if self._hash is None:
            self.model  # noqa: B018 - loads or distils, which sets the hash
        if self._hash is None:
            raise ModelError("the static vectors were loaded without their sha256")
        return self._hash

    @property
    def dim(self) -> int:
        return int(self.model.embedding.shape[1])

    @property
    def max_length(self) -> int | None:
        """Longest token sequence model2vec reads (``settings["max_length"]``; None: no limit of ours)."""
        value = self.settings["max_length"]
        if value is not None and not isinstance(value, int):
            raise ModelError(f"static vector setting max_length must be an integer or None, not {value!r}")
        return value

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
                           max_length=self.max_length,
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
        # one process distils; the others wait, then load its result
        with FileLock(str(folder.parent / f"{folder.name}.lock")):
            loaded = self._load_folder(folder)
            if loaded is not None:
                return loaded
            vectors, tok = self._distill()
            self._save_folder(folder, vectors, tok)
            loaded = self._load_folder(folder)
            if loaded is None:  # pragma: no cover - just written
                raise ModelError(f"static embeddings written to {folder} could not be read back")
            return loaded

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
                "source": {"name": DEFAULT_MODEL_NAME if self.source_path == default_encoder_path_or_none()
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
                                 use_multiprocessing=True, max_length=self.max_length)
        vecs = np.nan_to_num(np.asarray(vecs, dtype=np.float32), copy=False)
        self.n_encoded += len(texts)
        return vecs

    encode = encode_uncached
    __call__ = encode_uncached

    def fingerprint(self) -> np.ndarray:
        """Vectors of :data:`STATIC_PROBES`: compared by a model folder to check the table it gets."""
        return self.encode_uncached(list(STATIC_PROBES))

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
