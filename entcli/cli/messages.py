"""Messages to the user on stderr, each line led by the program's name (``entcli: error: ...``), as coreutils,
jq and Miller do, so that entcli's lines can be told apart in a mixed CI log."""

from __future__ import annotations

import sys
from contextvars import ContextVar

PROG = "entcli"
#: Where this run's messages go instead of stderr (a library call keeps them), if anywhere.
KEPT: ContextVar[list[str] | None] = ContextVar("entcli_messages", default=None)


def tell(line: str) -> None:
    """Print ``line`` (``error: ...``, ``warning: ...``, ``skipped: ...``) to stderr as ``entcli: <line>``."""
    kept = KEPT.get()
    if kept is not None:
        kept.append(line)
        return
    print(f"{PROG}: {line}", file=sys.stderr)
