"""Shared test set-up: offline model loading, a private embedding cache, and ../shared lookup."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("INSIGHTKIT_PROGRESS", "0")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` beside the checkout; tests that need it skip cleanly when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent: reference data not available")
    return SHARED_DIR


@pytest.fixture(scope="session", autouse=True)
def _embedding_cache(tmp_path_factory):
    """Tests share one embedding cache of their own, never the user's."""
    if "INSIGHTKIT_CACHE_DIR" not in os.environ:
        os.environ["INSIGHTKIT_CACHE_DIR"] = str(tmp_path_factory.mktemp("ik-cache"))
    yield
