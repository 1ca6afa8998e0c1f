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
from typing import Iterable

from insightkit.alignment import AlignedText
from insightkit.errors import InputError
from insightkit.io.base import TranscriptParse, Turn, trim
from insightkit.io.turns import (_STOP_LABELS, _valid_name, known_matcher, label_keys, normalise_label,
                                 speaker_keys, split_lines)

__all__ = ["parse_vtt", "Cue", "parse_cue_blocks", "cues_to_turns", "TIMING"]

_T = r"(?:\d+:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?"
TIMING = re.compile(rf"^\s*(?P<a>{_T})\s*-->\s*(?P<b>{_T})(?:\s.*)?$")
_VOICE = re.compile(r"<v(?:\.[\w.\-]+)*[ \t]+(?P<name>[^>]*)>")
_TAG = re.compile(r"</?(?:v|c|i|b|u|ruby|rt|lang|font|span)(?:[.\s][^>]*)?>|<\d+:\d{2}(?::\d{2})?[.,]\d{1,3}>"
                  r"|\{\\an?\d+\}", re.I)
_ENTITY = re.compile(r"&(?:amp|lt|gt|nbsp|lrm|rlm|quot|apos|#\d+|#x[0-9a-fA-F]+);")
_DASH = re.compile(r"^[ \t]*[-\u2013\u2014][ \t]*")
_PREFIX = re.compile(r"^[ \t]*(?:\[[ \t]*(?P<bname>[^\W\d_][^:\r\n<>\[\]]{0,59}?)[ \t]*\]"
                     r"|(?P<name>[^\W\d_][^:\r\n<>\[\]]{0,59}?))[ \t]*:[ \t]+(?=\S)")


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


def _blocks(text: str, lines: list[tuple[int, int]]) -> list[list[int]]:
    """Line indices grouped into blocks separated by blank lines."""
    blocks: list[list[int]] = []
    cur: list[int] = []
    for i, (s, e) in enumerate(lines):
        if text[s:e].strip():
            cur.append(i)
        elif cur:
            blocks.append(cur)
            cur = []
    if cur:
        blocks.append(cur)
    return blocks


def parse_cue_blocks(text: str, path=None, *, skip_first_block: bool, kind: str,
                     lines: list[tuple[int, int]] | None = None) -> list[Cue]:
    """Find cues (optional id line, timing line, payload lines) in ``text``."""
    lines = lines if lines is not None else split_lines(text)
    cues: list[Cue] = []
    blocks = _blocks(text, lines)
    if skip_first_block and blocks:
        blocks = blocks[1:]
    for block in blocks:
        first = text[lines[block[0]][0]:lines[block[0]][1]]
        if kind == "vtt" and re.match(r"^(NOTE|STYLE|REGION)(\s|$)", first):
            continue
        timing_at = None
        for k in block[:2]:
            s, e = lines[k]
            if "-->" in text[s:e]:
                timing_at = k
                break
        if timing_at is None:
            if cues:  # a blank line inside a cue's text: the text continues the previous cue
                cues[-1].payload_end = lines[block[-1]][1]
                continue
            ln = block[0] + 1
            raise InputError(path, f"expected a cue timing line such as '00:00:01.000 --> 00:00:04.000', "
                                   f"found {first.strip()[:60]!r}", line=ln)
        s, e = lines[timing_at]
        m = TIMING.match(text[s:e])
        if not m:
            raise InputError(path, f"malformed cue timing line {text[s:e].strip()[:60]!r}", line=timing_at + 1)
        payload = [k for k in block if k > timing_at]
        if payload:
            ps, pe = lines[payload[0]][0], lines[payload[-1]][1]
        else:
            ps = pe = e
        cues.append(Cue(m.group("a"), ps, pe, lines[block[0]][0]))
    return cues


def _clean_fragment(text: str, s: int, e: int) -> AlignedText:
    at = AlignedText.from_source(text, s, e)
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
    raw: list[tuple[Cue, list[tuple[str | None, int, int]]]] = []
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
                pieces.append(("v:" + v.group("name").strip(), ps + v.end(), ps + end))
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
    doc_uses_prefixes = any(n >= 2 for n in prefix_counts.values()) or any(is_known(l) for l in labels_seen)

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
        for label, s, e, *line_s in pieces:
            if label is not None and label[:2] == "m:":
                key = canon.get(label[2:], normalise_label(label[2:]))
                if is_known(label[2:]) or prefix_counts.get(key, 0) >= 2:
                    label = label[2:]
                else:  # a "Word: ..." line inside a cue that names no speaker: it continues the text
                    label, s = None, line_s[0]
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
