"""Parquet tables: types kept, text columns decoded, bounded when read whole."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Iterator

import pandas as pd

from insightkit.errors import InputError
from insightkit.io.base import (MAX_COMPRESSION_RATIO, _mb, max_unpacked_bytes, open_regular_file)
from insightkit.io.tables.common import (CHUNK_CELLS, MAX_COLUMNS, _check_cell_sizes, _dedupe, _too_many_cells,
                                         max_cells)



# ----------------------------------------------------------------------------------------------
# Parquet
# ----------------------------------------------------------------------------------------------

def _parquet_errors() -> tuple:
    import pyarrow as pa

    return (pa.ArrowException, OSError, ValueError, TypeError, IndexError, KeyError, OverflowError,
            NotImplementedError, EOFError)


def _is_text_type(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_binary(t) or \
        pa.types.is_large_binary(t)


def _is_nested(t) -> bool:
    import pyarrow as pa

    return pa.types.is_nested(t) or pa.types.is_dictionary(t) and pa.types.is_nested(t.value_type)


def _decode_binary(v):
    if isinstance(v, (bytes, bytearray, memoryview)):
        return bytes(v).decode("utf-8", errors="insightkit-cp1252")
    return v


def _as_text(v):
    if v is None:
        return None
    try:
        return json.dumps(v, ensure_ascii=False, default=str, sort_keys=False)
    except (TypeError, ValueError, OverflowError):
        return str(v)


def _logical_bytes(col) -> int:
    """Bytes a column's values take once decoded (dictionary-encoded strings counted per row)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        return sum(_logical_bytes(c) for c in col.chunks)
    if pa.types.is_dictionary(col.type):
        if not _is_text_type(col.type.value_type):
            return col.nbytes
        lengths = pc.binary_length(col.dictionary)
        total = pc.sum(pc.take(lengths, col.indices)).as_py() or 0
        return int(total) + col.indices.nbytes
    return col.nbytes


def _iter_parquet(p: Path, chunk_rows: int, whole: bool) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    errors = _parquet_errors()
    fh = open_regular_file(p)
    try:
        size = os.fstat(fh.fileno()).st_size
        try:
            probe = pq.ParquetFile(fh)
            n_rows = int(probe.metadata.num_rows)
            schema = probe.schema_arrow
        except errors as exc:
            raise InputError(p, f"not a readable Parquet file ({_arrow_msg(exc)})") from None
        n_cols = len(schema)
        if n_cols > MAX_COLUMNS:
            raise InputError(p, f"the table has {n_cols:,} columns, more than {MAX_COLUMNS:,}")
        if whole and n_rows * max(n_cols, 1) > max_cells():
            raise _too_many_cells(p, max_cells())
        # text is read dictionary-encoded, so a value repeated a million times (a few bytes in the
        # file) is counted before it is spelt out
        text_cols = [f.name for f in schema if _is_text_type(f.type)]
        budget = max_unpacked_bytes() if whole else max(max_unpacked_bytes(), MAX_COMPRESSION_RATIO * size)
        chunk_rows = max(1, min(chunk_rows, CHUNK_CELLS // max(n_cols, 1)))
        try:
            fh.seek(0)
            batches = pq.ParquetFile(fh, read_dictionary=text_cols or None).iter_batches(batch_size=chunk_rows)
        except errors as exc:
            raise InputError(p, f"not a readable Parquet file ({_arrow_msg(exc)})") from None
        start = 0
        unpacked = 0
        yielded = False
        while True:
            try:
                batch = next(batches, None)
            except errors as exc:
                raise InputError(p, f"not a readable Parquet file: rows from {start + 1} are damaged "
                                    f"({_arrow_msg(exc)})") from None
            if batch is None:
                break
            try:  # damaged dictionary indices or invalid UTF-8 surface only when the values are checked
                batch.validate(full=True)
                unpacked += sum(_logical_bytes(c) for c in batch.columns)
            except errors as exc:
                raise InputError(p, f"not a readable Parquet file: rows from {start + 1} are damaged "
                                    f"({_arrow_msg(exc)})") from None
            if unpacked > budget:
                if whole:
                    raise InputError(p, f"the table's values unpack to more than {_mb(budget)} (set "
                                        "INSIGHTKIT_MAX_UNPACKED_MB to raise the limit)")
                raise InputError(p, f"the table's values unpack to more than {_mb(budget)}, over "
                                    f"{MAX_COMPRESSION_RATIO} times the file's size: a decompression bomb? "
                                    "(set INSIGHTKIT_MAX_UNPACKED_MB to raise the limit)")
            df = _arrow_to_pandas(batch, schema, p, start)
            _check_cell_sizes(df, p, start)
            df.index = pd.RangeIndex(start, start + len(df))
            start += len(df)
            yielded = True
            yield df
        if not yielded:
            yield _arrow_to_pandas(schema.empty_table(), schema, p, 0)
    finally:
        fh.close()


def _arrow_msg(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _arrow_to_pandas(batch, schema, path, start: int) -> pd.DataFrame:
    """A batch as pandas would read the file: text spelt out again, binary values as text (UTF-8,
    Windows-1252 bytes tolerated), nested values (lists, structs, maps) as JSON text, duplicate
    column names made unique ('a', 'a.1')."""
    import pyarrow as pa

    try:
        arrays = []
        for field, col in zip(schema, batch.columns):
            if pa.types.is_dictionary(col.type) and not pa.types.is_dictionary(field.type):
                col = col.dictionary_decode()
            arrays.append(col)
        names = [str(n) for n in schema.names]
        nested = {i: [_as_text(v) for v in col.to_pylist()] for i, col in enumerate(arrays) if _is_nested(col.type)}
        binary = {i for i, col in enumerate(arrays) if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type)}
        unique = _dedupe(names)
        if unique != names or nested:
            plain = [pa.nulls(len(a)) if i in nested else a for i, a in enumerate(arrays)]
            df = pa.Table.from_arrays(plain, names=unique).to_pandas()
        else:
            try:
                df = pa.Table.from_arrays(arrays, schema=schema).to_pandas()
            except (ValueError, KeyError, TypeError, IndexError):  # pandas metadata that does not fit
                df = pa.Table.from_arrays(arrays, names=unique).to_pandas()
        df = df.reset_index(drop=True)
        df = df[[c for c in df.columns if not re.fullmatch(r"__index_level_\d+__", str(c))]]
        for i in nested:
            df[unique[i]] = pd.Series(nested[i], dtype=object)
        for i in binary:
            df[unique[i]] = df[unique[i]].map(_decode_binary)
    except _parquet_errors() as exc:
        raise InputError(path, f"rows from {start + 1} cannot be read ({_arrow_msg(exc)})") from None
    return df
