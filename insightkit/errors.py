"""Errors that reach the user as one clear line naming the file (and line)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["InsightkitError", "InputError", "ParameterError", "ModelError"]


class InsightkitError(Exception):
    """Base class: the CLI prints these as one line and exits with code 2."""


class InputError(InsightkitError):
    """Bad input: a missing, empty, malformed or undecodable file, or a missing column."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class ParameterError(InsightkitError, ValueError):
    """A bad parameter value (a function argument or a command-line option), not a bad file.

    A ``ValueError`` too, so code that validates arguments the scikit-learn way still catches it;
    an ``InsightkitError``, so the command line prints it as one line and exits with code 2.
    """


class ModelError(InsightkitError):
    """A model folder or embedding model is missing, altered or does not match."""
