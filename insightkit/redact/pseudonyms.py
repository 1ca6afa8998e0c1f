"""Pseudonyms: numbered placeholders (``[PERSON_1]``, ``[ORG_2]``) that stay the same for the same
person or organisation within a document or a whole batch.

Plain ``[PERSON]`` hides who was named, but also who said what about whom: "[PERSON] told
[PERSON] that [PERSON] would sign it off" cannot be followed. With pseudonyms each person gets a
number within its scope (a document, or the whole batch), so "[PERSON_1] told [PERSON_2] that
[PERSON_1] would sign it off" keeps the story and still names nobody. The number -> name mapping is
only in the redaction log (its ``placeholder`` and ``original`` columns).

Numbering runs after the placeholders are written (:func:`number_placeholders`), over the whole
scope at once, so the same name gets the same number however the texts were batched, and numbers
follow the order of first appearance in input order (the same input gives the same numbers).

Who counts as the same person: the same name once titles, accents, case, curly apostrophes and a
possessive are set aside ("Dr Zoë O'Neill", "zoe o’neill"); a full name with or without middle
names ("Nadia K. Rahman", "Nadia Rahman"); and a single name that is the first name or the surname
of exactly one full name in the scope ("Nadia" and "Rahman" beside "Nadia Rahman"). A single name
shared by two full names ("Sarah" beside "Sarah Jones" and "Sarah Patel") gets its own number:
guessing would put words into the wrong person's mouth. Organisations are the same when their
names are (case, accents and a leading "the" aside). Other types keep their plain placeholder.
"""

from __future__ import annotations

import re
from typing import Hashable, Sequence

from insightkit.alignment import AlignedText, Piece
from insightkit.errors import ParameterError
from insightkit.names import clean_name, normalise_label
from insightkit.redact.types import PLACEHOLDERS

__all__ = ["SCOPES", "PSEUDONYM_TYPES", "check_scope", "number_placeholders", "pseudonym"]

#: Where a number holds: one document (its turns, or a survey file's answers), or every text redacted together.
SCOPES: tuple[str, ...] = ("document", "batch")
#: Types that get numbers; the others keep their plain placeholder (an email or phone has no story to follow).
PSEUDONYM_TYPES: tuple[str, ...] = ("PERSON", "ORG")

_POSSESSIVE = re.compile(r"'s?$")
_JOIN = re.compile(r"(\s+(?:and|&)\s+|\s*,\s*)", re.IGNORECASE)


def check_scope(scope: str | None) -> str | None:
    """``scope`` checked: None (plain placeholders), ``"document"`` or ``"batch"``."""
    if scope is None:
        return None
    value = str(scope).strip().lower()
    if value not in SCOPES:
        raise ParameterError(f"unknown pseudonym scope {scope!r}: use {' or '.join(SCOPES)} (or None for plain placeholders)")
    return value


def pseudonym(type_: str, number: int) -> str:
    """The numbered placeholder: ``pseudonym("PERSON", 1) == "[PERSON_1]"``."""
    return f"[{type_}_{int(number)}]"


def _person_words(original: str) -> tuple[str, ...]:
    """The words of a name, compared without titles, accents, case, possessive or full stops."""
    key = normalise_label(clean_name(original.replace("’", "'")))
    words = [_POSSESSIVE.sub("", w.strip(".,;:!?()\"")) for w in key.split()]
    return tuple(w for w in words if w)


def _org_key(original: str) -> str:
    key = normalise_label(original)
    return key[4:] if key.startswith("the ") else key


def _clusters(mentions: list[tuple[str, str]]) -> list[tuple]:
    """One key per mention (type, original): mentions with the same key are the same entity."""
    fulls: dict[str, set[tuple[str, str]]] = {}  # a single name -> the (first, last) pairs it is part of
    words_of = [(_person_words(o) if t == "PERSON" else ()) for t, o in mentions]
    for (t, _), words in zip(mentions, words_of):
        if t == "PERSON" and len(words) >= 2:
            pair = (words[0], words[-1])
            fulls.setdefault(words[0], set()).add(pair)
            fulls.setdefault(words[-1], set()).add(pair)
    keys: list[tuple] = []
    for (t, o), words in zip(mentions, words_of):
        if t != "PERSON":
            keys.append((t, _org_key(o)))
        elif len(words) >= 2:
            keys.append((t, words[0], words[-1]))
        elif len(words) == 1 and len(fulls.get(words[0], ())) == 1:
            first, last = next(iter(fulls[words[0]]))
            keys.append((t, first, last))
        else:
            keys.append((t, *words) if words else (t, " ".join(o.split()).casefold()))
    return keys


def _parts(type_: str, original: str) -> list[tuple[str, bool]]:
    """A mention cut into names and the words joining them: [(name, False), (" and ", True), ...].

    Only a PERSON span of two or more names joined by "and", "&" or a comma is cut; anything else
    is one name.
    """
    if type_ != "PERSON":
        return [(original, False)]
    bits = _JOIN.split(original)
    if len(bits) < 3 or any(not b.strip() for b in bits[::2]):
        return [(original, False)]
    return [(b, bool(n % 2)) for n, b in enumerate(bits)]


def _existing_numbers(texts: Sequence[str], type_: str) -> int:
    """The highest number already written for ``type_`` in these texts (0 when none)."""
    rx = re.compile(r"\[" + re.escape(type_) + r"_(\d+)\]")
    return max((int(m.group(1)) for t in texts for m in rx.finditer(t)), default=0)


def number_placeholders(results: Sequence[tuple[AlignedText, list[dict]]],
                        scopes: Sequence[Hashable]) -> list[tuple[AlignedText, list[dict]]]:
    """Replace the plain ``[PERSON]``/``[ORG]`` placeholders each log entry wrote with numbered ones.

    ``results``: ``(text, log)`` pairs from :meth:`Redactor.redact_batch` (plain placeholders),
    in input order; ``scopes[i]``: the scope of item i (e.g. its document; one value for a whole
    batch). Returns new pairs: the texts keep their alignment (only the placeholder pieces change)
    and each numbered log entry's ``placeholder`` holds its number. Numbers already in a scope's
    texts (a text redacted before) are not reused.
    """
    if len(scopes) != len(results):
        raise ParameterError(f"scopes has {len(scopes)} entries for {len(results)} items")
    by_scope: dict[Hashable, list[int]] = {}
    for i, key in enumerate(scopes):
        by_scope.setdefault(key, []).append(i)
    labels: list[list[str | None]] = [[None] * len(log) for _, log in results]
    for members in by_scope.values():
        where = [(i, k) for i in members for k, e in enumerate(results[i][1]) if e.get("type") in PSEUDONYM_TYPES]
        if not where:
            continue
        # one mention per person: "Sarah Jones and Sarah Patel", found as one span, is two people
        parts = [_parts(results[i][1][k]["type"], str(results[i][1][k].get("original", ""))) for i, k in where]
        mentions = [(results[i][1][k]["type"], name) for (i, k), ps in zip(where, parts) for name, _ in ps[::2]]
        keys = iter(_clusters(mentions))
        texts = [results[i][0].text for i in members]
        next_no = {t: _existing_numbers(texts, t) for t in PSEUDONYM_TYPES}
        numbers: dict[tuple, int] = {}
        for (i, k), ps in zip(where, parts):
            out = []
            for n, (piece, _) in enumerate(ps):
                if n % 2:  # the words between two names, kept as written
                    out.append(piece)
                    continue
                key = next(keys)
                if key not in numbers:
                    next_no[key[0]] += 1
                    numbers[key] = next_no[key[0]]
                out.append(pseudonym(key[0], numbers[key]))
            labels[i][k] = "".join(out)
    return [_renumber(item, log, lab) if any(lab) else (item, log) for (item, log), lab in zip(results, labels)]


def _renumber(item: AlignedText, log: list[dict], labels: list[str | None]) -> tuple[AlignedText, list[dict]]:
    """Write ``labels[k]`` into the placeholder piece that log entry k wrote.

    Each entry's piece is the next replacement piece holding its plain placeholder whose source
    range covers the entry's span; an entry whose piece is not found keeps its plain placeholder
    (in the text and in the log), so the two always agree.
    """
    todo = sorted((k for k, lab in enumerate(labels) if lab), key=lambda k: (int(log[k]["start"]), int(log[k]["end"])))
    pieces = list(item.pieces)
    done: dict[int, str] = {}
    j = 0
    for k in todo:
        e = log[k]
        plain, s, t = PLACEHOLDERS[e["type"]], int(e["start"]), int(e["end"])
        for n in range(j, len(pieces)):
            p = pieces[n]
            if not p.verbatim and p.text == plain and p.src_start <= s and t <= p.src_end:
                label = labels[k] or plain
                pieces[n] = Piece(label, p.src_start, p.src_end, False)
                done[k] = label
                j = n + 1
                break
    new_log = [{**e, "placeholder": done[k]} if k in done else e for k, e in enumerate(log)]
    return AlignedText(pieces), new_log
