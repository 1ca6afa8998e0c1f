"""Writing tables safely: CSV that spreadsheets cannot execute, Parquet, XLSX, all written atomically.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a formula to Excel
and LibreOffice (CSV injection): a survey answer such as ``=HYPERLINK(...)`` would run when the file
is opened. CSV and XLSX output therefore give such cells a leading apostrophe (in a segment table
also recorded in ``edits``, so the written file stays self-consistent); Parquet keeps values
exactly. :func:`read_table` reads our own files back and removes the apostrophe again.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.formulas import FORMULA_PREFIXES, neutral, with_apostrophe

__all__ = ["FORMULA_PREFIXES", "neutralise_formulas", "safe_csv", "write_table", "write_tables", "read_table",
           "TABLE_EXTENSIONS", "check_outputs", "check_output_path"]

TABLE_EXTENSIONS = (".csv", ".tsv", ".parquet", ".pq", ".xlsx")
# characters XML 1.0 (and so XLSX) cannot hold
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text_columns(df: pd.DataFrame) -> list:
    return [c for c in df.columns if df[c].dtype == object or pd.api.types.is_string_dtype(df[c].dtype)]


def _neutral_columns(df: pd.DataFrame) -> pd.DataFrame:
    """Column names are header cells: one that a spreadsheet would run gets the apostrophe too."""
    if any(isinstance(c, str) and c.startswith(FORMULA_PREFIXES) for c in df.columns):
        df = df.rename(columns={c: neutral(c) for c in df.columns})
    return df


def neutralise_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy in which text cells that a spreadsheet would run as a formula start with an apostrophe.

    In a segment table (``text``, ``start``, ``edits``) the apostrophe added to ``text`` is also
    added to ``edits``, as an insertion at ``start``, so the written file still satisfies
    ``apply_edits(source, start, end, edits) == text`` for a reader who does not use
    :func:`read_table` (which takes both away again).
    """
    out = df.copy()
    segment_like = {"text", "start", "edits"} <= set(out.columns)
    if segment_like:
        flagged = out["text"].map(lambda v: isinstance(v, str) and v.startswith(FORMULA_PREFIXES))
    for c in _text_columns(out):
        out[c] = out[c].map(neutral)
    if segment_like and flagged.any():
        out.loc[flagged, "edits"] = [with_apostrophe(e, st) for e, st in zip(out.loc[flagged, "edits"],
                                                                              out.loc[flagged, "start"])]
    return _neutral_columns(out)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _resolved(path: str | Path) -> Path:
    return Path(os.path.realpath(os.path.abspath(os.fspath(path))))


def check_output_path(path: str | Path, *, folder: bool = False) -> Path:
    """An :class:`InputError` unless ``path`` can be written as an output file (or, with ``folder``,
    used as an output folder): it must not be a folder (a file), and its nearest existing ancestor
    must be a folder we may write in, not a regular file."""
    p = Path(path)
    if folder:
        if p.exists() and not p.is_dir():
            raise InputError(p, "the output folder exists and is not a folder; name a folder")
    elif p.is_dir():
        raise InputError(p, "the output is a folder; name a file")
    anc = p if folder else p.parent
    anc = Path(os.path.abspath(anc))
    while not anc.exists() and anc != anc.parent:
        if anc.is_symlink():  # a dangling link: writing through it would create its target
            raise InputError(p, f"cannot write the output: {anc} is a broken symbolic link")
        anc = anc.parent
    if not anc.is_dir():
        raise InputError(p, f"cannot write the output: {anc} is not a folder")
    if not os.access(anc, os.W_OK | os.X_OK):
        raise InputError(p, f"cannot write the output: no permission to write in {anc}")
    return p


def check_outputs(outputs, inputs=()) -> None:
    """Refuse, before any work, outputs that would destroy an input or each other.

    An output may not be an input file (by any name: links are followed, hard links compared), nor an
    existing file inside an input folder (a file the command reads), nor the same file as another
    output. ``None`` entries are skipped. Each output is also checked with :func:`check_output_path`.
    """
    ins = []
    for i in inputs:
        if i is None:
            continue
        ins.append((Path(i), _resolved(i)))
    seen: dict[Path, Path] = {}
    for o in outputs:
        if o is None:
            continue
        op = Path(o)
        check_output_path(op)
        r = _resolved(op)
        if r in seen:
            raise InputError(op, f"named twice as an output (also as {seen[r]}); give each output its own path")
        seen[r] = op
        for ip, ir in ins:
            same = r == ir
            if not same and op.exists() and ip.exists():
                try:
                    same = os.path.samefile(op, ip)
                except OSError:
                    same = False
            inside = ip.is_dir() and op.exists() and r.is_relative_to(ir)
            if same or inside:
                what = f"a file in the input folder {ip}" if inside and not same else f"the input {ip}"
                raise InputError(op, f"the output would overwrite {what}; choose another output path")


def _stage(path: str | Path, write, *, private: bool = False) -> str:
    """Write ``write(tmp)`` to a temporary file beside ``path`` and return its name (not yet in place).

    The temporary file is created by ``mkstemp`` (``os.open`` with mode 0600). A ``private`` file keeps
    that mode when published; any other gets the mode a normal write would give it."""
    path = Path(path)
    check_output_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    except OSError as exc:
        raise InputError(path, f"cannot write the output: {exc.strerror or exc}") from None
    os.close(fd)
    try:
        write(tmp)
        if private:
            os.chmod(tmp, 0o600)  # a writer that re-created the file must not have widened it
        else:
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise InputError(path, f"cannot write the output: {exc.strerror or exc}") from None
        raise
    return tmp


def _unlink(tmp) -> None:
    try:
        os.unlink(tmp)
    except OSError:
        pass


def _publish(staged: list[tuple[str, Path]]) -> None:
    """Move staged files into place; on a failure, the ones not yet moved are removed."""
    for i, (tmp, path) in enumerate(staged):
        try:
            os.replace(tmp, path)
        except OSError as exc:
            for t, _ in staged[i:]:
                _unlink(t)
            raise InputError(path, f"cannot write the output: {exc.strerror or exc}") from None


def _atomic(path: str | Path, write, *, private: bool = False) -> Path:
    """Call ``write(tmp_path)`` then move the finished file into place, so readers never see half a file.

    A folder that cannot be created or written to is an :class:`InputError` naming the file."""
    path = Path(path)
    _publish([(_stage(path, write, private=private), path)])
    return path


def safe_csv(df: pd.DataFrame, path: str | Path, sep: str = ",") -> Path:
    """Write ``df`` as UTF-8 CSV with formulas neutralised, atomically."""
    safe = neutralise_formulas(df)
    return _atomic(path, lambda tmp: safe.to_csv(tmp, index=False, sep=sep, encoding="utf-8", lineterminator="\n"))


XLSX_MAX_CELL = 32_767  # characters in one worksheet cell (Excel's limit; a longer one is cut or "repaired")


def xlsx_safe(df: pd.DataFrame, *, path: str | Path | None = None, shorten: bool = False) -> pd.DataFrame:
    """A copy of ``df`` that a worksheet can hold as written: formulas neutralised (cells and header)
    and the control characters XML cannot hold removed.

    A cell longer than Excel allows is an :class:`InputError` naming ``path`` (write CSV or Parquet
    instead), or with ``shorten`` (a report for reading) is cut, saying so in the cell."""
    safe = neutralise_formulas(df)
    for c in _text_columns(safe):
        safe[c] = safe[c].map(lambda v: _ILLEGAL_XML.sub("", v) if isinstance(v, str) else v)
        long = safe[c].map(lambda v: isinstance(v, str) and len(v) > XLSX_MAX_CELL)
        if long.any():
            if not shorten:
                i = int(long.to_numpy().argmax())
                raise InputError(path, f"column {c!r}, row {i + 1}: {len(safe[c].iloc[i]):,} characters; an XLSX cell "
                                       f"holds at most {XLSX_MAX_CELL:,}: write .csv or .parquet instead")
            safe.loc[long, c] = safe.loc[long, c].map(_shortened)
    return safe.rename(columns={c: _ILLEGAL_XML.sub("", c)[:255] for c in safe.columns if isinstance(c, str)})


def _shortened(v: str) -> str:
    note = f" [... cut: {len(v):,} characters in all; see the CSV or Parquet table]"
    return v[: XLSX_MAX_CELL - len(note)] + note


_SHEET_BAD = re.compile(r"[\[\]:*?/\\\x00-\x1f]")


def sheet_names(names) -> list[str]:
    """Worksheet names for ``names``: characters Excel forbids replaced, at most 31 characters, not
    starting or ending with an apostrophe, and unique (case-insensitively, as Excel compares them)."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = _SHEET_BAD.sub("_", str(name)).strip("'")[:31] or "sheet"
        cand, i = base, 2
        while cand.lower() in seen:
            suffix = f"~{i}"
            cand, i = base[: 31 - len(suffix)] + suffix, i + 1
        seen.add(cand.lower())
        out.append(cand)
    return out


def _table_writer(df: pd.DataFrame, path: str | Path):
    """The function that writes ``df`` to a given file name in the format of ``path``'s extension."""
    ext = Path(path).suffix.lower()
    if ext in (".csv", ".tsv"):
        safe = neutralise_formulas(df)
        sep = "\t" if ext == ".tsv" else ","
        return lambda tmp: safe.to_csv(tmp, index=False, sep=sep, encoding="utf-8", lineterminator="\n")
    if ext in (".parquet", ".pq"):
        return lambda tmp: df.to_parquet(tmp, index=False)
    if ext == ".xlsx":
        safe = xlsx_safe(df, path=path)
        return lambda tmp: safe.to_excel(tmp, index=False, engine="openpyxl")
    raise InputError(path, f"unsupported output type {ext or '(none)'!r}; use one of: {', '.join(TABLE_EXTENSIONS)}")


def write_table(df: pd.DataFrame, path: str | Path, *, private: bool = False) -> Path:
    """Write ``df`` as CSV, TSV, Parquet or XLSX, chosen by the file extension, atomically.

    ``private`` (for files holding personal data, such as a redaction log) keeps the file readable by
    its owner only (0600) from the moment it is created."""
    return _atomic(path, _table_writer(df, path), private=private)


def write_tables(items, *, private=()) -> list[Path]:
    """Write several tables all or nothing: each ``(df, path)`` goes to a temporary file first, and
    only when every one is written are they moved into place (a failure leaves no output behind,
    not even one written earlier). Paths in ``private`` are written 0600 (see :func:`write_table`)."""
    private = {_resolved(p) for p in private}
    writers = [(Path(path), _table_writer(df, path)) for df, path in items]  # an unsupported type fails first
    staged: list[tuple[str, Path]] = []
    try:
        for path, write in writers:
            staged.append((_stage(path, write, private=_resolved(path) in private), path))
    except BaseException:
        for tmp, _ in staged:
            _unlink(tmp)
        raise
    _publish(staged)
    return [p for p, _ in writers]


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a table written by :func:`write_table` (CSV cells as text, offsets as integers).

    Any CSV, TSV, XLSX or Parquet file is read through :func:`insightkit.io.tables.read_table`, the
    one reading layer every command uses: a broken, hostile or oversized file is one
    :class:`~insightkit.errors.InputError` naming it.
    """
    from insightkit.io.tables import read_table as _read

    return _read(path)
