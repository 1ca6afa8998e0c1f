"""The lint configuration in pyproject.toml holds for the whole tree (ruff, pinned in constraints.txt)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def test_ruff_finds_nothing():
    pytest.importorskip("ruff", reason="ruff is not installed (pip install -e '.[dev]')")
    cmd = [sys.executable, "-m", "ruff", "check", "--no-cache", "insightkit", "tests", "benchmarks", "docs"]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_declares_its_type_hints():
    assert (REPO / "insightkit" / "py.typed").is_file()
