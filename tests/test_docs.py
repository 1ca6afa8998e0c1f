"""The documentation builds, its generated parts are current, and the how-to guides' commands work.

- ``mkdocs build --strict`` passes (broken links, missing pages or unresolvable API names fail it);
- ``docs/reference/cli.md`` is what ``docs/gen_cli_reference.py`` generates from the parser now;
- ``docs/reference/api.md`` documents exactly the public names of ``insightkit.__all__``;
- every number in ``docs/benchmarks.md`` appears in the results file its section names;
- the Getting started page holds the README's two Quickstart commands, as written;
- every bash block marked ``<!-- runnable -->`` in ``docs/howto/`` runs, in order, as a new user
  would run it from the root of a checkout (here: a temporary folder holding a copy of the corpora).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
HOWTO = DOCS / "howto"

RUNNABLE = re.compile(r"<!--\s*runnable\s*-->\s*\n```(?:bash|sh|console)\s*\n(.*?)\n```", re.S)
#: a text block marked like this shows output of the runnable block before it; each line must appear in it
EXPECTED = re.compile(r"<!--\s*expected-output\s*-->\s*\n```text\s*\n(.*?)\n```", re.S)
#: pages whose marked blocks are run: every how-to guide, and Getting started
RUN_PAGES = sorted(HOWTO.glob("*.md")) + [DOCS / "getting-started.md"]


def _load_generator():
    spec = importlib.util.spec_from_file_location("gen_cli_reference", DOCS / "gen_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mkdocs_build_strict(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs is not installed (pip install -e '.[dev]')")
    pytest.importorskip("material", reason="mkdocs-material is not installed")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings is not installed")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    site = tmp_path / "site"
    for page in ["index.html", "getting-started/index.html", "reference/cli/index.html", "reference/api/index.html"]:
        assert (site / page).is_file(), page
    api = (site / "reference" / "api" / "index.html").read_text(encoding="utf-8")
    # mkdocstrings really rendered the docstrings, not just the page
    assert "Build the display string for a quote" in api
    assert 'id="insightkit.classify.ThemeClassifier"' in api or "ThemeClassifier" in api


def test_cli_reference_is_current():
    gen = _load_generator()
    committed = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    assert committed == gen.render(), "docs/reference/cli.md is out of date: run python docs/gen_cli_reference.py"


def test_cli_reference_covers_every_command_and_option():
    import argparse

    from insightkit.cli import build_parser

    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert sub.choices, "the CLI has no commands"
    for name, parser in sub.choices.items():
        assert f"## `insightkit {name}`" in text, name
        section = text.split(f"## `insightkit {name}`", 1)[1].split("\n## ", 1)[0]
        for action in parser._actions:
            for opt in action.option_strings:
                if opt not in ("-h", "--help"):
                    assert opt in section, f"{name}: {opt} missing from cli.md"


def test_api_reference_matches_public_names():
    import insightkit

    text = (DOCS / "reference" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^:::\s*(\S+)\s*$", text, re.M))
    expected = set()
    for name, module in insightkit._EXPORTS.items():
        obj = getattr(insightkit, name)
        defining = getattr(obj, "__module__", None) if (callable(obj) or isinstance(obj, type)) else None
        candidates = {f"{module}.{name}"} | ({f"{defining}.{name}"} if defining else set())
        found = candidates & documented
        assert found, f"insightkit.{name} is not documented in docs/reference/api.md (expected one of {sorted(candidates)})"
        expected |= found
    assert documented == expected, f"api.md documents names that are not public: {sorted(documented - expected)}"


def _number_tokens(text: str) -> list[str]:
    return re.findall(r"(?<![\w.])-?\d[\d,]*\.\d+|(?<![\w.])\d{1,3}(?:,\d{3})+(?![\d])", text)


def test_benchmark_numbers_come_from_results_files():
    text = (DOCS / "benchmarks.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    assert sections, "docs/benchmarks.md has no sections"
    for section in sections:
        title = section.splitlines()[0]
        sources = re.findall(r"`(benchmarks/results/[\w.\-]+)`", section)
        assert sources, f"benchmarks.md section {title!r} names no results file"
        results = "\n".join((REPO / s).read_text(encoding="utf-8") for s in sources)
        for token in _number_tokens(section):
            assert token in results or token.replace(",", "") in results, (
                f"benchmarks.md section {title!r}: {token} is not in {sources}")


def test_scale_page_measurements_come_from_results_files():
    # docs/scale.md: every paragraph or bullet that cites a results file, and every table that
    # follows such a paragraph in the same section, states only numbers found in the files cited
    # (so a measurement cannot drift from its benchmark)
    text = (DOCS / "scale.md").read_text(encoding="utf-8")
    checked, sources = [], []
    for block in re.split(r"\n\s*\n|\n(?=\s*[*-] )", text):
        if block.lstrip().startswith("#"):
            sources = []  # a new section: tables no longer inherit the previous paragraph's sources
        named = re.findall(r"`?(benchmarks/results/[\w.\-]+\.(?:md|json))", block)
        if named:
            sources = named
        elif not (block.lstrip().startswith("|") and sources):
            continue
        present = [s for s in sources if (REPO / s).is_file()]
        results = "\n".join((REPO / s).read_text(encoding="utf-8") for s in present)
        for token in _number_tokens(block):
            assert token in results or token.replace(",", "") in results, (
                f"docs/scale.md states {token} but it is not in {present or sources}:\n{block}")
        checked.append(block)
    assert any("throughput" in b for b in checked) and any("stream_memory" in b for b in checked)
    assert any(b.lstrip().startswith("|") for b in checked), "the measured table is not checked"


def _readme_commands() -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"<!--\s*(?:main|test)-command\s*-->\s*\n```bash\n(.*?)\n```", readme, re.S)


def test_getting_started_shows_the_readme_commands():
    commands = _readme_commands()
    assert len(commands) == 2, "README.md should mark its two Quickstart commands"
    page = (DOCS / "getting-started.md").read_text(encoding="utf-8")
    for cmd in commands:
        assert cmd.strip() in page, f"getting-started.md does not show the README command:\n{cmd}"


def runnable_blocks(path: Path) -> list[str]:
    return [m.group(1) for m in RUNNABLE.finditer(path.read_text(encoding="utf-8"))]


def expected_outputs(path: Path) -> dict[int, list[str]]:
    """Index of a runnable block -> the lines of the expected-output blocks that follow it."""
    text = path.read_text(encoding="utf-8")
    starts = [m.start() for m in RUNNABLE.finditer(text)]
    out: dict[int, list[str]] = {}
    for m in EXPECTED.finditer(text):
        before = [i for i, s in enumerate(starts) if s < m.start()]
        assert before, f"{path.name}: an expected-output block comes before any runnable block"
        out.setdefault(before[-1], []).extend(line for line in m.group(1).splitlines() if line.strip())
    return out


def test_every_howto_has_runnable_commands():
    guides = sorted(HOWTO.glob("*.md"))
    assert guides, "no how-to guides"
    for guide in guides:
        assert runnable_blocks(guide), f"{guide.name} has no <!-- runnable --> bash block"


@pytest.mark.slow
@pytest.mark.parametrize("guide", [str(p.relative_to(DOCS)) for p in RUN_PAGES])
def test_howto_commands_run(guide, tmp_path):
    """Run a page's marked blocks in order, in a fresh folder laid out like a checkout.

    Output shown in the page (``<!-- expected-output -->`` blocks) must be what the commands print.
    """
    work = tmp_path / "checkout"
    (work / "corpora").mkdir(parents=True)
    for sub in ("sample", "labelled"):
        if (REPO / "corpora" / sub).is_dir():
            shutil.copytree(REPO / "corpora" / sub, work / "corpora" / sub)
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["INSIGHTKIT_PROGRESS"] = "0"
    env["HF_HUB_OFFLINE"] = "1"
    env["MPLBACKEND"] = "Agg"
    page = DOCS / guide
    expected = expected_outputs(page)
    blocks = runnable_blocks(page)
    assert blocks, f"{guide} has no runnable block"
    for i, block in enumerate(blocks):
        proc = subprocess.run(["bash", "-euo", "pipefail", "-c", block], cwd=work, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, (
            f"{guide}, runnable block {i + 1} failed (exit {proc.returncode}):\n{block}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- stderr ---\n{proc.stderr[-4000:]}"
        )
        printed = proc.stdout.splitlines()
        for line in expected.get(i, []):
            assert line.strip() in (p.strip() for p in printed), (
                f"{guide}: the page shows output {line!r} that runnable block {i + 1} did not print:\n{proc.stdout[-3000:]}")


def test_notebooks_named_in_the_docs_exist():
    """A page that points to a notebook names one that is in the repository; the codebook guide
    points to the custom-codebook notebook."""
    named = {m for page in DOCS.rglob("*.md") for m in re.findall(r"notebooks/([\w.-]+\.ipynb)", page.read_text("utf-8"))}
    missing = sorted(n for n in named if not (REPO / "notebooks" / n).is_file())
    assert not missing, f"docs name notebooks that do not exist: {missing}"
    assert "notebooks/02_custom_codebook.ipynb" in (DOCS / "codebooks.md").read_text("utf-8")
