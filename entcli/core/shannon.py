"""Shannon entropy and the quantities derived from it, one distribution per row (last axis).

Conventions (MATH.md): 0 · log 0 = 0; results are in nats unless a ``base`` is given, in which case
the nats value is divided by ln(base) (base 2: bits, base 10: dits).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.reductions import row_sums
from entcli.core.units import nats_to

Array = NDArray[np.float64]


def safe_log(p: ArrayLike) -> Array:
    """Natural log with log 0 = −inf and no warning (callers mask the zeros they must not use)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(p)


def xlogx(p: ArrayLike) -> Array:
    """p · ln p elementwise, with the limit 0 · ln 0 = 0 (nats)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.log(p)  # -inf at 0 (NaN below), then 0 · -inf = NaN: set to 0 where p = 0
        out *= p
    np.copyto(out, 0.0, where=p == 0)
    return out


def surprisal(p: ArrayLike, base: float = math.e) -> Array:
    """Information content h(x) = −log_b p(x) of each outcome (+inf for p = 0)."""
    return (-safe_log(p) + 0.0) * nats_to(base)  # + 0.0 turns −0.0 (for p = 1) into 0.0


def contribution(p: ArrayLike, base: float = math.e) -> Array:
    """Each outcome's term −p log_b p of the entropy (0 for p = 0)."""
    return (-xlogx(p) + 0.0) * nats_to(base)


def entropy(p: ArrayLike, base: float = math.e) -> Array:
    """Shannon entropy H(p) = −Σ_i p_i log_b p_i of each row, between 0 (one-hot) and log_b K (uniform).

    Examples: H(¼,¼,¼,¼) = 2 bits; H(0.99, 0.01) = 0.0808 bits.
    """
    h = -row_sums(xlogx(p))
    # -0.0 for a one-hot row reads badly; entropy is never negative.
    return (h + 0.0) * nats_to(base)


def support(p: ArrayLike) -> NDArray[np.int64]:
    """The number of outcomes with p_i > 0 in each row (K where every one is: one flat test, not a count per row)."""
    positive = np.asarray(p) > 0
    if positive.ndim == 2 and positive.all():
        return np.full(positive.shape[0], positive.shape[1], dtype=np.int64)
    return np.count_nonzero(positive, axis=-1).astype(np.int64)


def perplexity(h_nats: ArrayLike) -> Array:
    """Perplexity e^{H in nats} = b^{H in base b}: the effective number of outcomes."""
    return np.exp(np.asarray(h_nats, dtype=np.float64))


def entropy_summary(p: ArrayLike, base: float = math.e) -> dict[str, Array]:
    """The per-row fields of ``entcli entropy``.

    ``entropy`` H(p) in base b; ``k`` the number of outcomes K; ``support`` the number of p_i > 0;
    ``max_entropy`` log_b K; ``normalized`` H / log K in [0, 1] (0 when K = 1, where H is always 0);
    ``perplexity`` e^{H nats}.
    """
    p = np.asarray(p, dtype=np.float64)
    if p.ndim == 1:
        p = p[None, :]
    n, k = p.shape
    h_nats = entropy(p)
    max_nats = math.log(k) if k > 0 else 0.0
    normalized = h_nats / max_nats if max_nats > 0 else np.zeros(n)
    scale = nats_to(base)
    return {
        "entropy": h_nats * scale,
        "k": np.full(n, k, dtype=np.int64),
        "support": support(p),
        "max_entropy": np.full(n, max_nats * scale),
        "normalized": normalized,
        "perplexity": perplexity(h_nats),
    }
