"""Errors a user can act on, shared by every layer (no dependencies).

An :class:`InputError` means the input or the options were wrong: the command line prints
``error: <message>`` and, on a second line, ``hint: <hint>``, and exits 2.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Every exit code of the command line."""

    OK = 0
    #: a check (--max/--min, grad --check) failed, rows were skipped, or a solver did not converge
    CHECK_FAILED = 1
    #: bad usage or bad input: ``error: ...`` on stderr
    USAGE = 2
    #: a bug: the message asks for a report
    INTERNAL = 70
    #: interrupted (Ctrl-C)
    INTERRUPTED = 130


class EntcliError(Exception):
    """Base of the errors entcli reports to users without a traceback."""

    exit_code = ExitCode.USAGE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class InputError(EntcliError):
    """Bad input data or a bad option value: exit 2."""


class NoRows(InputError):
    """An input with no rows at all (empty, or only a header, blank lines or comments): an error for one file; a
    partition of a dataset like that is just empty."""


class MissingExtraError(EntcliError):
    """An optional dependency is not installed: exit 2 with the ``pip install`` that brings it."""

    def __init__(self, module: str, extra: str, purpose: str) -> None:
        super().__init__(
            f"{purpose} needs {module}, which is not installed",
            f"pip install 'entcli[{extra}]'",
        )


class Stop(Exception):
    """End the run with ``code``, its messages already printed (a task of a distributed run that failed)."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class ClosedPipe(Exception):
    """The reader of stdout went away (``| head -1``): the run stops quietly with exit 0, as documented.

    Raised in place of :class:`BrokenPipeError` inside a command, because Typer turns an EPIPE ``OSError`` into
    exit 1 before the app's boundary can see it.
    """
