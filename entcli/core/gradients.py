"""Gradients with respect to logits z (p = softmax(z)), one row per distribution, in nats.

- Softmax Jacobian ∂p_k/∂z_m = p_m(δ_km − p_k): the matrix diag(p) − p pᵀ.
- Entropy: ∂H/∂z_m = −p_m (log p_m + H); it sums to 0 over m.
  (H = −Σ_k p_k log p_k, ∂H/∂p_k = −(log p_k + 1); chain through the Jacobian: −Σ_k (log p_k + 1) p_k(δ_km − p_m)
  = −p_m(log p_m + 1) + p_m Σ_k p_k(log p_k + 1) = −p_m(log p_m + H).)
- Cross-entropy with target y (one-hot or soft): ∂H(y, σ(z))/∂z = σ(z) − y.
- Knowledge distillation at temperature T, student z, teacher v:
  ∂/∂z H(σ(v/T), σ(z/T)) = (1/T)(σ(z/T) − σ(v/T)); distillation losses multiply it by T² so that its scale
  does not shrink as 1/T² for large T (where it tends to (z − v)/(K T²) for zero-mean logits).
- Central finite differences (f(z + h e_m) − f(z − h e_m)) / 2h check any of them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.logits import log_softmax, softmax

Array = NDArray[np.float64]


def softmax_jacobian(p: ArrayLike) -> Array:
    """diag(p) − p pᵀ for each row: shape (..., K, K), symmetric, each row and column summing to 0."""
    p = np.asarray(p, dtype=np.float64)
    jac = -p[..., :, None] * p[..., None, :]
    idx = np.arange(p.shape[-1])
    jac[..., idx, idx] += p
    return jac


def entropy_of_logits(z: ArrayLike, temperature: float = 1.0) -> Array:
    """H(softmax(z/T)) in nats, from log-softmax (exact also where p underflows)."""
    log_p = log_softmax(z, temperature)
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        return -np.sum(np.where(p > 0, p * log_p, 0.0), axis=-1) + 0.0


def entropy_grad(z: ArrayLike) -> tuple[Array, Array, Array]:
    """(p, H, ∂H/∂z) for logits z: ∂H/∂z_m = −p_m (log p_m + H), in nats. A −inf logit has gradient 0."""
    log_p = log_softmax(z)
    p = np.exp(log_p)
    with np.errstate(invalid="ignore"):
        h = -np.sum(np.where(p > 0, p * log_p, 0.0), axis=-1)
        grad = np.where(p > 0, -p * (log_p + h[..., None]), 0.0) + 0.0
    return p, h + 0.0, grad


def xent_grad(z: ArrayLike, y: ArrayLike) -> tuple[Array, Array, Array]:
    """(p, H(y, p), ∂H(y, σ(z))/∂z = σ(z) − y) for logits z and target distribution y, in nats."""
    log_p = log_softmax(z)
    p = np.exp(log_p)
    y = np.asarray(y, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        loss = -np.sum(np.where(y > 0, y * log_p, 0.0), axis=-1)
    return p, loss, p - y


def kd_grad(z: ArrayLike, v: ArrayLike, temperature: float, t2: bool = False) -> tuple[Array, Array, Array]:
    """(σ(z/T), H(σ(v/T), σ(z/T)), gradient) for student logits z and teacher logits v.

    Gradient (1/T)(σ(z/T) − σ(v/T)), times T² when ``t2`` (as distillation losses scale it); the loss is
    scaled by T² too in that case.
    """
    log_p = log_softmax(z, temperature)
    p = np.exp(log_p)
    teacher = softmax(v, temperature)
    with np.errstate(invalid="ignore"):
        loss = -np.sum(np.where(teacher > 0, teacher * log_p, 0.0), axis=-1)
    grad = (p - teacher) / temperature
    if t2:
        grad, loss = grad * temperature**2, loss * temperature**2
    return p, loss, grad


def fd_gradient(f: Callable[[Array], Array], z: ArrayLike, h: float | None = None) -> Array:
    """Central finite differences (f(z + h e_m) − f(z − h e_m)) / 2h of a row-wise f, for every m.

    For a scalar f (one value per row) the result has z's shape; for a vector f (K_out values per row)
    it is [..., m, k_out]: swap the last two axes for the Jacobian ∂f_k/∂z_m.

    The default step h = ε^(1/3) · max(1, |z_m|) balances truncation (∝ h²) against rounding (∝ ε/h).
    −inf logits are left unperturbed (their gradient is 0).
    """
    z = np.asarray(z, dtype=np.float64)
    n, k = z.reshape(-1, z.shape[-1]).shape
    flat = z.reshape(n, k)
    finite = np.isfinite(flat)
    step = np.where(finite, (h if h is not None else np.finfo(float).eps ** (1 / 3)) * np.maximum(1.0, np.abs(
        np.where(finite, flat, 0.0))), 0.0)
    eye = np.eye(k)
    plus = flat[:, None, :] + eye * step[:, :, None]
    minus = flat[:, None, :] - eye * step[:, :, None]
    fp = np.asarray(f(plus.reshape(n * k, k)))
    fm = np.asarray(f(minus.reshape(n * k, k)))
    vector = fp.ndim > 1
    fp, fm = fp.reshape(n, k, -1), fm.reshape(n, k, -1)
    denominator = 2 * np.where(step > 0, step, 1.0)[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        grad = np.where(step[:, :, None] > 0, (fp - fm) / denominator, 0.0)
    if vector:
        return grad.reshape(*z.shape, -1)
    return grad[..., 0].reshape(z.shape)
