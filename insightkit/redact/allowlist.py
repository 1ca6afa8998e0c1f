"""The allow-list (words and phrases that are never a name) and the bundled word lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable

from insightkit.errors import InputError

__all__ = ["Allowlist", "load_allowlist", "default_allowlist", "data_lines", "given_names"]


@dataclass(frozen=True)
class Allowlist:
    """Lower-cased words and phrases that are never a person's or an organisation's name."""

    words: frozenset[str]
    regions: frozenset[str]
    phrases: frozenset[str]

    def with_terms(self, terms: Iterable[str]) -> "Allowlist":
        words, phrases = set(self.words), set(self.phrases)
        for t in terms:
            t = " ".join(str(t).split()).lower()
            if t:
                (phrases if " " in t else words).add(t)
        return Allowlist(frozenset(words), self.regions, frozenset(phrases))


def load_allowlist(path: str | Path | None = None, extra: Iterable[str] = ()) -> Allowlist:
    """Read an allow-list file (default: the bundled ``data/redaction_allowlist.txt``)."""
    if path is None:
        text = resources.files("insightkit").joinpath("data/redaction_allowlist.txt").read_text("utf-8")
        where = "redaction_allowlist.txt"
    else:
        p = Path(path)
        try:
            text = p.read_text("utf-8")
        except OSError as exc:
            raise InputError(p, f"cannot read the allow-list: {exc.strerror or exc}") from exc
        where = str(p)
    words: set[str] = set()
    regions: set[str] = set()
    phrases: set[str] = set()
    section = ""
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.fullmatch(r"\[([\w -]+)\]", line)
        if m:
            section = m.group(1).strip().lower()
            continue
        term = " ".join(line.split()).lower()
        if section == "regions":  # region words are judged word by word (see the organisation rules)
            regions.update(term.split())
        elif " " in term:
            phrases.add(term)
        else:
            words.add(term)
    if not (words or phrases):
        raise InputError(where, "the allow-list has no entries")
    return Allowlist(frozenset(words), frozenset(regions), frozenset(phrases)).with_terms(extra)


def default_allowlist() -> Allowlist:
    """The bundled allow-list."""
    return load_allowlist()


@lru_cache(maxsize=None)
def data_lines(name: str) -> tuple[str, ...]:
    """Lines of a bundled data file, comments and blanks dropped."""
    text = resources.files("insightkit.data").joinpath(name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))


def given_names() -> frozenset[str]:
    """Common UK given names (lower case), used only beside a cue, never alone in free text."""
    return frozenset(data_lines("given_names.txt"))
