"""Codebooks: the themes a classifier tags, as a validated YAML file.

A codebook is what a coding team agrees before reading: each theme has an id (used in column names
such as ``theme_<id>``), a label, a description and, optionally, cues that count (``includes``),
look-alikes that do not (``excludes``) and short ``examples``. The same file feeds the trained
classifier, its zero-shot mode and the reports, so it is checked strictly on load: a typo in a key
would otherwise silently drop a theme's cues. The format is described in ``docs/codebooks.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import yaml

from insightkit.errors import InputError

__all__ = ["Theme", "Codebook", "CodebookError", "DEFAULT_CODEBOOK", "slugify_id"]

#: The default codebook shipped in the package (``insightkit/data/codebooks/``).
DEFAULT_CODEBOOK = "nhs_digital"

#: Theme ids become column names (``theme_<id>``, ``score_<id>``) and file keys: keep them plain.
ID_RX = re.compile(r"^[a-z][a-z0-9_]*$")

_TOP_KEYS = {"name", "description", "version", "themes"}
_THEME_KEYS = {"id", "label", "description", "includes", "excludes", "examples"}
_LIST_KEYS = ("includes", "excludes", "examples")


class CodebookError(InputError):
    """A codebook file or mapping that does not validate; the message names file, theme and field."""


def slugify_id(label: str) -> str:
    """A valid theme id from a free-text label ("Staff manner & attributes" -> "staff_manner_attributes")."""
    slug = re.sub(r"[^a-z0-9]+", "_", str(label).lower()).strip("_")
    if not slug:
        slug = "theme"
    if not slug[0].isalpha():
        slug = f"t_{slug}"
    return slug


@dataclass(frozen=True)
class Theme:
    """One theme of a codebook."""

    id: str
    label: str
    description: str
    includes: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "label": self.label, "description": self.description}
        for key in _LIST_KEYS:
            values = getattr(self, key)
            if values:
                out[key] = list(values)
        return out

    def prototypes(self) -> list[str]:
        """Texts that stand for the theme in zero-shot matching: label + description, cues, examples."""
        head = f"{self.label}. {self.description}".strip()
        return [head, *self.includes, *self.examples]


@dataclass(frozen=True)
class Codebook:
    """An ordered set of themes with unique ids."""

    name: str
    themes: tuple[Theme, ...]
    description: str = ""
    version: str = ""
    source: str | None = field(default=None, compare=False, repr=False)

    # construction --------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: Any, source: str | Path | None = None,
                  lines: Mapping[tuple, int] | None = None) -> "Codebook":
        """Validate a parsed codebook; errors name ``source`` and, where known, the line."""
        src = None if source is None else str(source)
        lines = lines or {}

        def fail(msg: str, where: tuple = ()) -> CodebookError:
            return CodebookError(src or "<codebook>", msg, line=lines.get(where))

        if not isinstance(data, Mapping):
            raise fail(f"a codebook must be a mapping with 'name' and 'themes', got {type(data).__name__}")
        unknown = sorted(set(map(str, data)) - _TOP_KEYS)
        if unknown:
            raise fail(f"unknown top-level key(s) {', '.join(map(repr, unknown))}; "
                       f"allowed: {', '.join(sorted(_TOP_KEYS))}", (unknown[0],))
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise fail("'name' must be a non-empty string", ("name",))
        for key in ("description", "version"):
            value = data.get(key, "")
            if value is None:
                value = ""
            if not isinstance(value, (str, int, float)):
                raise fail(f"'{key}' must be a string", (key,))
        themes_raw = data.get("themes")
        if not isinstance(themes_raw, list) or not themes_raw:
            raise fail("'themes' must be a non-empty list of themes", ("themes",))

        themes: list[Theme] = []
        seen: dict[str, int] = {}
        for i, raw in enumerate(themes_raw):
            where = f"theme #{i + 1}"
            if not isinstance(raw, Mapping):
                raise fail(f"{where}: must be a mapping with id, label and description", ("themes", i))
            tid = raw.get("id")
            if isinstance(tid, str) and tid:
                where = f"theme {tid!r}"
            unknown = sorted(set(map(str, raw)) - _THEME_KEYS)
            if unknown:
                raise fail(f"{where}: unknown field(s) {', '.join(map(repr, unknown))}; "
                           f"allowed: {', '.join(sorted(_THEME_KEYS))}", ("themes", i, unknown[0]))
            if not isinstance(tid, str) or not ID_RX.match(tid):
                raise fail(f"{where}: field 'id' must be lower-case letters, digits and underscores, "
                           f"starting with a letter (got {tid!r})", ("themes", i, "id"))
            if tid in seen:
                raise fail(f"{where}: duplicate id (also theme #{seen[tid] + 1})", ("themes", i, "id"))
            seen[tid] = i
            texts: dict[str, str] = {}
            for key in ("label", "description"):
                value = raw.get(key)
                if not isinstance(value, str) or not value.strip():
                    raise fail(f"{where}: field '{key}' must be a non-empty string", ("themes", i, key))
                texts[key] = " ".join(value.split())
            lists: dict[str, tuple[str, ...]] = {}
            for key in _LIST_KEYS:
                value = raw.get(key, [])
                if value is None:
                    value = []
                if not isinstance(value, list):
                    raise fail(f"{where}: field '{key}' must be a list of strings", ("themes", i, key))
                items = []
                for j, item in enumerate(value):
                    if not isinstance(item, str) or not item.strip():
                        raise fail(f"{where}: field '{key}' item {j + 1} must be a non-empty string",
                                   ("themes", i, key, j))
                    items.append(" ".join(item.split()))
                lists[key] = tuple(items)
            themes.append(Theme(id=tid, label=texts["label"], description=texts["description"], **lists))
        return cls(name=name.strip(), themes=tuple(themes),
                   description=" ".join(str(data.get("description") or "").split()),
                   version=str(data.get("version") or ""), source=src)

    @classmethod
    def load(cls, path: str | Path) -> "Codebook":
        """Read and validate a YAML codebook file."""
        from insightkit.io.base import read_file_bytes

        path = Path(path)
        if not path.exists():
            raise CodebookError(str(path), "codebook file not found")
        raw = read_file_bytes(path, 16 * 2**20, advice="a codebook is far smaller")  # a regular file, bounded
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CodebookError(str(path), f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        return cls.from_yaml(text, source=path)

    @classmethod
    def from_yaml(cls, text: str, source: str | Path | None = None) -> "Codebook":
        src = str(source) if source is not None else "<codebook>"
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise CodebookError(src, f"not valid YAML: {problem}", line=line) from exc
        return cls.from_dict(data, source=src, lines=_node_lines(node))

    @classmethod
    def default(cls) -> "Codebook":
        """The six themes of NHS digital transformation shipped with insightkit."""
        ref = resources.files("insightkit") / "data" / "codebooks" / f"{DEFAULT_CODEBOOK}.yaml"
        with resources.as_file(ref) as path:
            return cls.load(path)

    @classmethod
    def from_labels(cls, labels: Iterable[str], name: str = "custom",
                    descriptions: Mapping[str, str] | None = None) -> "Codebook":
        """A bare codebook from label names (ids slugified, descriptions default to the label).

        For a coding frame that exists only as column names, e.g. a benchmark's one-hot columns.
        """
        descriptions = descriptions or {}
        themes, used = [], set()
        for label in labels:
            base = slugify_id(label)
            tid, n = base, 2
            while tid in used:
                tid, n = f"{base}_{n}", n + 1
            used.add(tid)
            themes.append(Theme(id=tid, label=str(label).strip(),
                                description=descriptions.get(label) or str(label).strip()))
        return cls.from_dict({"name": name, "themes": [t.to_dict() for t in themes]})

    # access --------------------------------------------------------------------------
    @property
    def ids(self) -> list[str]:
        return [t.id for t in self.themes]

    @property
    def labels(self) -> dict[str, str]:
        return {t.id: t.label for t in self.themes}

    def theme(self, theme_id: str) -> Theme:
        for t in self.themes:
            if t.id == theme_id:
                return t
        raise KeyError(f"no theme {theme_id!r} in codebook {self.name!r} (ids: {', '.join(self.ids)})")

    def __len__(self) -> int:
        return len(self.themes)

    def __iter__(self) -> Iterator[Theme]:
        return iter(self.themes)

    def __contains__(self, theme_id: object) -> bool:
        return theme_id in self.ids

    # output --------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        if self.version:
            out["version"] = self.version
        if self.description:
            out["description"] = self.description
        out["themes"] = [t.to_dict() for t in self.themes]
        return out

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True, width=100)

    def save(self, path: str | Path) -> Path:
        """Write the codebook as YAML (validated again on the next load)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(self.to_yaml(), encoding="utf-8")
        tmp.replace(path)
        return path

    def column_for(self, theme_id: str, columns: Sequence[str]) -> str | None:
        """The column of ``columns`` that holds ``theme_id``'s labels: the id, else the exact label."""
        if theme_id in columns:
            return theme_id
        label = self.theme(theme_id).label
        return label if label in columns else None


def _node_lines(node: Any) -> dict[tuple, int]:
    """1-based line numbers of the keys and items of a composed YAML document, for error messages."""
    lines: dict[tuple, int] = {}

    def walk(n: Any, path: tuple) -> None:
        if n is None:
            return
        lines[path] = n.start_mark.line + 1
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                key = getattr(k, "value", None)
                lines[(*path, key)] = k.start_mark.line + 1
                walk(v, (*path, key))
                lines[(*path, key)] = k.start_mark.line + 1
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, (*path, i))

    walk(node, ())
    return lines
