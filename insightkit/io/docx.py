"""Word (.docx) transcripts: Teams transcript exports and plain Word transcripts.

A .docx has no character offsets of its own, so the *source text* of a Word file is defined here:
the body's paragraphs in order, each paragraph's text (its runs' text, tabs and line breaks
included, as python-docx gives it; text in tracked insertions, hyperlinks, fields and content
controls included, tracked deletions left out) followed by "\\n"; a table row becomes one line, its
cells' text joined by a tab (a cell's paragraphs, and the rows of a table inside it, joined by
spaces). Paragraphs inside content controls at body level are read like any other. Headers,
footers, comments, footnotes and text boxes are not read (a warning says when text boxes hold
text). ``read_source_text(path)`` returns exactly this text, so ``start``/``end`` index into it.

The XML is parsed safely: no DTD is loaded, no entity is resolved, nothing is fetched from the
network, and the parser's size limits stay on. Word never writes a DTD, so a document whose XML
declares one (which could hide entity expansion or external references) is refused with an
:class:`InputError`, as are files that are not a zip, archives without a Word document in them and
archives that would unpack to an absurd size (see :func:`insightkit.io.base.check_zip_archive`).

Layouts understood: ``Name: text`` paragraphs, Teams' "Name   0:03" paragraph followed by the
text, Teams' older cue layout (timing line, speaker line, text), and two-column speaker/text tables.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Iterable

from insightkit.errors import InputError
from insightkit.io.base import TranscriptParse, check_zip_archive, read_zip_member
from insightkit.io.turns import header_names, split_lines
from insightkit.io.txt import parse_txt
from insightkit.io.vtt import TIMING, Cue, cues_to_turns

__all__ = ["docx_text", "docx_source", "parse_docx_text"]

_WORD_NS = ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
            "http://purl.oclc.org/ooxml/wordprocessingml/main")  # transitional and strict OOXML
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_REL_NS = ("http://schemas.openxmlformats.org/package/2006/relationships",)
#: the main document part may unpack to at most this (a 1,000-page transcript is about 10 MB)
MAX_DOCUMENT_XML = 64 * 2**20
#: ... and its text may be at most this many characters
MAX_TEXT_CHARS = 16 * 2**20
# inside a paragraph: elements whose content is not the paragraph's text
_SKIP = {"pPr", "rPr", "del", "moveFrom", "sdtPr", "sdtEndPr", "drawing", "pict", "object", "txbxContent",
         "fldData", "delText", "instrText", "delInstrText", "rubyPr", "rt"}


def _parser():
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, remove_blank_text=True)


def _parse_xml(path, data: bytes, part: str):
    """An XML part of the package, parsed safely; InputError when malformed or when it declares a DTD."""
    from lxml import etree

    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        msg = " ".join(str(exc).split())[:120]
        raise InputError(path, f"not a valid Word .docx file: {part} is not well-formed XML ({msg})") from None
    except (ValueError, MemoryError) as exc:  # e.g. "can only parse strings" / a part too large to parse
        raise InputError(path, f"not a valid Word .docx file: {part} could not be parsed ({type(exc).__name__})") \
            from None
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise InputError(path, f"refused: {part} declares a DTD (<!DOCTYPE ...>), which Word never writes; it "
                               "could hide entity expansion or external references")
    return root


def _split(tag) -> tuple[str, str]:
    if not isinstance(tag, str):  # comments, processing instructions, entity references
        return "", ""
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


def _main_part(path, zf) -> str:
    """Name of the main document part: what ``_rels/.rels`` points to, else word/document.xml."""
    names = set(zf.namelist())
    target = None
    if "_rels/.rels" in names:
        rels = _parse_xml(path, read_zip_member(path, zf, "_rels/.rels", what="Word .docx file", max_size=2**20),
                          "_rels/.rels")
        for rel in rels:
            if _split(rel.tag)[1] == "Relationship" and str(rel.get("Type", "")).endswith("/officeDocument"):
                t = str(rel.get("Target", "")).lstrip("/")
                target = posixpath.normpath(t) if t else None
                break
    if target and target in names:
        return target
    if "word/document.xml" in names:
        return "word/document.xml"
    if "xl/workbook.xml" in names or "ppt/presentation.xml" in names:
        kind = "a spreadsheet" if "xl/workbook.xml" in names else "a presentation"
        raise InputError(path, f"not a Word document ({kind}): the archive has no word/document.xml")
    named = f" (nor {target}, which _rels/.rels names)" if target and target != "word/document.xml" else ""
    missing = "word/document.xml" + named
    raise InputError(path, f"not a valid Word .docx file: the archive has no {missing}")


def docx_source(path: str | Path, data: bytes | None = None) -> tuple[str, list[str]]:
    """The source text of a .docx file (see the module docstring) and warnings for the user."""
    p = Path(path)
    if data is None:
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(p, f"cannot read the file: {exc.strerror or exc}") from None
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise InputError(p, "not a .docx file: this is an old Word .doc or a password-protected document; "
                            "save it as an unprotected .docx")
    if data[:2] != b"PK":
        raise InputError(p, "not a valid Word .docx file (it could not be opened as one: a .docx is a zip archive)")
    zf = check_zip_archive(p, data, what="Word .docx file")
    with zf:
        part = _main_part(p, zf)
        xml = read_zip_member(p, zf, part, what="Word .docx file", max_size=MAX_DOCUMENT_XML)
    root = _parse_xml(p, xml, part)
    ns, local = _split(root.tag)
    if ns not in _WORD_NS or local != "document":
        raise InputError(p, f"not a Word document: {part} holds <{local or '?'}>, not <w:document>")
    body = next((el for el in root if _split(el.tag) == (ns, "body")), None)
    reader = _Reader(ns)
    lines = reader.blocks(body) if body is not None else []
    text = "".join(line + "\n" for line in lines)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(p, f"the Word document holds {len(text):,} characters of text, too many for a "
                            f"transcript (the limit is {MAX_TEXT_CHARS:,}); split it into smaller files")
    notes = []
    if reader.textboxes:
        notes.append(f"{p.name}: {reader.textboxes} text box(es) with text are not read (only the body's "
                     "paragraphs and tables are)")
    return text, notes


def docx_text(path: str | Path, data: bytes | None = None) -> str:
    """The source text of a .docx file (see the module docstring for the convention)."""
    return docx_source(path, data)[0]


class _Reader:
    """Walks the body of a Word document (namespace ``ns``) into lines of text."""

    def __init__(self, ns: str):
        self.ns = ns
        self.textboxes = 0

    def blocks(self, container) -> list[str]:
        """Lines of a body, a cell or a content control: paragraphs and table rows, in order."""
        out: list[str] = []
        for el in container:
            ns, local = _split(el.tag)
            if ns == self.ns:
                if local == "p":
                    out.append(self.paragraph(el))
                elif local == "tbl":
                    out.extend(self.table(el))
                elif local in ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag"):
                    out.extend(self.blocks(el))
            elif ns == _MC and local == "AlternateContent":
                choice = next((c for c in el if _split(c.tag) == (_MC, "Choice")), None)
                if choice is not None:
                    out.extend(self.blocks(choice))
        return out

    def paragraph(self, p) -> str:
        out: list[str] = []
        self._inline(p, out)
        return "".join(out)

    def _inline(self, el, out: list[str]) -> None:
        for ch in el:
            ns, local = _split(ch.tag)
            if ns == self.ns:
                if local == "r":
                    self._run(ch, out)
                elif local == "t":  # text outside a run: not valid, but not to be lost either
                    out.append("".join(ch.itertext()))
                elif local in _SKIP:
                    self._count_textboxes(ch)
                else:  # hyperlink, ins, moveTo, smartTag, sdt, sdtContent, fldSimple, customXml, ...
                    self._inline(ch, out)
            elif ns == _MC:
                if local == "AlternateContent":
                    choice = next((c for c in ch if _split(c.tag) == (_MC, "Choice")), None)
                    if choice is not None:
                        self._inline(choice, out)
            elif ns:  # another vocabulary (maths, ...): only Word runs inside it are read
                self._inline(ch, out)

    def _run(self, r, out: list[str]) -> None:
        for ch in r:
            ns, local = _split(ch.tag)
            if ns != self.ns:
                if ns:
                    self._count_textboxes(ch)
                continue
            if local == "t":
                out.append("".join(ch.itertext()))
            elif local in ("tab", "ptab"):
                out.append("\t")
            elif local == "br":
                kind = ch.get(f"{{{self.ns}}}type")
                out.append("\n" if kind in (None, "textWrapping") else "")
            elif local == "cr":
                out.append("\n")
            elif local == "noBreakHyphen":
                out.append("-")
            elif local in ("drawing", "pict", "object"):
                self._count_textboxes(ch)

    def _count_textboxes(self, el) -> None:
        for tb in el.iter(f"{{{self.ns}}}txbxContent"):
            if any(_split(a.tag) == (_MC, "Fallback") for a in tb.iterancestors()):
                continue  # the same box again, for older readers
            if "".join(t.text or "" for t in tb.iter(f"{{{self.ns}}}t")).strip():
                self.textboxes += 1

    def table(self, tbl) -> list[str]:
        """One line per row: the row's cells' text joined by tabs; a cell merged across rows or
        columns counts once per row (a vertically merged cell repeats the text of its first row)."""
        lines: list[str] = []
        above: dict[int, object] = {}
        for tr in self._children(tbl, "tr"):
            here: dict[int, object] = {}
            cells: list = []
            off = self._int(tr, ("trPr", "gridBefore"), 0)
            for tc in self._children(tr, "tc"):
                span = min(max(self._int(tc, ("tcPr", "gridSpan"), 1), 1), 1000)
                root = tc
                vmerge = self._find(tc, ("tcPr", "vMerge"))
                if vmerge is not None and vmerge.get(f"{{{self.ns}}}val", "continue") == "continue":
                    root = above.get(off, tc)
                for g in range(off, off + span):
                    here[g] = root
                if not cells or cells[-1] is not root:
                    cells.append(root)
                off += span
            above = here
            lines.append("\t".join(self.cell(c) for c in cells))
        return lines

    def cell(self, tc) -> str:
        return " ".join(self.blocks(tc)).replace("\n", " ")

    def _children(self, el, local: str) -> list:
        """Children named ``local``, also those wrapped in content controls or custom XML."""
        out = []
        for ch in el:
            ns, name = _split(ch.tag)
            if ns != self.ns:
                continue
            if name == local:
                out.append(ch)
            elif name in ("sdt", "sdtContent", "customXml"):
                out.extend(self._children(ch, local))
        return out

    def _find(self, el, path: tuple[str, ...]):
        for local in path:
            el = next((c for c in el if _split(c.tag) == (self.ns, local)), None)
            if el is None:
                return None
        return el

    def _int(self, el, path: tuple[str, ...], default: int) -> int:
        found = self._find(el, path)
        if found is None:
            return default
        try:
            return int(str(found.get(f"{{{self.ns}}}val", default)).strip()[:9])
        except ValueError:
            return default


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
            timing = TIMING.match(text[s:e])
            start_time = timing.group("a") if timing else ""
            ps, pe = (lines[body[0]][0], lines[body[-1]][1]) if body else (e, e)
            cues.append(Cue(start_time, ps, pe, s))
        turns = cues_to_turns(text, cues, known_labels, speaker_line=True)
        header = [(s, e) for s, e in lines[: timing_lines[0]] if text[s:e].strip()]
        return TranscriptParse(turns, header, header_names(text, header))
    return parse_txt(text, path, known_labels)
