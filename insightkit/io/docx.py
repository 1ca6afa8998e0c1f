"""Word (.docx) transcripts: Teams transcript exports and plain Word transcripts.

A .docx has no character offsets of its own, so the *source text* of a Word file is defined here:
the body's paragraphs in order, each paragraph's text (as python-docx gives it, tabs and line
breaks included) followed by "\\n"; a table row becomes one line, its cells' text joined by a tab
(line breaks inside a cell become spaces). Headers, footers, comments and text boxes are not read.
``read_source_text(path)`` returns exactly this text, so ``start``/``end`` index into it.

Layouts understood: ``Name: text`` paragraphs, Teams' "Name   0:03" paragraph followed by the
text, Teams' older cue layout (timing line, speaker line, text), and two-column speaker/text tables.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Iterable

from insightkit.errors import InputError
from insightkit.io.base import TranscriptParse
from insightkit.io.turns import header_names, split_lines
from insightkit.io.txt import parse_txt
from insightkit.io.vtt import TIMING, Cue, cues_to_turns

__all__ = ["docx_text", "parse_docx_text"]


def docx_text(path: str | Path, data: bytes | None = None) -> str:
    """The source text of a .docx file (see the module docstring for the convention)."""
    import io

    try:
        from docx import Document
        from docx.table import Table
        from docx.text.paragraph import Paragraph
    except ImportError as exc:  # pragma: no cover - python-docx is a hard dependency
        raise InputError(path, "python-docx is not installed") from exc
    try:
        doc = Document(io.BytesIO(data) if data is not None else str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise InputError(path, "not a valid Word .docx file (it could not be opened as one)") from None
    except Exception as exc:  # python-docx raises its own PackageNotFoundError and lxml errors
        raise InputError(path, f"not a valid Word .docx file ({type(exc).__name__})") from None
    out: list[str] = []
    body = doc.element.body
    for el in body.iterchildren():
        tag = el.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append(Paragraph(el, doc).text)
        elif tag == "tbl":
            for row in Table(el, doc).rows:
                seen: list = []
                for cell in row.cells:
                    if not seen or cell._tc is not seen[-1]._tc:
                        seen.append(cell)
                out.append("\t".join(" ".join(c.text.split("\n")) for c in seen))
    return "".join(line + "\n" for line in out)


def parse_docx_text(text: str, path=None, known_labels: Iterable[str] = ()) -> TranscriptParse:
    """Turns of a .docx source text (from :func:`docx_text`)."""
    if not text.strip():
        raise InputError(path, "the Word document has no text")
    lines = split_lines(text)
    timing_lines = [i for i, (s, e) in enumerate(lines) if TIMING.match(text[s:e])]
    if len(timing_lines) >= 2:  # Teams' older layout: cue timing, speaker, text
        cues = []
        for n, i in enumerate(timing_lines):
            stop = timing_lines[n + 1] if n + 1 < len(timing_lines) else len(lines)
            body = [k for k in range(i + 1, stop) if text[lines[k][0]:lines[k][1]].strip()]
            s, e = lines[i]
            start_time = TIMING.match(text[s:e]).group("a")
            ps, pe = (lines[body[0]][0], lines[body[-1]][1]) if body else (e, e)
            cues.append(Cue(start_time, ps, pe, s))
        turns = cues_to_turns(text, cues, known_labels, speaker_line=True)
        header = [(s, e) for s, e in lines[: timing_lines[0]] if text[s:e].strip()]
        return TranscriptParse(turns, header, header_names(text, header))
    return parse_txt(text, path, known_labels)
