"""The sentence-transformer encoder: cached, with a GPU path.

``Embedder(device="cuda")`` encodes on a GPU in fp16 with length-bucketed batches, tokenisation in
parallel and ahead of the GPU, and pinned host memory (plain sentence-transformers leaves a GPU
mostly waiting for the host). Without CUDA it falls back to the CPU.
"""

from __future__ import annotations

import json
import os
import sqlite3
import warnings
from pathlib import Path
from typing import Sequence

import numpy as np

from insightkit.embed.cache import EmbeddingCache, _Memory, default_cache_dir
from insightkit.embed.load import (
    DEFAULT_MODEL_NAME,
    _offline,
    _quiet_load,
    cuda_available,
    default_encoder_path,
    default_encoder_path_or_none,
    model_weights_hash,
)
from insightkit.errors import ModelError


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
        self.model_path = Path(model_path) if model_path is not None else default_encoder_path()
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
        return DEFAULT_MODEL_NAME if self.model_path == default_encoder_path_or_none() else str(self.model_path)

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
        cache_dir = self._cache_dir
        if self._cache is None and cache_dir is not False:
            directory = default_cache_dir() if cache_dir is None or cache_dir is True else Path(cache_dir)
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
            futures = {n: pool.submit(prepare, b) for n, b in enumerate(batches[:ahead])}
            for n, batch in enumerate(batches):
                if n + ahead < len(batches):
                    futures[n + ahead] = pool.submit(prepare, batches[n + ahead])
                t_ids, t_mask = futures.pop(n).result()  # popped: the host copy is freed
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


_EMBEDDERS: dict[tuple, Embedder] = {}


def get_embedder(model_path: str | Path | None = None, *, device: str | None = None,
                 cache_dir: str | Path | None | bool = None) -> Embedder:
    """One shared Embedder per (model, device, cache): the encoder loads once per process."""
    key = (str(model_path) if model_path else None, device, str(cache_dir))
    emb = _EMBEDDERS.get(key)
    if emb is None:
        emb = _EMBEDDERS[key] = Embedder(model_path, device=device, cache_dir=cache_dir)
    return emb
