"""The ``insightkit`` command line: a thin layer over the Python API.

Each command lives in its own module here with ``register(subparsers)``; a command's ``run(args)``
returns an exit code. Errors of the user's input print as one line and exit with code 2.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
import threading

from insightkit import __version__
from insightkit.errors import InsightkitError

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ["clean", "train", "tag", "prevalence", "evaluate", "agreement", "topics", "quotes", "report"]


class _Parser(argparse.ArgumentParser):
    """argparse with the house rule for errors: one line (no usage block), exit code 2."""

    def error(self, message: str):
        line = " ".join(str(message).split())
        self.exit(2, f"{self.prog}: error: {line} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="insightkit",
        description="Qualitative analysis of interview transcripts and free-text survey answers.",
    )
    parser.add_argument("--version", action="version", version=f"insightkit {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"insightkit.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"insightkit.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    previous = _exit_on_sigterm()
    try:
        return int(args.func(args) or 0)
    except InsightkitError as exc:
        print(f"insightkit {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"insightkit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (``insightkit clean ... | head``): stop quietly, as
        # other command-line tools do, instead of printing a traceback
        _silence_stdout()
        return 141
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def model_pin(args: argparse.Namespace) -> str | None:
    """``--model-sha256``, checked for form (the environment's pin applies inside ``load_model``)."""
    value = getattr(args, "model_sha256", None)
    if value is None:
        return None
    from insightkit.integrity import parse_digest

    return parse_digest(value, "--model-sha256")


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of a closed pipe raises nothing."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # stdout is not a real file (a test's capture)
        pass


def _exit_on_sigterm():
    """Turn SIGTERM (``kill``, a cancelled batch job, ``timeout``) into a normal exit.

    Python's default SIGTERM action ends the process at once, so ``with`` blocks never close and an
    atomic writer's temporary file is left beside its target. Raising ``SystemExit`` instead unwinds
    them. Returns the previous handler, or None where no handler can be set (not the main thread).
    """
    if threading.current_thread() is not threading.main_thread():
        return None

    def _terminate(signum, frame):
        raise SystemExit(128 + signum)

    return signal.signal(signal.SIGTERM, _terminate)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
