"""Decoding: BOMs, UTF-16 with and without BOM, cp1252, line endings kept, binary junk refused."""

from __future__ import annotations

import codecs

import pytest

from insightkit.errors import InputError
from insightkit.io.encoding import decode_bytes, line_of, line_starts

TEXT = "Jane: It’s fine – really.\r\nBob: Café?\n"


@pytest.mark.parametrize(
    "data, encoding",
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("utf-16-le"), "utf-16-le"),  # no BOM: found by its NUL bytes
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (TEXT.encode("cp1252"), "cp1252"),
    ],
)
def test_decodes_every_supported_encoding_to_the_same_text(data, encoding):
    text, enc = decode_bytes(data, "x.txt")
    assert text == TEXT  # BOM gone, CRLF and LF untouched
    assert enc == encoding


def test_cr_only_line_endings_are_kept_and_counted():
    text, _ = decode_bytes(b"a\rb\rc", "x.txt")
    assert text == "a\rb\rc"
    starts = line_starts(text)
    assert starts == [0, 2, 4]
    assert line_of(starts, text.index("c")) == 3


@pytest.mark.parametrize(
    "data, words",
    [
        (b"", "empty"),
        (b"   \r\n\t", "empty"),
        (b"%PDF-1.7\n\x00\x01binary", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "PNG"),
        (bytes(range(256)) * 8, "binary"),
        (b"hello\x00\x01\x02\x03\x04\x05 world\x06\x07\x08" * 20, "binary"),
    ],
)
def test_refuses_empty_and_binary_input_with_a_message_naming_the_file(data, words):
    with pytest.raises(InputError) as exc:
        decode_bytes(data, "junk.txt")
    msg = str(exc.value)
    assert msg.startswith("junk.txt")
    assert words.lower() in msg.lower()
    assert "\n" not in msg


def test_undecodable_bytes_name_the_line():
    # 0x81 is undefined in cp1252 and invalid as UTF-8
    with pytest.raises(InputError) as exc:
        decode_bytes(b"Jane: fine\nBob: bad \x81 byte\n", "t.txt")
    assert exc.value.line == 2
    assert "t.txt:2:" in str(exc.value)


def test_utf8_with_a_few_windows_1252_bytes_pasted_in():
    # decoding the whole file as cp1252 turned every UTF-8 character into mojibake ("â€™")
    data = "We’re on café Wi‑Fi — ".encode("utf-8") + b"\x93paperless\x94 now.\n"
    text, enc = decode_bytes(data, "x.txt")
    assert text == "We’re on café Wi‑Fi — “paperless” now.\n"
    assert enc == "utf-8+cp1252"
    text, enc = decode_bytes(codecs.BOM_UTF8 + data, "x.txt")
    assert text.startswith("We’re") and "“paperless”" in text and enc == "utf-8-sig+cp1252"
    # a file with no UTF-8 sequence at all is plain cp1252, as before
    assert decode_bytes("café “x”".encode("cp1252"), "x.txt") == ("café “x”", "cp1252")
