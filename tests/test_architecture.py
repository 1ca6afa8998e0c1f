"""The layout shows the data flow: stages import only from their own stage or a lower one.

files -> io -> clean -> redact -> embed -> classify -> topics -> quotes -> report -> pipeline -> cli.
See docs/architecture.md. The import graph is read from the source (every ``import``, at module
level or inside a function), so a lazy import cannot hide an upward dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "insightkit"

#: stage of each module, by the longest matching module prefix; lower numbers are lower layers
STAGES = {
    "insightkit": 0,  # __init__ re-exports lazily (checked apart)
    "insightkit.errors": 0,
    "insightkit.progress": 0,
    "insightkit.integrity": 0,
    "insightkit.alignment": 0,
    "insightkit.segments": 0,
    "insightkit.sentences": 0,
    "insightkit.names": 0,
    "insightkit.nlp": 0,
    "insightkit.io": 1,
    "insightkit.clean": 2,
    "insightkit.redact": 3,
    "insightkit.embed": 4,
    "insightkit.codebook": 5,
    "insightkit.ngrams": 5,
    "insightkit.classify": 5,
    "insightkit.evaluate": 5,
    "insightkit.stream": 5,
    "insightkit.topics": 6,
    "insightkit.quotes": 7,
    "insightkit.report": 8,
    "insightkit.export": 1,  # files out: table writers used by tagging and reports alike
    "insightkit.pipeline": 9,
    "insightkit.spark": 9,
    "insightkit.cli": 10,
    "insightkit.__main__": 10,
}
MAX_LINES = 600


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PKG.rglob("*.py"))}


def _exported_module(name: str) -> str | None:
    """The module a name imported from the package root really comes from (the root re-exports lazily)."""
    import insightkit

    if name == "__version__":
        return None
    return insightkit._EXPORTS.get(name, f"insightkit.<unknown root name {name}>")


def _imports(name: str, path: Path, modules: dict[str, Path], source: str | None = None) -> set[str]:
    """insightkit modules that ``name`` imports: relative imports resolved, ``from pkg import mod``,
    names taken from the package root mapped to the module that defines them, attribute use of an
    imported root (``ik.read``) and ``importlib.import_module("insightkit...")`` with a literal."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(source if source is not None else path.read_text(encoding="utf-8"))
    out: set[str] = set()
    root_aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "insightkit":
                for a in node.names:
                    if f"insightkit.{a.name}" in modules:
                        out.add(f"insightkit.{a.name}")
                    elif (real := _exported_module(a.name)) is not None:
                        out.add(real)
            elif target.startswith("insightkit."):
                subs = {f"{target}.{a.name}" for a in node.names} & modules.keys()
                out |= subs or {target}
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name == "insightkit":
                    root_aliases.add(a.asname or "insightkit")
                elif a.name.startswith("insightkit."):
                    out.add(a.name)
                    if a.asname is None:
                        root_aliases.add("insightkit")
        elif isinstance(node, ast.Call):
            f = node.func
            called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if called in ("import_module", "__import__") and node.args:
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and arg.value.startswith("insightkit"):
                    out.add(arg.value)
    if root_aliases:  # ``import insightkit as ik; ik.read(...)``: the attribute names the module used
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in root_aliases:
                if f"insightkit.{node.attr}" in modules:
                    out.add(f"insightkit.{node.attr}")
                elif (real := _exported_module(node.attr)) is not None:
                    out.add(real)
    out.discard(name)
    return out


def stage_of(name: str) -> int:
    best = max((p for p in STAGES if name == p or name.startswith(p + ".")), key=len, default=None)
    if best is None:
        raise AssertionError(f"{name} has no stage in tests/test_architecture.py STAGES: give it one")
    return STAGES[best]


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def test_every_module_has_a_stage(graph):
    for name, targets in graph.items():
        stage_of(name)
        unknown = [t for t in targets if "<unknown" in t]
        assert not unknown, f"{name} imports names the package root does not export: {unknown}"


def test_the_graph_sees_every_way_of_importing():
    """A lower stage cannot hide an upward import behind the package root, an alias or importlib."""
    modules = {_module_name(p): p for p in PKG.rglob("*.py")}
    path = PKG / "io" / "vtt.py"
    cases = {
        "from insightkit import build_report": "insightkit.pipeline",
        "import insightkit as ik\nik.redact('x')": "insightkit.redact",
        "import importlib\nimportlib.import_module('insightkit.clean')": "insightkit.clean",
        "from insightkit.quotes import select_quotes": "insightkit.quotes",
        "from ..redact import Redactor": "insightkit.redact",
        "def f():\n    import insightkit.topics.model as m": "insightkit.topics.model",
        "import insightkit.classify\ninsightkit.classify.load_model()": "insightkit.classify",
    }
    for src, module in cases.items():
        found = _imports("insightkit.io.vtt", path, modules, source=src)
        assert module in found, (src, found)
        assert any(stage_of(t) > stage_of("insightkit.io.vtt") for t in found), src
    assert _imports("insightkit.io.vtt", path, modules, source="from insightkit import __version__") == set()


def test_no_upward_imports(graph):
    upward = []
    for name, targets in graph.items():
        if name == "insightkit":
            continue
        for t in targets:
            if stage_of(t) > stage_of(name):
                upward.append(f"{name} (stage {stage_of(name)}) imports {t} (stage {stage_of(t)})")
    assert not upward, "\n".join(sorted(upward))


def test_named_boundaries(graph):
    """The boundaries the design names: readers never clean or redact; cleaning never reads files."""
    def reaches(prefix, other):
        return sorted(f"{n} -> {t}" for n, ts in graph.items() if n.startswith(prefix)
                      for t in ts if t.startswith(other))

    assert reaches("insightkit.io", "insightkit.clean") == []
    assert reaches("insightkit.io", "insightkit.redact") == []
    assert reaches("insightkit.clean", "insightkit.io") == []
    assert reaches("insightkit.redact", "insightkit.io") == []
    assert reaches("insightkit.redact", "insightkit.clean") == []


def test_no_import_cycles(graph):
    seen: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(n):
        seen[n] = 1
        stack.append(n)
        for t in sorted(graph.get(n, ())):
            if t not in graph:
                continue
            if seen.get(t) == 1:
                cycle = stack[stack.index(t):] + [t]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if t not in seen:
                visit(t)
        stack.pop()
        seen[n] = 2

    for n in sorted(graph):
        if n not in seen and n != "insightkit":
            visit(n)


def test_no_module_is_too_long():
    long = {str(p.relative_to(PKG.parent)): n for p in PKG.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_one_sentence_splitter():
    """Sentences are found in one place (insightkit/sentences.py): not by spaCy's parser or senter, NLTK,
    or a regular expression that splits at a sentence-end character class and white space anywhere else
    (a check that a line ends with punctuation is not a splitter)."""
    import re

    end_class = re.compile(r"\[(?=[^\]]*\.)(?=[^\]]*!)(?=[^\]]*\?)[^\]]*\]")  # [.!?] in any order
    offenders = []
    for p in PKG.rglob("*.py"):
        if p == PKG / "sentences.py":
            continue
        src = p.read_text(encoding="utf-8")
        hits = [w for w in (".sents", "sentencizer", "senter", "sent_tokenize", "PunktSentence") if w in src]
        for node in ast.walk(ast.parse(src)):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and end_class.search(node.value)
                    and ("\\s" in node.value or "\\n" in node.value)):  # a split: an end, then white space
                hits.append(node.value)
        if hits:
            offenders.append(f"{p.relative_to(PKG.parent)}: {hits}")
    assert not offenders, offenders


def test_public_api_exports_the_pipeline():
    import insightkit

    for name in ("read", "clean", "redact", "ThemeClassifier", "discover_topics", "select_quotes",
                 "build_report", "split_sentences"):
        assert name in insightkit.__all__, name
    assert callable(insightkit.build_report)
    for name, module in insightkit._EXPORTS.items():
        assert stage_of(module) <= 9, f"{name} is exported from {module}, which is not a library stage"
