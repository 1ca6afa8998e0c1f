"""The worked-example notebooks run top to bottom, and are committed with their outputs.

Each notebook is executed with nbclient in a fresh kernel started from this interpreter (a
kernelspec written for the test, so the kernel is the venv's Python whatever ``python`` means on
PATH), with the notebooks folder as working directory, as Jupyter would run it. The notebooks
write their files under ``$INSIGHTKIT_OUT`` (here a temporary folder; ``out/`` in the checkout
otherwise) and work on small inputs, so each takes a minute or two on 2 cores.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
EXPECTED = ["01_quickstart.ipynb", "02_custom_codebook.ipynb", "03_topics.ipynb", "04_auditing_quotes.ipynb"]
CELL_TIMEOUT = 600


def test_the_four_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_executed(path):
    """Committed run top to bottom (docs/gen_notebook_pages.py --execute): every code cell ran in
    order, none failed, and no machine's folders or real comments from ../shared reached an output."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert nb.get("nbformat") == 4
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cells"
    counts = [c.get("execution_count") for c in code]
    assert all(isinstance(n, int) for n in counts) and counts == sorted(counts), f"{path.name}: not run in order"
    outputs = [o for c in code for o in c.get("outputs", [])]
    assert outputs, f"{path.name}: committed without outputs"
    assert not [o for o in outputs if o.get("output_type") == "error"], f"{path.name}: a cell failed"
    text = json.dumps(outputs)
    for needle in ("/tmp/", "/work/", "/home/", "C:\\\\Users", "pxtextmining (real patient comments)"):
        assert needle not in text, f"{path.name}: {needle!r} in an output"
    assert nb["cells"][0]["cell_type"] == "markdown", f"{path.name} should open with a title cell"


def test_notebook_pages_in_the_docs_are_current():
    """docs/notebooks/<name>.md are rendered from the committed notebooks (docs/gen_notebook_pages.py)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("gen_notebook_pages", REPO / "docs" / "gen_notebook_pages.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for path in NOTEBOOKS:
        page = REPO / "docs" / "notebooks" / f"{path.stem}.md"
        assert page.is_file(), f"{page} is missing: run python docs/gen_notebook_pages.py"
        assert page.read_text(encoding="utf-8") == gen.page(path), f"{page.name} is stale: run python docs/gen_notebook_pages.py"


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory):
    """A 'python3' kernelspec that starts this interpreter, found first through JUPYTER_PATH."""
    pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[dev]')")
    kernelspec = pytest.importorskip("ipykernel.kernelspec", reason="ipykernel is not installed")
    root = tmp_path_factory.mktemp("jupyter")
    kernelspec.write_kernel_spec(path=str(root / "kernels" / "python3"))
    return root


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path, kernel_dir, tmp_path, monkeypatch):
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir) + os.pathsep + os.environ.get("JUPYTER_PATH", ""))
    monkeypatch.setenv("INSIGHTKIT_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("INSIGHTKIT_PROGRESS", "0")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
    assert (tmp_path / "out").exists(), f"{path.name} wrote nothing under INSIGHTKIT_OUT"
