"""Decode a file's bytes to text without translating newlines, so offsets count every CR and LF.

Order of attempts: a byte-order mark (UTF-8, UTF-16 LE/BE), BOM-less UTF-16 recognised by its NUL
bytes, strict UTF-8, then cp1252 (Windows "ANSI", what Excel and Word often write); a file that is
UTF-8 with a few Windows-1252 bytes pasted in is decoded part by part. Binary files
(images, archives, executables, random bytes) are refused with an :class:`InputError`.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from insightkit.errors import InputError

__all__ = ["decode_bytes", "read_text_file", "line_starts", "line_of", "check_magic", "check_not_binary"]

# magic numbers of common binary formats someone might hand us by mistake
_MAGIC = {
    b"%PDF": "a PDF document",
    b"PK\x03\x04": "a ZIP archive (for example .docx or .xlsx)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\x7fELF": "an executable",
    b"\xd0\xcf\x11\xe0": "an old Office document (.doc/.xls)",
    b"\x1f\x8b": "a gzip archive",
    b"OggS": "an audio file",
    b"RIFF": "an audio or video file",
    b"SQLite format 3": "a database file",
}

# control characters that never occur in real text (tab, LF, VT, FF, CR and ESC-free text aside)
_BAD_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")


# a well-formed UTF-8 sequence of two to four bytes
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
                             rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
                             rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}")


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decode the bytes UTF-8 rejects as Windows-1252 (Latin-1 for the five bytes cp1252 leaves out)."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    out = []
    for b in bad:
        try:
            out.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            out.append(bytes([b]).decode("latin-1"))
    return "".join(out), exc.end


codecs.register_error("insightkit-cp1252", _cp1252_fallback)


def _utf16_without_bom(data: bytes) -> str | None:
    """Return 'utf-16-le'/'utf-16-be' when NUL bytes sit on one parity, as in UTF-16 ASCII text."""
    sample = data[:4096]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    half = len(sample) // 2
    if odd_nul > 0.3 * half and even_nul < 0.05 * half:
        return "utf-16-le"
    if even_nul > 0.3 * half and odd_nul < 0.05 * half:
        return "utf-16-be"
    return None


def _line_at_byte(data: bytes, pos: int) -> int:
    return data[:pos].count(b"\n") + 1


def decode_bytes(data: bytes, path: str | Path | None = None) -> tuple[str, str]:
    """Decode ``data``; returns ``(text, encoding)``. Raises InputError for empty or binary input."""
    if not data:
        raise InputError(path, "the file is empty")
    check_magic(data, path)
    encoding: str
    text: str | None = None
    if data.startswith(codecs.BOM_UTF8):
        encoding, body = "utf-8-sig", data[3:]
    elif data.startswith(codecs.BOM_UTF16_LE) or data.startswith(codecs.BOM_UTF16_BE):
        le = data.startswith(codecs.BOM_UTF16_LE)
        encoding, body = ("utf-16-le" if le else "utf-16-be"), data[2:]
    else:
        guess = _utf16_without_bom(data)
        encoding, body = (guess, data) if guess else ("utf-8", data)
    if encoding.startswith("utf-16") and len(body) % 2:
        body = body[:-1]  # a UTF-16 file cut off mid-character (truncated): its last whole character ends it
    try:
        text = body.decode(encoding.replace("-sig", ""))
    except UnicodeDecodeError as exc:
        if encoding.startswith("utf-16"):
            raise InputError(path, f"invalid UTF-16 text near byte {exc.start}") from None
        if b"\x00" in data:
            raise InputError(path, "this looks like a binary file (it contains NUL bytes), not text") from None
        if encoding == "utf-8-sig" or _UTF8_MULTIBYTE.search(body):
            # UTF-8 (it says so, or its other non-ASCII bytes are UTF-8) with a few Windows-1252
            # bytes pasted in: decode each part as what it is
            text = body.decode("utf-8", errors="insightkit-cp1252")
            encoding += "+cp1252"
        else:
            try:
                text = body.decode("cp1252")
                encoding = "cp1252"
            except UnicodeDecodeError as exc2:
                raise InputError(
                    path,
                    f"cannot decode the file: byte 0x{body[exc2.start]:02x} at offset {exc2.start} is neither "
                    "UTF-8 nor Windows-1252 text",
                    line=_line_at_byte(body, exc2.start),
                ) from None
    if not text.strip():
        raise InputError(path, "the file is empty (only whitespace)")
    check_not_binary(text, path)
    return text, encoding


def check_magic(data: bytes, path: str | Path | None = None) -> None:
    """InputError when ``data`` starts like a known binary format (PDF, ZIP, image, ...)."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            raise InputError(path, f"this looks like {what}, not a text file")


def check_not_binary(text: str, path: str | Path | None = None) -> None:
    """InputError when decoded ``text`` (or its first 100,000 characters) looks like binary data:
    NUL bytes, many control characters, or mostly unassigned characters."""
    bad = _BAD_CONTROL.findall(text[:100_000])
    if bad and (len(bad) > 0.01 * min(len(text), 100_000) or "\x00" in bad):
        if "\x00" in bad:  # name the line, so a stray NUL in a text file can be found and removed
            raise InputError(path, "this looks like a binary file (it contains NUL characters), not text",
                             line=line_of(line_starts(text), text.index("\x00")))
        raise InputError(path, "this looks like a binary file (it is full of control characters), not text")
    if _mostly_unprintable(text):
        raise InputError(path, "this looks like a binary file, not text")


def _mostly_unprintable(text: str) -> bool:
    """True when a large share of characters are unassigned or private-use (decoded random bytes)."""
    sample = text[:20_000]
    odd = sum(1 for ch in sample if unicodedata.category(ch) in ("Cn", "Co", "Cs"))
    return odd > 0.05 * len(sample)


def read_text_file(path: str | Path) -> tuple[str, bytes, str]:
    """Read and decode ``path``; returns ``(text, raw_bytes, encoding)``."""
    from insightkit.io.base import read_file_bytes

    p = Path(path)
    data = read_file_bytes(p)  # a regular file (not a FIFO or device), of bounded size
    text, enc = decode_bytes(data, p)
    return text, data, enc


_LINE_BREAK = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


def line_starts(text: str) -> list[int]:
    """Offsets where each line begins (LF, CRLF, CR and Unicode line separators all end a line)."""
    return [0, *(m.end() for m in _LINE_BREAK.finditer(text))]


def line_of(starts: list[int], offset: int) -> int:
    """1-based line number of ``offset`` given :func:`line_starts`."""
    from bisect import bisect_right

    return bisect_right(starts, offset)
