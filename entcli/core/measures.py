"""A catalogue of divergences and distances between distributions p and q, one pair per row.

Every measure is infinite where its mathematics says so and never NaN (0/0 terms are 0):

- total variation TV(p, q) = ½ Σ |p_i − q_i| ∈ [0, 1];
- Hellinger distance H(p, q) = sqrt(½ Σ (√p_i − √q_i)²) = sqrt(1 − BC) ∈ [0, 1]. This is the convention
  with the ½ (as in scipy's and most statistics texts' bounded form); the other one omits it and is √2
  times larger;
- Bhattacharyya coefficient BC = Σ √(p_i q_i) ∈ [0, 1] and distance D_B = −log_b BC (∞ for disjoint supports);
- Pearson χ²(p‖q) = Σ (p_i − q_i)²/q_i and Neyman χ²(p‖q) = Σ (p_i − q_i)²/p_i (∞ where the denominator is 0
  and the numerator is not);
- Rényi divergence D_α(p‖q) = 1/(α − 1) log_b Σ p_i^α q_i^(1−α), α ≥ 0: α = 0 is −log Σ_{p_i>0} q_i, α = 1
  KL(p‖q) (the limit), α = ½ is −2 log BC, α = ∞ is log max p_i/q_i. Cancellation-free (see
  :func:`renyi_divergence`): nearly equal p and q and orders near 1 keep their relative accuracy.

The identities the tests check: Pinsker TV ≤ sqrt(KL/2) (KL in nats); H² ≤ TV ≤ H·sqrt(2 − H²);
D_½ = −2 ln BC; D_α non-decreasing in α; D_1 = KL.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.divergence import kl_divergence
from entcli.core.errors import DomainError
from entcli.core.shannon import safe_log
from entcli.core.units import nats_to
from entcli.core.vocabulary import MEASURES

Array = NDArray[np.float64]



def _pq(p: ArrayLike, q: ArrayLike) -> tuple[Array, Array]:
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    if p.shape[-1] != q.shape[-1]:
        raise DomainError(f"p has {p.shape[-1]} outcomes but q has {q.shape[-1]}")
    return np.broadcast_arrays(p, q)  # type: ignore[return-value]


def total_variation(p: ArrayLike, q: ArrayLike) -> Array:
    """TV(p, q) = ½ Σ |p_i − q_i| (no unit)."""
    p, q = _pq(p, q)
    return np.minimum(0.5 * np.sum(np.abs(p - q), axis=-1), 1.0)


def _hellinger_squared(p: Array, q: Array) -> Array:
    """H² = ½ Σ (√p_i − √q_i)², each difference as (p_i − q_i)/(√p_i + √q_i): no cancellation when p ≈ q (a
    difference of rounded square roots keeps only ~1e-16 √p/|√p − √q| of itself)."""
    s = np.sqrt(p) + np.sqrt(q)
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(s > 0, (p - q) / np.where(s > 0, s, 1.0), 0.0)
    return np.minimum(0.5 * np.sum(d * d, axis=-1), 1.0)


def hellinger(p: ArrayLike, q: ArrayLike) -> Array:
    """Hellinger distance sqrt(½ Σ (√p_i − √q_i)²) ∈ [0, 1] (no unit; the bounded convention)."""
    p, q = _pq(p, q)
    return np.sqrt(_hellinger_squared(p, q))


def bhattacharyya_coefficient(p: ArrayLike, q: ArrayLike) -> Array:
    """BC(p, q) = Σ √(p_i q_i) ∈ [0, 1] (no unit)."""
    p, q = _pq(p, q)
    return np.minimum(np.sum(np.sqrt(p * q), axis=-1), 1.0)


def bhattacharyya_distance(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """D_B(p, q) = −log_b BC(p, q) (∞ when the supports are disjoint).

    Where BC is near 1, D_B = −log1p(−H²) from the Hellinger H² = 1 − BC (for Σ p = Σ q = 1), which keeps the
    relative accuracy that −log of a rounded BC ≈ 1 loses.
    """
    p, q = _pq(p, q)
    h2 = _hellinger_squared(p, q)
    with np.errstate(divide="ignore"):
        d = np.where(h2 < 0.5, -np.log1p(-h2), -np.log(bhattacharyya_coefficient(p, q)))
    return (d + 0.0) * nats_to(base)


def _chi2(num_of: Array, den: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(den > 0, num_of / np.where(den > 0, den, 1.0), np.where(num_of > 0, np.inf, 0.0))
    return np.sum(terms, axis=-1)


def chi2_pearson(p: ArrayLike, q: ArrayLike) -> Array:
    """Pearson χ²(p‖q) = Σ (p_i − q_i)²/q_i (no unit; ∞ if some q_i = 0 < p_i)."""
    p, q = _pq(p, q)
    return _chi2((p - q) ** 2, q)


def chi2_neyman(p: ArrayLike, q: ArrayLike) -> Array:
    """Neyman χ²(p‖q) = Σ (p_i − q_i)²/p_i (no unit; ∞ if some p_i = 0 < q_i)."""
    p, q = _pq(p, q)
    return _chi2((p - q) ** 2, p)


#: Coefficients n = 2 .. 21 of g(u) = e^(βu) − 1 − β(e^u − 1) = Σ_{n≥2} (β^n − β) u^n / n!, used for |u|, |βu| < ½.
_RENYI_TERMS = range(2, 22)


def _renyi_kernel(u: Array, beta: float) -> Array:
    """g(u) = r^β − 1 − β(r − 1) with r = e^u: ≤ 0 for 0 < β < 1, ≥ 0 for β < 0, without cancellation.

    For small |u| and |βu| the series Σ (β^n − β) u^n/n! (its coefficients β(β^(n−1) − 1) are exact for β near
    0 or 1); else expm1(βu) − β expm1(u), which then cancels by a bounded factor.
    """
    coefficients = [beta * (math.expm1((n - 1) * math.log(beta)) if beta > 0 else beta ** (n - 1) - 1)
                    / math.factorial(n) for n in _RENYI_TERMS]
    small = (np.abs(u) < 0.5) & (np.abs(beta * u) < 0.5)
    us = np.where(small, u, 0.0)
    acc = np.zeros_like(us)
    for c in coefficients[::-1]:
        acc = acc * us + c
    with np.errstate(over="ignore", invalid="ignore"):
        direct = np.expm1(beta * u) - beta * np.expm1(u)
    return np.where(small, acc * us * us, direct)


def _renyi_sum_minus_one(p: Array, q: Array, alpha: float) -> Array:
    """S = Σ_i p_i^α q_i^(1−α) − 1, as a sum of terms that all have the sign of α − 1 (Σ p = Σ q = 1).

    Adding (α − 1)(Σ q − Σ p) = 0 to Σ p^α q^β − Σ p (β = 1 − α) gives Σ p_i g(ln(q_i/p_i)) over p_i, q_i > 0
    (:func:`_renyi_kernel`), −α p_i where q_i = 0 < p_i (α < 1) and (α − 1) q_i where p_i = 0 < q_i.
    """
    beta = 1 - alpha
    both = (p > 0) & (q > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        pp = np.where(both, p, 1.0)
        d = np.where(both, q - p, 0.0)
        near = np.abs(d) < 0.5 * pp
        u = np.where(near, np.log1p(d / pp), np.log(np.where(both, q, 1.0)) - np.log(pp))
    terms = np.where(both, p * _renyi_kernel(np.where(both, u, 0.0), beta), 0.0)
    terms = np.where((p > 0) & (q == 0), -alpha * p, terms)
    terms = np.where((p == 0) & (q > 0), (alpha - 1) * q, terms)
    return np.sum(terms, axis=-1)


def renyi_divergence(p: ArrayLike, q: ArrayLike, alpha: float, base: float = math.e) -> Array:
    """Rényi divergence D_α(p‖q) = 1/(α − 1) log_b Σ p_i^α q_i^(1−α) for α ≥ 0 (see the module docstring).

    With S = Σ p^α q^(1−α) − 1 summed without cancellation (:func:`_renyi_sum_minus_one`), D_α = log1p(S)/(α − 1)
    where |S| < ½; there Σ p^α q^(1−α) rounds to 1 and a plain logarithm of it keeps only ~1e-16/D of D. Elsewhere
    (S ≤ −½: large orders, far-apart p and q) a log-sum-exp of α ln p + (1 − α) ln q, which is accurate there.
    """
    if not alpha >= 0:
        raise DomainError(f"the Rényi order must be >= 0, got {alpha}")
    p, q = _pq(p, q)
    lp, lq = safe_log(p), safe_log(q)
    both = (p > 0) & (q > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if alpha == 0:
            d = -np.log(np.sum(np.where(p > 0, q, 0.0), axis=-1))
        elif math.isinf(alpha):
            ratio = np.where(p > 0, lp - lq, -np.inf)  # log p/q: +inf where q = 0 < p
            d = np.max(ratio, axis=-1)
        elif alpha == 1:
            d = kl_divergence(p, q)
        else:
            x = np.where(both, alpha * np.where(both, lp, 0.0) + (1 - alpha) * np.where(both, lq, 0.0), -np.inf)
            m = np.max(x, axis=-1, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0)
            log_sum = (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]
            s = _renyi_sum_minus_one(p, q, alpha)
            near = np.abs(s) < 0.5
            d = np.where(near, np.log1p(np.where(near, s, 0.0)), log_sum) / (alpha - 1)
            if alpha > 1:  # q_i = 0 < p_i makes the sum infinite
                d = np.where(np.any((p > 0) & (q == 0), axis=-1), np.inf, d)
    return np.maximum(d + 0.0, 0.0) * nats_to(base)


def measure(name: str, p: ArrayLike, q: ArrayLike, base: float = math.e, alpha: float = 0.5) -> Array:
    """The measure called ``name`` (a key of :data:`MEASURES`)."""
    if name == "tv":
        return total_variation(p, q)
    if name == "hellinger":
        return hellinger(p, q)
    if name == "bhattacharyya-coefficient":
        return bhattacharyya_coefficient(p, q)
    if name == "bhattacharyya":
        return bhattacharyya_distance(p, q, base)
    if name == "pearson":
        return chi2_pearson(p, q)
    if name == "neyman":
        return chi2_neyman(p, q)
    if name == "renyi":
        return renyi_divergence(p, q, alpha, base)
    raise DomainError(f"unknown measure {name!r}; choose one of {', '.join(MEASURES)}")
