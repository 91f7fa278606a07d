"""The one-liner's short way (CLI layer): ``entcli entropy [--bits|--nats|--dits] P1 P2 ...`` into a pipe or a
file, answered without building the Typer app.

Building the app costs a one-liner ~60 ms (Typer and its vendored Click ~30 ms, entcli's option groups and run
engine ~30 ms) beside NumPy's ~100 ms, which the result needs anyway. This module recognises only that one plain
form, computes with the same core functions (``to_probabilities``, ``entropy_summary``) and formats with the same
routine as the full run; anything else (another option, a token that is not a plain decimal number, a row that
fails the probability check, a terminal on stdout, which gets a table) is not answered here, and the full app
answers it as always, messages and all. ``tests/cli/test_quick.py`` runs both ways on generated command lines
and requires the same bytes wherever this way answers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: A probability as a plain decimal: digits with an optional point and exponent (no sign, comma, inf or nan).
_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_BASES = {"--bits": 2.0, "--dits": 10.0}


def answer(args: Sequence[str], stdout_is_terminal: bool) -> str | None:
    """The output of ``entcli ARGS`` when it is the plain one-liner form, else None (the full app answers)."""
    if stdout_is_terminal or len(args) < 2 or args[0] != "entropy":
        return None
    flags = [a for a in args[1:] if a.startswith("-")]
    values = [a for a in args[1:] if not a.startswith("-")]
    if len(flags) > 1 or any(f not in ("--bits", "--nats", "--dits") for f in flags) or not values:
        return None
    if not all(_NUMBER.fullmatch(v) for v in values):
        return None
    import math

    import numpy as np

    from entcli.core.distributions import to_probabilities
    from entcli.core.shannon import entropy_summary
    from entcli.core.tolerances import DEFAULT_TOL
    from entcli.io.numbers import format_numbers

    p, bad = to_probabilities(np.array([[float(v) for v in values]]), "probs", 1.0, DEFAULT_TOL)
    if bad.any():
        return None  # the full run names the problem
    base = _BASES.get(flags[0], math.e) if flags else math.e
    h = entropy_summary(p, base)["entropy"]
    if not np.isfinite(h).all():
        return None
    return format_numbers(h)[0] + "\n"
