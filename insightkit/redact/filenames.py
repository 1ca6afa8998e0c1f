"""File names that name people: the redacted name shown and exported in place of the real one.

Transcripts are often saved under the interviewee's name (``interview_jane_smith.vtt``,
``Dr Priya Patel - 12 March.docx``). The segment table keeps the real file name in ``source`` so a
reviewer can open the exact file, but everything shown or exported (``doc_id`` and so
``segment_id`` and ``participant_id``, ``source_display``, report files, audit pages, REFI-QDA
exports) is built from :func:`redact_file_name`'s result, where names are replaced by ``[PERSON]``
(and named trusts by ``[ORG]``): ``interview_[PERSON].vtt``. The document id still ends in the
hash of the file's bytes, so it stays unique and traceable. See ``docs/redaction.md``.

A token of the file name's stem is redacted when it is

* a word of a known name: speaker labels in the file, the participants file, ``interviewers``
  (matched in any case: ``jane_smith`` for "Jane Smith");
* a common given name (the bundled list ``insightkit/data/given_names.txt``), with the name-like
  word after it taken as the surname (``interview_jane_smith`` -> ``interview_[PERSON]``), or a
  name-like word after a title (``dr_patel``);
* found by the redactor run on the stem as a phrase (NER, rules, the NHS organisation list,
  emails, phone numbers, ...): ``Dr Priya Patel - 12 March`` -> ``Dr [PERSON] - 12 March``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable, Sequence

from insightkit.alignment import AlignedText
from insightkit.names import TITLES, is_role_word
from insightkit.redact.allowlist import default_allowlist, given_names
from insightkit.redact.engine import Redactor
from insightkit.redact.recognizers.organisations import org_gazetteer_rx

__all__ = ["redact_file_name", "redact_file_names", "file_name_edits"]

# a word (letters, inner apostrophes) or a number; camelCase is split below
_TOKEN_RX = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+")
_CAMEL_RX = re.compile(r"[A-Z]?[a-z\u00DF-\u00FF\u0100-\u024F'’]+|[A-Z\u00C0-\u00DE]+(?![a-z])|[^\W\d_]+")
#: words of file names that are never a surname after a given name ("jane_interview_final")
_FILE_WORDS = {
    "interview", "interviews", "transcript", "transcripts", "call", "calls", "insight", "notes", "note",
    "final", "draft", "copy", "edited", "clean", "cleaned", "raw", "redacted", "version", "v", "meeting",
    "recording", "teams", "zoom", "audio", "video", "session", "focus", "group", "survey", "responses",
    "response", "export", "and", "with", "the", "of", "for", "to", "by", "at", "on", "in", "part", "pt",
    "am", "pm", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december", "mon", "tue", "wed", "thu", "fri", "monday", "tuesday", "wednesday",
    "thursday", "friday", "trust", "nhs", "ft", "ics", "icb", "acute", "community", "ambulance",
    "mental", "health", "combined", "specialist", "cio", "cdio", "cnio", "ccio", "ceo", "cfo", "coo",
    "director", "chief", "lead", "board", "digital", "followup", "follow", "up", "second", "first",
    "wave", "round", "pilot", "test", "sample", "new", "old", "updated", "txt", "vtt", "srt", "docx",
}


def _tokens(stem: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _TOKEN_RX.finditer(stem):
        word = m.group(0)
        if word.isdigit() or word.islower() or word.isupper():
            out.append((m.start(), m.end(), word))
            continue
        for p in _CAMEL_RX.finditer(word):  # "JaneSmith" -> Jane, Smith
            out.append((m.start() + p.start(), m.start() + p.end(), p.group(0)))
    return out


def _name_words(names: Iterable[str]) -> set[str]:
    words: set[str] = set()
    for n in names:
        n = str(n)
        if not n.strip() or is_role_word(n):
            continue
        for w in re.findall(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", n):
            lw = w.casefold()
            if len(lw) >= 2 and lw not in TITLES and lw not in _FILE_WORDS:
                words.add(lw)
                words.update(p for p in re.split(r"['’-]", lw) if len(p) >= 3)  # "Sarah-Jane" -> sarah, jane
    return words


def _name_like(word: str, allow: frozenset[str]) -> bool:
    lw = word.casefold()
    return (word.isalpha() and len(lw) >= 2 and lw not in _FILE_WORDS and lw not in allow
            and lw not in TITLES)


def redact_file_names(file_names: Sequence[str], names: Sequence[Iterable[str]] | None = None, *,
                      redactor=None, use_ner: bool = True) -> list[str]:
    """The shown form of each file name: names in it replaced by ``[PERSON]`` (see module doc).

    ``names[i]``: names known for file i (speaker labels, participants file). ``redactor``: an
    object with ``redact_batch`` (default: the bundled :class:`~insightkit.redact.Redactor`,
    with spaCy NER when ``use_ner``). The extension and the words around a name are kept.
    """
    return [shown for shown, _ in file_name_edits(file_names, names, redactor=redactor, use_ner=use_ner)]


def file_name_edits(file_names: Sequence[str], names: Sequence[Iterable[str]] | None = None, *,
                    redactor=None, use_ner: bool = True) -> list[tuple[str, list[dict]]]:
    """:func:`redact_file_names` with the edits: ``(shown name, log)`` for each file name, each log
    entry with ``type``, ``start``, ``end`` (offsets in the file name), ``placeholder``,
    ``original`` and ``method`` (``file_name``), as in the redaction log."""
    if names is None:
        names = [()] * len(file_names)
    if redactor is None:
        redactor = Redactor(types=None, use_ner=use_ner)
    given = given_names()
    allow = getattr(getattr(redactor, "allow", None), "words", None) or default_allowlist().words
    out = []
    for file_name, known in zip(file_names, names):
        known = [str(k) for k in known if str(k).strip()]
        p = Path(str(file_name))
        stem, ext = (p.stem, p.suffix) if p.suffix and len(p.suffix) <= 6 else (p.name, "")
        # emails, phone and NHS numbers, postcodes: found in the stem as written ("SW1A 1AA site visit")
        patterns = _pattern_spans(stem)
        toks = [t for t in _tokens(stem) if not any(a < t[1] and t[0] < b for a, b, _ in patterns)]
        marks = _name_marks(toks, known, given, allow)
        # the redactor on the stem as a phrase, in its own case: "Dr Priya Patel 12 March"
        phrase, starts = "", []
        for s, e, w in toks:
            if phrase:
                phrase += " "
            starts.append(len(phrase))
            phrase += w
        log: list[tuple[int, int, str]] = []
        if toks:
            try:
                _, found = redactor.redact_batch([AlignedText.from_source(phrase)], [known])[0]
            except Exception:  # a custom redactor that cannot take this: the rules above still hold
                found = []
            log = [(int(r["start"]), int(r["end"]), str(r["type"])) for r in found]
            # organisations typed in lower case ("addenbrookes_cio", "leeds_teaching_hospitals_call"):
            # the bundled hospital names in any case, and the ORG rules on the title-cased phrase
            log += [(m.start(), m.end(), "ORG") for m in _gazetteer_any_case().finditer(phrase)]
            if phrase.islower():
                log += _lower_case_orgs(phrase)
        for a, b, typ in log:
            hit = [i for i in range(len(toks)) if starts[i] < b and starts[i] + len(toks[i][2]) > a]
            # a detection's edge words that are file-name words stay: "Teams Meeting Recording"
            while hit and toks[hit[0]][2].casefold() in _FILE_WORDS:
                hit.pop(0)
            while hit and toks[hit[-1]][2].casefold() in _FILE_WORDS:
                hit.pop()
            for i in hit:
                marks.setdefault(i, typ)
        spans = sorted(patterns + _runs(stem, toks, marks))
        shown, edits = _rebuild(stem, spans)
        out.append((shown + ext, edits))
    return out


def _name_marks(toks: list[tuple[int, int, str]], known: list[str], given, allow) -> dict[int, str]:
    """Tokens that are names: known name words, given names and the word after them, and the
    initials and name-like word after a title (``dr_okafor``, ``mr_j_okafor``)."""
    marks: dict[int, str] = {}
    known_words = _name_words(known)
    for i, (_, _, w) in enumerate(toks):
        lw = w.casefold()
        if lw in known_words or (lw in given and lw not in allow):
            marks[i] = "PERSON"
            if lw in given and i + 1 < len(toks) and _name_like(toks[i + 1][2], allow):
                marks[i + 1] = "PERSON"  # the word after a first name: its surname
        elif lw in TITLES:
            j = i + 1
            while j < len(toks) and j - i <= 2 and len(toks[j][2]) == 1 and toks[j][2].isalpha():
                j += 1  # initials: "mr_j_okafor", "dr_a_b_smith"
            if j < len(toks) and _name_like(toks[j][2], allow):
                marks.update({k: "PERSON" for k in range(i + 1, j + 1)})
                if j + 1 < len(toks) and _name_like(toks[j + 1][2], allow) and toks[j + 1][2][:1].isupper():
                    marks[j + 1] = "PERSON"
    return marks


_PATTERN_REDACTOR: list[Redactor] = []  # built on first use


def _pattern_spans(stem: str) -> list[tuple[int, int, str]]:
    """Emails, NHS numbers, phone numbers and postcodes in a file name's stem, with ``_`` read as a
    space ("07700_900123", "ls9_7tf"). No URLs: a dotted file name ("minutes.v2") is not one."""
    if not _PATTERN_REDACTOR:
        _PATTERN_REDACTOR.append(Redactor(types=("EMAIL", "NHS_NUMBER", "PHONE", "POSTCODE"), use_ner=False))
    if not re.search(r"\d|@", stem):
        return []
    _, log = _PATTERN_REDACTOR[0].redact_text(stem.replace("_", " "))
    return [(int(r["start"]), int(r["end"]), str(r["type"])) for r in log]


_ORG_RX_CACHE: dict[str, re.Pattern] = {}
_ORG_REDACTOR: list[Redactor] = []  # built on first use


def _gazetteer_any_case() -> re.Pattern:
    if "rx" not in _ORG_RX_CACHE:
        rx = org_gazetteer_rx()
        _ORG_RX_CACHE["rx"] = re.compile(rx.pattern, re.IGNORECASE) if rx is not None else re.compile(r"(?!)")
    return _ORG_RX_CACHE["rx"]


def _lower_case_orgs(phrase: str) -> list[tuple[int, int, str]]:
    """ORG pattern rules ("X Teaching Hospitals", "X NHS Trust") on a lower-case phrase, title-cased."""
    if not _ORG_REDACTOR:
        _ORG_REDACTOR.append(Redactor(types=("ORG",), use_ner=False, org_gazetteer=False))
    titled = " ".join(w.upper() if w in ("nhs", "ft", "icb", "ics") else w[:1].upper() + w[1:] for w in phrase.split(" "))
    _, log = _ORG_REDACTOR[0].redact_text(titled)
    return [(int(r["start"]), int(r["end"]), "ORG") for r in log]


def redact_file_name(file_name: str, names: Iterable[str] = (), *, redactor=None, use_ner: bool = True) -> str:
    """One file name's shown form: ``redact_file_name("interview_jane_smith.vtt")`` ->
    ``"interview_[PERSON].vtt"``."""
    return redact_file_names([file_name], [list(names)], redactor=redactor, use_ner=use_ner)[0]


def _runs(stem: str, toks: list[tuple[int, int, str]], marks: dict[int, str]) -> list[tuple[int, int, str]]:
    """Each run of marked tokens joined only by separators, as one span of the first token's type."""
    spans, i = [], 0
    while i < len(toks):
        if i not in marks:
            i += 1
            continue
        j = i
        while j + 1 < len(toks) and j + 1 in marks and not stem[toks[j][1]:toks[j + 1][0]].strip(" _-.,"):
            j += 1
        spans.append((toks[i][0], toks[j][1], marks[i]))
        i = j + 1
    return spans


def _rebuild(stem: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[dict]]:
    """``stem`` with each span (sorted, not overlapping) replaced by its placeholder, and the log."""
    parts, log, pos = [], [], 0
    for a, b, typ in spans:
        if a < pos:
            continue
        parts += [stem[pos:a], f"[{typ}]"]
        log.append({"type": typ, "start": a, "end": b, "placeholder": f"[{typ}]", "original": stem[a:b],
                    "method": "file_name"})
        pos = b
    parts.append(stem[pos:])
    return "".join(parts), log
