"""Property-based tests over the table reader and the survey readers: whatever the bytes, the
result is a table (a segment table for the survey reader) or one InputError naming the file, and
through the CLI an exit code of 0 or 2 with a one-line error. Random bytes, truncations and
mutations of valid files, odd encodings, huge fields."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insightkit.cli import main
from insightkit.errors import InputError
from insightkit.pipeline import read
from insightkit.io.tables import read_table

#: examples per property; INSIGHTKIT_FUZZ_EXAMPLES=2000 for a long hunt
EXAMPLES = int(os.environ.get("INSIGHTKIT_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

SURVEY = pd.DataFrame({
    "id": ["R1", "R2", "R3", "R4"],
    "answer": ["The waiting list for the new records system is far too long for everyone here",
               "Staff morale dropped after the restructure and nobody explained the reasons",
               "Digital care plans helped community nurses share notes with the GP practice",
               "We need protected time to learn the systems, not another e-learning module"],
    "region": ["North", "South", "East", "West"],
})


def _valid(kind: str) -> bytes:
    buf = io.BytesIO()
    if kind == "csv":
        return SURVEY.to_csv(index=False).encode("utf-8")
    if kind == "xlsx":
        SURVEY.to_excel(buf, index=False)
    else:
        SURVEY.to_parquet(buf, index=False)
    return buf.getvalue()


VALID = {k: _valid(k) for k in ("csv", "xlsx", "parquet")}


def _write(data: bytes, suffix: str) -> Path:
    d = Path(tempfile.mkdtemp(prefix="ik-fuzz-"))
    p = d / f"input{suffix}"
    p.write_bytes(data)
    return p


def _table_or_one_error(p: Path):
    try:
        df = read_table(p)
    except InputError as exc:
        assert exc.path == str(p)
        assert "\n" not in str(exc)
        return None
    assert isinstance(df, pd.DataFrame)
    assert all(isinstance(c, str) for c in df.columns)
    assert len(set(df.columns)) == len(df.columns)
    return df


def _mutate(data: bytes, cuts: list[int], flips: list[tuple[int, int]]) -> bytes:
    b = bytearray(data)
    for pos, val in flips:
        if b:
            b[pos % len(b)] = val
    for c in cuts[:1]:
        b = b[: c % (len(b) + 1)]
    return bytes(b)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".csv", ".tsv", ".xlsx", ".parquet"]))
def test_random_bytes_give_a_table_or_one_error(data, suffix):
    _table_or_one_error(_write(data, suffix))


@FUZZ
@given(kind=st.sampled_from(["csv", "xlsx", "parquet"]), cuts=st.lists(st.integers(0, 10**6), max_size=1),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=6))
def test_truncated_and_mutated_valid_files_give_a_table_or_one_error(kind, cuts, flips):
    _table_or_one_error(_write(_mutate(VALID[kind], cuts, flips), f".{kind}"))


@FUZZ
@given(member=st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml",
                               "xl/styles.xml", "[Content_Types].xml", "xl/_rels/workbook.xml.rels"]),
       cut=st.integers(0, 4000), junk=st.binary(max_size=64))
def test_damaged_xlsx_parts_give_a_table_or_one_error(member, cut, junk):
    src = zipfile.ZipFile(io.BytesIO(VALID["xlsx"]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name in src.namelist():
            data = src.read(name)
            if name == member:
                data = data[:cut] + junk + data[cut:][len(junk):]
            z.writestr(name, data)
    p = _write(out.getvalue(), ".xlsx")
    _table_or_one_error(p)
    try:
        parsed = read([p], redact=False, text_columns=["answer"])
    except InputError as exc:
        assert exc.path == str(p) and "\n" not in str(exc)
    else:
        assert {"segment_id", "text", "start", "end"} <= set(parsed.segments.columns)


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=200)
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "cp1252", "latin-1"]


@FUZZ
@given(cells=st.lists(st.lists(TEXT, min_size=1, max_size=4), min_size=1, max_size=6),
       encoding=st.sampled_from(ENCODINGS), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_csv_in_odd_encodings_gives_a_table_or_one_error(cells, encoding, newline):
    lines = [",".join('"' + c.replace('"', '""') + '"' for c in row) for row in cells]
    text = newline.join(lines) + newline
    data = text.encode(encoding, errors="replace")
    p = _write(data, ".csv")
    df = _table_or_one_error(p)
    if df is not None and encoding in ("utf-8", "utf-8-sig", "utf-16") and len({len(r) for r in cells}) == 1 \
            and all(any(ch.strip() for ch in "".join(r)) for r in cells):
        assert len(df) <= len(cells) - 1  # every data row read (blank rows skipped), none invented


@FUZZ
@given(cells=st.lists(st.lists(TEXT, min_size=2, max_size=3), min_size=2, max_size=5),
       encoding=st.sampled_from(ENCODINGS))
def test_survey_reader_gives_a_segment_table_or_one_error(cells, encoding):
    header = ["id", "answer", "region"][: len(cells[0])]
    rows = [",".join(header)] + [",".join('"' + c.replace('"', '""') + '"' for c in r) for r in cells]
    p = _write("\n".join(rows).encode(encoding, errors="replace"), ".csv")
    try:
        res = read([p], redact=False, text_columns=["answer"])
    except InputError as exc:
        assert exc.path == str(p) and "\n" not in str(exc)
    else:
        assert {"segment_id", "text", "start", "end", "edits"} <= set(res.segments.columns)
        assert res.verify() == []  # every segment replays from its source


@settings(max_examples=10, deadline=None)
@given(size=st.integers(100_000, 1_500_000), quoted=st.booleans())
def test_huge_fields_give_a_table_or_one_error(size, quoted):
    field = "x" * size
    body = f'"{field}"' if quoted else field
    p = _write(f"text,n\n{body},1\nshort,2\n".encode(), ".csv")
    df = _table_or_one_error(p)
    if df is not None:
        assert size <= 1_000_000 and len(df["text"].iloc[0]) == size


@settings(max_examples=max(15, EXAMPLES // 3), deadline=None)
@given(kind=st.sampled_from(["csv", "xlsx", "parquet"]), cuts=st.lists(st.integers(0, 10**6), max_size=1),
       flips=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4),
       command=st.sampled_from(["agreement", "clean", "quotes"]))
def test_cli_exits_0_or_2_with_one_line(kind, cuts, flips, command):
    p = _write(_mutate(VALID[kind], cuts, flips), f".{kind}")
    out = p.parent / "out.csv"
    argv = {"agreement": ["agreement", str(p), str(p)], "clean": ["clean", str(p), "--no-redact", "--quiet", "--out", str(out)],
            "quotes": ["quotes", str(p), "--no-rescore", "--no-verify", "--out", str(out)]}[command]
    import contextlib

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(argv)
    lines = [line for line in err.getvalue().splitlines() if line.strip() and "warning" not in line]
    assert rc in (0, 2)
    if rc == 2:
        assert len(lines) == 1 and str(p) in lines[0], err.getvalue()


def test_cli_on_random_bytes_is_one_line(tmp_path, capsys):
    """A fixed sample of the slow CLI fuzz test, cheap enough for every run."""
    for i, suffix in enumerate([".csv", ".xlsx", ".parquet"]):
        p = tmp_path / f"r{i}{suffix}"
        p.write_bytes(os.urandom(2000))
        for argv in (["agreement", str(p), str(p)], ["clean", str(p), "--out", str(tmp_path / "o.csv")]):
            assert main(argv) == 2
            err = capsys.readouterr().err.strip().splitlines()
            assert len(err) == 1 and str(p) in err[0]
