"""Cross-entropy, KL divergence and its relatives, one pair of distributions per row (last axis).

p is the reference ("true") distribution, q the model. Rows broadcast the NumPy way, so a single
row of one side meets every row of the other. Conventions (MATH.md): 0 · log 0 = 0 and 0 · log(0/q) = 0;
p_i > 0 where q_i = 0 makes H(p, q) and KL(p‖q) +inf, the true value. Results are in nats, or in
base b when ``base`` is given (the nats value divided by ln b).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.shannon import entropy, safe_log
from entcli.core.units import nats_to

Array = NDArray[np.float64]


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[Array, Array]:
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape[-1] != q.shape[-1]:
        raise ValueError(f"p has {p.shape[-1]} outcomes but q has {q.shape[-1]}")
    return p, q


def relative_entropy_terms(p: ArrayLike, q: ArrayLike) -> Array:
    """The terms p_i ln(p_i / q_i) of KL(p‖q) in nats: 0 where p_i = 0, +inf where p_i > 0 = q_i.

    Where p_i and q_i are close, ln(p_i/q_i) is computed as log1p((p_i − q_i)/q_i), which keeps its
    relative accuracy when the ratio is near 1 (p_i − q_i is then exact). Equals scipy.special.rel_entr.
    """
    p, q = _pair(p, q)
    p, q = np.broadcast_arrays(p, q)
    pos = p > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        diff = p - q
        near = pos & (q > 0) & (np.abs(diff) < 0.5 * q)
        log_ratio = np.where(near, np.log1p(diff / np.where(q > 0, q, 1.0)), safe_log(p) - safe_log(q))
        return np.where(pos, p * log_ratio, 0.0)


def cross_entropy_terms(p: ArrayLike, q: ArrayLike) -> Array:
    """The terms −p_i ln q_i of H(p, q) in nats: 0 where p_i = 0, +inf where p_i > 0 = q_i."""
    p, q = _pair(p, q)
    with np.errstate(invalid="ignore"):
        return np.where(p > 0, -p * safe_log(q), 0.0)


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """H(p, q) = −Σ_i p_i log_b q_i: the cost of coding p with a code built for q. Equals H(p) + KL(p‖q)."""
    return np.sum(cross_entropy_terms(p, q), axis=-1) * nats_to(base)


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """KL(p‖q) = Σ_i p_i log_b(p_i / q_i) ≥ 0 (Gibbs), 0 only when p = q; +inf where q misses p's support.

    Rounding can leave a sum of −1e−17 for p ≈ q; results are clipped at 0, which Gibbs' inequality
    guarantees for the exact value.
    """
    kl = np.sum(relative_entropy_terms(p, q), axis=-1)
    return np.maximum(kl, 0.0) * nats_to(base)


def js_divergence(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """Jensen–Shannon divergence JS(p, q) = ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q).

    Always finite and in [0, log_b 2]; symmetric in p and q.
    """
    p, q = _pair(p, q)
    m = 0.5 * (p + q)
    js = 0.5 * np.sum(relative_entropy_terms(p, m), axis=-1) + 0.5 * np.sum(relative_entropy_terms(q, m), axis=-1)
    return np.clip(js, 0.0, math.log(2.0)) * nats_to(base)


def js_distance(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """Jensen–Shannon distance sqrt(JS(p, q)) with JS in base b (scipy.spatial.distance.jensenshannon)."""
    return np.sqrt(js_divergence(p, q, base))


def divergence_summary(p: ArrayLike, q: ArrayLike, base: float = math.e) -> dict[str, Array]:
    """Every per-row field of ``entcli kl``, in base b.

    ``kl`` KL(p‖q); ``reverse_kl`` KL(q‖p); ``symmetric_kl`` (Jeffreys) KL(p‖q) + KL(q‖p);
    ``js_divergence`` and ``js_distance``; ``cross_entropy`` H(p, q); ``entropy_p`` H(p).
    """
    p, q = _pair(p, q)
    kl = kl_divergence(p, q, base)
    rkl = kl_divergence(q, p, base)
    js = js_divergence(p, q, base)
    shape = np.broadcast_shapes(p.shape, q.shape)[:-1]
    h_p = np.broadcast_to(entropy(p, base), shape)
    return {
        "kl": kl,
        "reverse_kl": rkl,
        "symmetric_kl": kl + rkl,
        "js_divergence": js,
        "js_distance": np.sqrt(js),
        "cross_entropy": cross_entropy(p, q, base),
        "entropy_p": np.array(h_p, dtype=np.float64),
    }
