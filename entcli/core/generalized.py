"""Generalised entropies: Rényi (order α) and Tsallis (index q), one distribution per row.

- Rényi: H_α(p) = 1/(1 − α) · log_b Σ_i p_i^α (α ≥ 0), computed in log space. Orders handled exactly:
  α = 0 is the Hartley entropy log |support|, α = 1 the Shannon entropy (the limit), α = 2 the collision
  entropy −log Σ p², α = ∞ the min-entropy −log max p. Near α = 1 (|α − 1| < 1e-6) the first-order
  expansion H_α ≈ H − (α − 1)/2 · Var_p(ln p) replaces the 0/0 form. Non-increasing in α; every order of
  a uniform distribution is log K.
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

#: Below this |α − 1| (or |q − 1|), the Shannon limit and its first-order term are used.
NEAR_ONE = 1e-6


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
    elif abs(alpha - 1) < NEAR_ONE:
        shannon = entropy(p)
        with np.errstate(invalid="ignore"):
            second = np.sum(np.where(p > 0, p * np.where(p > 0, log_p, 0.0) ** 2, 0.0), axis=-1)
        h = shannon - (alpha - 1) / 2 * (second - shannon**2)
    else:
        h = _log_sum_power(log_p, alpha) / (1 - alpha)
    return (h + 0.0) * nats_to(base)


def tsallis_entropy(p: ArrayLike, q: float) -> Array:
    """Tsallis entropy S_q(p) = (1 − Σ p_i^q)/(q − 1) of each row; q = 1 is the Shannon entropy in nats."""
    if not math.isfinite(q):
        raise DomainError(f"the Tsallis index must be finite, got {q}")
    p = np.asarray(p, dtype=np.float64)
    if q == 1:
        return entropy(p)
    log_p = np.where(p > 0, safe_log(p), 0.0)
    with np.errstate(over="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * np.expm1((q - 1) * log_p), 0.0)
    return -np.sum(terms, axis=-1) / (q - 1) + 0.0
