"""The text of ``--explain``: the exact formula and conventions of a run, printed to stderr, a line each."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable

from entcli.core.units import unit_name


def show(lines: Iterable[str]) -> None:
    """Print each non-empty line to stderr as ``explain: <line>``."""
    for line in lines:
        if line:
            print(f"explain: {line}", file=sys.stderr)


def unit_text(base: float) -> str:
    """The unit line."""
    if base == math.e:
        return "unit: nats (natural logarithm)"
    return (f"unit: {unit_name(base)}: log base {base:g}, i.e. a value in nats divided by "
            f"ln {base:g} = {math.log(base):.6g}")


def reading_text(kind: str, temperature: float = 1.0, tol: float = 0.0, what: str = "input") -> str:
    """How the numbers were read."""
    return {
        "probs": f"{what}: probabilities, used as given; checked finite, >= 0 and |sum - 1| <= {tol:g}",
        "renormalize": f"{what}: probabilities divided by their row sum (--renormalize)",
        "counts": f"{what}: counts, p_i = c_i / sum_j c_j",
        "logits": f"{what}: logits, p = softmax(z / T) = exp(z/T - logsumexp(z/T)) with T = {temperature:g} "
                  "(log p taken as z/T - logsumexp, not log of p); a -inf logit is p = 0",
    }.get(kind, f"{what}: {kind}")
