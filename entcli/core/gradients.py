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


#: Perturbed logits evaluated at once by :func:`fd_gradient` (numbers; 32 MB of float64): a block of rows, or of
#: one wide row's coordinates, at a time. All at once a row of K logits took K² numbers per array (15 GB at K = 20k).
FD_CELLS = 1 << 22


def fd_gradient(f: Callable[[Array], Array], z: ArrayLike, h: float | None = None, *,
                of_rows: Callable[[slice, int], Callable[[Array], Array]] | None = None) -> Array:
    """Central finite differences (f(z + h e_m) − f(z − h e_m)) / 2h of a row-wise f, for every m.

    For a scalar f (one value per row) the result has z's shape; for a vector f (K_out values per row)
    it is [..., m, k_out]: swap the last two axes for the Jacobian ∂f_k/∂z_m.

    The default step h = ε^(1/3) · max(1, |z_m|) balances truncation (∝ h²) against rounding (∝ ε/h).
    −inf logits are left unperturbed (their gradient is 0). The perturbed copies are evaluated in pieces of at
    most :data:`FD_CELLS` numbers (a group of rows, or a run of one row's coordinates), so memory does not grow
    with K² beyond what the result itself holds. Where f depends on which row it is given (a target per row),
    ``of_rows(rows, t)`` returns f for the rows ``rows`` of z, each repeated t times in a row (the copies of a
    piece, in order); ``f`` is used as it is otherwise.
    """
    z = np.asarray(z, dtype=np.float64)
    n, k = z.reshape(-1, z.shape[-1]).shape
    flat = z.reshape(n, k)
    finite = np.isfinite(flat)
    step = np.where(finite, (h if h is not None else np.finfo(float).eps ** (1 / 3)) * np.maximum(1.0, np.abs(
        np.where(finite, flat, 0.0))), 0.0)
    rows_per = max(1, FD_CELLS // max(1, k * k))
    coords_per = k if rows_per > 1 or k * k <= FD_CELLS else max(1, FD_CELLS // k)
    out: NDArray[np.float64] | None = None
    vector = False
    for r0 in range(0, n, rows_per):
        rows = slice(r0, min(n, r0 + rows_per))
        for m0 in range(0, k, coords_per):
            ms = np.arange(m0, min(k, m0 + coords_per))
            t, copy = len(ms), np.arange(len(ms))
            fn = of_rows(rows, t) if of_rows is not None else f
            perturbed = np.repeat(flat[rows, None, :], t, axis=1)  # (rows, t, k): copy j moves coordinate ms[j]
            d = step[rows][:, ms]
            perturbed[:, copy, ms] += d
            fp = np.asarray(fn(perturbed.reshape(-1, k)))
            perturbed[:, copy, ms] = flat[rows][:, ms] - d
            fm = np.asarray(fn(perturbed.reshape(-1, k)))
            vector = fp.ndim > 1
            width = fp.shape[-1] if vector else 1
            if out is None:
                out = np.empty((n, k, width))
            fp, fm = fp.reshape(len(d), t, width), fm.reshape(len(d), t, width)
            twice = 2 * np.where(d > 0, d, 1.0)[:, :, None]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[rows, m0:m0 + t] = np.where(d[:, :, None] > 0, (fp - fm) / twice, 0.0)
    if out is None:  # no rows or no logits: nothing to perturb
        return np.zeros(z.shape)
    if vector:
        return out.reshape(*z.shape, -1)
    return out[..., 0].reshape(z.shape)
