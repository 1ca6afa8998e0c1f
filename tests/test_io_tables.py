"""The one reading layer for tables (insightkit.io.tables): hostile and broken files give a table or
one InputError naming the file, never a traceback, a hang or unbounded memory; every command that
reads a table gives the same error."""

from __future__ import annotations

import io
import os
import re
import threading
import zipfile

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from insightkit.cli import main
from insightkit.errors import InputError
from insightkit.export import read_table, write_table
from insightkit.pipeline import read
from insightkit.io.base import open_regular_file, read_file_bytes
from insightkit.io.survey import parse_xlsx, xlsx_cell_value
from insightkit.io.tables import check_archive, iter_table, table_columns

SEGMENTS = pd.DataFrame({
    "segment_id": ["s1", "s2", "s3"],
    "text": ["The waiting list is too long for patients here.", "Staff morale is low after the restructure.",
             "Digital records helped us share care plans, café staff too."],
    "theme_a": [1, 0, 1], "theme_b": [0, 1, 0],
})


def _xlsx(path, df=SEGMENTS):
    df.to_excel(path, index=False)
    return path


def _rewrite_xlsx(src, dst, change=None, extra=None, level=6):
    """Copy an .xlsx with its first sheet's XML passed through ``change``."""
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for name in z.namelist():
            data = z.read(name)
            if change and name == "xl/worksheets/sheet1.xml":
                data = change(data.decode("utf-8"))
                data = data if isinstance(data, bytes) else data.encode("utf-8")
            out.writestr(name, data)
        for name, data in (extra or {}).items():
            out.writestr(name, data)
    return dst


def _one_line_error(capsys, path) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "Traceback" not in err and str(path) in err, err
    return err


def _refused(path, match: str):
    with pytest.raises(InputError, match=match) as exc:
        read_table(path)
    assert exc.value.path == str(path)
    return exc.value


# -- the cases of issue 13 -------------------------------------------------------------------------

def test_unclosed_quote_is_one_error_for_every_reader(tmp_path, capsys):
    p = tmp_path / "unclosed.csv"
    p.write_text('segment_id,text\ns1,"never closed\ns2,hello\n', encoding="utf-8")
    _refused(p, "quoted field is never closed")
    with pytest.raises(InputError, match="never closed"):
        list(iter_table(p, 1))
    assert main(["tag", str(p), "--out", str(tmp_path / "o.csv")]) == 2
    _one_line_error(capsys, p)
    assert not (tmp_path / "o.csv").exists()


def test_cp1252_table_is_decoded_as_clean_decodes_it(tmp_path, capsys):
    p = tmp_path / "cp1252.csv"
    p.write_bytes("segment_id,text,theme_a\ns1,caf\u00e9 \u2013 \u201cquoted\u201d,1\ns2,na\u00efve,0\n".encode("cp1252"))
    df = read_table(p)
    assert df["text"].tolist() == ["caf\u00e9 \u2013 \u201cquoted\u201d", "na\u00efve"]
    streamed = pd.concat(list(iter_table(p, 1)))
    assert streamed["text"].tolist() == df["text"].tolist()
    assert main(["agreement", str(p), str(p)]) == 0  # a file agrees with itself
    capsys.readouterr()


def test_cp1252_in_a_large_file_is_decoded_when_streamed(tmp_path):
    """Past the first block the streaming reader decides the encoding from the whole file."""
    p = tmp_path / "big.csv"
    rows = ["id,text"] + [f"r{i},plain ascii answer number {i}" for i in range(20000)] + ["rX,caf\u00e9"]
    p.write_bytes("\n".join(rows).encode("cp1252"))
    last = pd.concat(list(iter_table(p, 5000)))["text"].iloc[-1]
    assert last == "caf\u00e9"
    mixed = tmp_path / "mixed.csv"  # UTF-8 with one Windows-1252 byte pasted in, far from the start
    mixed.write_bytes(("\n".join(rows[:-1]) + "\nrY,\u2019quoted\u2019 ").encode("utf-8") + b"caf\xe9\n")
    assert pd.concat(list(iter_table(mixed, 5000)))["text"].iloc[-1] == "\u2019quoted\u2019 caf\u00e9"


@pytest.mark.parametrize("content", [b"hello, this is not a zip\n", b"", b"PK\x03\x04" + b"\x00" * 40,
                                     b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100])
def test_non_zip_and_truncated_xlsx_are_one_error(tmp_path, content, capsys):
    p = tmp_path / "book.xlsx"
    p.write_bytes(content)
    _refused(p, "not a valid Excel .xlsx workbook")
    for argv in (["tag", str(p), "--out", str(tmp_path / "o.csv")], ["clean", str(p), "--out", str(tmp_path / "c.csv")],
                 ["agreement", str(p), str(p)]):
        assert main(argv) == 2
        _one_line_error(capsys, p)


def test_truncated_xlsx_at_every_cut_is_a_table_or_one_error(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx").read_bytes()
    p = tmp_path / "cut.xlsx"
    for n in range(0, len(good), max(1, len(good) // 40)):
        p.write_bytes(good[:n])
        with pytest.raises(InputError):
            read_table(p)


def test_damaged_sheet_xml_is_one_error(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx")
    for name, change, match in [
        ("half.xlsx", lambda s: s[: len(s) // 2], "could not be read"),
        ("sst.xlsx", lambda s: s.replace('t="inlineStr"><is><t>s1</t></is>', 't="s"><v>99</v>'), "could not be read"),
        ("coord.xlsx", lambda s: s.replace('r="B2"', 'r="ZZZZ2"'), "could not be read"),
    ]:
        p = _rewrite_xlsx(good, tmp_path / name, change)
        _refused(p, match)


@pytest.mark.parametrize("parquet", ["random", "truncated", "footer_only", "empty"])
def test_garbage_parquet_is_one_error(tmp_path, parquet, capsys):
    good = tmp_path / "good.parquet"
    SEGMENTS.to_parquet(good, index=False)
    data = good.read_bytes()
    p = tmp_path / "bad.parquet"
    p.write_bytes({"random": os.urandom(3000), "truncated": data[: len(data) // 2],
                   "footer_only": data[: len(data) // 2] + data[-8:], "empty": b""}[parquet])
    _refused(p, "not a readable Parquet file")
    assert main(["agreement", str(p), str(good)]) == 2
    _one_line_error(capsys, p)
    assert main(["tag", str(p), "--out", str(tmp_path / "o.csv")]) == 2
    _one_line_error(capsys, p)


XXE = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "' + f"&lol{'' if i == 1 else i - 1};" * 10 + '">' for i in range(1, 10))
          + "]>\n")


def _with_dtd(dtd, ref):
    def change(s):
        s = re.sub(r"^<\?xml[^>]*\?>", "", s).lstrip()
        return dtd + s.replace("</sheetData>", f'<row r="9"><c r="A9" t="inlineStr"><is><t>{ref}</t></is></c>'
                                               f'<c r="B9" t="inlineStr"><is><t>leaked {ref} here in an answer '
                                               f'long enough to read</t></is></c></row></sheetData>')
    return change


@pytest.mark.parametrize("kind", ["external", "laughs", "utf16"])
def test_xml_entities_in_xlsx_are_refused_never_resolved(tmp_path, kind, capsys):
    good = _xlsx(tmp_path / "good.xlsx")
    change = {"external": _with_dtd(XXE, "&xxe;"), "laughs": _with_dtd(LAUGHS, "&lol9;"),
              "utf16": lambda s: _with_dtd(XXE.replace("UTF-8", "UTF-16"), "&xxe;")(s).encode("utf-16")}[kind]
    p = _rewrite_xlsx(good, tmp_path / "xxe.xlsx", change)
    _refused(p, "declares a DTD or entities")
    with pytest.raises(InputError, match="DTD"):
        parse_xlsx(p.read_bytes(), p)
    for argv in (["tag", str(p), "--out", str(tmp_path / "o.csv")], ["clean", str(p), "--out", str(tmp_path / "c.csv")]):
        assert main(argv) == 2
        assert "root:" not in _one_line_error(capsys, p)
    assert not (tmp_path / "c.csv").exists()


def test_part_in_an_exotic_encoding_is_refused(tmp_path):
    """A byte scan cannot see a DTD spelt in EBCDIC or UTF-7: such parts are not read at all."""
    good = _xlsx(tmp_path / "good.xlsx")
    body = lambda s: re.sub(r"^<\?xml[^>]*\?>", "", s)  # noqa: E731
    p = _rewrite_xlsx(good, tmp_path / "ebcdic.xlsx", lambda s: ('<?xml version="1.0" encoding="cp037"?>' + body(s)).encode("cp037"))
    _refused(p, "not UTF-8 or UTF-16")
    p = _rewrite_xlsx(good, tmp_path / "utf7.xlsx", lambda s: '<?xml version="1.0" encoding="UTF-7"?>' + body(s))
    _refused(p, "encoded as UTF-7")


def _far_cell(s):
    s = re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', s)
    return s.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                                     "</sheetData>")


def test_a_cell_at_xfd1048576_costs_one_cell_not_the_declared_sheet(tmp_path, capsys):
    survey = pd.DataFrame({"id": [f"R{i}" for i in range(6)],
                           "answer": [f"Answer {i}: the waiting list for the new records system is far too long"
                                      for i in range(6)], "region": ["North", "South"] * 3})
    p = _rewrite_xlsx(_xlsx(tmp_path / "s.xlsx", survey), tmp_path / "far.xlsx", _far_cell)
    assert p.stat().st_size < 10_000
    df = read_table(p)  # the stray value gets one column of its own, as pandas would name it
    assert df.shape == (7, 4) and list(df.columns)[-1] == "Unnamed: 16383"
    done = {}
    t = threading.Thread(target=lambda: done.setdefault("rc", main(["clean", str(p), "--no-redact", "--quiet",
                                                                     "--out", str(tmp_path / "o.csv")])))
    t.start()
    t.join(60)
    assert not t.is_alive(), "clean did not finish: the declared dimension was spelt out"
    assert done["rc"] == 0
    rejected = read_table(tmp_path / "o.rejected.csv")
    assert (rejected["reason"] == "malformed_row").sum() == 1  # the stray cell is reported, not lost
    assert len(read_table(tmp_path / "o.csv")) == 6


def test_a_header_cell_far_to_the_right_does_not_spell_out_the_columns_between(tmp_path):
    survey = pd.DataFrame({"id": [f"R{i}" for i in range(300)],
                           "answer": [f"Answer {i} about the records system and the long waiting list" for i in range(300)]})
    change = lambda s: s.replace("</row>", '<c r="XFD1" t="inlineStr"><is><t>far</t></is></c></row>', 1)  # noqa: E731
    p = _rewrite_xlsx(_xlsx(tmp_path / "s.xlsx", survey), tmp_path / "far.xlsx", change)
    parsed = parse_xlsx(p.read_bytes(), p)
    assert parsed.columns == ["id", "answer", "far"]
    assert xlsx_cell_value(p.read_bytes(), "Sheet1!XFD1", p) == "far"


def test_decompression_bomb_is_refused_before_it_is_unpacked(tmp_path, capsys):
    good = _xlsx(tmp_path / "good.xlsx")
    big = lambda s: s.replace("</sheetData>", '<row r="5"><c r="A5" t="inlineStr"><is><t>'  # noqa: E731
                              + "a" * 30_000_000 + "</t></is></c></row></sheetData>")
    p = _rewrite_xlsx(good, tmp_path / "bomb.xlsx", big, level=9)
    assert p.stat().st_size < 100_000
    _refused(p, "decompression bomb")
    assert main(["clean", str(p), "--out", str(tmp_path / "o.csv")]) == 2
    _one_line_error(capsys, p)


def test_archive_limits_are_documented_numbers(tmp_path, monkeypatch):
    good = _xlsx(tmp_path / "good.xlsx")
    monkeypatch.setenv("INSIGHTKIT_MAX_UNPACKED_MB", "0.001")
    with pytest.raises(InputError, match="INSIGHTKIT_MAX_UNPACKED_MB"):
        check_archive(good.read_bytes(), good)
    monkeypatch.delenv("INSIGHTKIT_MAX_UNPACKED_MB")
    check_archive(good.read_bytes(), good)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as z:
        for i in range(10_001):
            z.writestr(f"x/{i}.xml", "")
    with pytest.raises(InputError, match="parts"):
        check_archive(many.getvalue(), "many.xlsx")


def test_zero_sheets_and_empty_workbook(tmp_path):
    good = _xlsx(tmp_path / "good.xlsx")
    with zipfile.ZipFile(good) as z, zipfile.ZipFile(tmp_path / "none.xlsx", "w") as out:
        for name in z.namelist():
            data = z.read(name)
            if name == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            out.writestr(name, data)
    _refused(tmp_path / "none.xlsx", "no worksheets")
    with pytest.raises(InputError, match="no worksheets"):
        parse_xlsx((tmp_path / "none.xlsx").read_bytes(), tmp_path / "none.xlsx")


# -- files that are not regular files --------------------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
@pytest.mark.parametrize("name", ["in.csv", "in.xlsx", "in.parquet", "in.txt"])
def test_fifo_is_refused_without_blocking(tmp_path, name, capsys):
    p = tmp_path / name
    os.mkfifo(p)
    with pytest.raises(InputError, match="FIFO"):
        read_file_bytes(p)
    argv = ["clean", str(p), "--out", str(tmp_path / "o.csv")] if name.endswith(".txt") else \
        ["tag", str(p), "--out", str(tmp_path / "o.csv")]
    done = {}
    t = threading.Thread(target=lambda: done.setdefault("rc", main(argv)), daemon=True)
    t.start()
    t.join(30)
    if t.is_alive():  # unblock the reader so the test process can end
        with open(p, "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert done["rc"] == 2
    assert "FIFO" in _one_line_error(capsys, p)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
@pytest.mark.parametrize("name", ["zero.csv", "zero.txt", "zero.xlsx", "zero.parquet"])
def test_symlink_to_dev_zero_is_refused(tmp_path, name, capsys):
    p = tmp_path / name
    p.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="character device"):
        read_file_bytes(p)
    argv = ["clean", str(p), "--out", str(tmp_path / "o.csv")] if name.endswith(".txt") else \
        ["agreement", str(p), str(p)]
    assert main(argv) == 2
    _one_line_error(capsys, p)


def test_folder_missing_file_and_symlink_loop(tmp_path, capsys):
    (tmp_path / "dir.csv").mkdir()
    _refused(tmp_path / "dir.csv", "folder")
    _refused(tmp_path / "missing.csv", "no such file")
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    _refused(loop, "loop of symbolic links")
    for p in (tmp_path / "dir.csv", tmp_path / "missing.parquet", loop):
        assert main(["quotes", str(p), "--out", str(tmp_path / "q.csv"), "--no-rescore"]) == 2
        _one_line_error(capsys, p)


def test_files_read_whole_are_capped(tmp_path, monkeypatch):
    p = tmp_path / "t.txt"
    p.write_text("Interviewer: hello\n" * 1000, encoding="utf-8")
    monkeypatch.setenv("INSIGHTKIT_MAX_FILE_MB", "0.001")
    with pytest.raises(InputError, match="INSIGHTKIT_MAX_FILE_MB"):
        read_file_bytes(p)
    with pytest.raises(InputError, match="INSIGHTKIT_MAX_FILE_MB"):
        read([p], redact=False)
    with open_regular_file(p) as fh:  # streaming is not capped
        assert len(fh.read()) == p.stat().st_size


# -- others of the same kinds ---------------------------------------------------------------------

@pytest.mark.parametrize("content,match", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x01" * 500, "PNG image"),
    (bytes(range(256)) * 40, "binary"),
    (b"text,theme_a\nhello,1\n" + b"x\x00y,0\n", "binary file"),
    ((",".join(f"c{i}" for i in range(17000)) + "\n").encode(), "columns"),
    (b"a,b\n1,2,3\n", "malformed CSV"),  # pandas alone would shift the row under the header
    (b"a,b\n1,2\n3,4,5\n", "malformed CSV"),
])
def test_hostile_csv_is_one_error(tmp_path, content, match):
    p = tmp_path / "t.csv"
    p.write_bytes(content)
    _refused(p, match)


@pytest.mark.parametrize("encode", [
    lambda t: t.encode("utf-8-sig"), lambda t: t.encode("utf-16"), lambda t: t.encode("utf-16-le"),
    lambda t: t.replace("\n", "\r\n").encode(), lambda t: t.replace("\n", "\r").encode(),
])
def test_boms_encodings_and_newlines_read_the_same_table(tmp_path, encode):
    p = tmp_path / "t.csv"
    text = "text,theme_a\nfirst answer here,1\n\"two\nlines\",0\nthird \u2019one\u2019,1\n"
    p.write_bytes(encode(text))
    df = read_table(p)
    assert list(df.columns) == ["text", "theme_a"]
    assert [t.replace("\r\n", "\n").replace("\r", "\n") for t in df["text"]] == \
        ["first answer here", "two\nlines", "third \u2019one\u2019"]


def test_header_only_duplicate_headers_and_huge_field(tmp_path, monkeypatch):
    h = tmp_path / "h.csv"
    h.write_text("segment_id,text\n", encoding="utf-8")
    assert list(read_table(h).columns) == ["segment_id", "text"] and len(read_table(h)) == 0
    d = tmp_path / "d.csv"
    d.write_text("text,text,theme_a\na,b,1\n", encoding="utf-8")
    assert list(read_table(d).columns) == ["text", "text.1", "theme_a"]
    big = tmp_path / "big.csv"
    big.write_text('text,theme_a\n"' + "word, " * 150_000 + '",1\nshort,0\n', encoding="utf-8")
    assert len(read_table(big)["text"].iloc[0]) == 900_000  # a big field is read whole
    monkeypatch.setenv("INSIGHTKIT_MAX_CELL_CHARS", "100000")
    with pytest.raises(InputError, match=r"data row 1, column 'text'.*INSIGHTKIT_MAX_CELL_CHARS"):
        read_table(big)
    with pytest.raises(InputError, match="INSIGHTKIT_MAX_CELL_CHARS"):
        read([big], text_columns=["text"], redact=False)


def test_a_line_longer_than_the_file_limit_is_refused_when_streamed(tmp_path, monkeypatch):
    p = tmp_path / "t.csv"
    p.write_text("text\n" + "x" * 200_000 + "\nshort\n", encoding="utf-8")
    monkeypatch.setenv("INSIGHTKIT_MAX_FILE_MB", "0.1")
    with pytest.raises(InputError, match="line longer than"):
        list(iter_table(p, 10))


def test_parquet_types_read_as_text_a_command_can_use(tmp_path):
    p = tmp_path / "odd.parquet"
    pq.write_table(pa.table({
        "text": pa.array([["a", "b"], ["c"]]), "meta": pa.array([{"k": 1}, {"k": 2}]),
        "raw": pa.array([b"caf\xe9", b"plain"], pa.binary()), "n": [1, 2],
    }), p)
    df = read_table(p)
    assert df["text"].tolist() == ['["a", "b"]', '["c"]']
    assert df["meta"].tolist() == ['{"k": 1}', '{"k": 2}']
    assert df["raw"].tolist() == ["caf\u00e9", "plain"]
    assert df["n"].tolist() == [1, 2]
    dup = tmp_path / "dup.parquet"
    pq.write_table(pa.table({"a": ["x"], "b": ["y"]}).rename_columns(["text", "text"]), dup)
    assert list(read_table(dup).columns) == ["text", "text.1"]


def test_parquet_dictionary_bomb_is_refused_before_it_is_spelt_out(tmp_path):
    p = tmp_path / "bomb.parquet"
    n = 400_000
    col = pa.DictionaryArray.from_arrays(pa.array([0] * n, pa.int32()), pa.array(["A" * 1000]))
    pq.write_table(pa.table({"text": col}), p, compression="zstd")
    assert p.stat().st_size < 50_000
    _refused(p, "unpack to more than")
    with pytest.raises(InputError, match="decompression bomb"):
        list(iter_table(p, 100_000))


def test_segment_table_with_bad_offsets_or_scores_is_one_error(tmp_path, capsys):
    seg = pd.DataFrame({"segment_id": ["a"], "text": ["=SUM(A1) a formula-like answer"], "start": ["12x"],
                        "end": [40], "edits": ["[]"], "theme_epr": [1], "score_epr": ["high"]})
    p = tmp_path / "seg.csv"
    write_table(seg, p)
    assert main(["quotes", str(p), "--out", str(tmp_path / "q.csv"), "--no-rescore"]) == 2
    assert "'start' must hold whole numbers" in _one_line_error(capsys, p)
    q = tmp_path / "notseg.csv"
    write_table(pd.DataFrame({"text": ["x"]}), q)
    assert main(["quotes", str(q), "--out", str(tmp_path / "q.csv"), "--no-rescore"]) == 2
    assert "not a segment table" in _one_line_error(capsys, q)


def test_every_command_gives_the_same_error_for_the_same_file(tmp_path, capsys):
    p = tmp_path / "unclosed.csv"
    p.write_text('segment_id,text,theme_a\ns1,"open\n', encoding="utf-8")
    errors = set()
    for argv in (["tag", str(p), "--out", str(tmp_path / "o.csv")], ["agreement", str(p), str(p)],
                 ["quotes", str(p), "--out", str(tmp_path / "q.csv"), "--no-rescore"],
                 ["topics", str(p), "--out", str(tmp_path / "t")], ["train", str(p), "--out", str(tmp_path / "m")]):
        assert main(argv) == 2
        errors.add(_one_line_error(capsys, p).split(": error: ", 1)[1])
    assert len(errors) == 1, errors


def test_table_columns_reads_only_the_header(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a,b\n1,2\n3,4,5\n", encoding="utf-8")  # a bad row later does not matter for the header
    assert table_columns(p) == ["a", "b"]


def test_oversized_styles_part_is_refused(tmp_path, monkeypatch):
    """Styles and the like are parsed into objects one by one: they may not be sheet-sized."""
    import insightkit.io.tables.xlsx as tables

    good = _xlsx(tmp_path / "good.xlsx")
    monkeypatch.setattr(tables, "_MAX_META_PART", 100)
    with pytest.raises(InputError, match="parts other than sheets and shared strings"):
        check_archive(good.read_bytes(), good)


def test_a_shared_string_repeated_in_every_cell_is_refused(tmp_path, capsys):
    """A workbook stores a string once and may reference it from every cell: the text handed on
    is bounded by what the file holds, not multiplied by the number of references."""
    import openpyxl

    base = tmp_path / "base.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", "answer"])
    wb.active.append([1, "x"])
    wb.save(base)
    big = "Digital data team system " * 38_000  # 950,000 characters, under the per-cell limit
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    strings = (f'<sst xmlns="{ns}" count="3" uniqueCount="3"><si><t>id</t></si><si><t>answer</t></si>'
               f'<si><t>{big}</t></si></sst>')
    rows = "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}" t="s"><v>2</v></c></row>'
                   for r in range(2, 302))
    sheet = (f'<worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
             f'<c r="B1" t="s"><v>1</v></c></row>{rows}</sheetData></worksheet>')
    p = tmp_path / "amp.xlsx"
    ss_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    ss_rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
    with zipfile.ZipFile(base) as z, zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as out:
        for name in z.namelist():
            data = z.read(name).decode("utf-8")
            if name == "xl/worksheets/sheet1.xml":
                data = sheet
            elif name == "[Content_Types].xml":
                data = data.replace("</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{ss_type}"/></Types>')
            elif name == "xl/_rels/workbook.xml.rels":
                data = data.replace("</Relationships>",
                                    f'<Relationship Id="rIdSS" Type="{ss_rel}" Target="sharedStrings.xml"/></Relationships>')
            out.writestr(name, data)
        out.writestr("xl/sharedStrings.xml", strings)
    assert p.stat().st_size < 200_000  # 300 cells x 950,000 characters = 285 million characters of text
    for argv in (["clean", str(p), "--text-column", "answer", "--no-redact", "--out", str(tmp_path / "o.csv")],
                 ["agreement", str(p), str(p)]):
        rc = main(argv)
        err = capsys.readouterr().err.strip().splitlines()
        assert rc == 2 and len(err) == 1 and str(p) in err[0] and "shared string" in err[0], err
        assert big[:100] not in err[0]
    # a realistic repetition (short categorical answers) reads as usual
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "trust", "answer"])
    for i in range(2000):
        ws.append([i, "Acute", f"answer number {i} about the electronic patient record"])
    ok = tmp_path / "ok.xlsx"
    wb.save(ok)
    assert len(read_table(ok)) == 2000


def test_a_link_in_an_input_folder_to_a_file_outside_it_is_not_read(tmp_path, capsys):
    secret = tmp_path / "elsewhere" / "notes.txt"
    secret.parent.mkdir()
    secret.write_text("Interviewer: hello\nAlex: SECRET_TOKEN our password is hunter2\n")
    folder = tmp_path / "calls"
    folder.mkdir()
    (folder / "call.txt").write_text("Interviewer: How is the EPR going?\nSam: Live on every ward now.\n")
    (folder / "notes.txt").symlink_to(secret)
    res = read([folder], redact=False, show_progress=False)
    assert not res.segments["text"].str.contains("SECRET_TOKEN").any()
    assert res.segments["text"].str.contains("every ward").any()
    assert any("outside the folder" in str(e) and "notes.txt" in str(e) for e in res.errors)
    rc = main(["clean", str(folder), "--no-redact", "--quiet", "--out", str(tmp_path / "o.csv")])
    err = capsys.readouterr().err
    assert rc == 2 and "outside the folder" in err and "Traceback" not in err
    assert "SECRET_TOKEN" not in (tmp_path / "o.csv").read_text() + err
    # the file given by name is read: the user asked for it
    assert read([folder / "notes.txt"], redact=False, show_progress=False).segments["text"].str.contains(
        "SECRET_TOKEN").any()


def test_a_fifo_as_decisions_or_codebook_is_refused_at_once(tmp_path):
    from insightkit.codebook import Codebook
    from insightkit.quotes import load_decisions

    for name in ("d.yaml", "cb.yaml"):
        os.mkfifo(tmp_path / name)
    with pytest.raises(InputError, match="FIFO"):
        load_decisions(tmp_path / "d.yaml")
    with pytest.raises(InputError, match="FIFO"):
        Codebook.load(tmp_path / "cb.yaml")


def test_damaged_parquet_bytes_are_one_input_error(tmp_path):
    """Bit flips anywhere in a Parquet file end in an InputError naming it, never an Arrow exception
    (damaged dictionary indices once escaped while the values were being measured)."""
    import random

    df = pd.DataFrame({"id": ["a", "b", "c"] * 5, "theme_epr": [0, 1, 1] * 5, "theme_data": [1, 0, 1] * 5})
    buf = io.BytesIO()
    df.to_parquet(buf)
    data = buf.getvalue()
    path = tmp_path / "damaged.parquet"
    for seed in range(1600, 2800):
        rng = random.Random(seed)
        b = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        path.write_bytes(bytes(b))
        try:
            read_table(path)
        except InputError as exc:
            assert "damaged.parquet" in str(exc)


def test_parquet_with_invalid_utf8_text_is_one_input_error(tmp_path):
    """A string column whose bytes are not UTF-8 (a damaged or hand-made file) is refused by name,
    whichever way the table is read, not left to fail later inside pandas or a command."""
    table = pa.table({"id": ["a", "b"], "text": ["plain answer", "MARKERMARKER"]})
    path = tmp_path / "bad_utf8.parquet"
    pq.write_table(table, path, compression="none", use_dictionary=False, write_statistics=False)
    data = path.read_bytes()
    assert data.count(b"MARKERMARKER") == 1
    path.write_bytes(data.replace(b"MARKERMARKER", b"\xff\xfe" * 6))
    with pytest.raises(InputError, match="bad_utf8.parquet"):
        read_table(path)
    from insightkit.io.tables import iter_table

    with pytest.raises(InputError, match="bad_utf8.parquet"):
        list(iter_table(path, 1))
