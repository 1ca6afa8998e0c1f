"""Shared test set-up: offline model loading, a private embedding cache, and ../shared lookup."""

from __future__ import annotations

import os
import shutil
import sys
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


# Spark in local mode, shared by the Spark tests (skips cleanly without pyspark or Java)
def _java() -> str | None:
    """The java executable Spark would start: $JAVA_HOME/bin/java, else java on the PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
    if _java() is None:
        pytest.skip("no Java runtime (set JAVA_HOME or put java on the PATH): Spark cannot start")
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    session = (SparkSession.builder.master("local[2]").appName("insightkit-tests")
               .config("spark.ui.enabled", "false")
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.driver.memory", "1g")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def data():
    """The small labelled set of ``_themes_small`` as (texts, 0/1 matrix), for the classifier tests."""
    from _themes_small import THEMES, frame

    df = frame()
    return df["text"].tolist(), df[THEMES].to_numpy()
