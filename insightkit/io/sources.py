"""Finding a source file named in a table: inside the folders the user gave, and nowhere else.

A segment or quotes table names each segment's file in its ``source`` column. That value comes
from a file anyone can edit, so it is treated as untrusted: :func:`find_source` looks it up only
under the given folders (by its relative path, then by its base name anywhere below them), and
whatever it finds must, once resolved (``..`` and symbolic links followed), lie inside one of those
folders and be a regular file. A name that climbs out (``../../etc/passwd``), an absolute path
outside the folders, or a link inside a folder that points outside is refused with one
:class:`~insightkit.errors.InputError` naming the table and the row; the message never holds
anything read from a file.
"""

from __future__ import annotations

import glob
from pathlib import Path, PurePath
from typing import NoReturn, Sequence

from insightkit.errors import InputError

__all__ = ["find_source", "source_roots"]


def _resolve(p: Path) -> Path | None:
    try:
        return p.resolve()
    except (OSError, RuntimeError, ValueError):  # a link loop, an unreadable folder, a NUL byte
        return None


def source_roots(folders: Sequence[str | Path]) -> list[Path]:
    """The given folders, resolved; those that are not folders are left out."""
    out: list[Path] = []
    for f in folders:
        r = _resolve(Path(f))
        if r is not None and r.is_dir() and r not in out:
            out.append(r)
    return out


def _inside(p: Path, roots: Sequence[Path]) -> bool:
    return any(p == r or p.is_relative_to(r) for r in roots)


def _regular_file(p: Path) -> bool:
    try:
        return p.is_file()  # False for folders, FIFOs, devices and sockets
    except OSError:
        return False


def find_source(name: str, folders: Sequence[str | Path], *, table: str | Path | None = None,
                where: str = "") -> Path | None:
    """The file ``name`` (from a table's ``source`` column) under ``folders``, resolved.

    Returns ``None`` when no such file is there. Raises :class:`InputError` (naming ``table``, with
    ``where`` such as ``"segment X (row 3)"`` first) when the name leads outside every folder: a
    ``..`` path, an absolute path elsewhere, or a link to a file elsewhere. Folders that do not exist
    are ignored.
    """
    roots = source_roots(folders)
    lead = f"{where}: " if where else ""

    def refuse(why: str) -> NoReturn:
        raise InputError(table, f"{lead}its source {why}; refused: source files are read only inside the "
                                "folders given (--sources DIR)")

    name = str(name)
    if not name or not roots:
        return None
    if "\x00" in name:
        refuse("is not a valid file name")
    pure = PurePath(name)
    if pure.is_absolute():
        real = _resolve(Path(name))
        if real is None or not _inside(real, roots):
            refuse("is an absolute path outside the source folders")
        return real if _regular_file(real) else None
    escaped = False
    # 1. the relative path under each folder
    for root in roots:
        cand = root / pure
        real = _resolve(cand)
        if real is None:
            continue
        if not _inside(real, roots):
            if ".." in pure.parts or cand.is_symlink() or cand.exists():
                escaped = True
            continue
        if _regular_file(real):
            return real
    if ".." in pure.parts and escaped:
        refuse("climbs out of the source folders ('..')")
    # 2. the base name anywhere below the folders (a table made in another folder)
    base = pure.name
    if base and base not in (".", ".."):
        for root in roots:
            try:
                hits = sorted(root.rglob(glob.escape(base)))
            except (OSError, ValueError):
                continue
            for hit in hits:
                real = _resolve(hit)
                if real is None:
                    continue
                if not _inside(real, roots):
                    escaped = True
                    continue
                if _regular_file(real):
                    return real
    if escaped:
        refuse("is a link to a file outside the source folders")
    return None
