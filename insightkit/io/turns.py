"""Find speaker turns in plain transcript text (``Name: text`` lines, with or without timestamps).

Accepted label forms (one per line, the turn's text may continue over the following lines)::

    Jane Smith: text                 [00:01:23] Jane Smith: text      00:01:23 Jane Smith: text
    Jane Smith [00:01:23]: text      Jane Smith (00:01:23): text      Jane Smith:   (text on next lines)
    Jane Smith   0:03                (Teams/Otter export: label and time alone, text on next lines)
    Jane Smith<TAB>text              (a Word table row rendered as cells joined by tabs)

A label counts as a speaker when it is used at least twice, is a known name (participants file,
interviewer names), or carries a timestamp; this keeps prose such as "Cerner: we went live" inside
a turn. Lines before the first turn (title, date, "Interviewer: Sam Jones" metadata) are the header:
they are not turns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

from insightkit.errors import InputError
from insightkit.names import ROLE_WORDS, is_title, normalise_label

__all__ = ["RawTurn", "ParsedTurns", "parse_turns", "split_lines",
           "label_keys", "speaker_keys", "TIMESTAMP", "header_names"]

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_BR_TS = rf"(?:\[{TIMESTAMP}\]|\({TIMESTAMP}\)|{TIMESTAMP})"
_NAME_BODY = r"[^\W\d_][^:\n\t\[\]]{0,59}?"
# a name as written, or in square brackets ("[Jane Smith]: text", Zoom's "[Jane Smith] 10:02:15")
_NAME = rf"(?:\[[ \t]*(?P<bname>{_NAME_BODY})[ \t]*\]|(?P<name>{_NAME_BODY}))"

# formatting around a label: HTML tags ("<b>Jane Smith</b>:") or Markdown bold ("**Jane Smith:**")
_MARK = r"(?:(?:</?[A-Za-z][\w\-]*(?:[ \t][^<>]*)?>|\*\*|__)[ \t]*){0,16}"
_INLINE = re.compile(
    rf"^[ \t]*(?:(?P<ts1>{_BR_TS})[ \t]*[-\u2013\u2014]?[ \t]*)?{_MARK}{_NAME}[ \t]*{_MARK}"
    rf"(?:(?P<ts2>{_BR_TS})[ \t]*)?[:\uff1a](?:</[A-Za-z][\w\-]*>|\*\*|__){{0,16}}(?:[ \t]+(?P<rest>\S.*)|[ \t]*)$"
)
_TAB = re.compile(
    rf"^[ \t]*(?:(?P<ts1>{_BR_TS})[ \t]+)?{_NAME}[ \t]*(?:(?P<ts2>{_BR_TS})[ \t]*)?\t[ \t]*(?P<rest>\S.*)$"
)
_ALONE_TS_AFTER = re.compile(rf"^[ \t]*{_NAME}[ \t]+(?P<ts2>{_BR_TS})[ \t]*$")
_ALONE_TS_BEFORE = re.compile(rf"^[ \t]*(?P<ts1>{_BR_TS})[ \t]+{_NAME}[ \t]*$")
_TS_LINE = re.compile(rf"^[ \t]*(?P<ts>{_BR_TS})[ \t]*$")
# a name alone on its line, the turn's text on the next lines (Word transcripts with bold names)
_ALONE_BARE = re.compile(rf"^[ \t]*{_NAME}[ \t]*$")
# Teams/Zoom notices inside a transcript: not anyone's speech
NOTICE = re.compile(r"^[ \t]*\S.{0,80}?[ \t]+(?:started|stopped|paused|resumed|ended)[ \t]+"
                    r"(?:transcription|transcribing|recording|the recording)[ \t]*\.?[ \t]*$", re.I)
#: one-line replies that must never be read as a speaker's name standing alone
_BARE_STOP = {"yes", "no", "ok", "okay", "right", "sure", "thanks", "thank you", "great", "lovely", "fine",
              "absolutely", "exactly", "hello", "hi", "bye", "good", "perfect", "cool", "yeah", "yep", "indeed",
              "agreed", "correct", "true", "brilliant", "excellent", "wonderful", "of course", "not really"}

# line breaks: LF, CRLF, CR, and what Word and PDF text exports also end lines with (vertical tab for
# a manual line break, form feed for a page break, NEL and the Unicode separators)
_BREAKS = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_RX = re.compile(rf"[^{_BREAKS}]*(?:\r\n|[{_BREAKS}]|$)")

_PARTICLES = {"de", "da", "di", "du", "van", "von", "der", "den", "la", "le", "del", "della", "bin",
              "al", "el", "ap", "st", "st.", "and", "&"}
#: "Key: value" words that are never speakers unless a participants file says so
_STOP_LABELS = {
    "note", "notes", "nb", "ps", "edit", "update", "warning", "example", "source", "url", "link",
    "email", "e-mail", "tel", "telephone", "phone", "mobile", "fax", "re", "fw", "fwd", "subject",
    "to", "from", "cc", "bcc", "action", "actions", "summary", "agenda", "quote", "answer yes",
    "ref", "reference", "date", "time", "title", "duration", "location", "venue", "length",
}
#: header keys whose value may name people ("Interviewer: Sam Jones")
_NAME_KEYS = {"interviewer", "interviewers", "interviewee", "interviewees", "participant",
              "participants", "attendee", "attendees", "present", "speaker", "speakers",
              "facilitator", "moderator", "host", "researcher", "guest", "guests", "respondent",
              "respondents", "name", "names", "interviewed by", "interview with", "chair", "note taker",
              "notetaker", "transcriber", "contact"}


@dataclass
class RawTurn:
    """One speaker turn: its label as written and the source span of its text."""

    label: str
    start: int  # first character of the turn's text (after the label)
    end: int  # end of the turn's text, trailing whitespace excluded
    line_start: int  # offset of the line holding the label
    timestamp: str = ""
    skip: list[tuple[int, int]] = field(default_factory=list)  # notice lines inside the span, left out


@dataclass
class ParsedTurns:
    turns: list[RawTurn]
    header: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of header lines
    notices: list[tuple[int, int]] = field(default_factory=list)  # "X stopped transcription" lines


def split_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, the line break excluded; LF, CRLF, CR, VT, FF, NEL and U+2028/9 count."""
    out = []
    for m in _LINE_RX.finditer(text):
        if m.start() == len(text) and m.end() == m.start():
            break
        s = m.start()
        e = m.end()
        seg = text[s:e]
        if seg.endswith("\r\n"):
            e -= 2
        elif seg and seg[-1] in _BREAKS:
            e -= 1
        out.append((s, e))
    return out


def label_keys(label: str) -> set[str]:
    """Keys a label is known by: "Dr Jane Smith" -> {"jane smith"}; "Smith, Jane" -> also "jane smith";
    NHS mail display names "SMITH, Jane (SOME NHS TRUST)" -> also "jane smith"."""
    key = normalise_label(label)
    keys = {key}
    # "Jane Smith (Guest)", "Jane Smith (NHS Trust)": the bracketed part is not the name
    stripped = normalise_label(re.sub(r"\([^)]*\)?|\[[^\]]*\]?", " ", label)) if ("(" in label or "[" in label) else None
    if stripped:
        keys.add(stripped)
    for k in (key, stripped):
        if k and "," in k:
            last, _, first = k.partition(",")
            if first.strip() and last.strip() and len(first.split()) <= 3 and len(last.split()) <= 3:
                keys.add(normalise_label(f"{first.strip()} {last.strip()}"))
    return {k for k in keys if k}


def speaker_keys(labels: list[str]) -> dict[str, str]:
    """One key per person: "Jane Smith", "Smith, Jane", "Dr Jane Smith" and (when no one else in
    the transcript is called Jane) "Jane" are the same speaker."""
    out: dict[str, str] = {}
    groups: list[tuple[set[str], str]] = []  # (keys, canonical key)
    uniq = [l for l in dict.fromkeys(labels) if l]
    for label in sorted(uniq, key=lambda l: -len(normalise_label(l).split())):  # full names first
        keys = label_keys(label)
        hit = next((c for ks, c in groups if ks & keys), None)
        if hit is None and len(normalise_label(label).split()) == 1:
            first = normalise_label(label)
            cands = {c for ks, c in groups if any(k.split()[0] == first for k in ks if len(k.split()) > 1)}
            hit = cands.pop() if len(cands) == 1 else None
        if hit is None:
            hit = normalise_label(label)
            groups.append((set(keys), hit))
        else:
            next(ks for ks, c in groups if c == hit).update(keys)
        out[label] = hit
    return out


def known_matcher(known_labels: Iterable[str]):
    """A test for "this label is one of these names": any form of the name, or a first name alone."""
    keys: set[str] = set()
    firsts: set[str] = set()
    for k in known_labels:
        if k and str(k).strip():
            ks = label_keys(str(k))
            keys |= ks
            firsts |= {x.split()[0] for x in ks if len(x.split()) > 1}

    def is_known(label: str) -> bool:
        ks = label_keys(label)
        return bool(ks & keys) or any(len(x.split()) == 1 and x in firsts for x in ks)

    return is_known


def _valid_name(name: str) -> bool:
    name = name.strip()
    if not name or len(name) > 60:
        return False
    # "Jane Smith (Mersey Care)", "Sam Okoro (NHS England)": an organisation or role in brackets
    # after the name does not have to look like a name
    m = re.fullmatch(r"(.*?\S)[ \t]*\([^()]{1,50}\)", name)
    if m:
        name = m.group(1)
    tokens = [t for t in re.split(r"[\s,]+", name) if t]
    if not 1 <= len(tokens) <= 6:
        return False
    if not (tokens[0][0].isupper() or tokens[0].casefold() in ROLE_WORDS):
        return False
    for i, tok in enumerate(tokens):
        if tok[0].isupper() or tok.casefold() in _PARTICLES:
            continue
        if tok.startswith("(") and tok.endswith(")"):
            continue
        if tok.isdigit() and i > 0:  # "Speaker 1"
            continue
        return False
    return True


@dataclass
class _Cand:
    idx: int  # line index
    name: str
    key: str
    rest_start: int | None  # offset of inline text, None when the label stands alone
    timestamp: str
    has_ts: bool
    form: str
    body_idx: int | None = None  # line where the turn's text starts, when not right after the label


def _bare_name(name: str) -> bool:
    """A line that is only a person's name (two to four name words) or a role word, such as a
    bold speaker name on its own paragraph in a Word transcript; never a one-line reply ("Thank you")."""
    if name.casefold() in _BARE_STOP or NOTICE.match(name):
        return False
    core = re.sub(r"[ \t]*\([^()]{1,50}\)$", "", name)
    words = core.split()
    if len(words) == 1:
        return len(core) > 1 and core.casefold() in ROLE_WORDS
    if not 2 <= len(words) <= 4:
        return False
    return all(re.fullmatch(r"[^\W\d_](?:[\w'\u2019.\-]*\w)?\.?", w) for w in words) and \
        not re.search(r"[.?!,;]$", core)


def _candidate(text: str, s: int, e: int, idx: int, bare: bool = False) -> _Cand | None:
    line = text[s:e]
    if not line.strip():
        return None
    forms = (("bare", _ALONE_BARE),) if bare else (
        ("inline", _INLINE), ("alone", _ALONE_TS_AFTER), ("alone", _ALONE_TS_BEFORE), ("tab", _TAB))
    for form, rx in forms:
        m = rx.match(line)
        if not m:
            continue
        name = (m.group("bname") or m.group("name") or "").strip().rstrip(",")
        if not _valid_name(name) or (form == "bare" and not _bare_name(name)):
            continue
        gd = m.groupdict()
        ts = gd.get("ts1") or gd.get("ts2") or ""
        rest = gd.get("rest")
        rest_start = s + m.start("rest") if rest else None
        return _Cand(idx, name, normalise_label(name), rest_start, ts.strip("[]()"), bool(ts), form)
    return None


def parse_turns(text: str, known_labels: Iterable[str] = (), path=None) -> ParsedTurns:
    """Split transcript ``text`` into turns; raises InputError when it holds no speaker turns."""
    lines = split_lines(text)
    is_known = known_matcher(known_labels)
    cands: dict[int, _Cand] = {}
    for idx, (s, e) in enumerate(lines):
        c = _candidate(text, s, e, idx)
        if c is not None:
            cands[idx] = c
    # a name alone on its line with its time alone on the next ("Jane Smith" / "0:03" / text)
    for idx, (s, e) in enumerate(lines):
        if idx in cands or not text[s:e].strip():
            continue
        j = next((k for k in range(idx + 1, min(idx + 3, len(lines))) if text[lines[k][0]:lines[k][1]].strip()), None)
        ts_line = _TS_LINE.match(text[lines[j][0]:lines[j][1]]) if j is not None else None
        if j is None or ts_line is None:
            continue
        m = _ALONE_BARE.match(text[s:e])
        name = (m.group("bname") or m.group("name") or "").strip() if m else ""
        if name and _valid_name(name) and _bare_name(name):
            ts = ts_line.group("ts").strip("[]()")
            # has_ts stays False: a title above a lone time ("Board Meeting Transcript" / "00:00:00")
            # must not become a speaker; the name needs to recur or be known
            cands[idx] = _Cand(idx, name, normalise_label(name), None, ts, False, "alone", j + 1)
    # count uses per person: "Sam Jones", "Sam" and "Jones, Sam" are one speaker
    canon = speaker_keys([c.name for c in cands.values()])
    for c in cands.values():
        c.key = canon.get(c.name, c.key) if c.key not in _STOP_LABELS else c.key
    counts: dict[str, int] = {}
    for c in cands.values():
        counts[c.key] = counts.get(c.key, 0) + 1

    def confirmed(c: _Cand, started: bool) -> bool:
        if is_known(c.name):
            return True
        if c.key in _STOP_LABELS:
            return False
        if c.form == "tab" and counts[c.key] < 2:
            return c.key in ROLE_WORDS
        if counts[c.key] >= 2 or c.has_ts:
            return True
        # once turns have started, a label heard once is a speaker too ("Note:" and the like aside)
        return started and c.form != "tab"

    starts: list[_Cand] = []
    started = False
    for idx in sorted(cands):
        c = cands[idx]
        if confirmed(c, started):
            starts.append(c)
            started = True
    if not starts:
        starts = _bare_starts(text, lines, is_known)
    if not starts:
        # a very short transcript: every well-formed label is a speaker
        starts = [c for c in cands.values() if c.key not in _STOP_LABELS and c.form != "tab"]
    if not starts:
        raise InputError(path, "no speaker turns found (expected lines such as 'Name: what they said')")

    header_end = _header_end(text, lines, starts)
    starts = [c for c in starts if c.idx >= header_end]
    header = [lines[i] for i in range(0, header_end) if text[lines[i][0]:lines[i][1]].strip()]
    first_turn_idx = starts[0].idx if starts else len(lines)
    header += [lines[i] for i in range(header_end, first_turn_idx) if text[lines[i][0]:lines[i][1]].strip()]

    turns: list[RawTurn] = []
    notices: list[tuple[int, int]] = []
    for n, c in enumerate(starts):
        last_idx = starts[n + 1].idx - 1 if n + 1 < len(starts) else len(lines) - 1
        ls, le = lines[c.idx]
        if c.rest_start is not None:
            begin = c.rest_start
        else:
            begin = None
        end = None
        skip: list[tuple[int, int]] = []
        first_body = c.body_idx if c.body_idx is not None else c.idx + (0 if c.rest_start is not None else 1)
        for j in range(first_body, last_idx + 1):
            s, e = lines[j]
            seg = text[s:e]
            if not seg.strip():
                continue
            if NOTICE.match(seg) and not (j == c.idx and c.rest_start is not None):
                # "Jane Smith stopped transcription": a notice, not speech; it stays out of the turn
                notices.append((s + len(seg) - len(seg.lstrip()), s + len(seg.rstrip())))
                if begin is not None:
                    skip.append(notices[-1])
                continue
            if begin is None:
                begin = s + (len(seg) - len(seg.lstrip()))
            end = s + len(seg.rstrip())
        if begin is None:  # a label with no text: an empty turn, kept so it can be rejected
            begin = end = le
        if end is None or end < begin:
            end = begin
        skip = [(a, b) for a, b in skip if b <= end]
        turns.append(RawTurn(c.name, begin, end, ls, c.timestamp, skip))
    return ParsedTurns(turns, header, notices)


def _bare_starts(text: str, lines: list[tuple[int, int]], is_known) -> list[_Cand]:
    """Turns marked only by a name alone on its line ("Jane Smith", then what she said).

    Used when no other label form is found. A bare name counts when it is a known name, or when it
    is a full name or role word used at least twice; each must be followed by text that is not
    itself a name line.
    """
    cands: dict[int, _Cand] = {}
    for idx, (s, e) in enumerate(lines):
        c = _candidate(text, s, e, idx, bare=True)
        if c is not None:
            cands[idx] = c
    if not cands:
        return []
    canon = speaker_keys([c.name for c in cands.values()])
    counts: dict[str, int] = {}
    for c in cands.values():
        c.key = canon.get(c.name, c.key)
        counts[c.key] = counts.get(c.key, 0) + 1
    starts = []
    for idx in sorted(cands):
        c = cands[idx]
        if not (is_known(c.name) or counts[c.key] >= 2):
            continue
        nxt = next((j for j in range(idx + 1, len(lines)) if text[lines[j][0]:lines[j][1]].strip()), None)
        if nxt is None or nxt in cands:
            continue
        starts.append(c)
    if len({c.key for c in starts}) < 2 and not any(is_known(c.name) for c in starts):
        return []
    return starts


def _header_end(text: str, lines: list[tuple[int, int]], starts: list[_Cand]) -> int:
    """Index of the first line after the header block.

    The header is everything before the first speaker turn, and also the whole first block of
    lines (up to the first blank line) when that block is metadata: it has a title or "Date:"
    line and its labelled lines are short and unpunctuated ("Interviewer: Sam Jones").
    """
    first = starts[0].idx
    start_idx = {c.idx: c for c in starts}
    i = 0
    while i < len(lines) and not text[lines[i][0]:lines[i][1]].strip():
        i += 1
    j = i
    while j < len(lines) and text[lines[j][0]:lines[j][1]].strip():
        j += 1
    if j >= len(lines) or j == i:
        return first
    if i in start_idx:  # the file opens with a turn: no metadata block
        return first
    block_has_meta = False
    for k in range(i, j):
        c = start_idx.get(k)
        if c is None:
            block_has_meta = True
            continue
        if c.rest_start is None:  # a label whose text follows on the next lines: a real turn
            return first
        value = text[c.rest_start:lines[k][1]].strip()
        if len(value.split()) > 10 or re.search(r"[.?!\u2026]$", value):
            return first
    if not block_has_meta:
        return first
    # the block is metadata only when real turns follow it
    if not any(c.idx >= j for c in starts):
        return first
    return max(j, first)


def header_names(text: str, header: list[tuple[int, int]]) -> list[str]:
    """Names given in header lines such as "Interviewer: Dr Sam Jones, Head of Research"."""
    names: list[str] = []
    for s, e in header:
        m = re.match(r"^\s*([A-Za-z ]{2,30}?)\s*[:\-\u2013]\s*(.+)$", text[s:e])
        if not m or m.group(1).strip().casefold() not in _NAME_KEYS:
            continue
        for part in re.split(r"[;/]|\band\b|&", m.group(2)):
            part = re.split(r"[,(\u2013\u2014]| - ", part)[0].strip()
            words = part.split()
            while words and is_title(words[0]):
                words = words[1:]
            if 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and \
                    all(re.fullmatch(r"[^\W\d_][\w'\u2019\-]*", w) for w in words):
                names.append(" ".join(words))
    return names
