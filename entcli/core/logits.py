"""Softmax, log-softmax and logsumexp over the last axis, computed stably.

Every function takes logits z of shape (..., K) and works row by row on the last axis in float64.
The row maximum is subtracted before exponentiating, so no finite logit overflows; a logit of -inf
is a probability of exactly 0.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.reductions import row_max, row_sums


def _scaled(z: ArrayLike, temperature: float) -> NDArray[np.float64]:
    z = np.asarray(z, dtype=np.float64)
    if temperature != 1.0:
        if not (temperature > 0 and np.isfinite(temperature)):
            raise DomainError(f"temperature must be finite and > 0, got {temperature!r}")
        z = z / temperature
    return z


def _row_max(z: NDArray[np.float64]) -> NDArray[np.float64]:
    m = row_max(z)[..., None]
    # A row of all -inf (or with NaN/+inf, which callers reject) has no finite maximum: shift by 0.
    return np.where(np.isfinite(m), m, 0.0)


def _shifted(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """z − max z per row. For logits ±1e308 the difference overflows to −inf, whose exp is the exact 0."""
    with np.errstate(over="ignore", invalid="ignore"):
        return z - _row_max(z)


def logsumexp(z: ArrayLike, temperature: float = 1.0) -> NDArray[np.float64]:
    """log Σ_k exp(z_k / T) for each row, without overflow: m + log Σ exp(z/T − m), m = max z/T."""
    z = _scaled(z, temperature)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return (_row_max(z) + np.log(row_sums(np.exp(_shifted(z))))[..., None])[..., 0]


def _shifted_scaled(z: ArrayLike, temperature: float) -> NDArray[np.float64]:
    """(z − max z)/T per row: ≤ 0 with 0 at the maxima, so even a tiny T (z/T beyond float range) cannot overflow
    to +inf; the softmax then tends to the uniform distribution over the maxima, as it should."""
    z = np.asarray(z, dtype=np.float64)
    if temperature == 1.0:
        return _shifted(z)
    _scaled(z[..., :0], temperature)  # checks T
    with np.errstate(over="ignore", invalid="ignore"):
        return _shifted(z) / temperature


def log_softmax(z: ArrayLike, temperature: float = 1.0) -> NDArray[np.float64]:
    """log σ(z/T)_j = (z_j − m)/T − log Σ_k exp((z_k − m)/T), m = max z, in nats; never log(softmax(z))."""
    shifted = _shifted_scaled(z, temperature)
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        lse = np.log(row_sums(np.exp(shifted)))[..., None]
        return shifted - lse


def softmax(z: ArrayLike, temperature: float = 1.0) -> NDArray[np.float64]:
    """σ(z/T)_j = exp(z_j/T) / Σ_k exp(z_k/T), each row summing to 1.

    Example: z = (1, 2, 3) → (0.0900, 0.2447, 0.6652).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(_shifted_scaled(z, temperature))
        return e / row_sums(e)[..., None]
