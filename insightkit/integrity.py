"""Pinning a model folder to a known digest.

The sha256 sums in a model folder's ``meta.json`` catch damage (a truncated copy, an edited file),
not tampering: whoever edits a file can recompute them. A **pin** closes that gap: you record the
folder's digest when you approve a model (``insightkit train`` prints it, :func:`model_digest`
computes it) and every later load compares the folder with it *before* anything in it is used.

The folder digest is the sha256 of the ``sha256sum``-style listing of every file in the folder,
sub-folders and ``meta.json`` included, sorted by relative path (UTF-8 byte order)::

    <sha256 of the file>  <path relative to the folder, with />\\n

so it can be recomputed without insightkit (``docs/concepts/model-folders.md``)::

    cd MODEL && find . -type f -printf '%P\\0' | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from pathlib import Path

from insightkit.errors import ModelError

__all__ = ["model_digest", "check_model_digest", "parse_digest", "ModelDigestError", "PIN_ENV"]

#: environment variable holding the pinned digest when none is passed (``--model-sha256``, ``sha256=``)
PIN_ENV = "INSIGHTKIT_MODEL_SHA256"
_HEX64 = re.compile(r"[0-9a-f]{64}")


class ModelDigestError(ModelError):
    """The model folder is not the one pinned, or the pinned digest is not a sha256 digest."""


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, read in 1 MB chunks (the one file hasher; never cached, so a
    file changed in place with its size and time kept is still seen)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_digest(path: str | Path) -> str:
    """The folder digest of the model folder ``path`` (64 lowercase hex digits).

    Every regular file counts, whatever its name; a link to a file counts as the file it points to.
    A folder holding a link to a folder, a FIFO, a device or a file name with a line break is refused
    with :class:`~insightkit.errors.ModelError` (its digest would not say what is in it).
    """
    root = Path(path)
    if not root.is_dir():
        raise ModelError(f"model folder not found: {root}")
    entries: list[tuple[str, str]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                raise ModelDigestError(f"{root}: {os.path.join(dirpath, d)} is a link to a folder; "
                                       "a pinned model folder holds only files and folders")
        for name in filenames:
            full = os.path.join(dirpath, name)
            rel = Path(full).relative_to(root).as_posix()
            if "\n" in rel or "\r" in rel:
                raise ModelDigestError(f"{root}: a file name in the model folder holds a line break")
            try:
                mode = os.stat(full).st_mode
            except OSError as exc:
                raise ModelDigestError(f"{full}: cannot read ({exc.strerror or exc})") from None
            if not stat.S_ISREG(mode):
                raise ModelDigestError(f"{full}: not a regular file (a FIFO, device or broken link) in the model folder")
            entries.append((rel, file_sha256(full)))
    listing = "".join(f"{digest}  {rel}\n" for rel, digest in sorted(entries, key=lambda e: e[0].encode("utf-8")))
    return hashlib.sha256(listing.encode("utf-8")).hexdigest()


def parse_digest(value: str, what: str = "the pin") -> str:
    """``value`` as 64 lowercase hex digits (case, surrounding space and a ``sha256:`` prefix are
    allowed); :class:`ModelDigestError` naming ``what`` otherwise."""
    s = str(value).strip().lower()
    if s.startswith("sha256:"):
        s = s[len("sha256:"):].strip()
    if not _HEX64.fullmatch(s):
        shown = str(value) if len(str(value)) <= 80 else str(value)[:77] + "..."
        raise ModelDigestError(f"{what}: {shown!r} is not a sha256 digest (64 hexadecimal digits, "
                               "as 'insightkit train' prints it)")
    return s


def check_model_digest(path: str | Path, expected: str, what: str = "the pin") -> str:
    """Raise :class:`ModelDigestError` unless the folder digest of ``path`` is ``expected``.

    Reads the files only to hash them: nothing in the folder is parsed or loaded. Returns the digest.
    """
    want = parse_digest(expected, what)
    got = model_digest(path)
    if got != want:
        raise ModelDigestError(f"{path}: the model folder's digest is {got}, not {want} ({what}); "
                               "refusing to load a model folder that differs from the one pinned")
    return got


def pinned_digest(sha256: str | None) -> tuple[str | None, str]:
    """The digest to enforce: ``sha256`` if given, else the environment's ``INSIGHTKIT_MODEL_SHA256``
    (empty means none), with a name for messages."""
    if sha256 is not None:
        return sha256, "the pin"
    env = os.environ.get(PIN_ENV, "").strip()
    return (env or None), f"the pin in ${PIN_ENV}"
