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
import hashlib
import re
import statistics
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
    "sheet_tag",
]

# -- CSV ------------------------------------------------------------------------------------------


def _sniff_delimiter(text: str, path) -> str:
    """The delimiter of the first line that has one (quoted text aside), so a title line above
    the header ("Survey export 2026") does not hide it."""
    if str(path or "").lower().endswith(".tsv"):
        return "\t"
    line = ""
    in_q = False
    n_lines = 0
    for ch in text[:50000]:
        if ch == '"':
            in_q = not in_q
        elif ch in "\r\n" and not in_q:
            if line.strip():
                counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
                best = max(counts, key=lambda d: counts[d])
                if counts[best]:
                    return best
                n_lines += 1
                if n_lines >= 10:
                    break
            line = ""
            continue
        if not in_q:
            line += ch
    counts = {d: line.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:', re.I)


def _find_header(rows: list[list[str]], wanted: Sequence[str] = ()) -> tuple[int, int] | None:
    """(header index, first data index) among ``rows`` (each a list of cell values).

    The header is the first row that holds every wanted column name, or, with none wanted, the
    first row with two or more non-empty cells (rows above it with one cell are a title); a file
    with one column uses its first row. After the header, Qualtrics exports carry a question-text
    row and an ``{"ImportId": ...}`` row: both are header rows too. None when no row holds the
    wanted names.
    """
    nonempty = [i for i, r in enumerate(rows) if any(v.strip() for v in r)]
    if not nonempty:
        return None
    h = None
    if wanted:
        for i in nonempty[:30]:
            names = [v for v in rows[i] if v.strip()]
            if all(_match_name(names, w) is not None for w in wanted):
                h = i
                break
        if h is None:
            return None
    else:
        h = next((i for i in nonempty[:30] if sum(1 for v in rows[i] if v.strip()) >= 2), nonempty[0])
    data = h + 1
    for k in range(h + 1, min(h + 3, len(rows))):  # Qualtrics: ImportId row within two rows of the header
        vals = [v for v in rows[k] if v.strip()]
        if vals and sum(1 for v in vals if _IMPORT_ID.match(v)) >= 0.5 * len(vals):
            data = k + 1
            break
    return h, data


def _match_name(names: Sequence[str], wanted: str) -> str | None:
    if wanted in names:
        return wanted
    for c in names:
        if c.strip().casefold() == str(wanted).strip().casefold():
            return c
    for c in names:
        if snake_case(c) == snake_case(wanted):
            return c
    return None


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


def _match(rx: re.Pattern[str], text: str, pos: int) -> re.Match[str]:
    """``rx.match`` for a pattern that matches the empty string, so always matches."""
    m = rx.match(text, pos)
    if m is None:  # pragma: no cover - the patterns above match the empty string
        raise RuntimeError(f"{rx.pattern!r} did not match")
    return m


def tokenize_csv(text: str, delimiter: str = ",", path=None) -> list[tuple[int, int, list[_Field]]]:
    """Records as ``(start, end, fields)``; blank lines are skipped. Quoted fields may hold line
    breaks and doubled quotes. An unclosed quote is an InputError naming the line it opened on."""
    from insightkit.io.tables import MAX_COLUMNS, cell_too_long, max_cell_chars, max_survey_cells

    d = re.escape(delimiter)
    unquoted = re.compile(rf'[^{d}\r\n]*')
    quoted_body = re.compile(r'[^"]*(?:""[^"]*)*')
    n = len(text)
    pos = 0
    records = []
    starts = None
    budget = max_survey_cells()  # each field becomes an aligned cell: bound them before building them
    char_limit = max_cell_chars()
    while pos < n:
        rec_start = pos
        fields: list[_Field] = []
        while True:
            if pos < n and text[pos] == '"':
                m = _match(quoted_body, text, pos + 1)
                close = m.end()
                if close >= n or text[close] != '"':
                    starts = starts or line_starts(text)
                    raise InputError(path, "a quoted field opened on this line is never closed",
                                     line=line_of(starts, pos))
                body_end = close
                pos = close + 1
                tail = None
                if pos < n and text[pos] not in delimiter + "\r\n":
                    t = _match(unquoted, text, pos)
                    tail = (pos, t.end())
                    pos = t.end()
                fields.append(_Field(m.start(), body_end, True, '""' in text[m.start():body_end], tail))
            else:
                m = _match(unquoted, text, pos)
                fields.append(_Field(pos, m.end(), False, False))
                pos = m.end()
            last = fields[-1]
            if last.end - last.start > char_limit:
                starts = starts or line_starts(text)
                raise cell_too_long(path, last.end - last.start, line=line_of(starts, last.start))
            if pos < n and text[pos] == delimiter:
                pos += 1
                continue
            break
        budget -= len(fields)
        if budget < 0 or len(fields) > MAX_COLUMNS:
            starts = starts or line_starts(text)
            what = f"a row of {len(fields):,} fields (more than {MAX_COLUMNS:,})" if len(fields) > MAX_COLUMNS else \
                f"more than {max_survey_cells():,} cells, the most a survey export may hold (set " \
                "INSIGHTKIT_MAX_SURVEY_CELLS to raise the limit)"
            raise InputError(path, f"the file has {what}", line=line_of(starts, rec_start))
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
    out: list[str] = []
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        name = name.strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        out.append(name)
    return out


def parse_csv(text: str, path=None, wanted: Sequence[str] = ()) -> SurveyParse:
    """Header and data rows of a CSV survey export, every cell aligned to ``text``.

    ``wanted``: column names the caller will ask for; the header is the first row holding them
    (see :func:`_find_header`), so title lines above the header are skipped.
    """
    delimiter = _sniff_delimiter(text, path)
    records = tokenize_csv(text, delimiter, path)
    if not records:
        raise InputError(path, "the CSV file has no rows")
    starts = line_starts(text)
    values = [[f.value(text).lstrip("\ufeff") if k == 0 else f.value(text) for k, f in enumerate(r[2])]
              for r in records[:40]]
    found = _find_header(values, wanted) or _find_header(values) or (0, 1)
    h, data_from = found
    header_rows = []
    for k in [*range(0, h), *range(h + 1, data_from)]:
        r_start, r_end, _ = records[k]
        why = "title line above the header" if k < h else "second header row (question text or import ids)"
        header_rows.append((line_of(starts, r_start), AlignedText.from_source(text, r_start, r_end), why, ""))
    h_start, _, h_fields = records[h]
    raw = [f.value(text).lstrip("\ufeff").strip() for f in h_fields]
    columns = _unique_names(raw)
    labels = {}
    if data_from > h + 1:
        second = records[h + 1][2]
        labels = {c: second[j].value(text).strip() for j, c in enumerate(columns)
                  if j < len(second) and not _IMPORT_ID.match(second[j].value(text))}
    if not records[data_from:]:
        raise InputError(path, "the CSV file has a header row but no data rows", line=line_of(starts, h_start))
    rows, row_lines, bad = [], [], []
    ncol = len(columns)
    for r_start, r_end, fields in records[data_from:]:
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
    return SurveyParse(columns, rows, row_lines, bad_rows=bad, header_rows=header_rows, raw_columns=raw,
                       labels={k: v for k, v in labels.items() if v})


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
    return f"{sheet}!{ref}" if re.fullmatch(r"\w+", sheet) else f"'{sheet.replace(chr(39), chr(39) * 2)}'!{ref}"


def sheet_tag(digest: str, title: str) -> str:
    """The hash a redacted sheet name ends in ("[PERSON] #1a2b3c4d"): salted with the file's sha1, it
    leads back to the sheet in that file without letting anyone test a guessed name against it."""
    return hashlib.sha1(f"{digest}\0{title}".encode("utf-8")).hexdigest()[:8]


def _column_letter(col: int) -> str:
    letters = ""
    while col > 0:
        col, r = divmod(col - 1, 26)
        letters = chr(65 + r) + letters
    return letters


#: a sheet this many cells wide and tall (header width times rows) that is mostly empty has its
#: empty, unnamed columns dropped instead of spelt out cell by cell
_COMPACT_CELLS = 1_000_000

_Grid = list  # of (sheet row number, {column number: cell text}), rows holding a value only


def _max_survey_cells() -> int:
    from insightkit.io.tables import max_survey_cells

    return max_survey_cells()


def _read_sheets(data: bytes, path) -> list[tuple[str, _Grid]]:
    """Every worksheet that holds a value, read cell by cell (see :class:`insightkit.io.tables.XlsxBook`)."""
    from insightkit.io.tables import XlsxBook, max_survey_cells

    sheets = []
    with XlsxBook(data, path, cells=max_survey_cells(), cells_env="INSIGHTKIT_MAX_SURVEY_CELLS") as book:
        if not book.sheetnames:
            raise InputError(path, "the workbook has no worksheets")
        for title in book.sheetnames:
            grid = [(r, {c: _cell_str(v) for c, v in cells.items()}) for r, cells in book.rows(title)]
            if any(v.strip() for _, row in grid for v in row.values()):
                sheets.append((title, grid))
    return sheets


def _values(grid: _Grid) -> list[list[str]]:
    return [[row[c] for c in sorted(row)] for _, row in grid]


def _sheet_parse(title: str, grid: _Grid, found: tuple[int, int], path=None) -> SurveyParse:
    """The survey table of one sheet given its header row and first data row (indices into ``grid``)."""
    h, data_from = found
    _, header = grid[h]
    last_col = max((c for c, v in header.items() if v.strip()), default=1)
    data = [(n, row) for n, row in grid[data_from:] if any(v.strip() for v in row.values())]
    kept = list(range(1, last_col + 1))
    filled = sum(len(row) for _, row in data)
    if len(data) * last_col > _COMPACT_CELLS and len(data) * last_col > 10 * filled:
        # a header cell far to the right (XFD1): keep the columns with a name or a value
        used = {c for _, row in data for c, v in row.items() if c <= last_col and v.strip()}
        kept = [c for c in kept if header.get(c, "").strip() or c in used]
    if len(data) * len(kept) > _max_survey_cells():
        raise InputError(path, f"sheet {title!r}: {len(data):,} rows by {len(kept):,} columns is more than "
                               f"{_max_survey_cells():,} cells, the most a survey export may hold (set "
                               "INSIGHTKIT_MAX_SURVEY_CELLS to raise the limit)")
    raw = [header.get(c, "").strip() for c in kept]
    columns = _unique_names([r or f"column_{c}" for r, c in zip(raw, kept)])
    header_rows = []
    for k in [*range(0, h), *range(h + 1, data_from)]:
        n, row = grid[k]
        vals = [row[c] for c in sorted(row) if row[c].strip()]
        if vals:
            why = "title row above the header" if k < h else "second header row (question text or import ids)"
            header_rows.append((n, AlignedText.from_source(" | ".join(vals)), why, _sheet_ref(title, f"A{n}")))
    labels = {}
    if data_from > h + 1:
        _, second = grid[h + 1]
        labels = {col: second[c].strip() for c, col in zip(kept, columns)
                  if second.get(c, "").strip() and not _IMPORT_ID.match(second[c])}
    rows, row_lines, cells_map, bad = [], [], {}, []
    for rownum, r in data:
        extra = [v for c, v in r.items() if c > last_col and v.strip()]
        if extra:
            joined = " | ".join(r[c] for c in sorted(r) if r[c].strip())
            bad.append((rownum, AlignedText.from_source(joined), f"values beyond the header's "
                        f"{last_col} columns", _sheet_ref(title, f"A{rownum}")))
            continue
        cells = []
        for c in kept:
            value = r.get(c, "")
            ref = _sheet_ref(title, f"{_column_letter(c)}{rownum}")
            at = AlignedText.from_source(value) if value else None
            cells.append(SurveyCell(value, at, rownum, ref))
            if value:
                cells_map[ref] = value
        rows.append(cells)
        row_lines.append(rownum)
    return SurveyParse(columns, rows, row_lines, bad_rows=bad, cells=cells_map, sheet=title,
                       header_rows=header_rows, raw_columns=raw, labels=labels)


def parse_xlsx(data: bytes, path=None, wanted: Sequence[str] = ()) -> SurveyParse:
    """The survey table of a workbook.

    Sheet: the first sheet whose header holds the ``wanted`` columns; with none wanted, the first
    sheet with a table (a header of two or more cells and data rows) in which free-text columns are
    found, else the first sheet with a table, else the first sheet with any rows. Header: see
    :func:`_find_header` (title rows above it are skipped and reported). Other sheets are not read;
    ``notes`` says so.

    The workbook is read cell by cell (:class:`insightkit.io.tables.XlsxBook`): its declared
    dimension is ignored and rows that hold nothing are skipped, so the work follows the values,
    and a hostile archive (a decompression bomb, XML entities) is refused. A formula without a
    stored result (a workbook written by a script) reads as its formula text, as typed.
    """
    sheets = _read_sheets(data, path)
    if not sheets:
        raise InputError(path, "the workbook has no rows")
    chosen: tuple[str, list, tuple[int, int] | None] | None = None
    if wanted:
        for title, grid in sheets:
            found = _find_header(_values(grid), wanted)
            if found is not None:
                chosen = (title, grid, found)
                break
    if chosen is None:
        tables = []
        for title, grid in sheets:
            found = _find_header(_values(grid))
            if found is None:
                continue
            h = found[0]
            n_cells = sum(1 for v in grid[h][1].values() if v.strip())
            n_data = sum(1 for _, r in grid[found[1]:] if any(v.strip() for v in r.values()))
            if n_cells >= 2 and n_data:
                tables.append((title, grid, found))
        with_text = [t for t in tables if detect_text_columns(*_columns_rows(_sheet_parse(*t, path=path)))]
        pick = (with_text or tables)
        if pick:
            chosen = pick[0]
        else:
            title, grid = sheets[0]
            chosen = (title, grid, _find_header(_values(grid)))
    title, grid, found = chosen
    if found is None:
        raise InputError(path, f"sheet {title!r} has no rows with values")
    parsed = _sheet_parse(title, grid, found, path)
    if not parsed.rows and not parsed.bad_rows:
        raise InputError(path, f"sheet {title!r} has a header row but no data rows", line=grid[found[0]][0])
    others = [t for t, _ in sheets if t != title]
    if others:
        parsed.notes.append(f"read sheet {title!r}; other sheet(s) not read: {', '.join(repr(o) for o in others)}")
    return parsed


def _columns_rows(parsed: SurveyParse):
    return parsed.columns, parsed.rows


def xlsx_cell_value(data: bytes, ref: str, path=None) -> str:
    """The value of one cell ("Responses!F12", "'My sheet'!F12") as the reader sees it."""
    from insightkit.io.tables import XlsxBook

    m = re.fullmatch(r"(?:'((?:[^']|'')+)'|([^!]+))!([A-Z]{1,3})(\d{1,7})", ref or "")
    if not m:
        raise InputError(path, f"not a cell reference: {ref!r} (expected e.g. 'Responses!F12')")
    sheet = (m.group(1) or "").replace("''", "'") or m.group(2)
    col = 0
    for ch in m.group(3):
        col = col * 26 + ord(ch) - 64
    row = int(m.group(4))
    with XlsxBook(data, path) as book:
        tag = re.search(r" #([0-9a-f]{8})$", sheet) if sheet not in book.sheetnames else None
        if tag:  # a redacted sheet name: the sheet whose tag it is
            digest = hashlib.sha1(data).hexdigest()
            sheet = next((t for t in book.sheetnames if sheet_tag(digest, t) == tag.group(1)), sheet)
        if sheet not in book.sheetnames:
            raise InputError(path, f"no sheet named {sheet!r}")
        for n, cells in book.rows(sheet):
            if n == row and col in cells:
                return _cell_str(cells[col])
    return ""


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


def resolve_column(columns: Sequence[str], wanted: str, path=None, what: str = "column",
                   labels: dict | None = None) -> str:
    """The column called ``wanted`` (exact, then ignoring case and spacing, then by its question
    text in ``labels``); InputError listing the columns when there is none."""
    hit = _match_name(columns, wanted)
    if hit is not None:
        return hit
    if labels:
        by_label = {v: k for k, v in labels.items()}
        hit = _match_name(list(by_label), wanted)
        if hit is not None:
            return by_label[hit]
    listed = ", ".join(repr(c) for c in columns)
    raise InputError(path, f"no {what} named {wanted!r}; the columns are: {listed}")


_QUESTION_LIKE = re.compile(r"\?|^(what|how|why|which|describe|please|any|tell|explain|comment|other|if)\b|"
                            r"\b(comment|comments|feedback|describe|explain|free[ _-]?text|thoughts|views|"
                            r"barrier|barriers|priority|priorities|challenge|challenges|answer)\b", re.I)


def _question_like(col: str, labels: dict | None = None) -> bool:
    return bool(_QUESTION_LIKE.search(col.replace("_", " ")) or
                (labels and labels.get(col) and _QUESTION_LIKE.search(labels[col])))


def detect_text_columns(columns: Sequence[str], rows: list[list[SurveyCell]],
                        exclude: Iterable[str] = (), labels: dict | None = None,
                        min_question_words: float = 3) -> list[str]:
    """Columns that hold free text: non-empty values varied (at least half distinct) and long
    (median at least 6 words, or at least ``min_question_words`` when the header, or its question
    text in ``labels``, reads like a question)."""
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
        if words >= 6 or (words >= min_question_words and _question_like(col, labels)):
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
