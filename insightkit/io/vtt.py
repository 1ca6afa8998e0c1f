"""WebVTT transcripts as Teams and Zoom export them, and the cue handling SRT and DOCX share.

Teams marks speakers with voice tags (``<v Jane Smith>text</v>``), Zoom with a ``Jane Smith:``
prefix. Cue ids, NOTE/STYLE/REGION blocks and the header block are skipped; formatting tags and
character references are removed from the text as edits. Consecutive cues of one speaker become one
turn, the timing lines between them standing as a single space. A cue without a speaker continues
the previous speaker's turn.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any, Iterable

from insightkit.alignment import AlignedText, trim
from insightkit.errors import InputError
from insightkit.io.base import MAX_TURN_CHARS, TranscriptParse, Turn
from insightkit.io.turns import _STOP_LABELS, _valid_name, known_matcher, label_keys, speaker_keys, split_lines
from insightkit.names import normalise_label

__all__ = ["parse_vtt", "Cue", "parse_cue_blocks", "cues_to_turns", "TIMING"]

_T = r"(?:\d{1,9}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
TIMING = re.compile(rf"^\s*(?P<a>{_T})\s*-->\s*(?P<b>{_T})(?:\s.*)?$")
# a voice tag; its name may hold formatting tags of its own ("<v Jane <b>Smith</b>>")
_VOICE = re.compile(r"<v(?:\.[\w.\-]{1,40}){0,8}[ \t]+(?P<name>[^<>\r\n]*(?:<[^<>\r\n]*>[^<>\r\n]*){0,16})>")
# any markup tag (cue text has no literal "<": WebVTT writes "&lt;"), cue timestamps, SSA position codes
_TAGLIKE = r"</?[A-Za-z][\w\-]*(?:[.\s][^<>]*)?>|\{\\an?\d+\}"
_TAG = re.compile(rf"{_TAGLIKE}|<\d+:\d{{2}}(?::\d{{2}})?[.,]\d{{1,3}}>")
_ENTITY = re.compile(r"&(?:amp|lt|gt|nbsp|lrm|rlm|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_DASH = re.compile(r"^[ \t]*[-\u2013\u2014][ \t]*")
# "Name: text", also with formatting tags around the name or the colon ("<b>Name</b>: text")
_PREFIX = re.compile(rf"^[ \t]*(?:(?:{_TAGLIKE})[ \t]*){{0,16}}"
                     r"(?:\[[ \t]*(?P<bname>[^\W\d_][^:\r\n<>\[\]]{0,59}?)[ \t]*\]"
                     r"|(?P<name>[^\W\d_][^:\r\n<>\[\]]{0,59}?))"
                     rf"[ \t]*(?:(?:{_TAGLIKE})[ \t]*){{0,16}}:(?:[ \t]*(?:{_TAGLIKE})){{0,16}}[ \t]+(?=\S)")


def _voice_name(raw: str) -> str:
    """The speaker named by a voice tag, formatting tags inside it dropped."""
    return " ".join(re.sub(r"<[^<>]*>|[<>]", " ", raw).split())


@dataclass
class Cue:
    start_time: str
    payload_start: int
    payload_end: int
    line_offset: int  # offset of the cue's first line (id or timing)


def format_timestamp(t: str) -> str:
    """'0:0:3.710', '00:01:02,500' or '0:04' -> 'hh:mm:ss' (whole seconds; two parts are mm:ss)."""
    parts = re.split(r"[:]", re.split(r"[.,]", t)[0])
    parts = [int(p) for p in parts]
    while len(parts) < 3:
        parts.insert(0, 0)
    h, m, s = parts[-3:]
    return f"{h:02d}:{m:02d}:{s:02d}"


_INDEX = re.compile(r"^[ \t]*\d{1,12}[ \t]*$")
# a WebVTT cue id written without a blank line above it: one word holding a digit ("12",
# Teams' "0f1c2d3e-aaaa/12-0"); a line of speech has spaces or no digits
_VTT_ID = re.compile(r"^[ \t]*[\w\-./]*\d[\w\-./]*[ \t]*$")
_COMMENT = re.compile(r"^(?:NOTE|STYLE|REGION)(?:[ \t]|$)")
# a line that is meant as a cue timing but does not parse ("00:00:01,000 -> 00:00:02,000")
_TIMING_LIKE = re.compile(r"^[ \t]*\d{1,9}:\d")


def parse_cue_blocks(text: str, path=None, *, skip_first_block: bool, kind: str,
                     lines: list[tuple[int, int]] | None = None) -> list[Cue]:
    """Find cues (optional id line, timing line, payload lines) in ``text``.

    A cue starts at a timing line, or at the id line right above it (SRT: a number; WebVTT: any
    line after a blank line, or one word holding a digit), with or without blank lines between
    cues. Its payload runs to the next cue; blank lines inside it stay part of it. WebVTT
    NOTE/STYLE/REGION blocks (after a blank line, up to the next blank line or cue) and the header
    block (``skip_first_block``: up to the first blank line or cue) are skipped. Lines before the
    first cue, and a line meant as a timing that does not parse, are an InputError naming the line.
    """
    lines = lines if lines is not None else split_lines(text)
    n = len(lines)

    def line(i: int) -> str:
        return text[lines[i][0]:lines[i][1]]

    blank = [not line(i).strip() for i in range(n)]
    timing: dict[int, re.Match] = {}
    for i in range(n):
        if not blank[i] and "-->" in line(i):
            m = TIMING.match(line(i))
            if m:
                timing[i] = m
    # the header block (WebVTT): from the first non-blank line to a blank line or the first timing
    body = 0
    if skip_first_block:
        first = next((i for i in range(n) if not blank[i]), n)
        body = first + 1
        while body < n and not blank[body] and body not in timing:
            body += 1
        if body in timing and body - 1 > first and _is_id(line(body - 1), kind, True):
            body -= 1  # "WEBVTT" / "1" / timing: the "1" is the first cue's id
    # where each cue starts (its id line, or its timing line)
    starts: dict[int, int] = {}  # start line -> timing line
    for t in sorted(timing):
        if t < body:
            continue
        i = t - 1
        if i >= body and not blank[i] and i not in timing and i not in starts.values() and \
                _is_id(line(i), kind, i == body or blank[i - 1]):
            starts[i] = t
        else:
            starts[t] = t
    cue_lines = set(starts) | set(starts.values())
    # WebVTT comment blocks, and the lines each cue owns
    skipped = [False] * n
    if kind == "vtt":
        i = body
        while i < n:
            if not blank[i] and i not in cue_lines and (i == body or blank[i - 1]) and _COMMENT.match(line(i)):
                while i < n and not blank[i] and i not in starts:
                    skipped[i] = True
                    i += 1
                continue
            i += 1
    cues: list[Cue] = []
    order = sorted(starts)
    first_cue = order[0] if order else n
    for i in range(body, first_cue):
        if blank[i] or skipped[i]:
            continue
        if "-->" in line(i):
            raise InputError(path, f"malformed cue timing line {line(i).strip()[:60]!r}", line=i + 1)
        if i + 1 < first_cue and "-->" in line(i + 1) and not blank[i + 1] and not skipped[i + 1]:
            continue  # an id line above a malformed timing line: the next line raises
        raise InputError(path, f"expected a cue timing line such as '00:00:01.000 --> 00:00:04.000', "
                               f"found {line(i).strip()[:60]!r}", line=i + 1)
    for k, st in enumerate(order):
        t = starts[st]
        stop = order[k + 1] if k + 1 < len(order) else n
        # the payload: the cue's lines after its timing line, comment blocks cut out
        runs: list[list[int]] = [[]]
        for j in range(t + 1, stop):
            if skipped[j]:
                if runs[-1]:
                    runs.append([])
                continue
            if not blank[j] and "-->" in line(j) and _TIMING_LIKE.match(line(j)) and \
                    (blank[j - 1] or (j - 1 != t and _is_id(line(j - 1), kind, blank[j - 2] if j >= 2 else True))):
                raise InputError(path, f"malformed cue timing line {line(j).strip()[:60]!r}", line=j + 1)
            if not blank[j]:
                runs[-1].append(j)
        runs = [r for r in runs if r]
        start_time = timing[t].group("a")
        if not runs:
            e = lines[t][1]
            cues.append(Cue(start_time, e, e, lines[st][0]))
            continue
        for r_i, run in enumerate(runs):
            ps, pe = lines[run[0]][0], lines[run[-1]][1]
            cues.append(Cue(start_time, ps, pe, lines[st][0] if r_i == 0 else ps))
    return cues


def _is_id(line: str, kind: str, after_blank: bool) -> bool:
    """Whether ``line``, right above a timing line, is the cue's id rather than the text before it."""
    if "-->" in line:
        return False
    if kind == "srt":
        return bool(_INDEX.match(line)) or after_blank
    return after_blank or bool(_VTT_ID.match(line))


def _clean_fragment(text: str, s: int, e: int) -> AlignedText:
    at = AlignedText.from_source(text, s, e)
    if e - s > MAX_TURN_CHARS:  # not worth cleaning: the turn is rejected as too long
        return trim(at)
    at = at.sub(_TAG, "")
    at = at.sub(_ENTITY, lambda m: html.unescape(m.group(0)).replace("\u00a0", " ")
                .replace("\u200e", "").replace("\u200f", ""))
    return trim(at)


def cues_to_turns(text: str, cues: list[Cue], known_labels: Iterable[str] = (),
                  speaker_line: bool = False) -> list[Turn]:
    """Speaker pieces of every cue, consecutive pieces of one speaker merged into one turn.

    ``speaker_line``: the cue's first payload line may be the speaker's name alone (Word exports
    of Teams transcripts).
    """
    is_known = known_matcher(known_labels)
    # first pass: speaker prefixes ("Name: ") and name lines, kept only when used twice or known
    labels_seen: list[str] = []
    # pieces: (label or None, start, end) and, for a "Name:" line inside a cue, the line start too
    raw: list[tuple[Cue, list[tuple[Any, ...]]]] = []
    for cue in cues:
        ps, pe = cue.payload_start, cue.payload_end
        payload = text[ps:pe]
        pieces: list[tuple] = []  # (label or None, start, end[, line start of a later-line label])
        voices = list(_VOICE.finditer(payload))
        if voices:
            if payload[: voices[0].start()].strip():
                pieces.append((None, ps, ps + voices[0].start()))
            for n, v in enumerate(voices):
                end = voices[n + 1].start() if n + 1 < len(voices) else len(payload)
                pieces.append(("v:" + _voice_name(v.group("name")), ps + v.end(), ps + end))
        else:
            label = None
            tag = "p:"
            body_start = ps
            first_line_end = len(payload)
            for br in ("\r\n", "\n", "\r"):
                k = payload.find(br)
                if k != -1:
                    first_line_end = min(first_line_end, k)
            first_line = payload[:first_line_end]
            dash = _DASH.match(payload)
            off = dash.end() if dash and _PREFIX.match(payload[dash.end():]) else 0
            m = _PREFIX.match(payload[off:])
            if m and _valid_name(m.group("bname") or m.group("name")):
                label = (m.group("bname") or m.group("name")).strip()
                body_start = ps + off + m.end()
            elif speaker_line and first_line_end < len(payload) and _valid_name(first_line.strip()) \
                    and not re.search(r"[.?!,;]$", first_line.strip()) and len(first_line.split()) <= 5:
                label = first_line.strip()
                tag = "n:"
                rest = payload[first_line_end:]
                body_start = ps + first_line_end + (len(rest) - len(rest.lstrip()))
            # later lines of the cue that start with a speaker ("- Sam Jones: ..." dialogue lines)
            later = []
            for ls, le in split_lines(payload)[1:]:
                line = payload[ls:le]
                dash = _DASH.match(line)
                off = dash.end() if dash else 0
                lm = _PREFIX.match(line[off:])
                if lm and _valid_name(lm.group("bname") or lm.group("name")):
                    later.append(((lm.group("bname") or lm.group("name")).strip(), ps + ls, ps + ls + off + lm.end()))
            first_end = later[0][1] if later else pe
            if label is not None:
                labels_seen.append(label)
                pieces.append((tag + label, body_start, first_end))
            else:
                pieces.append((None, ps, first_end))
            for n, (lab, line_s, body) in enumerate(later):
                labels_seen.append(lab)
                pieces.append(("m:" + lab, body, later[n + 1][1] if n + 1 < len(later) else pe, line_s))
        raw.append((cue, pieces))

    canon = speaker_keys(labels_seen)
    prefix_counts: dict[str, int] = {}
    for label in labels_seen:
        prefix_counts[canon[label]] = prefix_counts.get(canon[label], 0) + 1
    # cues that open with a speaker prefix: when at least half do, a label heard once is a speaker too
    opening = sum(1 for _, pieces in raw if pieces and pieces[0][0] is not None and pieces[0][0][:2] == "p:"
                  and canon[pieces[0][0][2:]] not in _STOP_LABELS)
    doc_uses_prefixes = any(n >= 2 for n in prefix_counts.values()) or any(is_known(l) for l in labels_seen) \
        or (opening >= 1 and opening * 2 >= len(raw))

    def accepted(label: str, name_line: bool) -> bool:
        key = canon.get(label, normalise_label(label))
        if is_known(label) or prefix_counts.get(key, 0) >= 2:
            return True
        # a speaker heard once, in a transcript that labels its cues (a name line: a full name)
        n_words = len(key.split())
        return doc_uses_prefixes and key not in _STOP_LABELS and n_words <= 4 and (n_words >= 2 or not name_line)

    turns: list[Turn] = []
    cur_label: str | None = None
    cur_parts: list[AlignedText] = []
    cur_line = 0
    cur_ts = ""

    def flush():
        if cur_parts:
            at = cur_parts[0] if len(cur_parts) == 1 else AlignedText.concat(cur_parts, text, " ")
            turns.append(Turn(cur_label or "", at, cur_line, cur_ts))

    for cue, pieces in raw:
        for piece in pieces:
            label, s, e = piece[:3]
            if label is not None and label[:2] == "m:":
                key = canon.get(label[2:], normalise_label(label[2:]))
                if is_known(label[2:]) or prefix_counts.get(key, 0) >= 2:
                    label = label[2:]
                else:  # a "Word: ..." line inside a cue that names no speaker: it continues the text
                    label, s = None, piece[3]
            elif label is not None and label[:2] in ("p:", "n:"):
                if accepted(label[2:], label.startswith("n:")):
                    label = label[2:]
                else:  # not a speaker after all: the prefix is part of the text
                    label, s = None, cue.payload_start
            elif label is not None:
                label = label[2:]
            frag = _clean_fragment(text, s, e)
            if not frag.text:  # an empty cue holds nothing to keep
                continue
            if label is not None and (cur_label is None or not (label_keys(label) & label_keys(cur_label))):
                flush()
                cur_label, cur_parts = label, [frag]
                cur_line, cur_ts = cue.line_offset, format_timestamp(cue.start_time)
                continue
            if not cur_parts:
                cur_line, cur_ts = cue.line_offset, format_timestamp(cue.start_time)
            cur_parts.append(frag)
    flush()
    return turns


def parse_vtt(text: str, path=None, known_labels: Iterable[str] = ()) -> TranscriptParse:
    """Parse a WebVTT file's decoded text into turns; InputError when the header is missing."""
    lines = split_lines(text)
    first_idx = next((i for i, (s, e) in enumerate(lines) if text[s:e].strip()), None)
    if first_idx is None:
        raise InputError(path, "the file is empty")
    s, e = lines[first_idx]
    first = text[s:e]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", first.strip("\ufeff")):
        raise InputError(path, f"not a WebVTT file: it must start with 'WEBVTT', but line {first_idx + 1} "
                               f"is {first.strip()[:60]!r}", line=first_idx + 1)
    cues = parse_cue_blocks(text, path, skip_first_block=True, kind="vtt", lines=lines)
    if not cues:
        raise InputError(path, "the WebVTT file has no cues")
    turns = cues_to_turns(text, cues, known_labels)
    if not turns:
        raise InputError(path, "the WebVTT file's cues hold no text")
    return TranscriptParse(turns)
