"""Generalised entropies: Rényi (order α) and Tsallis (index q), one distribution per row.

- Rényi: H_α(p) = 1/(1 − α) · log_b Σ_i p_i^α (α ≥ 0). Orders handled exactly: α = 0 is the Hartley
  entropy log |support|, α = 1 the Shannon entropy (the limit), α = ∞ the min-entropy −log max p.
  Cancellation-free: with S = Σ_i p_i^α − 1 = Σ_i p_i expm1((α − 1) ln p_i) (Σ p_i = 1; every term has the
  sign of 1 − α, so the sum loses nothing), H_α = log1p(S)/(1 − α). That keeps full relative accuracy for
  orders within 1e-15 of 1 and for low-entropy rows, where Σ p^α rounds to 1; where S ≤ −½ (large orders,
  Σ p^α ≪ 1) a log-sum-exp of α ln p_i is used instead. Non-increasing in α; every order of a uniform
  distribution is log K.
- Tsallis: S_q(p) = (1 − Σ_i p_i^q)/(q − 1), computed as −Σ_i p_i expm1((q − 1) ln p_i)/(q − 1), which is
  exact also as q → 1, where it is the Shannon entropy in nats. It is not a logarithm of anything, so it
  has no base: callers report it as is.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.shannon import entropy, safe_log
from entcli.core.units import nats_to

Array = NDArray[np.float64]

#: Where |Σ p^α − 1| (Rényi, as S) or |Σ p^α q^(1−α) − 1| (the divergence) is below this, log1p(S) is used.
LOG1P_BELOW = 0.5


def power_sum_minus_one(p: Array, log_p: Array, alpha: float) -> Array:
    """S = Σ_i p_i (p_i^(α−1) − 1) = Σ p^α − Σ p over each row, term by term without cancellation.

    A term is p·expm1(x) with x = (α − 1) ln p; where x ≥ 1 (α < 1, tiny p, where expm1 could overflow while
    p^α does not) it is p^α − p, which then cancels by less than a factor e/(e − 1).
    """
    support = p > 0
    lp = np.where(support, log_p, 0.0)
    x = (alpha - 1) * lp
    with np.errstate(over="ignore", invalid="ignore"):
        terms = np.where(x < 1, p * np.expm1(np.minimum(x, 1.0)), np.exp(alpha * lp) - p)
    return np.sum(np.where(support, terms, 0.0), axis=-1)


def _log_sum_power(log_p: Array, order: float) -> Array:
    """ln Σ_i p_i^order over the support, from ln p, without overflow (a logsumexp)."""
    support = log_p > -np.inf
    x = np.where(support, order * np.where(support, log_p, 0.0), -np.inf)
    m = np.max(x, axis=-1, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return (m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True)))[..., 0]


def renyi_entropy(p: ArrayLike, alpha: float, base: float = math.e) -> Array:
    """Rényi entropy H_α(p) = 1/(1 − α) log_b Σ p_i^α of each row (see the module docstring)."""
    if not alpha >= 0:
        raise DomainError(f"the Rényi order must be >= 0, got {alpha}")
    p = np.asarray(p, dtype=np.float64)
    log_p = safe_log(p)
    if alpha == 0:
        h = np.log(np.count_nonzero(p > 0, axis=-1).astype(np.float64))
    elif math.isinf(alpha):
        h = -np.max(log_p, axis=-1)
    elif alpha == 1:
        h = entropy(p)
    else:
        s = power_sum_minus_one(p, log_p, alpha)
        near = np.abs(s) < LOG1P_BELOW
        h = np.where(near, np.log1p(np.where(near, s, 0.0)), _log_sum_power(log_p, alpha)) / (1 - alpha)
    return (h + 0.0) * nats_to(base)


def tsallis_entropy(p: ArrayLike, q: float) -> Array:
    """Tsallis entropy S_q(p) = (1 − Σ p_i^q)/(q − 1) of each row; q = 1 is the Shannon entropy in nats."""
    if not math.isfinite(q):
        raise DomainError(f"the Tsallis index must be finite, got {q}")
    p = np.asarray(p, dtype=np.float64)
    if q == 1:
        return entropy(p)
    # −(Σ p^q − Σ p)/(q − 1), the sum of same-sign terms p expm1((q − 1) ln p) (p^q − p where that overflows)
    return -power_sum_minus_one(p, safe_log(p), q) / (q - 1) + 0.0
