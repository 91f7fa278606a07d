"""What a run of the command line sees of its process: the terminal, ``NO_COLOR``, stdin, the reader choice.

One small object, read from the process once (:meth:`Environment.from_process`) and handed to the app
(``run(argv, env=...)``), so that no layer below asks ``sys`` or ``os.environ`` itself and tests set all of
it without monkeypatching.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import BinaryIO


def _isatty(stream: object) -> bool:
    try:
        return bool(stream is not None and stream.isatty())  # type: ignore[attr-defined]
    except (ValueError, OSError):  # a closed stream
        return False


#: The screen width when neither COLUMNS (a positive number) nor the terminal says.
DEFAULT_WIDTH = 80


def screen_width(columns: str | None, stream: object) -> int:
    """The width tables are fitted to: COLUMNS if it is a positive whole number, else the terminal's width of
    ``stream``, else :data:`DEFAULT_WIDTH` (``COLUMNS=0`` or ``COLUMNS=abc`` mean "not set")."""
    text = (columns or "").strip()
    if text.isdigit() and text.isascii() and 0 < int(text) < 100_000:
        return int(text)
    try:
        size = os.get_terminal_size(stream.fileno()).columns  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return DEFAULT_WIDTH
    return size if size > 0 else DEFAULT_WIDTH


@dataclass(frozen=True)
class Environment:
    """``stdin``: the binary stream ``-`` reads (None: there is none); ``stdin_isatty``/``stdout_isatty``: whether
    they are terminals; ``no_color``: NO_COLOR is set; ``fast_reader``: pyarrow's parser may be used
    (``ENTCLI_READER=numpy`` says no); ``debug``: ENTCLI_DEBUG shows tracebacks of internal errors; ``width``: the
    screen's columns (:func:`screen_width`); ``stderr_isatty``: progress may be shown."""

    stdin: BinaryIO | None = None
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    no_color: bool = False
    fast_reader: bool = True
    debug: bool = False
    width: int = DEFAULT_WIDTH
    stderr_isatty: bool = False

    @classmethod
    def from_process(cls) -> Environment:
        """The environment of this process: ``sys.stdin``/``sys.stdout`` and ``os.environ`` as they are now."""
        stdin = sys.stdin
        return cls(
            stdin=getattr(stdin, "buffer", None) if stdin is not None else None,
            stdin_isatty=_isatty(stdin),
            stdout_isatty=_isatty(sys.stdout),
            no_color=bool(os.environ.get("NO_COLOR")),
            fast_reader=os.environ.get("ENTCLI_READER", "").lower() != "numpy",
            debug=bool(os.environ.get("ENTCLI_DEBUG")),
            width=screen_width(os.environ.get("COLUMNS"), sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
        )
