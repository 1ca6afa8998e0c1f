"""REFI-QDA projects (``.qdpx``): the exchange format of NVivo, ATLAS.ti, MAXQDA and QualCoder.

A ``.qdpx`` is a zip holding ``project.qde`` (XML, namespace ``urn:QDA-XML:project:1.0``) and a
``sources/`` folder. :func:`open_project` reads one safely: the archive through the one zip check
of every reader (:func:`insightkit.io.base.check_zip_archive`: member count, unpacked size, zip
bombs), the XML with no entity expansion, no DTD and no network, and a source's text only from a
member inside the archive (``internal://name``), never from a path outside it.

What is read: users, codes (their GUIDs and the parent path of nested codes), the plain text of
each ``TextSource`` (``PlainTextContent`` or ``plainTextPath``; UTF-8 as the standard says, a BOM or
UTF-16 tolerated) and every ``Coding`` of a ``PlainTextSelection`` (positions in characters). Other
sources (PDF, pictures, audio, video, a rich-text document without its plain text, a file outside
the project) are listed in ``skipped`` with the reason. The XML tree is kept as read, so a project
written back (:func:`write_project`) keeps everything insightkit does not use.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from insightkit.alignment import AlignedText, trim
from insightkit.errors import InputError
from insightkit.io.base import TranscriptParse, Turn, check_zip_archive, read_file_bytes, read_zip_member
from insightkit.io.encoding import decode_bytes

__all__ = ["QDPX_NS", "QdaCode", "QdaCoding", "QdaSource", "QdaProject", "open_project", "write_project",
           "paragraph_parse", "project_bytes", "add_user", "add_code", "add_selection"]

QDPX_NS = "urn:QDA-XML:project:1.0"
_N = f"{{{QDPX_NS}}}"
#: largest project.qde or source text read, in bytes
MAX_MEMBER_BYTES = 64 * 2**20
_OTHER_SOURCES = {"PDFSource": "a PDF", "PictureSource": "a picture", "AudioSource": "an audio recording",
                  "VideoSource": "a video"}


@dataclass
class QdaCode:
    guid: str
    name: str
    path: str  # "Parent / Child" for a nested code
    parent_guid: str
    codable: bool


@dataclass
class QdaCoding:
    """One code applied to one selection (or, ``whole_source``, to a whole source)."""

    source_guid: str
    selection_guid: str
    coding_guid: str
    start: int
    end: int
    user_guid: str
    code_guid: str


@dataclass
class QdaSource:
    guid: str
    name: str
    text: str
    element: Any  # the TextSource element (lxml), for adding selections


@dataclass
class QdaProject:
    path: Path
    tree: Any  # lxml ElementTree of project.qde, as read
    members: list  # [(ZipInfo, bytes)] of the archive other than project.qde, in order
    users: dict = field(default_factory=dict)  # guid -> name
    codes: list = field(default_factory=list)  # [QdaCode]
    sources: list = field(default_factory=list)  # [QdaSource], text sources read
    codings: list = field(default_factory=list)  # [QdaCoding]
    skipped: list = field(default_factory=list)  # [(source name, reason)]

    @property
    def root(self):
        return self.tree.getroot()

    def code_by_guid(self) -> dict:
        return {c.guid: c for c in self.codes}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                           remove_blank_text=False)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200]


def _member_name(names: list[str], internal: str) -> str | None:
    """The archive member an ``internal://`` path names: under ``sources/`` (any case), no ``..``."""
    rel = internal.replace("\\", "/")
    if not rel or rel.startswith("/") or any(p in ("", ".", "..") for p in rel.split("/")):
        return None
    want = f"sources/{rel}".casefold()
    return next((n for n in names if n.casefold() == want), None)


def _position(sel, attr: str, path: Path, where: str) -> int:
    raw = sel.get(attr)
    try:
        return int(str(raw).strip())
    except (TypeError, ValueError):
        raise InputError(path, f"{where}: {attr} {raw!r} is not a whole number", line=sel.sourceline) from None


def open_project(path: str | Path) -> QdaProject:
    """Read a ``.qdpx``; an :class:`InputError` naming the file for a damaged archive, invalid XML,
    a project without ``project.qde`` or a selection outside its source's text."""
    path = Path(path)
    data = read_file_bytes(path)
    zf = check_zip_archive(path, data, what="REFI-QDA project (.qdpx)")
    names = [i.filename for i in zf.infolist()]
    qde = next((n for n in names if n.casefold() == "project.qde"), None)
    if qde is None:
        raise InputError(path, "not a REFI-QDA project: the archive has no project.qde")
    xml = read_zip_member(path, zf, qde, what="REFI-QDA project", max_size=MAX_MEMBER_BYTES)
    try:
        tree = etree.ElementTree(etree.fromstring(xml, _parser()))
    except etree.XMLSyntaxError as exc:
        raise InputError(path, f"project.qde is not valid XML: {_one_line(exc)}", line=exc.lineno) from None
    root = tree.getroot()
    if root.tag != f"{_N}Project":
        raise InputError(path, f"project.qde holds <{etree.QName(root).localname}>, not a REFI-QDA <Project> "
                               f"(namespace {QDPX_NS})")
    members = [(i, read_zip_member(path, zf, i.filename, what="REFI-QDA project", max_size=MAX_MEMBER_BYTES))
               for i in zf.infolist() if i.filename != qde]
    project = QdaProject(path, tree, members)
    for u in root.iter(f"{_N}User"):
        project.users[u.get("guid", "")] = u.get("name") or u.get("id") or u.get("guid", "")

    def walk(el, prefix: str, parent: str):
        name = el.get("name") or ""
        full = f"{prefix}{name}"
        project.codes.append(QdaCode(el.get("guid", ""), name, full, parent, el.get("isCodable", "true") != "false"))
        for child in el.findall(f"{_N}Code"):
            walk(child, f"{full} / ", el.get("guid", ""))

    for el in root.findall(f"{_N}CodeBook/{_N}Codes/{_N}Code"):
        walk(el, "", "")
    content = {i.filename: b for i, b in members}
    sources_el = root.find(f"{_N}Sources")
    for el in (sources_el if sources_el is not None else []):
        if not isinstance(el.tag, str):
            continue  # a comment or processing instruction
        kind = etree.QName(el).localname
        name = el.get("name") or el.get("guid", "")
        if kind != "TextSource":
            project.skipped.append((name, f"{_OTHER_SOURCES.get(kind, kind)} source: insightkit reads plain-text "
                                          "sources only"))
            continue
        text = _source_text(path, el, names, content, project.skipped)
        if text is None:
            continue
        src = QdaSource(el.get("guid", ""), name, text, el)
        project.sources.append(src)
        project.codings += _codings(path, src)
    return project


def _source_text(path: Path, el, names: list[str], content: dict, skipped: list) -> str | None:
    name = el.get("name") or el.get("guid", "")
    inline = el.find(f"{_N}PlainTextContent")
    if inline is not None:
        return inline.text or ""
    ptp = el.get("plainTextPath") or ""
    if not ptp:
        skipped.append((name, "a document without its plain text (richTextPath only): insightkit reads "
                              "plain-text sources only; export the project with plain text"))
        return None
    if not ptp.startswith("internal://"):
        skipped.append((name, f"its text is a file outside the project ({ptp}): not read"))
        return None
    member = _member_name(names, ptp[len("internal://"):])
    if member is None:
        raise InputError(path, f"source {name!r}: {ptp} is not a file in the project's sources/ folder",
                         line=el.sourceline)
    data = content[member]
    if not data:
        return ""
    try:
        text, _ = decode_bytes(data, f"{path}:{member}")
    except InputError as exc:
        if "empty" in str(exc):
            return ""
        raise InputError(path, f"source {name!r} ({member}): {exc}") from None
    return text


def _codings(path: Path, src: QdaSource) -> list[QdaCoding]:
    out: list[QdaCoding] = []
    n = len(src.text)
    for coding in src.element.findall(f"{_N}Coding"):  # a code applied to the whole source
        out.append(_coding(path, src, "", coding, 0, n, ""))
    for sel in src.element.findall(f"{_N}PlainTextSelection"):
        where = f"selection {sel.get('name') or sel.get('guid')} of source {src.name!r}"
        s, e = _position(sel, "startPosition", path, where), _position(sel, "endPosition", path, where)
        if not 0 <= s <= e <= n:
            raise InputError(path, f"{where}: characters {s}-{e} are outside its text of {n:,} characters",
                             line=sel.sourceline)
        for coding in sel.findall(f"{_N}Coding"):
            out.append(_coding(path, src, sel.get("guid", ""), coding, s, e, sel.get("creatingUser", "")))
    return out


def _coding(path: Path, src: QdaSource, sel_guid: str, coding, s: int, e: int, sel_user: str) -> QdaCoding:
    ref = coding.find(f"{_N}CodeRef")
    if ref is None or not ref.get("targetGUID"):
        raise InputError(path, f"a coding in source {src.name!r} names no code (no CodeRef)", line=coding.sourceline)
    return QdaCoding(src.guid, sel_guid, coding.get("guid", ""), s, e, coding.get("creatingUser") or sel_user,
                     ref.get("targetGUID"))


_BLANK_LINES = re.compile(r"(?:[ \t\f\v]*(?:\r\n|\r|\n)){2,}")


def paragraph_parse(text: str) -> TranscriptParse:
    """A text without speaker turns, as one unlabelled "turn" per paragraph (blank lines between)."""
    turns, pos = [], 0
    for m in [*_BLANK_LINES.finditer(text), None]:
        end = m.start() if m else len(text)
        at = AlignedText.from_source(text, pos, end) if end > pos else AlignedText([])
        at = trim(at) if at.text else at
        if at.text.strip():
            turns.append(Turn("", at, at.src_start))
        pos = m.end() if m else len(text)
    return TranscriptParse(turns)


def project_bytes(project: QdaProject) -> bytes:
    return etree.tostring(project.tree, xml_declaration=True, encoding="utf-8")


def write_project(project: QdaProject, out: str | Path) -> Path:
    """Write ``project`` (its tree as edited) as a ``.qdpx``: every other member of the archive copied
    as it was, so sources and anything insightkit does not read travel unchanged."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    info = zipfile.ZipInfo("project.qde", date_time=(2000, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    try:
        with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr(info, project_bytes(project))
            for i, data in project.members:
                copy = zipfile.ZipInfo(i.filename, date_time=i.date_time)
                copy.compress_type = zipfile.ZIP_DEFLATED
                copy.external_attr = i.external_attr
                zf.writestr(copy, data)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


# -- editing: codings added beside the human ones, nothing else touched ---------------------------

#: the children of <Project> and of <TextSource>, in the schema's order
_PROJECT_ORDER = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                  "Description", "NoteRef"]
_SOURCE_ORDER = ["Description", "PlainTextContent", "PlainTextSelection", "Coding", "NoteRef", "VariableValue"]


def _child(parent, name: str, order: list[str]):
    """``parent``'s ``name`` child, created at its place in the schema's order when missing."""
    el = parent.find(f"{_N}{name}")
    if el is not None:
        return el
    el = etree.Element(f"{_N}{name}")
    _insert(parent, el, name, order)
    return el


def _insert(parent, el, name: str, order: list[str]) -> None:
    """Insert ``el`` after the last child that comes no later than ``name`` in ``order``."""
    rank = order.index(name)
    at = 0
    for i, c in enumerate(parent):
        if isinstance(c.tag, str) and etree.QName(c).localname in order and \
                order.index(etree.QName(c).localname) <= rank:
            at = i + 1
    parent.insert(at, el)


def add_user(project: QdaProject, guid: str, name: str) -> None:
    users = _child(project.root, "Users", _PROJECT_ORDER)
    if not any(u.get("guid") == guid for u in users.findall(f"{_N}User")):
        etree.SubElement(users, f"{_N}User", guid=guid, name=name)
    project.users[guid] = name


def add_code(project: QdaProject, guid: str, name: str, description: str = "") -> None:
    """A top-level code, unless one with ``guid`` exists."""
    if any(c.guid == guid for c in project.codes):
        return
    codes = _child(_child(project.root, "CodeBook", _PROJECT_ORDER), "Codes", ["Codes"])
    code = etree.SubElement(codes, f"{_N}Code", guid=guid, name=name, isCodable="true")
    if description:
        etree.SubElement(code, f"{_N}Description").text = description
    project.codes.append(QdaCode(guid, name, name, "", True))


def add_selection(source: QdaSource, guid: str, start: int, end: int, user: str, codings: list[tuple[str, str]],
                  name: str = "", stamp: str = "") -> None:
    """A ``PlainTextSelection`` of ``source`` coded with ``codings`` ([(coding guid, code guid)])."""
    stamp_attr = {"creationDateTime": stamp} if stamp else {}
    sel = etree.Element(f"{_N}PlainTextSelection", guid=guid, name=name, startPosition=str(start),
                        endPosition=str(end), creatingUser=user, **stamp_attr)
    for cguid, code in codings:
        coding = etree.SubElement(sel, f"{_N}Coding", guid=cguid, creatingUser=user, **stamp_attr)
        etree.SubElement(coding, f"{_N}CodeRef", targetGUID=code)
    _insert(source.element, sel, "PlainTextSelection", _SOURCE_ORDER)
