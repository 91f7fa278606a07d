"""Messages to the user on stderr, each line led by the program's name (``entcli: error: ...``), as coreutils,
jq and Miller do, so that entcli's lines can be told apart in a mixed CI log."""

from __future__ import annotations

import sys

PROG = "entcli"


def tell(line: str) -> None:
    """Print ``line`` (``error: ...``, ``warning: ...``, ``skipped: ...``) to stderr as ``entcli: <line>``."""
    print(f"{PROG}: {line}", file=sys.stderr)
