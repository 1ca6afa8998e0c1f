"""Tagging tables too large for memory: read in chunks, tag each chunk, write as you go, then rename.

A national survey export can hold a million answers. Reading it whole into pandas, encoding it and
writing it at the end needs several gigabytes and shows nothing for an hour. Here the input is read
``chunk_rows`` rows at a time (pandas' chunked CSV reader, pyarrow's Parquet batches), each chunk's
distinct texts are scored once, and the tagged rows are appended to a temporary file beside the
target, which is renamed into place only when every row is written: an interrupted run leaves the
target as it was (absent, or the previous version) and removes its temporary file.

The chunks are tagged by :mod:`insightkit.classify.stream`; this module is the file side (a
pipeline step, like :mod:`insightkit.spark`: it reads with :mod:`insightkit.io` and writes like
:mod:`insightkit.export`). Cells are read the way :func:`insightkit.export.read_table` reads them (CSV as text, our formula
apostrophes removed, offset columns as integers), and written the way
:func:`insightkit.export.write_table` writes them, so a streamed run gives the same file as an
in-memory one.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator, Literal, TextIO

import pandas as pd

from insightkit.errors import InputError

__all__ = [
    "DEFAULT_CHUNK_ROWS",
    "STREAM_INPUTS",
    "count_rows",
    "iter_table",
    "TableWriter",
    "tag_table",
    "tag_frame",
    "tag_file",
]

#: Rows per chunk: large enough that per-chunk overhead vanishes, small enough that the TF-IDF
#: matrices of one chunk stay at some tens of megabytes.
DEFAULT_CHUNK_ROWS = 10_000
#: Inputs read in chunks; XLSX is read whole (Excel itself stops at 1,048,576 rows).
STREAM_INPUTS = (".csv", ".tsv", ".parquet", ".pq")


# ----------------------------------------------------------------------------------------------
# reading
# ----------------------------------------------------------------------------------------------

def count_rows(path: str | Path) -> tuple[int | None, bool]:
    """(rows, exact): Parquet from its footer (exact); CSV/TSV by counting line breaks.

    The CSV count is exact unless a quoted cell holds a line break, in which case it is an upper
    bound; it is only used as the progress bar's total. XLSX, or a file that cannot be read,
    gives (None, False). See :func:`insightkit.io.tables.count_rows`.
    """
    from insightkit.io.tables import count_rows as _count

    return _count(path)


def iter_table(path: str | Path, chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Chunks of at most ``chunk_rows`` rows, with a RangeIndex continuing across chunks.

    Every chunk has the same columns; the first chunk is yielded even when the table has no rows,
    so a writer still learns the columns. Reading is :func:`insightkit.io.tables.iter_table`, the
    one reading layer every command uses: a broken, hostile or unsupported file is one
    :class:`InputError` naming it.
    """
    from insightkit.io.tables import iter_table as _iter

    return _iter(path, chunk_rows)


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------

class TableWriter:
    """Append DataFrame chunks to a temporary file beside ``path``; rename into place on success.

    Use as a context manager: leaving the block normally moves the finished file to ``path``;
    leaving it with an exception (including KeyboardInterrupt) deletes the temporary file and
    leaves ``path`` untouched. CSV/TSV cells that a spreadsheet would run as formulas get a
    leading apostrophe, as in :func:`insightkit.export.write_table`. XLSX output is collected in
    memory and written at the end (XLSX cannot be appended to).
    """

    def __init__(self, path: str | Path):
        from insightkit.export import TABLE_EXTENSIONS

        self.path = Path(path)
        self.ext = self.path.suffix.lower()
        if self.ext not in TABLE_EXTENSIONS:
            raise InputError(self.path, f"unsupported output type {self.ext or '(none)'!r}; "
                                        f"use one of: {', '.join(TABLE_EXTENSIONS)}")
        self.rows = 0
        self._tmp: Path | None = None
        self._fh: TextIO | None = None
        self._pq: Any = None  # pyarrow.parquet.ParquetWriter (pyarrow has no type hints)
        self._schema: Any = None  # pyarrow.Schema of the first chunk
        self._columns: list | None = None
        self._xlsx: list[pd.DataFrame] = []

    def __enter__(self) -> "TableWriter":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.stem}.", suffix=f".tmp{self.path.suffix}",
                                   dir=self.path.parent)
        os.close(fd)
        self._tmp = Path(tmp)
        if self.ext in (".csv", ".tsv"):
            self._fh = open(self._tmp, "w", encoding="utf-8", newline="")
        return self

    def _tmp_path(self) -> Path:
        """The temporary file being written; only inside the ``with`` block."""
        if self._tmp is None:
            raise ValueError("internal error: TableWriter used outside its 'with' block")
        return self._tmp

    def write(self, df: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = list(df.columns)
        elif list(df.columns) != self._columns:
            raise ValueError("internal error: chunks with different columns")
        if self.ext in (".csv", ".tsv"):
            from insightkit.export import neutralise_formulas

            if self._fh is None:
                raise ValueError("internal error: TableWriter used outside its 'with' block")
            neutralise_formulas(df).to_csv(self._fh, index=False, header=self._fh.tell() == 0,
                                           sep="\t" if self.ext == ".tsv" else ",", lineterminator="\n")
        elif self.ext in (".parquet", ".pq"):
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(df, preserve_index=False)
            if self._pq is None:
                self._schema = table.schema
                self._pq = pq.ParquetWriter(str(self._tmp_path()), self._schema)
            elif not table.schema.equals(self._schema, check_metadata=False):
                try:
                    table = table.cast(self._schema)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                    raise InputError(self.path, f"rows {self.rows + 1}-{self.rows + len(df)} do not fit the column "
                                                f"types of the first rows ({exc})") from exc
            self._pq.write_table(table)
        else:
            self._xlsx.append(df)
        self.rows += len(df)

    def _close_handles(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._pq is not None:
            self._pq.close()
            self._pq = None

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        try:
            if exc_type is not None:
                return False
            tmp = self._tmp_path()
            self._close_handles()
            if self.ext == ".xlsx":
                from insightkit.export import write_table

                df = pd.concat(self._xlsx, ignore_index=True) if self._xlsx else pd.DataFrame()
                self._xlsx = []
                write_table(df, tmp)
            mode = self.path.stat().st_mode & 0o777 if self.path.exists() else 0o666 & ~_umask()
            os.chmod(tmp, mode)
            os.replace(tmp, self.path)
            self._tmp = None
            return False
        finally:
            self._close_handles()
            if self._tmp is not None:
                try:
                    self._tmp.unlink()
                except OSError:
                    pass
                self._tmp = None


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ----------------------------------------------------------------------------------------------
# tagging
# ----------------------------------------------------------------------------------------------

def tag_table(model: Any, input_path: str | Path, out_path: str | Path, *, text_column: str = "text",
              chunk_rows: int = DEFAULT_CHUNK_ROWS, speed: str | None = None,
              show_progress: bool | None = None) -> dict:
    """Tag ``input_path`` chunk by chunk with ``model`` and write ``out_path`` atomically.

    ``model`` is a fitted :class:`~insightkit.classify.ThemeClassifier`; ``speed`` picks its head
    (``model.at_speed(speed)``; "fast" uses the static-embedding head). Returns counts and timings.
    """
    from insightkit.classify.stream import head_for, tag_chunks
    from insightkit.progress import progress

    input_path, out_path = Path(input_path), Path(out_path)
    if out_path.resolve() == input_path.resolve():
        raise InputError(out_path, "the output would overwrite the input; choose another --out")
    total, exact = count_rows(input_path)
    head_for(model, speed)  # a speed the model has no head for fails before the output is created

    def checked(chunks: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        first = True
        for chunk in chunks:
            if first and text_column not in chunk.columns:
                raise InputError(input_path, f"no text column {text_column!r} (columns: "
                                             f"{', '.join(map(str, chunk.columns))}); name it with --text-column")
            first = False
            yield chunk

    stats: dict = {"rows": 0, "distinct_texts": 0, "chunks": 0, "empty_texts": 0}
    t0 = time.perf_counter()
    disable = None if show_progress is None else (not show_progress)
    with progress(total=total, desc="tagging", unit="row", disable=disable) as bar, \
            TableWriter(out_path) as writer:
        for tagged in tag_chunks(model, checked(iter_table(input_path, chunk_rows)), text_column,
                                 speed=speed, stats=stats):
            writer.write(tagged)
            bar.update(len(tagged))
        if not exact:
            bar.total = stats["rows"]
            bar.refresh()
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["out"] = str(out_path)
    return stats


def tag_frame(model: Any, df: pd.DataFrame, *, text_column: str = "text", chunk_rows: int = DEFAULT_CHUNK_ROWS,
              speed: str | None = None, show_progress: bool | None = None) -> tuple[pd.DataFrame, dict]:
    """Tag a table already in memory, ``chunk_rows`` rows at a time, as :func:`tag_table` tags a
    file: returns ``(tagged table, counts and timings)``."""
    from insightkit.classify.stream import head_for, tag_chunks
    from insightkit.progress import progress

    head_for(model, speed)
    step = max(1, int(chunk_rows))
    chunks = (df.iloc[a:a + step] for a in range(0, max(len(df), 1), step))
    stats: dict = {"rows": 0, "distinct_texts": 0, "chunks": 0, "empty_texts": 0}
    t0 = time.perf_counter()
    parts = []
    disable = None if show_progress is None else (not show_progress)
    with progress(total=len(df), desc="tagging", unit="row", disable=disable) as bar:
        for tagged in tag_chunks(model, chunks, text_column, speed=speed, stats=stats):
            parts.append(tagged)
            bar.update(len(tagged))
    out = pd.concat(parts) if len(parts) > 1 else parts[0]
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    return out, stats


def tag_file(input_path: str | Path, out_path: str | Path, model: Any = None, *, text_column: str = "text",
             speed: str = "default", chunk_rows: int = DEFAULT_CHUNK_ROWS,
             show_progress: bool | None = None) -> dict:
    """Tag a CSV/TSV/Parquet/XLSX table file into ``out_path``, as ``insightkit tag`` does.

    ``model`` is a fitted ThemeClassifier or a model folder (default: the shipped model).
    CSV, TSV and Parquet are streamed ``chunk_rows`` at a time (XLSX is read whole); the output
    keeps every input column, adds ``theme_<id>`` and ``score_<id>``, and appears only when
    complete. ``speed="fast"`` uses the model's static-embedding head. Returns counts and timings.
    """
    if model is None or isinstance(model, (str, Path)):
        from insightkit.classify import load_model

        model = load_model(model)
    return tag_table(model, input_path, out_path, text_column=text_column, chunk_rows=chunk_rows,
                     speed=speed, show_progress=show_progress)
