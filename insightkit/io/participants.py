"""Participant metadata: who speaks in which transcript, in what role, with which attributes.

The file (CSV or XLSX) has columns ``source`` (transcript file name), ``speaker`` (the name as the
transcript labels it), ``role`` (``interviewer`` or ``participant``; optional, default participant)
and any attribute columns (``trust_type``, ``region``, ``job_role``, ...). A row with an empty
``source`` applies to every transcript (an interviewer who ran all the calls).

Matching a transcript's label to a row ignores case, spacing and titles ("Dr"), accepts "Smith,
Jane" for "Jane Smith", and a first name alone when only one person in that transcript has it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.encoding import read_text_file
from insightkit.io.survey import PERSONAL_COLUMNS, attribute_name, parse_csv, parse_xlsx, resolve_column, snake_case
from insightkit.io.turns import label_keys
from insightkit.names import name_variants

__all__ = ["read_participants", "Participants", "label_keys", "drop_personal", "keep_matches"]

_ROLE_VALUES = {
    "interviewer": "interviewer", "interviewers": "interviewer", "facilitator": "interviewer",
    "moderator": "interviewer", "host": "interviewer", "researcher": "interviewer", "i": "interviewer",
    "participant": "participant", "participants": "participant", "interviewee": "participant",
    "respondent": "participant", "guest": "participant", "p": "participant", "": "participant",
}


def read_participants(path: str | Path) -> pd.DataFrame:
    """The participants file as a table: ``source, speaker, role`` then attribute columns."""
    p = Path(path)
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        from insightkit.io.base import read_file_bytes

        parsed = parse_xlsx(read_file_bytes(p), p)
    elif p.suffix.lower() in (".csv", ".tsv", ".txt"):
        text, _, _ = read_text_file(p)
        parsed = parse_csv(text, p)
    else:
        raise InputError(p, f"unsupported participants file type {p.suffix or '(none)'!r}; use .csv or .xlsx")
    cols = parsed.columns
    src_col = resolve_column(cols, "source", p, "column")
    spk_col = resolve_column(cols, "speaker", p, "column")
    try:
        role_col = resolve_column(cols, "role", p)
    except InputError:
        role_col = None
    out_cols = ["source", "speaker", "role"]
    attr_map: dict[str, str] = {}
    for c in cols:
        if c in (src_col, spk_col, role_col):
            continue
        name = attribute_name(c)
        if name in out_cols or name in attr_map.values():
            name = f"{name}_2"
        attr_map[c] = name
    records = []
    idx = {c: j for j, c in enumerate(cols)}
    for row, line in zip(parsed.rows, parsed.row_lines):
        rec = {
            "source": row[idx[src_col]].value.strip(),
            "speaker": " ".join(row[idx[spk_col]].value.split()),
        }
        raw_role = row[idx[role_col]].value.strip() if role_col else ""
        role = _ROLE_VALUES.get(raw_role.casefold())
        if role is None:
            raise InputError(p, f"role {raw_role!r} is neither 'interviewer' nor 'participant'", line=line)
        rec["role"] = role
        if not rec["speaker"]:
            raise InputError(p, "a row has no speaker name", line=line)
        for c, name in attr_map.items():
            rec[name] = " ".join(row[idx[c]].value.split())
        records.append(rec)
    if parsed.bad_rows:
        line = parsed.bad_rows[0][0]
        raise InputError(p, f"row does not fit the header ({parsed.bad_rows[0][2]})", line=line)
    return pd.DataFrame(records, columns=out_cols + list(attr_map.values()))


@dataclass
class Participants:
    """Lookup of the participants table by transcript file."""

    table: pd.DataFrame | None = None
    attribute_columns: list[str] = field(default_factory=list)

    def __post_init__(self):
        self._records: list[dict] = []
        if self.table is not None:
            self.attribute_columns = [c for c in self.table.columns if c not in ("source", "speaker", "role")]
            self._records = self.table.to_dict("records")

    @staticmethod
    def _same_source(row_source: str, name: str) -> bool:
        if not row_source:
            return True
        a, b = row_source.strip().casefold(), name.casefold()
        return a == b or Path(a).name == b or Path(a).stem == Path(b).stem

    def rows_for(self, source_name: str) -> list[dict]:
        return [dict(r) for r in self._records if self._same_source(str(r["source"]), source_name)]

    def known_labels(self, source_name: str) -> list[str]:
        return [r["speaker"] for r in self.rows_for(source_name)]

    def all_names(self) -> list[str]:
        if self.table is None or self.table.empty:
            return []
        out: list[str] = []
        for s in self.table["speaker"].tolist():
            for v in name_variants(s):
                if v not in out:
                    out.append(v)
        return out

    def match(self, source_name: str, label: str) -> dict | None:
        """The participants row for ``label`` in ``source_name``, or None."""
        rows = self.rows_for(source_name)
        if not rows or not label:
            return None
        keys = label_keys(label)
        specific = [r for r in rows if r["source"]] + [r for r in rows if not r["source"]]
        for r in specific:
            if keys & label_keys(r["speaker"]):
                return r
        # a first name alone on either side, when it is unambiguous in this transcript
        first = {k.split()[0] for k in keys if k}
        hits = [r for r in specific if {k.split()[0] for k in label_keys(r["speaker"]) if k} & first
                and (len(next(iter(keys)).split()) == 1 or any(len(k.split()) == 1 for k in label_keys(r["speaker"])))]
        if len(hits) == 1:
            return hits[0]
        return None


def keep_matches(keep_columns, column: str) -> list[str]:
    """The names in ``keep_columns`` (``--keep-column``) that name ``column``: as written, ignoring
    case and spacing, or by its attribute name ("Organisation name" for ``organisation_name``)."""
    out = []
    for k in keep_columns:
        k = str(k)
        if k.strip().casefold() == column.strip().casefold() or snake_case(k) == snake_case(column) \
                or attribute_name(k) == attribute_name(column):
            out.append(k)
    return out


def drop_personal(attrs: dict, keep_columns=()) -> dict:
    """Attributes without personal-data columns (names, emails, the trust's own name), except those
    that ``keep_columns`` names."""
    return {k: v for k, v in attrs.items() if snake_case(k) not in PERSONAL_COLUMNS or keep_matches(keep_columns, k)}
