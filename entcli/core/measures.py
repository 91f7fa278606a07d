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
  KL(p‖q) (the limit, with its first-order term near 1), α = ½ is −2 log BC, α = ∞ is log max p_i/q_i.

The identities the tests check: Pinsker TV ≤ sqrt(KL/2) (KL in nats); H² ≤ TV ≤ H·sqrt(2 − H²);
D_½ = −2 ln BC; D_α non-decreasing in α; D_1 = KL.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.divergence import kl_divergence, relative_entropy_terms
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


def hellinger(p: ArrayLike, q: ArrayLike) -> Array:
    """Hellinger distance sqrt(½ Σ (√p_i − √q_i)²) ∈ [0, 1] (no unit; the bounded convention)."""
    p, q = _pq(p, q)
    return np.sqrt(np.minimum(0.5 * np.sum((np.sqrt(p) - np.sqrt(q)) ** 2, axis=-1), 1.0))


def bhattacharyya_coefficient(p: ArrayLike, q: ArrayLike) -> Array:
    """BC(p, q) = Σ √(p_i q_i) ∈ [0, 1] (no unit)."""
    p, q = _pq(p, q)
    return np.minimum(np.sum(np.sqrt(p * q), axis=-1), 1.0)


def bhattacharyya_distance(p: ArrayLike, q: ArrayLike, base: float = math.e) -> Array:
    """D_B(p, q) = −log_b BC(p, q) (∞ when the supports are disjoint)."""
    with np.errstate(divide="ignore"):
        return (-np.log(bhattacharyya_coefficient(p, q)) + 0.0) * nats_to(base)


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


def renyi_divergence(p: ArrayLike, q: ArrayLike, alpha: float, base: float = math.e) -> Array:
    """Rényi divergence D_α(p‖q) = 1/(α − 1) log_b Σ p_i^α q_i^(1−α) for α ≥ 0 (see the module docstring)."""
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
        elif abs(alpha - 1) < 1e-6:
            kl = kl_divergence(p, q)
            log_ratio = np.where(both, lp - lq, 0.0)
            second = np.sum(np.where(both, p * log_ratio**2, 0.0), axis=-1)
            d = kl + (alpha - 1) / 2 * (second - kl**2)
            d = np.where(np.sum(relative_entropy_terms(p, q), axis=-1) == np.inf, np.inf, d)
        else:
            x = np.where(both, alpha * np.where(both, lp, 0.0) + (1 - alpha) * np.where(both, lq, 0.0), -np.inf)
            m = np.max(x, axis=-1, keepdims=True)
            m = np.where(np.isfinite(m), m, 0.0)
            log_sum = (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]
            d = log_sum / (alpha - 1)
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
