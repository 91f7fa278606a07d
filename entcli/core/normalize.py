"""Entropy normalisation: the power transform p^γ / Σ p^γ that has a chosen entropy H*, for every row.

The transform keeps zeros at zero, ties tied and the order of the outcomes (for γ > 0). Over the support
S = {i : p_i > 0}, with a_i = ln p_i and b_i = a_i − max a (so b ≤ 0, exactly 0 at the maxima), it is

    q(γ) = softmax(γ b)        (log space: γ b never overflows, whatever γ)
    H(γ) = −Σ q_i ln q_i       falls monotonically from ln |S| (γ = 0) to ln m (γ → ∞), m = #ties at the max.

Derivative: ln q_i = γ b_i − A(γ) with A = logsumexp(γ b), so H = A − γ E_q[b]; since A' = E_q[b] and
(E_q[b])' = Var_q(b), H'(γ) = E_q[b] − E_q[b] − γ Var_q(b) = −γ Var_q(b) ≤ 0. A target H* in [ln m, ln |S|]
has exactly one γ; one outside has none.

Solver (vectorised over rows, converged rows masked): start at γ = 1 (the identity) with the bracket
(0, ∞); every evaluation narrows the bracket (H(γ) > H* → γ is too small); take the Newton step
γ + (H − H*)/(γ Var_q(b)) when it lands strictly inside the bracket and is under half the step before
the last (Numerical Recipes' rtsafe rule), else bisect (geometrically while the bracket spans orders
of magnitude; doubling γ while there is no upper end). It stops when |H − H*| ≤ tol or the bracket
is down to a few ulps of γ.

The published iteration (MATH.md), γ ← 1 + (H* − H)/(H² − Σ p (ln p)²) applied to the current p and
repeated, is :func:`normalize_entropy_published`, kept for comparison: it can step to γ < 0 (reversing
the order of outcomes), overflow, or divide by zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.shannon import safe_log

Array = NDArray[np.float64]

DEFAULT_TOL = 1e-12
DEFAULT_MAX_ITER = 200


@dataclass
class Normalized:
    """Per row: ``p`` the transformed distribution, ``gamma`` (0 or inf at the ends of the range),
    ``entropy`` H reached (nats), ``iterations``, ``converged``; ``reachable`` and the range
    [``h_min``, ``h_max``] of entropies the row can reach (nats). ``trace`` lists the first row's steps
    as (iteration, γ, H, step kind)."""

    p: Array
    gamma: Array
    entropy: Array
    iterations: NDArray[np.int64]
    converged: NDArray[np.bool_]
    reachable: NDArray[np.bool_]
    h_min: Array
    h_max: Array
    trace: list[tuple[int, float, float, str]] = field(default_factory=list)


def _prepare(p: ArrayLike, log_p: ArrayLike | None) -> tuple[Array, Array, NDArray[np.bool_]]:
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    a = np.atleast_2d(safe_log(p) if log_p is None else np.asarray(log_p, dtype=np.float64))
    support = a > -np.inf
    amax = np.max(np.where(support, a, -np.inf), axis=-1, keepdims=True)
    b = np.where(support, a - amax, -np.inf)
    return p, b, support


def _evaluate(b: Array, support: NDArray[np.bool_], gamma: Array) -> tuple[Array, Array, Array]:
    """(q, H, Var_q(b)) at γ (one per row), in log space."""
    if support.all() and np.isfinite(gamma).all():
        return _evaluate_full(b, gamma)
    with np.errstate(invalid="ignore", over="ignore"):
        x = np.where(support, gamma[:, None] * np.where(support, b, 0.0), -np.inf)
        # Where γ = inf, γ·0 at the maxima is nan: those entries are the maxima, so 0.
        x = np.where(support & (b == 0), 0.0, x)
        x = np.where(np.isnan(x), -np.inf, x)
    lse = np.log(np.sum(np.exp(x), axis=-1, keepdims=True))
    log_q = x - lse
    q = np.exp(log_q)
    with np.errstate(invalid="ignore"):
        h = -np.sum(np.where(q > 0, q * log_q, 0.0), axis=-1)
        bb = np.where(q > 0, b, 0.0)
        mean = np.sum(q * bb, axis=-1, keepdims=True)
        var = np.sum(np.where(q > 0, q * (bb - mean) ** 2, 0.0), axis=-1)
    return q, h + 0.0, var


def _evaluate_full(b: Array, gamma: Array) -> tuple[Array, Array, Array]:
    """:func:`_evaluate` where every outcome is in the support and every γ is finite (the common case), in fewer
    passes: x = γ b <= 0 with max 0, so s = Σ exp(x) in [1, K] needs no shift; q = exp(x) / s,
    H = ln s − γ E_q[b] (both terms >= 0: no cancellation), Var_q(b) = E_q[(b − E_q[b])²]."""
    x = gamma[:, None] * b
    q = np.exp(x)
    s = np.sum(q, axis=-1, keepdims=True)
    q /= s
    mean = np.sum(q * b, axis=-1, keepdims=True)
    h = np.log(s[:, 0]) - gamma * mean[:, 0]
    x = b - mean  # reused: the deviations
    x *= x
    x *= q
    return q, h + 0.0, np.sum(x, axis=-1)


def entropy_range(p: ArrayLike, log_p: ArrayLike | None = None) -> tuple[Array, Array]:
    """(ln m, ln |S|) per row: the entropies p^γ reaches as γ → ∞ and γ → 0 (nats)."""
    _, b, support = _prepare(p, log_p)
    return np.log(np.count_nonzero(b == 0, axis=-1)), np.log(np.count_nonzero(support, axis=-1))


def normalize_entropy(
    p: ArrayLike,
    target: ArrayLike,
    *,
    log_p: ArrayLike | None = None,
    tol: float = DEFAULT_TOL,
    max_iter: int = DEFAULT_MAX_ITER,
    trace: bool = False,
) -> Normalized:
    """Find γ > 0 with H(p^γ / Σ p^γ) = target (nats) for every row; see the module docstring.

    ``log_p`` (e.g. log-softmax of logits) replaces ln p, exactly also where p underflows. Rows whose
    target is outside [ln m, ln |S|] are returned unchanged with ``reachable`` False. A target at an
    end of the range (within ``tol``) gives the limit: γ = 0 (uniform over the support) or γ = inf
    (uniform over the maxima).
    """
    p, b, support = _prepare(p, log_p)
    n = p.shape[0]
    goal: Array = np.broadcast_to(np.asarray(target, dtype=np.float64), (n,)).copy()
    h_min, h_max = np.log(np.count_nonzero(b == 0, axis=-1)), np.log(np.count_nonzero(support, axis=-1))
    _, h_now, var_now = _evaluate(b, support, np.ones(n))
    movable = h_max - h_min > 0
    reachable = np.isfinite(goal) & (goal >= h_min - tol) & (goal <= h_max + tol)
    reachable &= movable | (np.abs(goal - h_now) <= tol)

    gamma = np.ones(n)
    top = reachable & movable & (goal >= h_max - tol)
    bottom = reachable & movable & (goal <= h_min + tol) & ~top
    gamma[top], gamma[bottom] = 0.0, np.inf
    active = reachable & movable & ~top & ~bottom & ~(np.abs(h_now - goal) <= tol)
    iterations = np.zeros(n, dtype=np.int64)
    lo, hi = np.zeros(n), np.full(n, np.inf)
    last_step, older_step = np.full(n, np.inf), np.full(n, np.inf)
    steps: list[tuple[int, float, float, str]] = []
    kind = np.array(["start"] * n, dtype=object)
    h, var = h_now.copy(), var_now.copy()
    if trace:
        steps.append((0, float(gamma[0]), float(h[0]), "start"))
    for it in range(1, max_iter + 1):
        if not active.any():
            break
        idx = np.flatnonzero(active)
        g, f = gamma[idx], h[idx] - goal[idx]
        lo[idx] = np.where(f > 0, g, lo[idx])
        hi[idx] = np.where(f > 0, hi[idx], g)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = g + f / (g * var[idx])
        inside = np.isfinite(newton) & (newton > lo[idx]) & (newton < hi[idx])
        # As in Numerical Recipes' rtsafe: a Newton step must also be under half the step before the last,
        # so that a slowly converging run of Newton steps gives way to bisection.
        use_newton = inside & (2 * np.abs(newton - g) <= older_step[idx])
        geometric = (lo[idx] > 0) & (hi[idx] > 4 * lo[idx])
        bisect = np.where(np.isinf(hi[idx]), 2 * g,
                          np.where(geometric, np.sqrt(lo[idx] * hi[idx]), 0.5 * (lo[idx] + hi[idx])))
        new = np.where(use_newton, newton, bisect)
        older_step[idx] = last_step[idx]
        last_step[idx] = np.abs(new - g)
        gamma[idx] = new
        kind[idx] = np.where(use_newton, "newton", np.where(np.isinf(hi[idx]), "expand", "bisect"))
        iterations[idx] += 1
        _, h[idx], var[idx] = _evaluate(b[idx], support[idx], gamma[idx])
        if trace and idx[0] == 0:
            steps.append((it, float(gamma[0]), float(h[0]), str(kind[0])))
        done = np.abs(h[idx] - goal[idx]) <= tol
        # The bracket is down to a few ulps of γ: no float γ does better.
        stuck = (hi[idx] - lo[idx]) <= 4 * np.finfo(float).eps * np.maximum(gamma[idx], 1e-300)
        active[idx[done | stuck]] = False
    q, h_final, _ = _evaluate(b, support, gamma)
    q = np.where(reachable[:, None], q, p)
    h_final = np.where(reachable, h_final, h_now)
    converged = reachable & ((np.abs(h_final - goal) <= tol) | top | bottom | ~movable)
    return Normalized(q, np.where(reachable, gamma, np.nan), h_final, iterations, converged, reachable, h_min,
                      h_max, steps)


def normalize_entropy_published(
    p: ArrayLike, target: ArrayLike, *, tol: float = DEFAULT_TOL, max_iter: int = 10, trace: bool = False
) -> Normalized:
    """The published plain iteration, for comparison: γ ← 1 + (H* − H)/(H² − Σ p (ln p)²), p ← p^γ / Σ p^γ.

    No bracket, no safeguard: it reports what happens (γ ≤ 0, NaN or infinity end the row unconverged).
    ``gamma`` is the product of the steps' γ (the total power applied).
    """
    x: Array = np.atleast_2d(np.asarray(p, dtype=np.float64)).copy()
    n = x.shape[0]
    goal = np.broadcast_to(np.asarray(target, dtype=np.float64), (n,))
    h_min, h_max = entropy_range(x)
    total = np.ones(n)
    iterations = np.zeros(n, dtype=np.int64)
    active = np.ones(n, dtype=bool)
    failed = np.zeros(n, dtype=bool)
    steps: list[tuple[int, float, float, str]] = []
    with np.errstate(all="ignore"):
        for it in range(max_iter + 1):
            log_p = np.where(x > 0, np.log(np.where(x > 0, x, 1.0)), 0.0)
            h = -np.sum(x * log_p, axis=-1)
            if trace and not failed[0]:
                steps.append((it, float(total[0]), float(h[0]), "published" if it else "start"))
            active &= ~(np.abs(h - goal) <= tol) & ~failed
            if it == max_iter or not active.any():
                break
            g = 1.0 + (goal - h) / (h * h - np.sum(x * log_p * log_p, axis=-1))
            bad = active & ~(np.isfinite(g) & (g > 0))
            if trace and bad[0]:
                why = "failed: gamma <= 0 (would reverse the order)" if g[0] <= 0 else "failed: not finite"
                steps.append((it + 1, float(total[0] * g[0]), float(h[0]), why))
            failed |= bad
            step = active & ~bad
            g = np.where(step, g, 1.0)
            powered = np.where(x > 0, np.exp(g[:, None] * log_p), 0.0)
            x = np.where(step[:, None], powered / np.sum(powered, axis=-1, keepdims=True), x)
            failed |= step & ~np.isfinite(x).all(axis=-1)
            total = np.where(step, total * g, np.where(bad, np.nan, total))
            iterations += step | bad
    h = -np.sum(np.where(x > 0, x * np.log(np.where(x > 0, x, 1.0)), 0.0), axis=-1)
    converged = ~failed & (np.abs(h - goal) <= tol)
    return Normalized(x, total, h, iterations, converged, np.ones(n, dtype=bool), h_min, h_max, steps)
