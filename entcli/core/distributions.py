"""Turning rows of numbers into probability distributions, and checking them.

What the numbers are (``kind``):

- ``"probs"``: probabilities, used as given after a check: finite, ≥ 0 and |Σ p − 1| ≤ tol.
- ``"renormalize"``: probabilities whose sum is merely off: finite, ≥ 0, Σ > 0, divided by their sum.
- ``"counts"``: non-negative counts, divided by their sum: p_i = c_i / Σ c.
- ``"logits"``: p = softmax(z / T), computed stably; a logit of −inf is a probability of 0.

Every check is vectorised: :func:`to_probabilities` returns the distributions and a boolean mask of the
rows that failed, and :func:`describe_problem` explains one failed row (the slow path, run only for the
rows a user is told about).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from entcli.core.logits import softmax
from entcli.core.reductions import row_sums
from entcli.core.tolerances import DEFAULT_TOL

Kind = Literal["probs", "renormalize", "counts", "logits", "bernoulli", "labels", "reals"]
#: Kinds of columns that are not distributions: each value a probability in [0, 1] (binary cross-entropy),
#: a class label (a whole number >= 0), or any number but NaN (a binary logit).
VALUE_KINDS: tuple[str, ...] = ("bernoulli", "labels", "reals")

#: Why a row is not usable, as a word a caller can map to its own advice (the core names no option).
Reason = Literal["empty", "bad_value", "bad_logit", "no_finite_logit", "not_finite", "negative", "overflow",
                 "no_mass", "sum_off"]


@dataclass(frozen=True)
class Problem:
    """Why one row is not a usable distribution: ``column`` (0-based, or None for the whole row), a message and
    the :data:`Reason` it falls under."""

    column: int | None
    message: str
    reason: Reason


def bad_rows(x: NDArray[np.float64], kind: Kind, tol: float = DEFAULT_TOL) -> NDArray[np.bool_]:
    """Boolean mask of the rows of ``x`` (shape (n, K)) that cannot be read as ``kind``."""
    if kind == "reals":
        return np.asarray(np.isnan(x).any(axis=-1))
    if kind == "bernoulli":
        return np.asarray(~((x >= 0) & (x <= 1)).all(axis=-1))
    if kind == "labels":
        return ~(np.isfinite(x) & (x == np.floor(x))).all(axis=-1)
    if kind == "logits":
        if x.size and x.max() < np.inf and x.min() > -np.inf:  # no NaN (it fails both), +inf or -inf anywhere
            return np.zeros(x.shape[:-1], dtype=bool)
        nan_or_pinf = np.isnan(x) | (x == np.inf)
        return nan_or_pinf.any(axis=-1) | np.all(x == -np.inf, axis=-1)
    # A row with a NaN or an infinity has a sum that is NaN or infinite, so `off` catches it: no pass of its own.
    # Negative values are looked for row by row only where the block may have one (a flat min is ~8x cheaper); a
    # NaN makes the min NaN, and then every row is looked at.
    least = x.min() if x.size else 0.0
    negative = (x < 0).any(axis=-1) if not least >= 0 else np.zeros(x.shape[:-1], dtype=bool)
    with np.errstate(over="ignore", invalid="ignore"):
        total = row_sums(x)
        # A row with no mass is never a distribution, however loose the tolerance on its sum (--tol 1e308).
        off = ~(total > 0) | (~(np.abs(total - 1.0) <= tol) if kind == "probs" else ~np.isfinite(total))
    return negative | off


_VALUE_WORDS = {"reals": "a number", "bernoulli": "a probability in [0, 1]",
                "labels": "a class index (a whole number)"}


def describe_problem(row: NDArray[np.float64], kind: Kind, tol: float = DEFAULT_TOL) -> Problem:
    """Explain why ``row`` failed :func:`bad_rows` (for error messages; not vectorised)."""
    row = np.asarray(row, dtype=np.float64)
    if row.size == 0:
        return Problem(None, "the row is empty (no outcomes)", "empty")
    if kind in VALUE_KINDS:
        j = int(np.argmax(bad_rows(row.reshape(-1, 1), kind)))
        return Problem(j, f"{row[j]!r} is not {_VALUE_WORDS[kind]}", "bad_value")
    if kind == "logits":
        for j, v in enumerate(row.tolist()):
            if v != v or v == float("inf"):
                return Problem(j, f"logit {v!r} is not allowed", "bad_logit")
        return Problem(None, "every logit is -inf", "no_finite_logit")
    for j, v in enumerate(row.tolist()):
        if not math.isfinite(v):
            return Problem(j, f"value {v!r} is not finite", "not_finite")
        if v < 0:
            what = "count" if kind == "counts" else "probability"
            return Problem(j, f"{what} {v!r} is negative", "negative")
    with np.errstate(over="ignore"):
        total = float(np.sum(row))
    if not np.isfinite(total):
        return Problem(None, "the row's sum overflows", "overflow")
    if kind == "probs":
        if total == 0:
            return Problem(None, "every probability is 0", "no_mass")
        return Problem(None, f"the row sums to {total:.10g}, not 1 (off by {abs(total - 1):.3g}, tolerance {tol:g})",
                       "sum_off")
    return Problem(None, "every value is 0", "no_mass")


def to_probabilities(
    x: NDArray[np.float64],
    kind: Kind = "probs",
    temperature: float = 1.0,
    tol: float = DEFAULT_TOL,
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Return (p, bad): the rows of ``x`` as distributions, and the mask of rows that failed the checks.

    Failed rows of ``p`` hold NaN; callers drop or report them. ``temperature`` applies to logits only.
    """
    x = np.asarray(x, dtype=np.float64)
    bad = bad_rows(x, kind, tol)
    if kind == "probs" or kind in VALUE_KINDS:
        p = x
    elif kind == "logits":
        with np.errstate(invalid="ignore"):
            p = softmax(x, temperature)
    else:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            p = x / np.sum(x, axis=-1, keepdims=True)
    if bad.any():
        p = p.copy() if p is x else p
        p[bad] = np.nan
    return p, bad
