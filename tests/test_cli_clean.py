"""``insightkit clean``: outputs beside each other, summary, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from insightkit.cli import main
from insightkit.export import read_table

TXT = ("Sam: Hello, what about cyber?\n"
       "Jane: We, um, have a plan.\n"
       "Sam: And data?\n"
       "Jane: Getting better.\n")
CSV = ('id,Trust type,Region,What are your priorities?\n'
       '1,Acute,London,"Getting the EPR live and staff trained, step by step."\n'
       '2,Community,South West,"=HYPERLINK(""http://x.example"",""click"")"\n'
       '3,Acute,London,N/A\n')


@pytest.fixture()
def inputs(tmp_path):
    (tmp_path / "call.txt").write_text(TXT)
    (tmp_path / "survey.csv").write_text(CSV)
    return tmp_path


def test_clean_writes_segments_and_rejected_and_a_summary(inputs, tmp_path, capsys):
    out = tmp_path / "out" / "segments.csv"
    rc = main(["clean", str(inputs / "call.txt"), str(inputs / "survey.csv"), "--no-redact", "--quiet",
               "--text-column", "What are your priorities?", "--out", str(out)])
    assert rc == 0
    assert out.exists() and (tmp_path / "out" / "segments.rejected.csv").exists()
    raw = out.read_text()
    assert "'=HYPERLINK" in raw  # neutralised for spreadsheets
    seg = read_table(out)
    assert seg["text"].str.startswith("=HYPERLINK").any()  # and restored on reading back
    assert seg["start"].dtype == "int64"
    rej = pd.read_csv(tmp_path / "out" / "segments.rejected.csv", keep_default_na=False)
    assert rej["reason"].tolist() == ["non_answer"]

    rc = main(["clean", str(inputs / "call.txt"), "--no-redact", "--out", str(tmp_path / "s.parquet")])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "segments: 4" in printed and "transcript/interviewer 2" in printed
    assert pd.read_parquet(tmp_path / "s.parquet")["speaker"].tolist() == ["I01", "P01", "I01", "P01"]
    assert (tmp_path / "s.rejected.parquet").exists()


def test_bad_file_in_a_batch_still_writes_output_and_exits_2(inputs, tmp_path, capsys):
    (inputs / "bad.vtt").write_text("no header here\n")
    out = tmp_path / "seg.csv"
    rc = main(["clean", str(inputs / "call.txt"), str(inputs / "bad.vtt"), "--no-redact", "--quiet", "--out", str(out)])
    err = capsys.readouterr().err
    assert rc == 2
    assert out.exists()
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and "bad.vtt:1:" in lines[0] and "WEBVTT" in lines[0]


@pytest.mark.parametrize("content, name, words", [
    (None, "missing.txt", "no such file"),
    (b"", "empty.txt", "empty"),
    (b"\x00\x01\x02\x03\xff\xfe\x00" * 50, "junk.srt", "binary"),
    (b"%PDF-1.4 ...", "report.pdf", "unsupported file type"),
    (b"id,comment\n1,Some long enough answer about the new EPR system.\n", "survey.csv", "no text column named"),
])
def test_bad_input_exits_2_with_one_line_and_no_traceback(tmp_path, content, name, words):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    args = [sys.executable, "-m", "insightkit", "clean", str(path), "--no-redact", "--out", str(tmp_path / "o.csv")]
    if name == "survey.csv":
        args += ["--text-column", "Feedback"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert name in lines[0] and words in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "o.csv").exists()


def test_help_describes_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["clean", "--help"])
    text = capsys.readouterr().out
    for opt in ("--participants", "--text-column", "--id-column", "--level", "--no-redact", "--interviewer",
                "--out", "--redaction-log", "--keep"):
        assert opt in text


def test_unwritable_output_and_missing_path_are_one_line_errors(inputs, tmp_path):
    for args, words in ([str(inputs / "call.txt"), "--out", "/proc/no/such/dir/x.csv"], "cannot write"), \
                       ([str(tmp_path / "nosuchdir") + "/", "--out", str(tmp_path / "o.csv")], "no such file"):
        r = subprocess.run([sys.executable, "-m", "insightkit", "clean", *args, "--quiet"], capture_output=True, text=True)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        assert r.returncode == 2 and len(lines) == 1 and words in lines[0] and "Traceback" not in r.stderr


def test_a_closed_output_pipe_ends_quietly(inputs, tmp_path):
    """``insightkit clean ... | head``: the reader going away is no traceback."""
    import os

    r, w = os.pipe()
    os.close(r)  # nobody reads: the first print meets a broken pipe
    env = {**os.environ, "INSIGHTKIT_PROGRESS": "0"}
    proc = subprocess.run([sys.executable, "-m", "insightkit", "clean", str(inputs / "call.txt"), "--no-redact",
                           "--out", str(tmp_path / "s.csv")], stdout=w, stderr=subprocess.PIPE, text=True,
                          timeout=120, env=env)
    os.close(w)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr
    assert proc.returncode == 141
