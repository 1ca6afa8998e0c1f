"""Survey exports: CSV (and TSV) and XLSX, one segment per non-empty free-text answer.

CSV is read with its own RFC 4180 tokenizer that keeps offsets, so every answer's ``start``/``end``
are offsets in the decoded CSV text: the span inside the quotes, a doubled quote ("") inside it
standing as an edit that gives one quote. XLSX cells have no place in a text file, so for XLSX
``start``/``end`` are offsets within the cell value and the ``cell`` column ("Responses!G12") says
which cell.

Columns: the free-text columns are the ones named (``text_columns``) or, when none are named, the
ones that hold mostly long, varied text (see :func:`detect_text_columns`). Every other column is kept
as an attribute under a snake_case name, with common names mapped to the shared attribute names
("Trust type" -> trust_type, "Region" -> region, "Role"/"Job role" -> job_role). Columns that hold
personal data (name, email, phone, the trust's own name, ...) are dropped when redacting.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import statistics
import zipfile
from typing import Iterable, Sequence

from insightkit.alignment import AlignedText, Piece
from insightkit.errors import InputError
from insightkit.io.base import SurveyCell, SurveyParse
from insightkit.io.encoding import line_of, line_starts

__all__ = [
    "parse_csv",
    "parse_xlsx",
    "tokenize_csv",
    "snake_case",
    "attribute_name",
    "resolve_column",
    "detect_text_columns",
    "detect_id_column",
    "PERSONAL_COLUMNS",
]

# -- CSV ------------------------------------------------------------------------------------------


def _sniff_delimiter(text: str, path) -> str:
    if str(path or "").lower().endswith(".tsv"):
        return "\t"
    first = ""
    in_q = False
    for ch in text[:20000]:
        if ch == '"':
            in_q = not in_q
        elif ch in "\r\n" and not in_q:
            if first.strip():
                break
            first = ""
            continue
        if not in_q:
            first += ch
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


class _Field:
    __slots__ = ("start", "end", "quoted", "dq", "tail")

    def __init__(self, start: int, end: int, quoted: bool, dq: bool, tail: tuple[int, int] | None = None):
        self.start, self.end, self.quoted, self.dq, self.tail = start, end, quoted, dq, tail

    def value(self, text: str) -> str:
        v = text[self.start:self.end]
        if self.dq:
            v = v.replace('""', '"')
        if self.tail:
            v += text[self.tail[0]:self.tail[1]]
        return v

    def aligned(self, text: str) -> AlignedText:
        """The field's value aligned to the CSV text; each "" inside quotes is an edit giving "."""
        if not self.dq and not self.tail:
            return AlignedText.from_source(text, self.start, self.end)
        pieces: list[Piece] = []
        pos = self.start
        if self.dq:
            for m in re.finditer('""', text[self.start:self.end]):
                a = self.start + m.start()
                pieces.append(Piece(text[pos:a], pos, a, True))
                pieces.append(Piece('"', a, a + 2, False))
                pos = a + 2
        pieces.append(Piece(text[pos:self.end], pos, self.end, True))
        if self.tail:  # text after a closing quote ('"abc"def'): the stray quote is dropped
            pieces.append(Piece("", self.end, self.end + 1, False))
            pieces.append(Piece(text[self.tail[0]:self.tail[1]], self.tail[0], self.tail[1], True))
        return AlignedText(pieces)


def tokenize_csv(text: str, delimiter: str = ",", path=None) -> list[tuple[int, int, list[_Field]]]:
    """Records as ``(start, end, fields)``; blank lines are skipped. Quoted fields may hold line
    breaks and doubled quotes. An unclosed quote is an InputError naming the line it opened on."""
    d = re.escape(delimiter)
    unquoted = re.compile(rf'[^{d}\r\n]*')
    quoted_body = re.compile(r'[^"]*(?:""[^"]*)*')
    n = len(text)
    pos = 0
    records = []
    starts = None
    while pos < n:
        rec_start = pos
        fields: list[_Field] = []
        while True:
            if pos < n and text[pos] == '"':
                m = quoted_body.match(text, pos + 1)
                close = m.end()
                if close >= n or text[close] != '"':
                    starts = starts or line_starts(text)
                    raise InputError(path, "a quoted field opened on this line is never closed",
                                     line=line_of(starts, pos))
                body_end = close
                pos = close + 1
                tail = None
                if pos < n and text[pos] not in delimiter + "\r\n":
                    t = unquoted.match(text, pos)
                    tail = (pos, t.end())
                    pos = t.end()
                fields.append(_Field(m.start(), body_end, True, '""' in text[m.start():body_end], tail))
            else:
                m = unquoted.match(text, pos)
                fields.append(_Field(pos, m.end(), False, False))
                pos = m.end()
            if pos < n and text[pos] == delimiter:
                pos += 1
                continue
            break
        rec_end = pos
        if text.startswith("\r\n", pos):
            pos += 2
        elif pos < n and text[pos] in "\r\n":
            pos += 1
        if len(fields) == 1 and not fields[0].quoted and fields[0].start == fields[0].end:
            continue  # a blank line is not a row
        records.append((rec_start, rec_end, fields))
    return records


def _unique_names(names: list[str]) -> list[str]:
    out, seen = [], {}
    for i, name in enumerate(names):
        name = name.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def parse_csv(text: str, path=None) -> SurveyParse:
    """Header and data rows of a CSV survey export, every cell aligned to ``text``."""
    delimiter = _sniff_delimiter(text, path)
    records = tokenize_csv(text, delimiter, path)
    if not records:
        raise InputError(path, "the CSV file has no rows")
    starts = line_starts(text)
    h_start, _, h_fields = records[0]
    columns = _unique_names([f.value(text).lstrip("\ufeff") for f in h_fields])
    if not records[1:]:
        raise InputError(path, "the CSV file has a header row but no data rows", line=line_of(starts, h_start))
    rows, row_lines, bad = [], [], []
    ncol = len(columns)
    for r_start, r_end, fields in records[1:]:
        line = line_of(starts, r_start)
        if len(fields) > ncol:
            extra = fields[ncol:]
            if any(f.value(text).strip() for f in extra):
                bad.append((line, AlignedText.from_source(text, r_start, r_end),
                            f"{len(fields)} fields but the header has {ncol}", ""))
                continue
            fields = fields[:ncol]
        cells = []
        for f in fields:
            cells.append(SurveyCell(f.value(text), f.aligned(text), line_of(starts, f.start), "", f.start))
        while len(cells) < ncol:
            cells.append(SurveyCell("", None, line, "", r_end))
        rows.append(cells)
        row_lines.append(line)
    return SurveyParse(columns, rows, row_lines, bad_rows=bad)


# -- XLSX -----------------------------------------------------------------------------------------


def _cell_str(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, _dt.datetime):
        return v.date().isoformat() if v.time() == _dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    return str(v)


def _sheet_ref(sheet: str, ref: str) -> str:
    return f"{sheet}!{ref}" if re.fullmatch(r"\w+", sheet) else f"'{sheet}'!{ref}"


def parse_xlsx(data: bytes, path=None) -> SurveyParse:
    """The first worksheet that has rows: its first non-empty row is the header."""
    try:
        import openpyxl
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover
        raise InputError(path, "openpyxl is not installed") from exc
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(path, "not a valid Excel .xlsx workbook (it could not be opened as one)") from None
    except Exception as exc:  # openpyxl raises its own InvalidFileException and lxml errors
        raise InputError(path, f"not a valid Excel .xlsx workbook ({type(exc).__name__})") from None
    try:
        for ws in wb.worksheets:
            grid = []
            for row in ws.iter_rows(min_row=1, min_col=1, max_row=ws.max_row, max_col=ws.max_column):
                grid.append([(c.coordinate, _cell_str(c.value)) for c in row])
            nonempty = [i for i, r in enumerate(grid) if any(v.strip() for _, v in r)]
            if not nonempty:
                continue
            h = nonempty[0]
            header = grid[h]
            last_col = max((j for j, (_, v) in enumerate(header) if v.strip()), default=-1)
            if last_col < 0:
                continue
            columns = _unique_names([v for _, v in header[: last_col + 1]])
            rows, row_lines, cells_map, bad = [], [], {}, []
            for i in nonempty[1:]:
                r = grid[i]
                cells = []
                extra = [v for _, v in r[last_col + 1:] if v.strip()]
                rownum = i + 1
                if extra:
                    joined = " | ".join(v for _, v in r if v.strip())
                    bad.append((rownum, AlignedText.from_source(joined), f"values beyond the header's "
                                f"{last_col + 1} columns", _sheet_ref(ws.title, f"A{rownum}")))
                    continue
                for j in range(last_col + 1):
                    ref, value = r[j] if j < len(r) else (f"{get_column_letter(j + 1)}{rownum}", "")
                    ref = _sheet_ref(ws.title, ref)
                    at = AlignedText.from_source(value) if value else None
                    cells.append(SurveyCell(value, at, rownum, ref))
                    if value:
                        cells_map[ref] = value
                rows.append(cells)
                row_lines.append(rownum)
            if not rows and not bad:
                raise InputError(path, f"sheet {ws.title!r} has a header row but no data rows", line=h + 1)
            return SurveyParse(columns, rows, row_lines, bad_rows=bad, cells=cells_map, sheet=ws.title)
        raise InputError(path, "the workbook has no rows")
    finally:
        wb.close()


# -- columns --------------------------------------------------------------------------------------

#: snake_case names that map onto the shared attribute names
_ALIASES = {
    "trust_type": {"trust_type", "type_of_trust", "trust_category", "organisation_type", "organization_type",
                   "type_of_organisation", "type_of_organization", "provider_type", "org_type", "trusttype"},
    "region": {"region", "nhs_region", "nhs_england_region", "nhse_region", "england_region", "your_region"},
    "job_role": {"role", "job_role", "job_title", "your_role", "your_job_role", "position", "job", "role_title",
                 "staff_role", "jobrole", "current_role", "your_job_title"},
}

#: columns that hold personal data: dropped when redacting (never kept as attributes)
PERSONAL_COLUMNS = {
    "name", "full_name", "fullname", "first_name", "firstname", "forename", "given_name", "last_name",
    "lastname", "surname", "family_name", "respondent_name", "your_name", "participant_name", "speaker_name",
    "email", "e_mail", "email_address", "your_email", "contact_email", "phone", "phone_number", "telephone",
    "mobile", "mobile_number", "contact_number", "tel", "ip", "ip_address", "address", "postcode", "post_code",
    "trust", "trust_name", "organisation", "organisation_name", "organization", "organization_name",
    "employer", "provider", "provider_name", "nhs_number", "date_of_birth", "dob",
}

_ID_NAMES = ("id", "respondent_id", "response_id", "respondentid", "responseid", "respondent", "submission_id",
             "record_id", "row_id", "response_number", "respondent_number", "ref", "reference")


def snake_case(name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(name).strip())
    s = re.sub(r"[^0-9A-Za-z]+", "_", s).strip("_").lower()
    return s or "column"


def attribute_name(name: str) -> str:
    """Attribute column name for a metadata column: snake_case, common names mapped."""
    s = snake_case(name)
    for target, names in _ALIASES.items():
        if s in names:
            return target
    return s


def resolve_column(columns: Sequence[str], wanted: str, path=None, what: str = "column") -> str:
    """The column called ``wanted`` (exact, then ignoring case and spacing); InputError listing the
    columns when there is none."""
    if wanted in columns:
        return wanted
    for c in columns:
        if c.strip().casefold() == str(wanted).strip().casefold():
            return c
    for c in columns:
        if snake_case(c) == snake_case(wanted):
            return c
    listed = ", ".join(repr(c) for c in columns)
    raise InputError(path, f"no {what} named {wanted!r}; the columns are: {listed}")


_QUESTION_LIKE = re.compile(r"\?|^(what|how|why|which|describe|please|any|tell|explain|comment|other|if)\b|"
                            r"\b(comment|comments|feedback|describe|explain|free[ _-]?text|thoughts|views|"
                            r"barrier|barriers|priority|priorities|challenge|challenges|answer)\b", re.I)


def detect_text_columns(columns: Sequence[str], rows: list[list[SurveyCell]],
                        exclude: Iterable[str] = ()) -> list[str]:
    """Columns that hold free text: non-empty values varied (at least half distinct) and long
    (median at least 6 words, or at least 3 when the header reads like a question)."""
    exclude = set(exclude)
    found = []
    for j, col in enumerate(columns):
        if col in exclude or attribute_name(col) in ("trust_type", "region", "job_role") or \
                snake_case(col) in PERSONAL_COLUMNS or snake_case(col) in _ID_NAMES:
            continue
        values = [r[j].value.strip() for r in rows if j < len(r) and r[j].value.strip()]
        if not values:
            continue
        words = statistics.median(len(v.split()) for v in values)
        distinct = len(set(values)) / len(values)
        if distinct < 0.5:
            continue
        if words >= 6 or (words >= 3 and _QUESTION_LIKE.search(col)):
            found.append(col)
    return found


def detect_id_column(columns: Sequence[str], rows: list[list[SurveyCell]]) -> str | None:
    """A column named like an id whose values are all present and unique."""
    for want in _ID_NAMES:
        for j, col in enumerate(columns):
            if snake_case(col) == want:
                values = [r[j].value.strip() for r in rows]
                if all(values) and len(set(values)) == len(values):
                    return col
    return None


def email_like_column(values: list[str]) -> bool:
    vals = [v for v in values if v.strip()]
    if not vals:
        return False
    hits = sum(1 for v in vals if re.fullmatch(r"\s*[^@\s]+@[^@\s]+\.[^@\s]+\s*", v))
    return hits >= 0.5 * len(vals)
