"""Cross-entropy, KL divergence and its relatives, one pair of distributions per row (last axis).

p is the reference ("true") distribution, q the model. Rows broadcast the NumPy way, so a single
row of one side meets every row of the other. Conventions (MATH.md): 0 · log 0 = 0 and 0 · log(0/q) = 0;
p_i > 0 where q_i = 0 makes H(p, q) and KL(p‖q) +inf, the true value. Results are in nats, or in
base b when ``base`` is given (the nats value divided by ln b).
"""

from __future__ import annotations

import math
from collections.abc import Collection

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.reductions import row_sums
from entcli.core.shannon import entropy, safe_log, xlogx
from entcli.core.units import nats_to
from entcli.core.vocabulary import KL_FIELDS

Array = NDArray[np.float64]


def _pair(p: ArrayLike, q: ArrayLike) -> tuple[Array, Array]:
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape[-1] != q.shape[-1]:
        raise DomainError(f"p has {p.shape[-1]} outcomes but q has {q.shape[-1]}")
    return p, q


_TINY = np.finfo(np.float64).tiny


def _log_ratio(p: Array, q: Array) -> Array:
    """ln(p/q): from the ratio (one rounding) where it is a normal float, else ln p − ln q (±inf at zeros)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = p / q
        if ratio.size and ratio.min() >= _TINY and ratio.max() < np.inf:  # every ratio usable (a NaN fails both)
            return np.log(ratio)
        usable = np.isfinite(ratio) & (ratio >= _TINY)
        return np.where(usable, np.log(np.where(usable, ratio, 1.0)), safe_log(p) - safe_log(q))


def relative_entropy_terms(
    p: ArrayLike, q: ArrayLike, log_p: ArrayLike | None = None, log_q: ArrayLike | None = None
) -> Array:
    """The terms p_i ln(p_i / q_i) of KL(p‖q) in nats: 0 where p_i = 0, +inf where p_i > 0 = q_i.

    Where p_i and q_i are close, ln(p_i/q_i) is computed as log1p((p_i − q_i)/q_i), which keeps its
    relative accuracy when the ratio is near 1 (p_i − q_i is then exact). Equals scipy.special.rel_entr.
    ``log_p``/``log_q`` (e.g. log-softmax of logits) replace ln p / ln q where given, so that a
    probability that underflows to 0 still has its exact logarithm.
    """
    p, q = _pair(p, q)
    p, q = np.broadcast_arrays(p, q)
    pos = p > 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lp = safe_log(p) if log_p is None else np.asarray(log_p, dtype=np.float64)
        lq = safe_log(q) if log_q is None else np.asarray(log_q, dtype=np.float64)
        diff = p - q
        near = pos & (q > 0) & (np.abs(diff) < 0.5 * q)
        if log_p is None and log_q is None:
            log_ratio = np.where(near, np.log1p(diff / np.where(q > 0, q, 1.0)), _log_ratio(p, q))
        else:
            log_ratio = lp - lq
        return np.where(pos, p * log_ratio, 0.0)


#: Below this |r| = |p − q| / q, (1 + r) log1p(r) − r is summed from its series (see :func:`_kl_kernel`).
_SERIES_BELOW = 0.05
#: Coefficients of r^n, n = 2 .. 13, of (1 + r) log1p(r) − r = Σ_{n≥2} (−1)^n r^n / (n (n − 1)).
#: The first term left out, r^14/182, is below 2e-17 of the sum's r²/2 for |r| < 0.05.
_SERIES = np.array([(-1.0) ** n / (n * (n - 1)) for n in range(2, 14)])


def _kl_kernel(r: Array) -> Array:
    """(1 + r) log1p(r) − r ≥ 0 without cancellation: a series for |r| < 0.05, else direct (where the
    cancellation costs at most a factor 2/|r| ≤ 40 of rounding).

    With r = (p − q)/q, p log(p/q) = q · kernel(r) + (p − q): a non-negative part that carries KL's value
    when p ≈ q, and a linear part whose sum over outcomes is ~0. Summing them apart keeps KL's relative
    accuracy where the plain sum of p log(p/q) cancels to a few digits.
    """
    small = np.abs(r) < _SERIES_BELOW
    rs = np.where(small, r, 0.0)
    acc = np.zeros_like(rs)
    for c in _SERIES[::-1]:
        acc = acc * rs + c
    series = acc * rs * rs
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        direct = (1.0 + r) * np.log1p(np.where(small, 0.0, r)) - r
    return np.where(small, series, direct)


def _kl_sum(p: Array, q: Array) -> Array:
    """Σ_i p_i ln(p_i / q_i) over the last axis, accurately also when p ≈ q (see :func:`_kl_kernel`).

    The series is evaluated only on the near-equal terms, so its cost follows how many there are.
    """
    p, q = np.broadcast_arrays(p, q)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pos = p > 0
        diff = p - q
        near = pos & (np.abs(diff) < _SERIES_BELOW * q)  # true only where q > 0 (never for a NaN)
        # p = 0 adds 0 (0 ln 0 = 0); a NaN or negative p adds NaN, never 0.
        far = row_sums(np.where((p != 0) & ~near, p * _log_ratio(p, q), 0.0))
        if not near.any():
            return far
        q_near = q[near]
        smooth = np.zeros(p.shape)
        smooth[near] = q_near * _kl_kernel(diff[near] / q_near)
        linear = row_sums(np.where(near, diff, 0.0))
    return far + (linear + row_sums(smooth))


def cross_entropy_terms(p: ArrayLike, q: ArrayLike, log_q: ArrayLike | None = None) -> Array:
    """The terms −p_i ln q_i of H(p, q) in nats: 0 where p_i = 0, +inf where p_i > 0 = q_i.

    ``log_q`` (e.g. the log-softmax of logits) replaces ln q where given.
    """
    p, q = _pair(p, q)
    lq = safe_log(q) if log_q is None else np.asarray(log_q, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(p > 0, -p * lq, 0.0)


def cross_entropy(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """H(p, q) = −Σ_i p_i log_b q_i: the cost of coding p with a code built for q. Equals H(p) + KL(p‖q)."""
    return np.sum(cross_entropy_terms(p, q), axis=-1) * nats_to(base)


def kl_divergence(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """KL(p‖q) = Σ_i p_i log_b(p_i / q_i) ≥ 0 (Gibbs), 0 only when p = q; +inf where q misses p's support.

    Two float rows that each sum to 1 within an ulp can have different sums, and then p ≈ q gives a sum of the
    order of Σp − Σq < 0 (−1e−25); results are clipped at 0, which Gibbs' inequality guarantees for
    distributions.
    """
    p, q = _pair(p, q)
    return np.maximum(_kl_sum(p, q), 0.0) * nats_to(base)


#: Below this |t|, f(t) of :func:`_js_kernel` is summed from its series (10 terms: the first left out is below
#: 1e-18 of the sum).
_JS_SERIES_BELOW = 0.1
_JS_SERIES = np.array([1.0 / (k * (2 * k - 1)) for k in range(1, 11)])


def _js_kernel(p: Array, q: Array) -> Array:
    """f(t) = (1 + t) ln(1 + t) + (1 − t) ln(1 − t) ≥ 0 with t = (p − q)/(p + q), without cancellation.

    For |t| < 0.1 the series f(t) = Σ_{k≥1} t^(2k) / (k (2k − 1)); else a ln a + b ln b with a = 2p/(p + q) and
    b = 2q/(p + q) = 1 ∓ t computed from p and q themselves (so b = 0 exactly when q = 0; 0 ln 0 = 0).
    """
    p, q = np.broadcast_arrays(p, q)
    with np.errstate(invalid="ignore", divide="ignore"):
        s = p + q
        s = np.where(s > 0, s, 1.0)  # where p + q = 0, a = b = t = 0
        out = xlogx(2 * p / s)  # a ln a + b ln b, each from one rounding of p, q themselves
        out += xlogx(2 * q / s)
        # The series only where it is needed: near-equal outcomes are usually few.
        t = (p - q) / s
        small = np.abs(t) < _JS_SERIES_BELOW
        if small.any():
            t2 = t[small] ** 2
            acc = np.full_like(t2, _JS_SERIES[-1])
            for c in _JS_SERIES[-2::-1]:
                acc = acc * t2 + c
            out[small] = acc * t2
    return out


def js_divergence(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """Jensen–Shannon divergence JS(p, q) = ½ KL(p‖m) + ½ KL(q‖m), m = ½(p + q).

    Always finite and in [0, log_b 2]; symmetric in p and q. Computed without cancellation: with
    t_i = (p_i − q_i)/(p_i + q_i), p_i = m_i (1 + t_i) and q_i = m_i (1 − t_i), so the two KL terms of outcome i
    add up to m_i f(t_i) with f(t) = (1 + t) ln(1 + t) + (1 − t) ln(1 − t) ≥ 0 (their linear parts cancel
    exactly) and JS = ½ Σ_i m_i f(t_i), a sum of non-negative terms. The mixture m is never rounded into a
    logarithm, so nearly equal p and q keep their relative accuracy (a plain ½ KL(p‖m) + ½ KL(q‖m) loses
    ~1e-16 / JS of it).
    """
    p, q = _pair(p, q)
    js = 0.25 * row_sums((p + q) * _js_kernel(p, q))
    return np.clip(js, 0.0, math.log(2.0)) * nats_to(base)


def js_distance(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """Jensen–Shannon distance sqrt(JS(p, q)) with JS in base b (scipy.spatial.distance.jensenshannon)."""
    return np.sqrt(js_divergence(p, q, base))


def divergence_summary(
    p: ArrayLike,
    q: ArrayLike,
    base: float = math.e,
    log_p: ArrayLike | None = None,
    log_q: ArrayLike | None = None,
    fields: Collection[str] | None = None,
) -> dict[str, Array]:
    """Every per-row field of ``entcli kl``, in base b (or only ``fields`` of them: each costs a pass over the rows).

    ``kl`` KL(p‖q); ``reverse_kl`` KL(q‖p); ``symmetric_kl`` (Jeffreys) KL(p‖q) + KL(q‖p);
    ``js_divergence`` and ``js_distance``; ``cross_entropy`` H(p, q); ``entropy_p`` H(p).
    ``log_p``/``log_q`` are exact logarithms where the inputs were logits.
    """
    p, q = _pair(p, q)
    scale = nats_to(base)
    want = set(KL_FIELDS if fields is None else fields)
    unknown = want - set(KL_FIELDS)
    if unknown:
        raise DomainError(f"no divergence field {sorted(unknown)[0]!r}; fields: {', '.join(KL_FIELDS)}")
    out: dict[str, Array] = {}
    if want & {"kl", "symmetric_kl"}:
        kl = _kl_sum(p, q) if log_p is None and log_q is None else \
            np.sum(relative_entropy_terms(p, q, log_p, log_q), axis=-1)
        out["kl"] = np.maximum(kl, 0.0) * scale
    if want & {"reverse_kl", "symmetric_kl"}:
        rkl = _kl_sum(q, p) if log_p is None and log_q is None else \
            np.sum(relative_entropy_terms(q, p, log_q, log_p), axis=-1)
        out["reverse_kl"] = np.maximum(rkl, 0.0) * scale
    if "symmetric_kl" in want:
        out["symmetric_kl"] = out["kl"] + out["reverse_kl"]
    if want & {"js_divergence", "js_distance"}:
        out["js_divergence"] = js_divergence(p, q, base)
        out["js_distance"] = np.sqrt(out["js_divergence"])
    if "cross_entropy" in want:
        out["cross_entropy"] = np.sum(cross_entropy_terms(p, q, log_q), axis=-1) * scale
    if "entropy_p" in want:
        shape = np.broadcast_shapes(p.shape, q.shape)[:-1]
        out["entropy_p"] = np.array(np.broadcast_to(entropy(p, base), shape), dtype=np.float64)
    return {name: out[name] for name in KL_FIELDS if name in want}
