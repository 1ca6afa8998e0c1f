"""REFI-QDA exchange: the codebook as ``.qdc`` and the coded project as ``.qdpx``.

NVivo, ATLAS.ti, MAXQDA and QualCoder open these files, so a team can carry insightkit's coding
into the tool its coders already use, and bring a codebook from there into insightkit.

Personal data stays out: each source in the ``.qdpx`` is named by its shown file name
(``source_display``: names in the file name redacted) and holds the *redacted* transcript or survey,
rebuilt from the segment table as one line per segment ("P01: text"), and every selection's
positions are character offsets (Unicode code points) into that exported plain text, with ``\\n``
line ends only so no CRLF shift can creep in. GUIDs are derived (uuid5) from stable ids, so the same
input exports the same file.
"""

from __future__ import annotations

import re
import uuid
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from lxml import etree

from insightkit.errors import InputError
from insightkit.segments import is_missing

__all__ = [
    "export_qdc",
    "import_qdc",
    "export_qdpx",
    "import_qdpx",
    "build_source_texts",
    "QDC_NS",
    "QDPX_NS",
]

QDC_NS = "urn:QDA-XML:codebook:1.0"
QDPX_NS = "urn:QDA-XML:project:1.0"
_UUID_NS = uuid.UUID("6f1c1f0e-7a53-4b8e-9a5e-2a7f5d0c9b11")
_ID_TRAILER = re.compile(r"\n*\(insightkit id: ([A-Za-z0-9_\-]+)\)\s*$")
_PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
#: Segment-table columns that are never case variables: ids, positions, text, provenance.
_VARIABLE_SKIP = {
    "source_folder",
    "doc_id", "segment_id", "source", "source_display", "kind", "turn", "line", "speaker", "participant_id", "role",
    "role_source", "question", "timestamp", "text", "start", "end", "edits", "attribution", "cell", "verified",
    "reason", "detail", "quote", "quote_id",
}
#: Column-name prefixes of per-segment outputs (themes, scores, topics, sub-topics, emergent flags).
_VARIABLE_SKIP_PREFIXES = ("theme_", "score_", "proba_", "prob_", "topic", "subtopic", "emergent", "embedding")


def _guid(*parts: object) -> str:
    return str(uuid.uuid5(_UUID_NS, "\x1f".join(str(p) for p in parts)))


def _themes(codebook) -> list:
    themes = list(getattr(codebook, "themes", []) or [])
    if not themes:
        raise InputError(None, "the codebook has no themes to export")
    return themes


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value) -> str:
    """``value`` as XML 1.0 can hold it: the control characters it forbids removed (a survey cell
    or codebook label holding one would otherwise fail the whole export)."""
    return _NOT_XML.sub("", str(value))


def _code_element(parent, ns: str, theme, index: int):
    code = etree.SubElement(parent, f"{{{ns}}}Code", guid=_guid("code", theme.id), name=_x(theme.label or theme.id),
                            isCodable="true", color=_PALETTE[index % len(_PALETTE)])
    desc = (getattr(theme, "description", "") or "").strip()
    etree.SubElement(code, f"{{{ns}}}Description").text = _x(f"{desc}\n\n(insightkit id: {theme.id})".lstrip())
    return code


def export_qdc(codebook, path: str | Path) -> Path:
    """Write ``codebook`` as a REFI-QDA codebook file (``.qdc``)."""
    root = etree.Element(f"{{{QDC_NS}}}CodeBook", nsmap={None: QDC_NS}, origin="insightkit")
    codes = etree.SubElement(root, f"{{{QDC_NS}}}Codes")
    for i, theme in enumerate(_themes(codebook)):
        _code_element(codes, QDC_NS, theme, i)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    etree.ElementTree(root).write(str(path), xml_declaration=True, encoding="utf-8", pretty_print=True)
    return path


def _parse_codes(code_elements, ns: str) -> list[dict]:
    out: list[dict] = []

    def walk(el, prefix: str):
        name = el.get("name") or ""
        desc_el = el.find(f"{{{ns}}}Description")
        desc = desc_el.text if desc_el is not None and desc_el.text else ""
        m = _ID_TRAILER.search(desc)
        code_id = m.group(1) if m else None
        desc = _ID_TRAILER.sub("", desc).strip()
        label = f"{prefix}{name}"
        if el.get("isCodable", "true") != "false":
            out.append({"guid": el.get("guid"), "id": code_id, "label": label, "description": desc})
        for child in el.findall(f"{{{ns}}}Code"):
            walk(child, f"{label} / ")

    for el in code_elements:
        walk(el, "")
    return out


def import_qdc(path: str | Path):
    """Read a REFI-QDA ``.qdc`` (or the codebook inside a ``.qdpx``) into an insightkit Codebook.

    Nested codes become themes labelled "Parent / Child"; a code without a description gets its
    label as description, so zero-shot tagging still has something to compare with.
    """
    from insightkit.codebook import Codebook, Theme, slugify_id

    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                root = etree.fromstring(zf.read("project.qde"))
            ns = QDPX_NS
            codes_parent = root.find(f"{{{ns}}}CodeBook/{{{ns}}}Codes")
        else:
            root = etree.parse(str(path)).getroot()
            ns = root.nsmap.get(None, QDC_NS)
            codes_parent = root.find(f"{{{ns}}}Codes")
    except (etree.XMLSyntaxError, KeyError, zipfile.BadZipFile) as exc:
        raise InputError(path, f"not a REFI-QDA codebook: {exc}") from exc
    if codes_parent is None:
        raise InputError(path, "no <Codes> element: not a REFI-QDA codebook")
    codes = _parse_codes(codes_parent.findall(f"{{{ns}}}Code"), ns)
    if not codes:
        raise InputError(path, "the codebook has no codable codes")
    themes, seen = [], set()
    for c in codes:
        tid = c["id"] or slugify_id(c["label"])
        base, k = tid, 2
        while tid in seen:
            tid, k = f"{base}_{k}", k + 1
        seen.add(tid)
        themes.append(Theme(id=tid, label=c["label"], description=c["description"] or c["label"]))
    return Codebook(name=path.stem, themes=tuple(themes))


@dataclass
class _SourceText:
    doc_id: str
    name: str
    text: str
    spans: dict[str, tuple[int, int]]  # segment_id -> (start, end) in text


def build_source_texts(segments: pd.DataFrame) -> dict[str, _SourceText]:
    """Rebuild each document as redacted plain text, one line per segment: ``SPEAKER: text``.

    Survey answers are prefixed with the respondent and question so a coder sees what was asked.
    """
    out: dict[str, _SourceText] = {}
    order = [c for c in ("doc_id", "start", "turn") if c in segments.columns]
    segs = segments.sort_values(order, kind="stable") if order else segments
    for doc_id, sub in segs.groupby("doc_id", sort=True):
        parts: list[str] = []
        spans: dict[str, tuple[int, int]] = {}
        pos = 0
        for _, r in sub.iterrows():
            speaker = str(r.get("speaker", "") or "")
            question = str(r.get("question", "") or "")
            prefix = f"{speaker} ({question}): " if question else (f"{speaker}: " if speaker else "")
            text = str(r.get("text", "") or "").replace("\r\n", "\n").replace("\r", "\n")
            start = pos + len(prefix)
            spans[str(r["segment_id"])] = (start, start + len(text))
            line = f"{prefix}{text}\n"
            parts.append(line)
            pos += len(line)
        # the shown file name (names redacted, docs/redaction.md); the real one stays in the segment table
        name_col = next((c for c in ("source_display", "source") if c in sub.columns and str(sub[c].iloc[0] or "")), None)
        name = str(sub[name_col].iloc[0]) if name_col else str(doc_id)
        out[str(doc_id)] = _SourceText(str(doc_id), name, "".join(parts), spans)
    return out


def _variable_columns(people: pd.DataFrame) -> list[str]:
    """Case variables: participant-level attributes (trust type, region, job role, ...).

    A column qualifies when it is not a known per-segment column (:data:`_VARIABLE_SKIP`, the
    prefixes in :data:`_VARIABLE_SKIP_PREFIXES`) *and* its non-empty values are constant within
    every participant that has more than one segment. The second rule catches per-segment columns
    nobody listed (a new score, an offset, a note) without needing a name for them.
    """
    if "participant_id" not in people.columns or not len(people):
        return []
    pid = people["participant_id"].astype(str)
    multi = pid.duplicated(keep=False)
    cols = []
    for c in people.columns:
        if not isinstance(c, str) or c in _VARIABLE_SKIP or c.startswith(_VARIABLE_SKIP_PREFIXES):
            continue
        vals = people[c].map(_as_value)
        if not vals.ne("").any():
            continue  # never filled in: nothing to say about anyone
        if multi.any():
            filled = vals[multi & vals.ne("")]
            if filled.groupby(pid[filled.index]).nunique().gt(1).any():
                continue  # differs between one person's segments: a segment-level column
        cols.append(c)
    return cols


def _as_value(v) -> str:
    return "" if is_missing(v) else str(v).strip()


def export_qdpx(
    segments: pd.DataFrame,
    codebook,
    path: str | Path,
    *,
    project_name: str = "insightkit project",
    created: datetime | None = None,
) -> Path:
    """Write a coded project: sources, one selection per tagged segment, codes, cases, variables.

    ``segments`` is a tagged segment table (``theme_<id>`` columns, 0/1). Cases are participants
    (``participant_id``); variables are their attribute columns (trust type, region, role, ...).
    """
    for col in ("doc_id", "segment_id", "text"):
        if col not in segments.columns:
            raise InputError(None, f"cannot export a project: the segment table has no '{col}' column")
    themes = _themes(codebook)
    created = created or datetime(2000, 1, 1, tzinfo=timezone.utc)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    user_guid = _guid("user", "insightkit")
    ns = QDPX_NS
    root = etree.Element(f"{{{ns}}}Project", nsmap={None: ns}, name=_x(project_name), origin="insightkit",
                         creatingUserGUID=user_guid, creationDateTime=stamp)
    users = etree.SubElement(root, f"{{{ns}}}Users")
    etree.SubElement(users, f"{{{ns}}}User", guid=user_guid, name="insightkit")

    cb = etree.SubElement(root, f"{{{ns}}}CodeBook")
    codes_el = etree.SubElement(cb, f"{{{ns}}}Codes")
    code_guid = {}
    for i, theme in enumerate(themes):
        _code_element(codes_el, ns, theme, i)
        code_guid[theme.id] = _guid("code", theme.id)

    # interviewers are not cases; their (mostly empty) attributes would blur the constancy check
    people = segments[segments["role"].fillna("") != "interviewer"] if "role" in segments.columns else segments
    var_cols = _variable_columns(people)
    if var_cols:
        variables = etree.SubElement(root, f"{{{ns}}}Variables")
        for c in var_cols:
            etree.SubElement(variables, f"{{{ns}}}Variable", guid=_guid("variable", c), name=_x(c), typeOfVariable="Text")

    sources = build_source_texts(segments)
    selection_guid = {str(sid): _guid("selection", sid) for sid in segments["segment_id"]}

    if "participant_id" in people.columns and len(people):
        cases = etree.SubElement(root, f"{{{ns}}}Cases")
        for pid, sub in people.groupby("participant_id", sort=True):
            first = sub.iloc[0]
            case = etree.SubElement(cases, f"{{{ns}}}Case", guid=_guid("case", pid),
                                    name=_x(f"{first.get('speaker', '')} ({first.get('attribution', '') or pid})"))
            for c in var_cols:
                v = next((x for x in sub[c].map(_as_value) if x), "")
                if not v:
                    continue
                vv = etree.SubElement(case, f"{{{ns}}}VariableValue")
                etree.SubElement(vv, f"{{{ns}}}VariableRef", targetGUID=_guid("variable", c))
                etree.SubElement(vv, f"{{{ns}}}TextValue").text = _x(v)
            for sid in sub["segment_id"]:
                etree.SubElement(case, f"{{{ns}}}SelectionRef", targetGUID=selection_guid[str(sid)])

    sources_el = etree.SubElement(root, f"{{{ns}}}Sources")
    files: dict[str, str] = {}
    seg_index = segments.set_index(segments["segment_id"].astype(str))
    theme_cols = {t.id: f"theme_{t.id}" for t in themes if f"theme_{t.id}" in segments.columns}
    for doc_id, src in sources.items():
        sguid = _guid("source", doc_id)
        internal = f"{sguid}.txt"
        files[internal] = src.text
        ts = etree.SubElement(sources_el, f"{{{ns}}}TextSource", guid=sguid, name=_x(src.name),
                              plainTextPath=f"internal://{internal}", creatingUser=user_guid, creationDateTime=stamp)
        for sid, (s, e) in src.spans.items():
            row = seg_index.loc[sid]
            coded = [tid for tid, col in theme_cols.items() if _truthy(row[col])]
            if not coded:
                continue
            sel = etree.SubElement(ts, f"{{{ns}}}PlainTextSelection", guid=selection_guid[sid], name=_x(sid),
                                   startPosition=str(s), endPosition=str(e), creatingUser=user_guid,
                                   creationDateTime=stamp)
            for tid in coded:
                coding = etree.SubElement(sel, f"{{{ns}}}Coding", guid=_guid("coding", sid, tid),
                                          creatingUser=user_guid, creationDateTime=stamp)
                etree.SubElement(coding, f"{{{ns}}}CodeRef", targetGUID=code_guid[tid])
    # a selection referenced by a case must exist: drop refs to uncoded segments
    existing = {el.get("guid") for el in root.iter(f"{{{ns}}}PlainTextSelection")}
    for ref in list(root.iter(f"{{{ns}}}SelectionRef")):
        if ref.get("targetGUID") not in existing:
            ref.getparent().remove(ref)

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    xml = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(_zipinfo("project.qde"), xml)
        for name, text in files.items():
            zf.writestr(_zipinfo(f"sources/{name}"), text.encode("utf-8"))
    tmp.replace(path)
    return path


def _zipinfo(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))  # fixed time: same input, same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _truthy(v) -> bool:
    try:
        return bool(int(float(v)))
    except (TypeError, ValueError):
        return str(v).strip().lower() in {"true", "yes"}


def import_qdpx(path: str | Path) -> pd.DataFrame:
    """Read the codings of a ``.qdpx``: one row per (selection, code) with the selected text.

    Columns: ``source`` (source name), ``selection`` (its name, the segment id for our exports),
    ``start``, ``end``, ``text`` (the selected characters of the source's plain text), ``code``
    (code name), ``code_id`` (insightkit id where known).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found")
    try:
        zf = zipfile.ZipFile(path)
    except zipfile.BadZipFile as exc:
        raise InputError(path, "not a .qdpx (zip) file") from exc
    with zf:
        try:
            root = etree.fromstring(zf.read("project.qde"))
        except KeyError as exc:
            raise InputError(path, "no project.qde inside the .qdpx") from exc
        ns = QDPX_NS
        codes = _parse_codes(root.findall(f"{{{ns}}}CodeBook/{{{ns}}}Codes/{{{ns}}}Code"), ns)
        by_guid = {c["guid"]: c for c in codes}
        rows = []
        for ts in root.iter(f"{{{ns}}}TextSource"):
            content_el = ts.find(f"{{{ns}}}PlainTextContent")
            if content_el is not None and content_el.text is not None:
                text = content_el.text
            else:
                ptp = ts.get("plainTextPath", "")
                internal = ptp.split("internal://", 1)[-1]
                text = zf.read(f"sources/{internal}").decode("utf-8")
            for sel in ts.findall(f"{{{ns}}}PlainTextSelection"):
                s, e = int(sel.get("startPosition")), int(sel.get("endPosition"))
                for coding in sel.findall(f"{{{ns}}}Coding"):
                    ref = coding.find(f"{{{ns}}}CodeRef").get("targetGUID")
                    code = by_guid.get(ref, {"label": ref, "id": None})
                    rows.append({"source": ts.get("name"), "selection": sel.get("name"), "start": s, "end": e,
                                 "text": text[s:e], "code": code["label"], "code_id": code["id"]})
    return pd.DataFrame(rows, columns=["source", "selection", "start", "end", "text", "code", "code_id"])


def validate(path: str | Path, schema_path: str | Path) -> list[str]:
    """Validate a ``.qdc`` or the ``project.qde`` of a ``.qdpx`` against an XSD; returns errors."""
    path = Path(path)
    schema = etree.XMLSchema(etree.parse(str(schema_path)))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            doc = etree.fromstring(zf.read("project.qde"))
    else:
        doc = etree.parse(str(path)).getroot()
    ok = schema.validate(doc)
    return [] if ok else [f"line {e.line}: {e.message}" for e in schema.error_log]


