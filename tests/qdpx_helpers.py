"""Build small REFI-QDA projects (.qdpx) in tests, from the schema's elements, with invented text."""

from __future__ import annotations

import uuid
import zipfile
from pathlib import Path

from lxml import etree

NS = "urn:QDA-XML:project:1.0"
N = f"{{{NS}}}"


def gid(*parts) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(map(str, parts)))).upper()


ALICE, BOB = gid("user", "alice"), gid("user", "bob")
WAIT, STAFF, STAFF_KIND, UNUSED = gid("code", "wait"), gid("code", "staff"), gid("code", "kind"), gid("code", "unused")

INTERVIEW = ("Interviewer: How was your visit to the clinic?\n"
             "Participant: The wait was very long, almost three hours.\n"
             "Interviewer: And the staff?\n"
             "Participant: The nurses were kind. They explained everything twice.\n")
# no speaker labels: paragraphs; CRLF line ends and a non-ASCII character before the codings
NOTES = ("Café visit notes\u2014day one.\r\nThe waiting room was crowded.\r\n\r\n"
         "Reception staff were friendly and quick.\r\n\r\nParking was hard to find.\r\n")


def selection(src, start: int, end: int, user: str, *codes: str, name: str = "sel"):
    sel = etree.SubElement(src, f"{N}PlainTextSelection", guid=gid("sel", src.get("guid"), start, end, user),
                           name=name, startPosition=str(start), endPosition=str(end), creatingUser=user)
    for c in codes:
        coding = etree.SubElement(sel, f"{N}Coding", guid=gid("coding", sel.get("guid"), c), creatingUser=user)
        etree.SubElement(coding, f"{N}CodeRef", targetGUID=c)
    return sel


def span(text: str, phrase: str, to: str | None = None) -> tuple[int, int]:
    s = text.index(phrase)
    e = text.index(to) + len(to) if to else s + len(phrase)
    return s, e


def build_project(path: Path, *, notes_encoding: str = "utf-8", extra=None) -> Path:
    """Two text sources (a transcript stored as a file, paragraphs inline), a PDF source, two users,
    a nested codebook with an unused code, a note, a variable and a set: overlapping codings, codings
    across segment boundaries and part of a segment."""
    root = etree.Element(f"{N}Project", nsmap={None: NS}, name="Clinic study", origin="tests",
                         creatingUserGUID=ALICE)
    users = etree.SubElement(root, f"{N}Users")
    etree.SubElement(users, f"{N}User", guid=ALICE, name="Alice")
    etree.SubElement(users, f"{N}User", guid=BOB, name="Bob")
    codes = etree.SubElement(etree.SubElement(root, f"{N}CodeBook"), f"{N}Codes")
    etree.SubElement(codes, f"{N}Code", guid=WAIT, name="Waiting times", isCodable="true")
    staff = etree.SubElement(codes, f"{N}Code", guid=STAFF, name="Staff", isCodable="true")
    etree.SubElement(staff, f"{N}Code", guid=STAFF_KIND, name="Kindness", isCodable="true")
    etree.SubElement(codes, f"{N}Code", guid=UNUSED, name="Never used", isCodable="true")
    variables = etree.SubElement(root, f"{N}Variables")
    etree.SubElement(variables, f"{N}Variable", guid=gid("var", "site"), name="site", typeOfVariable="Text")
    sources = etree.SubElement(root, f"{N}Sources")
    interview = etree.SubElement(sources, f"{N}TextSource", guid=gid("src", "interview"), name="Interview one",
                                 plainTextPath="internal://interview.txt")
    t = INTERVIEW
    selection(interview, *span(t, "The wait was very long"), ALICE, WAIT)  # part of a segment
    selection(interview, *span(t, "The wait was very long", "three hours."), BOB, WAIT)  # one segment
    selection(interview, *span(t, "The nurses were kind."), ALICE, STAFF_KIND, STAFF)  # overlapping codes
    selection(interview, *span(t, "And the staff?", "explained everything twice."), BOB, STAFF)  # two segments
    notes = etree.SubElement(sources, f"{N}TextSource", guid=gid("src", "notes"), name="Field notes")
    etree.SubElement(notes, f"{N}PlainTextContent").text = NOTES
    selection(notes, *span(NOTES, "The waiting room", "friendly and quick."), ALICE, WAIT)  # across a paragraph break
    selection(notes, *span(NOTES, "Reception staff"), BOB, STAFF)
    etree.SubElement(sources, f"{N}PDFSource", guid=gid("src", "pdf"), name="Leaflet", path="internal://leaflet.pdf")
    notes_el = etree.SubElement(root, f"{N}Notes")
    note = etree.SubElement(notes_el, f"{N}Note", guid=gid("note", 1), name="Memo")
    etree.SubElement(note, f"{N}PlainTextContent").text = "Remember to ask about parking."
    sets = etree.SubElement(root, f"{N}Sets")
    s = etree.SubElement(sets, f"{N}Set", guid=gid("set", 1), name="Pilot")
    etree.SubElement(s, f"{N}MemberSource", targetGUID=gid("src", "interview"))
    if extra is not None:
        extra(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
        zf.writestr("sources/interview.txt", INTERVIEW.encode(notes_encoding))
        zf.writestr("sources/leaflet.pdf", b"%PDF-1.4 not really")
    return path
