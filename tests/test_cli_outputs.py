"""What commands write (issue 13): never over an input, all or nothing, private logs private,
options in range, decisions files read safely. Each failure is one line naming the file, exit 2."""

from __future__ import annotations

import argparse
import os
import stat

import pandas as pd
import pytest

from insightkit.cli import main
from insightkit.errors import InputError
from insightkit.export import check_outputs, read_table, write_table, write_tables
from insightkit.quotes import load_decisions

CSV = ('id,trust_type,region,answer\n'
       '1,Acute,London,"Getting the EPR live and staff trained, step by step."\n'
       '2,Community,=HYPERLINK(""http://x.example""),"Cyber security training for every member of staff."\n')


@pytest.fixture()
def survey(tmp_path):
    p = tmp_path / "survey.csv"
    p.write_text(CSV)
    return p


def _one_line_error(capsys, rc, *needles):
    err = capsys.readouterr().err.strip()
    assert rc == 2, err
    last = err.splitlines()[-1]
    assert "Traceback" not in err and "error:" in last
    for n in needles:
        assert n in last, last
    return last


# --- outputs over inputs -------------------------------------------------------------------------

def test_clean_refuses_to_overwrite_its_input(survey, capsys):
    before = survey.read_bytes()
    rc = main(["clean", str(survey), "--no-redact", "--quiet", "--out", str(survey)])
    _one_line_error(capsys, rc, str(survey), "overwrite")
    assert survey.read_bytes() == before


def test_clean_refuses_outputs_through_a_link_or_in_an_input_folder(survey, tmp_path, capsys):
    link = tmp_path / "link.csv"
    link.symlink_to(survey)
    before = survey.read_bytes()
    _one_line_error(capsys, main(["clean", str(survey), "--no-redact", "--quiet", "--out", str(link)]), "overwrite")
    _one_line_error(capsys, main(["clean", str(tmp_path), "--no-redact", "--quiet", "--out", str(survey)]), "overwrite")
    # the redaction log may not be the table, nor the input
    out = tmp_path / "o" / "seg.csv"
    _one_line_error(capsys, main(["clean", str(survey), "--quiet", "--out", str(out), "--redaction-log", str(out)]),
                    "twice")
    _one_line_error(capsys, main(["clean", str(survey), "--quiet", "--out", str(out), "--redaction-log", str(survey)]),
                    "overwrite")
    assert survey.read_bytes() == before and not out.exists()


def test_clean_writes_nothing_when_the_log_cannot_be_written(survey, tmp_path, capsys):
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    out = tmp_path / "o" / "seg.csv"
    rc = main(["clean", str(survey), "--quiet", "--out", str(out), "--redaction-log", str(blocker / "log.csv")])
    _one_line_error(capsys, rc, "log.csv", "not a folder")
    assert not out.exists() and not (tmp_path / "o" / "seg.rejected.csv").exists()


def test_clean_redaction_log_is_private(survey, tmp_path, capsys):
    out, log = tmp_path / "seg.csv", tmp_path / "log.csv"
    log.write_text("old")
    os.chmod(log, 0o644)
    assert main(["clean", str(survey), "--quiet", "--out", str(out), "--redaction-log", str(log)]) == 0
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert stat.S_IMODE(out.stat().st_mode) != 0o600 or os.umask(os.umask(0)) == 0o177


def test_write_tables_is_all_or_nothing(tmp_path, monkeypatch):
    df = pd.DataFrame({"a": ["x"]})
    first, second = tmp_path / "a.csv", tmp_path / "b.xlsx"
    calls = []

    def boom(self, *a, **k):
        calls.append(1)
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pd.DataFrame, "to_excel", boom)
    with pytest.raises(InputError, match="b.xlsx"):
        write_tables([(df, first), (df, second)])
    assert calls and not first.exists() and not second.exists()
    assert not [p for p in tmp_path.iterdir()], list(tmp_path.iterdir())  # no temporary file left


def test_check_outputs_allows_new_files(tmp_path, survey):
    check_outputs([tmp_path / "new" / "a.csv", tmp_path / "b.csv"], [survey, tmp_path])
    with pytest.raises(InputError, match="is a folder"):
        check_outputs([tmp_path], [survey])


def test_header_formulas_are_neutralised_and_restored(tmp_path):
    df = pd.DataFrame({"=HYPERLINK(\"http://evil.example\")": ["@SUM(1)"], "-2+3": ["+x"], "ok": ["fine"]})
    for name in ("t.csv", "t.xlsx"):
        path = write_table(df, tmp_path / name)
        if name.endswith(".csv"):
            header = path.read_text().splitlines()[0]
            assert not any(cell.strip('"').startswith(("=", "+", "-", "@")) for cell in header.split(","))
        else:
            from openpyxl import load_workbook

            ws = load_workbook(path).active
            assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
        back = read_table(path)
        assert list(back.columns) == list(df.columns) and back.iloc[0].tolist() == ["@SUM(1)", "+x", "fine"]


# --- report --out ------------------------------------------------------------------------------------

def test_report_out_must_be_a_writable_folder(survey, tmp_path):
    from insightkit import build_report

    afile = tmp_path / "afile"
    afile.write_text("keep me")
    for out in (afile, afile / "sub"):
        with pytest.raises(InputError) as e:
            build_report([survey], out, redact=False, topics=False, show_progress=False)
        assert str(out) in str(e.value)
    assert afile.read_text() == "keep me"
    # an input named like a report file in the output folder is not overwritten
    (tmp_path / "rep").mkdir()
    inp = tmp_path / "rep" / "report.xlsx"
    inp.write_bytes(b"not really")
    with pytest.raises(InputError, match="overwrite"):
        build_report([inp], tmp_path / "rep", redact=False, topics=False, show_progress=False)
    assert inp.read_bytes() == b"not really"


def test_report_cli_out_errors_are_one_line(survey, tmp_path, capsys):
    afile = tmp_path / "afile"
    afile.write_text("x")
    rc = main(["report", str(survey), "--no-topics", "--out", str(afile)])
    _one_line_error(capsys, rc, str(afile))
    rc = main(["report", str(survey), "--no-topics", "--out", str(afile / "sub")])
    _one_line_error(capsys, rc, "not a folder")


def test_report_unknown_by_column_names_the_input(survey, tmp_path):
    from insightkit import build_report

    with pytest.raises(InputError, match=r"survey\.csv.*'nosuch'"):
        build_report([survey], tmp_path / "rep", by=["nosuch"], redact=False, topics=False, show_progress=False,
                     text_columns=["answer"])
    assert not (tmp_path / "rep").exists()  # nothing written, not even the folder


# --- options -------------------------------------------------------------------------------------------

BAD_OPTIONS = [
    ["report", "x.csv", "--out", "o", "--min-count", "-3"],
    ["report", "x.csv", "--out", "o", "--n-quotes", "-1"],
    ["report", "x.csv", "--out", "o", "--seed", "-1"],
    ["report", "x.csv", "--out", "o", "--seed", "99999999999"],
    ["report", "x.csv", "--out", "o", "--participants", "no-such.csv"],
    ["report", "x.csv", "--out", "o", "--codebook", "no-such.yaml"],
    ["quotes", "x.csv", "--out", "q.csv", "--n", "-1"],
    ["quotes", "x.csv", "--out", "q.csv", "--n", "0"],
    ["quotes", "x.csv", "--out", "q.csv", "--min-words", "-5"],
    ["quotes", "x.csv", "--out", "q.csv", "--decisions", "no-such.yaml"],
    ["quotes", "x.csv", "--out", "q.csv", "--sources", "no-such-dir"],
    ["topics", "x.csv", "--out", "o", "--min-topic-size", "1"],
    ["topics", "x.csv", "--out", "o", "--seed", "-2"],
    ["topics", "x.csv", "--out", "o", "--codebook", "no-such.yaml"],
    ["train", "x.csv", "--out", "m", "--sentence-weight", "1.5"],
    ["train", "x.csv", "--out", "m", "--sentence-weight", "nan"],
    ["train", "x.csv", "--out", "m", "--seed", "-1"],
    ["train", "x.csv", "--out", "m", "--dev", "no-such.csv"],
    ["tag", "x.csv", "--out", "o.csv", "--chunk-rows", "0"],
    ["prevalence", "x.csv", "--out", "o.csv", "--min-count", "0"],
    ["clean", "x.csv", "--out", "o.csv", "--participants", "no-such.csv"],
]


@pytest.mark.parametrize("argv", BAD_OPTIONS, ids=[" ".join(a[:1] + a[4:]) for a in BAD_OPTIONS])
def test_out_of_range_options_are_usage_errors(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and f"argument {argv[4]}" in err.splitlines()[-1]


def test_quotes_max_words_below_min_words(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("text\nx\n")
    rc = main(["quotes", str(tmp_path / "t.csv"), "--out", str(tmp_path / "q.csv"), "--min-words", "20",
               "--max-words", "5", "--no-rescore"])
    _one_line_error(capsys, rc, "--max-words")


def test_train_copy_to_never_deletes_other_files(tmp_path):
    from insightkit.cli.train import _check_folders

    keep = tmp_path / "precious"
    keep.mkdir()
    (keep / "thesis.docx").write_text("years of work")
    args = argparse.Namespace(out=str(tmp_path / "model"), train=None, dev=None, codebook=None,
                              embedding_model=None, copy_to=[str(keep)])
    with pytest.raises(InputError, match="not empty"):
        _check_folders(args)
    args.copy_to = [str(tmp_path)]  # an ancestor of --out
    with pytest.raises(InputError, match="--out"):
        _check_folders(args)
    assert (keep / "thesis.docx").read_text() == "years of work"
    args.copy_to = [str(tmp_path / "fresh")]
    _check_folders(args)


# --- decisions files -----------------------------------------------------------------------------------

def test_unsafe_yaml_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    p = tmp_path / "d.yaml"
    p.write_text(f'!!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError) as e:
        load_decisions(p)
    assert str(p) in str(e.value) and not marker.exists()
    p.write_text(f'- theme: epr\n  quote_id: !!python/object/apply:os.system ["touch {marker}"]\n')
    with pytest.raises(InputError, match=r"d\.yaml:2:"):
        load_decisions(p)
    assert not marker.exists()


@pytest.mark.parametrize("name, content, match", [
    ("d.yaml", "decisions:\n  - theme: epr\n    quote_id: [unclosed\n", r"d\.yaml:\d+: not valid YAML"),
    ("d.yaml", "- theme: epr\n  quote_id: x\n  decision: accept\n  reviewer: A\n- theme: epr\n  quote_id: y\n"
               "  decision: maybe\n  reviewer: B\n", r"d\.yaml:5: decision must be"),
    ("d.yaml", "just a string\n", r"d\.yaml: expected a list"),
    ("d.yaml", "- [1, 2]\n", r"d\.yaml: decision 1 is a list"),
    ("d.yaml", "- theme: {a: 1}\n", r"d\.yaml: decision 1: field 'theme'"),
    ("d.yaml", "other: 1\n", r"d\.yaml: expected a list"),
    ("d.csv", "a,b,c\n1,2,3\n", r"d\.csv: no column\(s\) 'theme'"),
    ("d.csv", "theme,quote_id,decision,reviewer\nepr,\"unclosed,reject,Ann\n", r"d\.csv:2: cannot read"),
])
def test_malformed_decisions_name_file_and_line(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=match):
        load_decisions(p)


def test_cp1252_decisions_name_the_line(tmp_path):
    p = tmp_path / "d.csv"
    p.write_bytes("theme,quote_id,decision,reviewer\nepr,x@1-2,reject,Ann\nepr,y@1-2,reject,Ren\u00e9e\n".encode("cp1252"))
    with pytest.raises(InputError, match=r"d\.csv:3: .*not UTF-8"):
        load_decisions(p)


def test_good_yaml_decisions_still_load(tmp_path):
    p = tmp_path / "d.yaml"
    p.write_text("decisions:\n  - theme: epr\n    quote_id: a@1-2\n    decision: Accept\n    reviewer: Ann\n"
                 "    date: 2026-11-20\n")
    df = load_decisions(p)
    assert df.loc[0, "decision"] == "accept" and df.loc[0, "date"] == "2026-11-20"


def test_clean_attribution_names_existing_columns(survey, tmp_path, capsys):
    out = tmp_path / "seg.csv"
    rc = main(["clean", str(survey), "--no-redact", "--quiet", "--out", str(out), "--attribution", "{nosuch}, {region}"])
    _one_line_error(capsys, rc, str(survey), "'nosuch'")
    assert not out.exists()
    assert main(["clean", str(survey), "--no-redact", "--quiet", "--out", str(out), "--attribution", "{region}"]) == 0


def test_train_out_never_overwrites_its_input(tmp_path):
    from insightkit.cli.train import _check_folders

    (tmp_path / "m").mkdir()
    data = tmp_path / "m" / "meta.json"
    data.write_text("{}")
    args = argparse.Namespace(out=str(tmp_path / "m"), train=str(data), dev=None, codebook=None,
                              embedding_model=None, copy_to=[])
    with pytest.raises(InputError, match="overwrite"):
        _check_folders(args)


def test_copy_to_replaces_an_earlier_model_whole(tmp_path):
    import json

    from insightkit.classify import MODEL_FORMAT
    from insightkit.cli.train import _is_model_folder, _replace_folder

    src = tmp_path / "model"
    (src / "fast").mkdir(parents=True)
    (src / "meta.json").write_text(json.dumps({"format": MODEL_FORMAT, "v": 2}))
    (src / "fast" / "w").write_text("new")
    dest = tmp_path / "copy"
    (dest / "stale").mkdir(parents=True)
    (dest / "meta.json").write_text(json.dumps({"format": MODEL_FORMAT, "v": 1}))
    (dest / "stale" / "old").write_text("old")
    assert _is_model_folder(dest)
    _replace_folder(src, dest)
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*")) == ["fast", "fast/w", "meta.json"]
    assert json.loads((dest / "meta.json").read_text())["v"] == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy", "model"]  # no temporary folder left


@pytest.mark.parametrize("option", [["--by", "trust_type,nosuch"], ["--time-column", "nosuch"],
                                    ["--id-column", "nosuch"]])
def test_topics_unknown_columns_name_the_input(tmp_path, capsys, option):
    table = tmp_path / "t.csv"
    table.write_text("segment_id,text,trust_type\ns1,hello there,Acute\n")
    rc = main(["topics", str(table), "--out", str(tmp_path / "out"), *option])
    _one_line_error(capsys, rc, str(table), "'nosuch'")
    assert not (tmp_path / "out").exists()


def test_quotes_unknown_theme_names_the_table(tmp_path, capsys):
    table = tmp_path / "t.csv"
    table.write_text("segment_id,text,start,end,theme_epr\ns1,hello there,0,11,1\n")
    rc = main(["quotes", str(table), "--out", str(tmp_path / "q.csv"), "--theme", "nosuch", "--no-rescore",
               "--no-verify"])
    _one_line_error(capsys, rc, str(table), "nosuch")


@pytest.mark.parametrize("argv", [
    ["quotes", "t.csv", "--out", "q.csv", "--n", "-1"],
    ["report", "s.csv", "--out", "r", "--min-count", "-3"],
    ["tag", "t.csv", "--out", "o.csv", "--chunk-rows", "-5"],
    ["clean"],
    ["no-such-command"],
])
def test_option_errors_are_one_line_without_a_usage_block(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "error:" in err[0] and not err[0].startswith("usage"), err
