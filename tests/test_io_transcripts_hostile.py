"""Hostile and broken transcripts (.txt, .vtt, .srt, .docx): a segment table or one clean error.

Named regressions first, then a property-based layer (Hypothesis) over every transcript reader,
through ``insightkit.read`` and through the CLI: random bytes, truncations of valid files (the
sample corpus and small made-up ones), odd encodings, NUL bytes, huge fields, SRT/WebVTT without
blank lines. The invariant: either a segment table whose offsets replay every segment's text from
the source, or one :class:`InputError` (one line, naming the file; the CLI exits 2 printing one
line), never an unexpected exception.
"""

from __future__ import annotations

import contextlib
import io
import re
import tempfile
import warnings
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from insightkit import read
from insightkit.alignment import apply_edits, edits_from_json
from insightkit.errors import InputError
from insightkit.io import MAX_TURN_CHARS, read_source_text

docx = pytest.importorskip("docx")

SAMPLE = Path(__file__).resolve().parents[1] / "corpora" / "sample" / "transcripts"
SAMPLES = sorted(SAMPLE.iterdir()) if SAMPLE.is_dir() else []

SRT = ("1\n00:00:01,000 --> 00:00:03,000\nZork Blarg: Where are you with cyber?\n\n"
       "2\n00:00:03,000 --> 00:00:05,500\nQix Vorpal: <i>Better</i> than last year,\n\n"
       "3\n00:00:05,500 --> 00:00:08,000\nwe passed the assessment.\n\n"
       "4\n00:00:08,000 --> 00:00:09,000\nZork Blarg: Good. And the EPR?\n\n"
       "5\n00:00:09,000 --> 00:00:11,000\nQix Vorpal: Live since May.\n")
VTT = ("WEBVTT\nKind: captions\n\nNOTE made up\n\n"
       "0f1c2d3e-aaaa/12-0\n00:00:01.000 --> 00:00:04.000\n<v Zork Blarg>Thanks for joining &amp; welcome.</v>\n\n"
       "0f1c2d3e-aaaa/13-0\n00:00:04.000 --> 00:00:06.500\n<v Qix Vorpal>Glad to be here.</v>\n\n"
       "00:00:06.500 --> 00:00:09.000\n<v Zork Blarg>How is the EPR going?</v>\n")
TXT = ("Insight call 7\nDate: 3 March 2026\n\nZork Blarg: How is the EPR going?\n"
       "Qix Vorpal: Live on two sites.\nIt works.\nZork Blarg: Thanks.\n")


def _no_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip()) + "\n"


def _docx_bytes(paragraphs) -> bytes:
    d = docx.Document()
    for p in paragraphs:
        d.add_paragraph(p)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


DOCX = _docx_bytes(["Zork Blarg: How is the EPR going?", "Qix Vorpal: Live on two sites.",
                    "Zork Blarg: And the data?", "Qix Vorpal: Improving."])
SMALL = {".srt": SRT.encode(), ".vtt": VTT.encode(), ".txt": TXT.encode(), ".docx": DOCX}


def _rezip(data: bytes, fn) -> bytes:
    """The .docx ``data`` with word/document.xml replaced by ``fn(old xml)``."""
    zin = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            blob = zin.read(info.filename)
            zout.writestr(info.filename, fn(blob) if info.filename == "word/document.xml" else blob)
    return buf.getvalue()


def _check_read(path: Path, **kwargs):
    """Read ``path``: a result whose segments replay from the source, or one clean InputError."""
    kwargs.setdefault("redact", False)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = read(path, show_progress=False, **kwargs)
    except InputError as exc:
        msg = str(exc)
        assert "\n" not in msg and "\r" not in msg, msg
        assert str(path) in msg, msg
        assert "could not be read (" not in msg, f"an unexpected exception became the message: {msg}"
        return None
    assert result.verify() == []
    src = read_source_text(path)
    for r in result.segments.itertuples():
        assert 0 <= r.start <= r.end <= len(src)
        assert apply_edits(src, r.start, r.end, edits_from_json(r.edits)) == r.text
        assert r.text.strip()
    for r in result.rejected.itertuples():
        assert 0 <= r.start <= r.end <= len(src)
    return result


def _check_cli(path: Path) -> int:
    """``insightkit clean``: exit 0 with the tables written, or exit 2 with one line naming the file."""
    from insightkit.cli import main

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "seg.csv"
        err, std = io.StringIO(), io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(std), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rc = main(["clean", str(path), "--out", str(out), "--no-redact", "--quiet"])
        lines = err.getvalue().splitlines()
        assert rc in (0, 2), (rc, err.getvalue())
        assert "Traceback" not in err.getvalue()
        if rc == 2:
            assert len(lines) == 1 and str(path) in lines[0] and lines[0].startswith("insightkit clean: error:"), lines
        else:
            assert out.exists() and not lines
    return rc


# -- named regressions ---------------------------------------------------------------------------


def test_srt_without_blank_lines_reads_like_the_well_formed_file(tmp_path):
    good, bare = tmp_path / "good.srt", tmp_path / "bare.srt"
    good.write_text(SRT, encoding="utf-8")
    bare.write_text(_no_blank_lines(SRT), encoding="utf-8")
    a, b = _check_read(good), _check_read(bare)
    assert b.segments["text"].tolist() == a.segments["text"].tolist() == [
        "Where are you with cyber?", "Better than last year, we passed the assessment.", "Good. And the EPR?",
        "Live since May."]
    assert b.segments["speaker"].tolist() == a.segments["speaker"].tolist()
    assert b.segments["timestamp"].tolist() == ["00:00:01", "00:00:03", "00:00:08", "00:00:09"]
    assert not any("-->" in t or re.search(r"\b\d\b", t) for t in b.segments["text"])


def test_srt_without_blank_lines_redacts_speaker_labels(tmp_path):
    # two cues, each label heard once: they are speakers still, so their names are redacted
    p = tmp_path / "call.srt"
    p.write_text("1\n00:00:01,000 --> 00:00:02,000\nZork Blarg: Hello there, how are you?\n"
                 "2\n00:00:02,000 --> 00:00:03,000\nQix Vorpal: Fine thanks, Zork.\n", encoding="utf-8")
    seg = _check_read(p, redact=True).segments
    assert len(seg) == 2 and seg["speaker"].nunique() == 2
    joined = " ".join(seg["text"])
    assert "Zork" not in joined and "Blarg" not in joined and "Vorpal" not in joined


def test_subrip_saved_as_vtt_is_read_as_subrip(tmp_path):
    p = tmp_path / "call.vtt"
    p.write_text(_no_blank_lines(SRT), encoding="utf-8")
    with pytest.warns(UserWarning, match="read as SubRip"):
        seg, _ = read(p, redact=False, show_progress=False)
    assert len(seg) == 4


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_vtt_without_blank_lines_and_with_note_blocks_touching_cues(tmp_path, newline):
    good = tmp_path / "good.vtt"
    good.write_bytes(VTT.replace("\n", newline).encode())
    bare = tmp_path / "bare.vtt"
    bare.write_bytes(_no_blank_lines(VTT).replace("\n", newline).encode())
    # a NOTE block with no blank line before the next cue must not swallow that cue
    noted = tmp_path / "noted.vtt"
    noted.write_bytes(VTT.replace("\n\n0f1c2d3e-aaaa/13-0", "\n\nNOTE\nreviewed\n0f1c2d3e-aaaa/13-0")
                      .replace("\n", newline).encode())
    texts = _check_read(good).segments["text"].tolist()
    assert texts == ["Thanks for joining & welcome.", "Glad to be here.", "How is the EPR going?"]
    assert _check_read(bare).segments["text"].tolist() == texts
    assert _check_read(noted).segments["text"].tolist() == texts


def test_markup_in_speaker_labels_and_cue_text(tmp_path):
    p = tmp_path / "x.vtt"
    p.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v <script>alert(1)</script>>Hello, how are you?</v>\n\n"
                 "00:00:02.000 --> 00:00:03.000\n<v Qix <b>Vorpal</b>>Fine <script>x()</script>thanks.</v>\n",
                 encoding="utf-8")
    seg = _check_read(p).segments
    assert seg["text"].tolist() == ["Hello, how are you?", "Fine x()thanks."]
    assert not any("<" in t or ">" in t for t in seg["text"])
    s = tmp_path / "x.srt"
    s.write_text("1\n00:00:01,000 --> 00:00:02,000\n<b>Zork Blarg</b>: Hello?\n2\n00:00:02,000 --> 00:00:03,000\n"
                 "<font color=\"red\">Qix Vorpal:</font> Hi.\n3\n00:00:03,000 --> 00:00:04,000\nZork Blarg: Bye.\n",
                 encoding="utf-8")
    seg = _check_read(s).segments
    assert seg["text"].tolist() == ["Hello?", "Hi.", "Bye."]
    assert seg["speaker"].nunique() == 2


@pytest.mark.parametrize("text", [
    "<b>Zork Blarg</b>: Hello, how are you?\n<b>Qix Vorpal</b>: Fine thanks.\n<b>Zork Blarg</b>: Good.\n",
    "**Zork Blarg:** Hello, how are you?\n**Qix Vorpal:** Fine thanks.\n**Zork Blarg:** Good.\n",
    "Zork Blarg: Hello, how are you?\x0bQix Vorpal: Fine thanks.\x0cZork Blarg: Good.\n",
])
def test_plain_text_labels_in_markup_or_after_word_line_breaks(tmp_path, text):
    p = tmp_path / "call.txt"
    p.write_text(text, encoding="utf-8", newline="")
    seg = _check_read(p).segments
    assert seg["text"].tolist() == ["Hello, how are you?", "Fine thanks.", "Good."]
    assert seg["speaker"].nunique() == 2


@pytest.mark.parametrize("name, text", [
    ("tags.srt", "1\n00:00:01,000 --> 00:00:02,000\n" + "<b>" * 400_000 + ": hi\n"),
    ("tags.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v " + "<b>" * 400_000 + ">hi\n<v " + "a" * 400_000 + "\n"),
    ("tags.txt", "Zork Blarg: hi\n" + "<b>" * 400_000 + "\nQix Vorpal: yo\nZork Blarg: ok\n" + "**" * 400_000 + ":\n"),
])
def test_lines_full_of_markup_are_bounded(tmp_path, name, text):
    import time

    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    t0 = time.perf_counter()
    r = _check_read(p)
    assert time.perf_counter() - t0 < 20
    assert "too_long" in r.rejected["reason"].tolist()


def test_timestamps_out_of_order_or_absurd(tmp_path):
    p = tmp_path / "t.srt"
    p.write_text("1\n99:59:59,999 --> 00:00:01,000\nZork Blarg: Backwards?\n\n2\n00:00:00,000 --> 00:00:00,000\n"
                 "Qix Vorpal: Zero.\n\n3\n123456789:61:99,999 --> 1:1:1\nZork Blarg: Absurd.\n", encoding="utf-8")
    assert _check_read(p).segments["text"].tolist() == ["Backwards?", "Zero.", "Absurd."]
    q = tmp_path / "u.srt"
    q.write_text("1\n" + "9" * 5000 + ":00:00,000 --> 00:00:01,000\nZork Blarg: Hi.\n", encoding="utf-8")
    with pytest.raises(InputError, match="u.srt"):
        read(q, redact=False, show_progress=False)


def test_a_huge_single_line_is_rejected_not_processed(tmp_path):
    p = tmp_path / "long.txt"
    p.write_text("Zork Blarg: " + "word " * (MAX_TURN_CHARS // 4) + "\nQix Vorpal: Short.\nZork Blarg: Ok.\n",
                 encoding="utf-8")
    r = _check_read(p)
    assert r.segments["text"].tolist() == ["Short.", "Ok."]
    assert r.rejected["reason"].tolist() == ["too_long"]
    assert "characters" in r.rejected["detail"].iloc[0] and r.rejected["end"].iloc[0] > MAX_TURN_CHARS


def test_a_transcript_over_the_size_limit_is_one_error(tmp_path, monkeypatch):
    import insightkit.io as ikio

    monkeypatch.setitem(ikio.MAX_FILE_BYTES, "txt", 100)
    p = tmp_path / "big.txt"
    p.write_text(TXT * 10, encoding="utf-8")
    with pytest.raises(InputError, match=r"big\.txt: .*too large"):
        read(p, redact=False, show_progress=False)


def test_docx_paragraph_after_an_external_entity_is_never_silently_dropped(tmp_path):
    def xxe(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        return (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM '
                b'"file:///etc/hostname">]>' + body.replace(b"Live on two", b"&xxe; Live on two"))

    p = tmp_path / "xxe.docx"
    p.write_bytes(_rezip(DOCX, xxe))
    with pytest.raises(InputError) as exc:
        read(p, redact=False, show_progress=False)
    assert "xxe.docx" in str(exc.value) and "DTD" in str(exc.value) and "\n" not in str(exc.value)
    assert _check_cli(p) == 2


def test_docx_billion_laughs_and_deep_nesting_are_refused_quickly(tmp_path):
    ents = b'<!ENTITY a0 "lol">' + b"".join(
        b'<!ENTITY a%d "%s">' % (i, b"".join(b"&a%d;" % (i - 1) for _ in range(10))) for i in range(1, 10))

    def laughs(xml: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
        return b'<?xml version="1.0"?>\n<!DOCTYPE w:document [' + ents + b"]>" + body.replace(b"Improving", b"&a9;")

    for name, fn in (("laughs.docx", laughs),
                     ("deep.docx", lambda x: x.replace(b"Improving", b"<w:x>" * 3000 + b"</w:x>" * 3000
                                                       + b"Improving"))):
        p = tmp_path / name
        p.write_bytes(_rezip(DOCX, fn))
        with pytest.raises(InputError, match=re.escape(name)):
            read(p, redact=False, show_progress=False)


def test_docx_text_in_comments_insertions_and_content_controls_is_kept(tmp_path):
    def edit(xml: bytes) -> bytes:
        xml = xml.replace(b"Live on two sites.", b"Live on<!-- a comment --> two sites.")
        xml = xml.replace(b"<w:r><w:t>Zork Blarg: And the data?</w:t></w:r>",
                          b'<w:r><w:t xml:space="preserve">Zork Blarg: And the </w:t></w:r><w:ins w:id="1" w:author="a">'
                          b'<w:r><w:t>data?</w:t></w:r></w:ins><w:del w:id="2" w:author="a"><w:r><w:delText>gone'
                          b'</w:delText></w:r></w:del>')
        return xml.replace(b"<w:body>", b"<w:body><w:sdt><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>Zork Blarg: "
                                        b"Shall we start?</w:t></w:r></w:p></w:sdtContent></w:sdt>")

    p = tmp_path / "edited.docx"
    p.write_bytes(_rezip(DOCX, edit))
    seg = _check_read(p).segments
    assert seg["text"].tolist() == ["Shall we start?", "How is the EPR going?", "Live on two sites.", "And the data?",
                                    "Improving."]


@pytest.mark.parametrize("name, data, words", [
    ("notzip.docx", b"plain text, not a zip", "zip"),
    ("old.docx", b"\xd0\xcf\x11\xe0" + b"\0" * 600, ".doc"),
    ("trunc.docx", DOCX[: len(DOCX) // 2], "zip"),
    ("nodoc.docx", None, "word/document.xml"),
    ("bomb.docx", "bomb", "zip bomb"),
    ("sheet.docx", "xlsx", "Word document"),
])
def test_broken_docx_is_one_clean_error(tmp_path, name, data, words):
    if data is None:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/styles.xml", "<styles/>")
        data = buf.getvalue()
    elif data == "bomb":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("word/document.xml", b"<w:document>" + b" " * (64 * 2**20) + b"</w:document>")
        data = buf.getvalue()
    elif data == "xlsx":
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("xl/workbook.xml", "<workbook/>")
        data = buf.getvalue()
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read(p, redact=False, show_progress=False)
    assert name in str(exc.value) and words in str(exc.value) and "\n" not in str(exc.value)


@pytest.mark.parametrize("data", [
    b"\x00" * 100, b"Zork Blarg: hi\x00\x00\x00 there\nQix Vorpal: yes\n", bytes(range(256)) * 4,
    "Zork Blarg: caf\u00e9 \u2013 ok\nQix Vorpal: na\u00efve\n".encode("utf-16-be"),
    "Zork Blarg: caf\u00e9\n".encode("utf-8") + "Qix Vorpal: na\u00efve \u2013 yes\n".encode("cp1252"),
])
@pytest.mark.parametrize("ext", [".txt", ".srt", ".vtt"])
def test_nul_bytes_binary_and_mixed_encodings(tmp_path, data, ext):
    p = tmp_path / f"odd{ext}"
    p.write_bytes(data)
    _check_read(p)


def test_utf16_file_cut_mid_character_is_read(tmp_path):
    p = tmp_path / "cut.srt"
    p.write_bytes(SRT.encode("utf-16")[:-1])
    seg = _check_read(p).segments
    assert seg["text"].iloc[-1] == "Live since May."  # only the half of the final line break is lost


# -- property-based layer ------------------------------------------------------------------------

_EXTS = st.sampled_from([".txt", ".vtt", ".srt", ".docx"])
_FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _write(data: bytes, ext: str) -> tuple[tempfile.TemporaryDirectory, Path]:
    tmp = tempfile.TemporaryDirectory()
    p = Path(tmp.name) / f"fuzz{ext}"
    p.write_bytes(data)
    return tmp, p


@_FUZZ
@given(data=st.binary(min_size=1, max_size=3000), ext=_EXTS)
def test_random_bytes_give_a_table_or_one_error(data, ext):
    tmp, p = _write(data, ext)
    with tmp:
        _check_read(p)


@_FUZZ
@given(which=st.sampled_from(sorted(SMALL)), cut=st.floats(0, 1), drop_blank=st.booleans())
def test_truncated_small_files_give_a_table_or_one_error(which, cut, drop_blank):
    data = SMALL[which]
    if drop_blank and which != ".docx":
        data = _no_blank_lines(data.decode()).encode()
    tmp, p = _write(data[: max(1, int(len(data) * cut))], which)
    with tmp:
        _check_read(p)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(i=st.integers(0, max(len(SAMPLES) - 1, 0)), cut=st.floats(0, 1), rename=st.booleans())
def test_truncated_sample_transcripts_give_a_table_or_one_error(i, cut, rename):
    if not SAMPLES:
        pytest.skip("corpora/sample/transcripts is absent")
    src = SAMPLES[i]
    data = src.read_bytes()
    ext = src.suffix if (src.suffix == ".docx" or not rename) else ".txt"
    tmp, p = _write(data[: max(1, int(len(data) * cut))], ext)
    with tmp:
        _check_read(p)


_ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1"])
_JUNK = st.sampled_from(["\x00", "\x00\x00\x00\x00", "\ufeff", "\r", "\u2028", "-->", "<v ", "&#0;", "&#xFFFFFFF;",
                         "NOTE", "WEBVTT", "\n\n", "99:99:99,999 --> 0:0:0", "<script>", "\udcff", "\x1b[31m",
                         "Zork Blarg: ", "\t", "\x85", "\x0c"])


@_FUZZ
@given(which=st.sampled_from([".txt", ".vtt", ".srt"]), enc=_ENCODINGS, junk=st.lists(st.tuples(st.floats(0, 1), _JUNK),
       max_size=4), second=st.one_of(st.none(), _ENCODINGS), drop_blank=st.booleans())
def test_odd_encodings_and_inserted_junk_give_a_table_or_one_error(which, enc, junk, second, drop_blank):
    text = SMALL[which].decode()
    if drop_blank:
        text = _no_blank_lines(text)
    for where, bit in junk:
        k = int(len(text) * where)
        text = text[:k] + bit + text[k:]
    if second:  # the second half in another encoding (a file pasted together)
        half = len(text) // 2
        data = text[:half].encode(enc, "replace") + text[half:].encode(second, "replace")
    else:
        data = text.encode(enc, "replace")
    tmp, p = _write(data, which)
    with tmp:
        _check_read(p)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(which=st.sampled_from([".txt", ".vtt", ".srt"]), size=st.sampled_from([5_000, 300_000, 1_000_000]),
       filler=st.sampled_from(["a", "a  ", "\u00e9 ", "<b>x</b> ", "Zork: "]))
def test_huge_fields_give_a_table_or_one_error(which, size, filler):
    text = SMALL[which].decode()
    k = text.index("Glad" if which == ".vtt" else "Live")
    text = text[:k] + filler * (size // len(filler)) + text[k:]
    tmp, p = _write(text.encode(), which)
    with tmp:
        _check_read(p)


_XML_JUNK = st.sampled_from([
    b"<!-- c -->", b"<?pi x?>", b"&amp;", b"&lt;", b"&#x1F600;", b"&undefined;", b"<w:t>", b"</w:p>",
    b"<![CDATA[x]]>", b"<w:br/>", b"<w:tab/>", b"\xff\xfe", b"\x00", b"<w:ins><w:r><w:t>x</w:t></w:r></w:ins>",
    b'<w:tc><w:tcPr><w:vMerge/><w:gridSpan w:val="99999999999"/></w:tcPr></w:tc>',
    b"<w:tbl><w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc></w:tr></w:tbl>",
])


@_FUZZ
@given(junk=st.lists(st.tuples(st.floats(0, 1), _XML_JUNK), min_size=1, max_size=3),
       flips=st.lists(st.integers(0, len(DOCX) - 1), max_size=3))
def test_damaged_docx_gives_a_table_or_one_error(junk, flips):
    def edit(xml: bytes) -> bytes:
        for where, bit in junk:
            k = int(len(xml) * where)
            xml = xml[:k] + bit + xml[k:]
        return xml

    data = bytearray(_rezip(DOCX, edit))
    for k in flips:
        data[k % len(data)] ^= 0x5A
    tmp, p = _write(bytes(data), ".docx")
    with tmp:
        _check_read(p)


_NAMES = ["Zork Blarg", "Qix Vorpal", "Ann Lee", "Dr Sam Okoro", "Interviewer", "Participant 2"]
_WORDS = st.sampled_from("the data team went live in March and it works well enough now we think".split())


@st.composite
def _cues(draw):
    n = draw(st.integers(1, 8))
    cues = []
    for _ in range(n):
        name = draw(st.sampled_from(_NAMES))
        text = " ".join(draw(st.lists(_WORDS, min_size=1, max_size=8))).capitalize() + "."
        cues.append((name, text))
    return cues


def _srt(cues, sep: str) -> str:
    return "".join(f"{k + 1}\n00:00:{k:02d},000 --> 00:00:{k + 1:02d},000\n{name}: {text}\n{sep}"
                   for k, (name, text) in enumerate(cues))


def _vtt(cues, sep: str, voice: bool) -> str:
    body = "".join(f"00:00:{k:02d}.000 --> 00:00:{k + 1:02d}.000\n" + (f"<v {name}>{text}</v>" if voice else
                                                                         f"{name}: {text}") + f"\n{sep}"
                   for k, (name, text) in enumerate(cues))
    return "WEBVTT\n" + sep + body


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cues=_cues(), newline=st.sampled_from(["\n", "\r\n", "\r"]), voice=st.booleans(), kind=st.sampled_from(["srt", "vtt"]))
def test_cues_with_or_without_blank_lines_read_the_same(cues, newline, voice, kind):
    make = (lambda sep: _srt(cues, sep)) if kind == "srt" else (lambda sep: _vtt(cues, sep, voice))
    got = []
    for sep in ("\n", ""):
        tmp, p = _write(make(sep).replace("\n", newline).encode(), f".{kind}")
        with tmp:
            r = _check_read(p)
            got.append((r.segments["text"].tolist(), r.segments["speaker"].tolist(), r.segments["timestamp"].tolist()))
    assert got[0] == got[1]
    assert " ".join(got[1][0]).count(".") == len(cues)  # every cue's text is in exactly one segment
    assert not any("-->" in t for t in got[1][0])


_REDACTOR = []


def _redactor():
    if not _REDACTOR:
        from insightkit.redact import Redactor

        _REDACTOR.append(Redactor(types=None, use_ner=True))
    return _REDACTOR[0]


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cues=_cues(), kind=st.sampled_from(["srt", "vtt"]), voice=st.booleans())
def test_speaker_names_never_reach_segment_text_without_blank_lines(cues, kind, voice):
    text = _srt(cues, "") if kind == "srt" else _vtt(cues, "", voice)
    tmp, p = _write(text.encode(), f".{kind}")
    with tmp:
        r = _check_read(p, redact=True, redactor=_redactor())
    joined = " ".join(r.segments["text"])
    for name in {n for n, _ in cues}:
        for part in name.split():
            if part not in ("Dr", "Interviewer", "Participant", "2"):
                assert part not in joined, (part, joined)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.one_of(st.binary(min_size=1, max_size=800),
                      st.sampled_from(sorted(SMALL)).flatmap(
                          lambda ext: st.integers(1, len(SMALL[ext])).map(lambda k: SMALL[ext][:k]))),
       ext=_EXTS)
def test_cli_clean_exits_0_or_2_with_one_line(data, ext):
    tmp, p = _write(data, ext)
    with tmp:
        _check_cli(p)
