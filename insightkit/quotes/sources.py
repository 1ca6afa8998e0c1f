"""Finding a quote's source file again, wherever the tables went: by what the segment table records.

A tagged table often lives in another folder than the transcripts (``clean`` writes to one folder,
``tag`` to another, ``quotes`` runs from a third). Two things recorded when the table was made lead
back to the exact file, neither exposing a person's name in a path:

* the **content digest**: every ``doc_id`` ends in the first 8 hex digits of the SHA-1 of the
  file's bytes (:func:`insightkit.segments.make_doc_id`), so a file found anywhere under the
  folders searched is the source only if its bytes have that digest, whatever it is called now;
* the **source folder** (``source_folder`` column, written by ``insightkit clean``): the folder
  the file was read from, written with the home folder as ``~`` and each folder name that names a
  person redacted as in file names (``~/[PERSON]/calls``: :func:`folder_record`). It is resolved
  again by :func:`recorded_folders`; a redacted part matches any folder whose redacted name is the
  same, and the digest decides.

Both are untrusted (anyone can edit a table): from a recorded folder only the one file named by the
segment's ``source`` (its base name, directly in that folder: :func:`recorded_file`) is looked at,
and taken only when its digest matches; the searches under the folders given are bounded
(:data:`MAX_FILES` files, :data:`MAX_BYTES` bytes a file). Only regular files are read.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path, PurePosixPath
from typing import Iterable, Sequence

__all__ = ["doc_digest", "file_digest_matches", "DigestIndex", "folder_record", "recorded_folders", "recorded_file",
           "MAX_FILES", "MAX_BYTES"]

#: Files looked at, at most, in one search by content (a folder of transcripts holds far fewer).
MAX_FILES = 20_000
#: Files larger than this are never hashed (a transcript or survey export is far smaller).
MAX_BYTES = 200 * 1024 * 1024
_DIGEST_RX = re.compile(r"-([0-9a-f]{8})$")
_SKIP_DIRS = {".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", "venv", ".tox", ".mypy_cache"}
_MAX_BRANCHES = 20  # folders a redacted part of a recorded folder may match


def doc_digest(doc_id) -> str | None:
    """The 8 hex digits of the file's SHA-1 that end a ``doc_id``, or None (an id made otherwise)."""
    m = _DIGEST_RX.search(str(doc_id or ""))
    return m.group(1) if m else None


def _sha1_prefix(path: Path) -> str | None:
    try:
        if not path.is_file() or path.stat().st_size > MAX_BYTES:
            return None
        h = hashlib.sha1()
        with open(path, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        return h.hexdigest()[:8]
    except OSError:
        return None


def file_digest_matches(path: Path, digest: str) -> bool:
    """Whether the bytes of ``path`` (a regular file) have the SHA-1 that starts with ``digest``."""
    return _sha1_prefix(path) == digest


def _inside(p: Path, roots: Sequence[Path]) -> bool:
    return any(p == r or p.is_relative_to(r) for r in roots)


def _walk(roots: Sequence[Path], budget: list[int]) -> Iterable[Path]:
    """Regular files under ``roots`` (resolved, inside them), in a stable order, within ``budget``."""
    for root in roots:
        for folder, dirs, files in os.walk(root, followlinks=False):
            dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
            for name in sorted(files):
                if budget[0] <= 0:
                    return
                budget[0] -= 1
                p = Path(folder) / name
                try:
                    real = p.resolve()
                except (OSError, RuntimeError):
                    continue
                if _inside(real, roots):
                    yield real


class DigestIndex:
    """Files under some folders, by the digest of their bytes; built once, on first use, from the
    files whose extension is among those asked for."""

    def __init__(self, roots: Sequence[Path]):
        self.roots = list(roots)
        self._by_digest: dict[str, Path] = {}
        self._suffixes: set[str] = set()
        self.truncated = False

    def find(self, digest: str, suffix: str) -> Path | None:
        suffix = suffix.lower()
        if suffix not in self._suffixes:
            self._index(suffix)
        return self._by_digest.get(digest)

    def _index(self, suffix: str) -> None:
        self._suffixes.add(suffix)
        budget = [MAX_FILES]
        for path in _walk(self.roots, budget):
            if path.suffix.lower() == suffix:
                d = _sha1_prefix(path)
                if d is not None:
                    self._by_digest.setdefault(d, path)
        self.truncated = self.truncated or budget[0] <= 0


def folder_record(folder: str | Path) -> str:
    """How the segment table records the folder a source was read from: absolute, with the home
    folder as ``~`` and each folder name that names a person redacted (``~/[PERSON]/calls``)."""
    from insightkit.redact.filenames import redact_file_name

    real = Path(folder).resolve()
    home = Path.home().resolve()
    if real == home or real.is_relative_to(home):
        head, parts = "~", real.relative_to(home).parts
    else:
        head, parts = real.anchor.replace("\\", "/") or "/", real.parts[1:]
    shown = [redact_file_name(p, use_ner=False) for p in parts]
    if head == "~":
        return "/".join(["~", *shown]) if shown else "~"
    return head + "/".join(shown)


def recorded_folders(record: str) -> list[Path]:
    """The existing folders a :func:`folder_record` value may stand for (several where a redacted
    part matches several folders; none when the value is empty, relative or leads nowhere)."""
    from insightkit.redact.filenames import redact_file_name
    from insightkit.redact.types import PLACEHOLDER_RX

    record = str(record or "").strip()
    if not record or "\x00" in record:
        return []
    if record == "~" or record.startswith("~/"):
        base, rest = Path.home(), record[2:]
    elif record.startswith("/") or re.match(r"^[A-Za-z]:/", record):
        anchor = "/" if record.startswith("/") else record[:3]
        base, rest = Path(anchor), record[len(anchor):]
    else:
        return []
    found = [base]
    for part in PurePosixPath(rest).parts if rest else ():
        if part in ("..", "."):
            return []
        nxt: list[Path] = []
        for f in found:
            if PLACEHOLDER_RX.search(part):
                try:
                    kids = sorted(k for k in f.iterdir() if k.is_dir())[:500]
                except OSError:
                    continue
                nxt += [k for k in kids if redact_file_name(k.name, use_ner=False) == part]
            elif (f / part).is_dir():
                nxt.append(f / part)
        found = nxt[:_MAX_BRANCHES]
        if not found:
            return []
    return found


def recorded_file(folder: Path, name: str) -> Path | None:
    """The regular file ``folder / basename(name)``, resolved and still inside ``folder``, or None."""
    base = Path(str(name)).name
    if not base or base in (".", "..") or "\x00" in base:
        return None
    try:
        root = folder.resolve()
        real = (folder / base).resolve()
    except (OSError, RuntimeError, ValueError):
        return None
    if real.parent != root or not real.is_file():
        return None
    return real
