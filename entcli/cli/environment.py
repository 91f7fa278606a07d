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


@dataclass(frozen=True)
class Environment:
    """``stdin``: the binary stream ``-`` reads (None: there is none); ``stdin_isatty``/``stdout_isatty``: whether
    they are terminals; ``no_color``: NO_COLOR is set; ``fast_reader``: pyarrow's parser may be used
    (``ENTCLI_READER=numpy`` says no); ``debug``: ENTCLI_DEBUG shows tracebacks of internal errors."""

    stdin: BinaryIO | None = None
    stdin_isatty: bool = False
    stdout_isatty: bool = False
    no_color: bool = False
    fast_reader: bool = True
    debug: bool = False

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
        )
