"""Short fields outside the answers: column headers, sheet names, attribute values.

A field is redacted with the same redactor as the text, with two differences that keep the table
usable for grouping:

* **Generic labels stay.** A detection whose words, beside words such as "Trust", "Hospital" or
  "Site", are only single letters, numbers or short codes ("Trust B", "Hospital 2") identifies
  nobody: it is left as written, so "Trust A", "Trust B" and "Trust C" remain three groups.
* **Distinct values stay distinct.** Two different values must never become one placeholder (that
  would merge two groups of a column). With ``numbered="always"`` (attribute values) each distinct
  detected string gets its own numbered placeholder, the same in every row: "Dr Amara Nwosu" ->
  "Dr [PERSON 1]", "Dr Tom Fenwick" -> "Dr [PERSON 2]". With ``numbered="on_collision"`` (headers,
  sheet names) the plain ``[PERSON]`` is kept unless two different values would read the same, and
  only those are numbered.

The log of each value has the redactor's columns (type, start, end, placeholder, original, method)
with offsets into the value as given; the placeholder is the one written (numbered or not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from insightkit.alignment import AlignedText

__all__ = ["FieldRedaction", "redact_fields", "is_generic_label"]

#: words around a code that do not make it a name ("Trust B", "NHS Foundation Trust 3", "Site C")
_GENERIC_WORDS = {
    "nhs", "trust", "trusts", "foundation", "hospital", "hospitals", "site", "sites", "provider", "providers",
    "organisation", "organization", "org", "icb", "ics", "board", "ft", "the", "of", "and", "health",
    "healthcare", "care", "community", "partnership", "service", "services", "ambulance", "infirmary", "centre",
    "center", "medical", "practice", "gp", "surgery", "team", "ward", "unit", "clinic", "group", "region",
    "system", "place", "area", "division", "directorate", "number", "no", "participant", "respondent",
}
_CODE_RX = re.compile(r"(?:[A-Za-z]|\d{1,3}|[A-Za-z]\d{1,3}|\d{1,3}[A-Za-z])")
_FIELD_VALUE_RX = re.compile(r"[^\W\d_]|\d{5}")  # numbers and dates alone: nothing to find


def is_generic_label(original: str, type: str = "ORG") -> bool:
    """True for a detected name or organisation that names nobody: generic words plus single
    letters or short numbers ("Trust B"). Emails, phones and the other patterns are never generic."""
    if type not in ("ORG", "PERSON"):
        return False
    words = re.findall(r"[^\W_]+", original)
    rest = [w for w in words if w.casefold() not in _GENERIC_WORDS]
    return len(rest) <= 2 and all(_CODE_RX.fullmatch(w) for w in rest)


@dataclass
class FieldRedaction:
    """What :func:`redact_fields` gives: ``shown[value]`` and ``log[value]`` for every value that
    changed (values not in ``shown`` stay as they are)."""

    shown: dict[str, str] = field(default_factory=dict)
    log: dict[str, list[dict]] = field(default_factory=dict)


def _detections(values: list[str], redactor, names: Sequence[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for k in range(0, len(values), 512):
        chunk = values[k:k + 512]
        res = redactor.redact_batch([AlignedText.from_source(v) for v in chunk], [list(names)] * len(chunk))
        for v, (_, log) in zip(chunk, res):
            kept = [dict(e) for e in log if not is_generic_label(str(e.get("original", "")), str(e.get("type", "")))]
            if kept:
                found[v] = sorted(kept, key=lambda e: int(e["start"]))
    return found


def _rebuild(value: str, entries: list[dict], number: dict | None) -> tuple[str, list[dict]]:
    """``value`` with each entry's span replaced; ``number`` maps (type, original) to its number."""
    out, pos, log = [], 0, []
    for e in entries:
        a, b = int(e["start"]), int(e["end"])
        if a < pos:  # overlapping spans (the redactor resolves them; be safe)
            continue
        typ = str(e["type"])
        n = number.get((typ, value[a:b])) if number is not None else None
        placeholder = f"[{typ} {n}]" if n else f"[{typ}]"
        out += [value[pos:a], placeholder]
        pos = b
        log.append({**e, "placeholder": placeholder, "original": value[a:b]})
    out.append(value[pos:])
    return "".join(out), log


def _numbering(values: Iterable[str], found: dict[str, list[dict]]) -> dict:
    number: dict = {}
    counts: dict[str, int] = {}
    for v in values:
        for e in found.get(v, []):
            key = (str(e["type"]), v[int(e["start"]):int(e["end"])])
            if key not in number:
                counts[key[0]] = counts.get(key[0], 0) + 1
                number[key] = counts[key[0]]
    return number


def redact_fields(values: Iterable[str], redactor, names: Sequence[str] = (), *,
                  numbered: str = "always") -> FieldRedaction:
    """Redact each distinct value of one field (a column's values, the headers of a file, ...).

    ``values`` in the order they appear (numbers follow first appearance, so the same input gives
    the same placeholders). ``redactor``: an object with ``redact_batch`` (a
    :class:`~insightkit.redact.Redactor`). ``numbered``: ``"always"`` or ``"on_collision"`` (see
    the module doc). Different values always map to different shown values.
    """
    if numbered not in ("always", "on_collision"):
        raise ValueError(f"numbered must be 'always' or 'on_collision', not {numbered!r}")
    distinct = [v for v in dict.fromkeys(str(v) for v in values) if v.strip() and _FIELD_VALUE_RX.search(v)]
    found = _detections(distinct, redactor, names) if distinct else {}
    res = FieldRedaction()
    if not found:
        return res
    if numbered == "always":
        number = _numbering(distinct, found)
        for v in distinct:
            if v in found:
                res.shown[v], res.log[v] = _rebuild(v, found[v], number)
    else:
        plain = {v: _rebuild(v, found[v], None) for v in distinct if v in found}
        readers: dict[str, list[str]] = {}
        for v in distinct:
            readers.setdefault(plain[v][0] if v in plain else v, []).append(v)
        clash = [v for vs in readers.values() if len(vs) > 1 for v in vs if v in found]
        number = _numbering(clash, found)
        for v, (text, log) in plain.items():
            res.shown[v], res.log[v] = _rebuild(v, found[v], number) if v in clash else (text, log)
    # last guard: a shown value equal to another value's (an original typed as "[PERSON 1]")
    taken = {v for v in distinct if v not in res.shown}
    for v in distinct:
        if v in res.shown:
            s, k = res.shown[v], 2
            while s in taken:
                s, k = f"{res.shown[v]} ({k})", k + 1
            res.shown[v] = s
            taken.add(s)
    return res
