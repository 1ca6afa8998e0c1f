"""Errors that reach the user as one clear line naming the file (and line).

Which one to raise:

- :class:`InputError`: the *data* is bad: a file or table that is missing, empty, malformed or
  lacks a column or value it must have. It names the file (and line) when there is one; a table
  passed in memory has no file, so it is ``InputError(None, ...)``.
- :class:`ParameterError`: an *argument* value that is wrong whatever the data (an option out of
  range, an unknown mode, a string where a list of texts is wanted).
- :class:`ModelError`: a model folder or embedding model that is missing, altered or does not match.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["InsightkitError", "InputError", "ParameterError", "ModelError"]


class InsightkitError(Exception):
    """Base class: the CLI prints these as one line and exits with code 2."""


class InputError(InsightkitError):
    """Bad data: a file or table that is missing, empty, malformed or undecodable, or that lacks a
    column or value it must have. ``path`` names the file (``None`` for a table given in memory),
    ``line`` the line or row in it when known."""

    def __init__(self, path: str | Path | None, message: str, line: int | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.message = message
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(f"{where}{message}")


class ParameterError(InsightkitError, ValueError):
    """A bad parameter value (a function argument or a command-line option): wrong whatever the
    data, not a bad file or table.

    A ``ValueError`` too, so code that validates arguments the scikit-learn way still catches it;
    an ``InsightkitError``, so the command line prints it as one line and exits with code 2. For
    that reason the estimator API (``fit``/``predict``/``tag`` in :mod:`insightkit.classify`)
    raises it also when ``X`` lacks the text column named by its ``text_column`` argument.
    """


class ModelError(InsightkitError):
    """A model folder or embedding model is missing, altered or does not match."""
