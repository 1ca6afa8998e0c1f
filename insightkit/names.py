"""What insightkit knows about people's names: titles, speaker roles, and the forms of a name.

One place for the rules that the readers (speaker labels, the participants file, file names) and
the redactor share:

* :data:`TITLES` and :func:`is_title`: "Dr", "Mrs", "Prof." ... in front of a name;
* :data:`ROLE_WORDS`, :func:`normalise_label` and :func:`is_role_word`: speaker labels that name
  a role ("Interviewer", "Q", "Speaker 2") rather than a person;
* :func:`name_variants`: the forms of a person's name, either as they are called (what the
  readers collect) or every spelling that identifies them in text (what the redactor matches);
* :func:`fold` and :func:`fold1`: accents off, so "Grainne" also finds "Gráinne".
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["TITLES", "ROLE_WORDS", "is_title", "normalise_label", "is_role_word", "clean_name",
           "name_variants", "fold", "fold1"]

#: titles written before a name (lower case, without a full stop: see :func:`is_title`)
TITLES: frozenset[str] = frozenset({
    "dr", "mr", "mrs", "ms", "miss", "mx", "prof", "professor", "sir", "dame", "rev", "revd", "cllr", "lord", "lady",
})

#: speaker labels that name a role, mapped to the role
ROLE_WORDS: dict[str, str] = {
    "interviewer": "interviewer", "facilitator": "interviewer", "moderator": "interviewer",
    "host": "interviewer", "researcher": "interviewer", "q": "interviewer", "question": "interviewer",
    "i": "interviewer", "iv": "interviewer", "int": "interviewer", "interviewer/facilitator": "interviewer",
    "interviewee": "participant", "participant": "participant", "respondent": "participant",
    "a": "participant", "answer": "participant", "guest": "participant", "r": "participant",
    "resp": "participant", "p": "participant",
}

#: words that label a speaker and are never a name ("Interviewer", "Note taker", "Everyone")
_SPEAKER_LABELS = {
    "interviewer", "participant", "respondent", "speaker", "moderator", "facilitator", "host", "guest",
    "unknown", "note", "notes", "notetaker", "chair", "attendee", "researcher", "transcriber", "narrator",
    "me", "you", "other", "unidentified", "inaudible", "all", "everyone", "group", "voice",
}

#: words that label a speaker by job or function rather than by name ("Chair", "IT Lead")
_NOT_NAMES = {
    "chair", "chairman", "chairwoman", "chairperson", "chief", "director", "officer", "executive", "manager",
    "lead", "head", "nurse", "doctor", "consultant", "clinician", "deputy", "member", "governor", "secretary",
    "board", "trust", "team", "staff", "unknown", "speaker", "moderator", "note", "taker", "transcriber", "everyone", "all",
    "group", "panel", "audience", "attendee", "attendees", "participant", "participants", "interviewer",
    "interviewee", "facilitator", "host", "guest", "researcher", "voice", "male", "female", "other", "of",
    "and", "the", "digital", "clinical", "medical", "information", "finance", "operating", "nursing", "non-executive",
}

_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "Ae", "ı": "i"})


def is_title(word: str) -> bool:
    """True for a title before a name, in any case, with or without a full stop ("Dr", "prof.")."""
    return word.casefold().rstrip(".") in TITLES


def normalise_label(label: str) -> str:
    """Key for comparing speaker labels: case-folded, spaces collapsed, titles dropped, accents and
    curly apostrophes ignored ("Zoë O’Neill" and "Zoe O'Neill" are one person)."""
    label = unicodedata.normalize("NFKD", label.replace("\u00a0", " ").replace("\u2019", "'").replace("\u2018", "'"))
    label = "".join(c for c in label if not unicodedata.combining(c))
    words = re.sub(r"\s+", " ", label).strip().split(" ")
    while len(words) > 1 and is_title(words[0]):
        words = words[1:]
    return " ".join(words).casefold()


def is_role_word(label: str) -> str | None:
    """'interviewer'/'participant' when the label is a role word ("Interviewer", "Q", "Speaker 2")."""
    key = normalise_label(re.sub(r"\([^)]*\)", " ", label))
    key = re.sub(r"\s*\d+$", "", key)  # "Interviewer 2", "Q1"
    return ROLE_WORDS.get(key)


def fold(s: str) -> str:
    """Accents and special letters off ("Zoë Łukasz" -> "Zoe Lukasz"); the length may change."""
    s = s.translate(_FOLD)
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


def fold1(s: str) -> str:
    """Accents off, one character for one character, so offsets in the folded text still hold."""
    out = []
    for c in s:
        if c.isascii():
            out.append(c)
            continue
        f = fold(c)
        out.append(f if len(f) == 1 else c)
    return "".join(out)


def clean_name(name: str) -> str:
    """A name as written, without brackets, underscores and titles; "Sharma, Priya" -> "Priya Sharma"."""
    name = re.sub(r"\(.*?\)|\[.*?\]|<.*?>", " ", str(name))
    name = " ".join(name.replace("_", " ").split()).strip(" ,;:-")
    if "," in name:  # "Sharma, Priya" -> "Priya Sharma"
        left, _, right = name.partition(",")
        if left.strip() and right.strip() and len(right.split()) <= 3:
            name = f"{right.strip()} {left.strip()}"
    words = name.split()
    while words and is_title(words[0]):
        words.pop(0)
    return " ".join(words)


def name_variants(name: str, *, spellings: bool = False) -> list[str]:
    """The forms of a person's name; nothing for a role, a job title, initials or a pseudonym.

    By default (``spellings=False``) the forms the person is called by, the full name first, as the
    readers collect them from speaker labels, the participants file and interviewer names:
    "Dr Jane Smith" -> ``["Jane Smith", "Dr Jane Smith", "Jane"]``, "Smith, Jane" ->
    ``["Jane Smith", "Smith, Jane", "Jane"]``; role and job words ("Interviewer", "Chair", "IT
    Lead") and initials ("HW") give nothing.

    ``spellings=True``: every string that identifies the person in text, sorted, as the redactor
    matches them: the full name, each name alone (surname too), the parts of a double-barrelled
    name, first and last name without middle names, with either apostrophe, without accents and in
    capitals; speaker labels ("Speaker 2"), pseudonyms with digits ("P01") and emails give nothing.
    """
    if spellings:
        return sorted(_spellings(name))
    return _called_by(name)


def _called_by(name: str) -> list[str]:
    raw = " ".join(str(name).split())
    if not raw or is_role_word(raw) or normalise_label(raw).startswith("speaker"):
        return []
    tokens = [t.strip(".,()") for t in raw.split()]
    if all(t.casefold() in _NOT_NAMES or (2 <= len(t) <= 4 and t.isupper()) or t.isdigit() for t in tokens if t):
        return []  # "Chair", "CEO", "Trust Lead", initials "HW": a job or initials, not a name to redact
    if raw.isupper() and len(tokens) == 1 and len(tokens[0]) <= 4:
        return []
    base = raw.split("(")[0].strip()
    if "," in base:
        last, _, first = base.partition(",")
        if first.strip() and last.strip():
            base = f"{first.strip()} {last.strip()}"
    words = base.split()
    while len(words) > 1 and is_title(words[0]):
        words = words[1:]
    if not words:
        return []
    full = " ".join(words)
    out = [full]
    if raw != full and raw.split("(")[0].strip() not in out:
        out.append(raw.split("(")[0].strip())
    if len(words) > 1 and len(words[0]) > 1:
        out.append(words[0])
    return out


def title_word(w: str) -> str:
    """ "O'NEILL" -> "O'Neill", "PRYCE-JONES" -> "Pryce-Jones", "MCALLISTER" -> "McAllister"."""
    out = re.sub(r"[^\W\d_]+", lambda m: m.group(0).capitalize(), w.lower())
    return re.sub(r"^(Ma?c)([a-z])", lambda m: m.group(1) + m.group(2).upper(), out) if len(out) > 4 else out


def _spellings(name: str) -> set[str]:
    name = clean_name(name)
    if not name or any(ch.isdigit() for ch in name) or "@" in name:
        return set()
    words = name.split()
    if all(w.lower().strip(".") in _SPEAKER_LABELS for w in words):
        return set()
    if name.islower() or name.isupper():
        words = [title_word(w) for w in words]
        name = " ".join(words)
    elif any(len(w) > 2 and w.isupper() for w in words):
        # NHS mail display names write the surname in capitals ("ACHTERBERG, Zoë"): the text
        # writes it "Achterberg"
        mixed = " ".join(title_word(w) if len(w) > 2 and w.isupper() else w for w in words)
        if mixed != name:  # title_word leaves some letters as they are ("ÆSIR")
            return _spellings(mixed) | _variants_of(name, words)
    return _variants_of(name, words)


def _variants_of(name: str, words: list[str]) -> set[str]:
    base: set[str] = {name}
    for i, w in enumerate(words):
        core = w.strip(".,")
        if len(core) < 2 or re.fullmatch(r"[A-Z]\.?", core) or core.lower() in _SPEAKER_LABELS:
            continue
        if core[0].islower():  # particles ("van", "de") only count with what follows them
            if i + 1 < len(words):
                base.add(" ".join(words[i:]))
            continue
        base.add(core)
        if "-" in core:
            base.update(p for p in core.split("-") if len(p) >= 3 and p[0].isupper())
    if len(words) > 2:  # first + last without middle names
        base.add(f"{words[0]} {words[-1]}")
    out: set[str] = set()
    for v in base:
        forms = {v, v.replace("'", "’"), v.replace("’", "'"), fold(v)}
        forms |= {f.upper() for f in forms if len(f) >= 3}
        out |= forms
    return {v for v in out if len(v) >= 2}
