"""Drift between two samples: a 2 × K table of counts (baseline p, current q) and what it says.

For counts c_p, c_q over the same K categories or bins (n_p = Σ c_p, n_q = Σ c_q), with proportions
p = c_p / n_p and q = c_q / n_q (smoothed to (p + ε)/(1 + K ε) only when asked):

- ``psi`` (population stability index) = Σ (q_k − p_k) ln(q_k / p_k) = KL(p‖q) + KL(q‖p), in nats; +inf where
  a category has mass on one side only (unsmoothed). The common reading, a rule of thumb: < 0.1 stable,
  0.1–0.25 moderate, > 0.25 significant drift (:func:`psi_level`).
- ``kl`` KL(p‖q), ``reverse_kl`` KL(q‖p), ``js_divergence``, ``js_distance``, ``hellinger``, ``total_variation``
  (the cancellation-free forms of :mod:`entcli.core.divergence` and :mod:`entcli.core.measures`).
- The G-test of homogeneity: G = 2 Σ O ln(O / E) over the 2 × K table, E = (row total)(column total)/N, which
  equals 2 N · I(sample; category) in nats (the mutual information between "which sample" and "which
  category"); and Pearson's X² = Σ (O − E)² / E. Both are referred to χ² with K' − 1 degrees of freedom, K' the
  categories seen on either side (a category empty on both sides carries no information).

Counts are those of the samples, unsmoothed, in the G-test and X²; ε applies to the proportions only.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.divergence import js_divergence, kl_divergence
from entcli.core.errors import DomainError
from entcli.core.measures import hellinger, total_variation
from entcli.core.vocabulary import DRIFT_MEASURES

Array = NDArray[np.float64]

#: The measures of :func:`drift_measures`, in output order; ``psi`` is the default primary one.
MEASURES = DRIFT_MEASURES
#: PSI thresholds of the usual reading (a rule of thumb, not a test): stable < 0.1 ≤ moderate ≤ 0.25 < significant.
PSI_LEVELS = ((0.1, "stable"), (0.25, "moderate"))


def proportions(counts: ArrayLike, epsilon: float | None = None) -> Array:
    """c / Σ c, smoothed to (p + ε)/(1 + K ε) when ``epsilon`` is given."""
    c = np.asarray(counts, dtype=np.float64)
    total = c.sum()
    if not total > 0:
        raise DomainError("a sample has no observations")
    p = c / total
    if epsilon is not None:
        p = (p + epsilon) / (1 + len(p) * epsilon)
    return p


def drift_measures(counts_p: ArrayLike, counts_q: ArrayLike, epsilon: float | None = None) -> dict[str, float]:
    """Every measure of :data:`MEASURES` for one 2 × K table, in nats (see the module docstring)."""
    p, q = proportions(counts_p, epsilon), proportions(counts_q, epsilon)
    kl = float(kl_divergence(p, q))
    reverse = float(kl_divergence(q, p))
    js = float(js_divergence(p, q))
    return {"psi": kl + reverse, "kl": kl, "reverse_kl": reverse, "js_divergence": js, "js_distance": math.sqrt(js),
            "hellinger": float(hellinger(p, q)), "total_variation": float(total_variation(p, q))}


def contributions(counts_p: ArrayLike, counts_q: ArrayLike, epsilon: float | None = None) -> dict[str, Array]:
    """Per category: the proportions and its terms of PSI, (q − p) ln(q/p), and of KL(p‖q), p ln(p/q)."""
    p, q = proportions(counts_p, epsilon), proportions(counts_q, epsilon)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_ratio = np.log(np.where(q > 0, q, 1.0)) - np.log(np.where(p > 0, p, 1.0))
        psi = np.where((p > 0) & (q > 0), (q - p) * log_ratio, np.where(p == q, 0.0, np.inf))
        kl = np.where(p > 0, np.where(q > 0, -p * log_ratio, np.inf), 0.0)
    return {"p": p, "q": q, "psi_term": psi, "kl_term": kl}


def g_test(counts_p: ArrayLike, counts_q: ArrayLike) -> tuple[float, float, float, float, int]:
    """(G, its p-value, Pearson X², its p-value, degrees of freedom) of homogeneity of the 2 × K table.

    G = 2 Σ O ln(O/E) (O = 0 cells contribute 0), X² = Σ (O − E)²/E, E = row total × column total / N, over
    the columns seen on either side; dof = K' − 1. With K' = 1 both statistics are 0 and the p-values 1.
    """
    table = np.vstack([np.asarray(counts_p, dtype=np.float64), np.asarray(counts_q, dtype=np.float64)])
    table = table[:, table.sum(axis=0) > 0]
    n = table.sum()
    dof = table.shape[1] - 1
    if dof < 1 or not n > 0:
        return 0.0, 1.0, 0.0, 1.0, max(dof, 0)
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        g = 2 * float(np.sum(np.where(table > 0, table * np.log(table / expected), 0.0)))
    x2 = float(np.sum((table - expected) ** 2 / expected))
    g = max(g, 0.0)
    return g, chi2_sf(g, dof), x2, chi2_sf(x2, dof), dof


def chi2_sf(x: float, dof: int) -> float:
    """P(χ²_dof > x): the regularized upper incomplete gamma Q(dof/2, x/2) (series below a + 1, else Lentz's
    continued fraction; relative accuracy ~1e-14 where the result is not below 1e-300)."""
    if dof < 1:
        raise DomainError(f"degrees of freedom must be >= 1, got {dof}")
    if not x > 0:
        return 1.0
    if math.isinf(x):
        return 0.0
    a, z = dof / 2.0, x / 2.0
    log_prefix = a * math.log(z) - z - math.lgamma(a)
    if z < a + 1:  # P(a, z) by its series; Q = 1 − P
        term = total = 1.0 / a
        k = a
        for _ in range(10_000):
            k += 1
            term *= z / k
            total += term
            if abs(term) < abs(total) * 1e-17:
                break
        return max(0.0, 1.0 - math.exp(log_prefix) * total) if log_prefix > -745 else 1.0
    # Q(a, z) by the continued fraction (modified Lentz)
    tiny = 1e-300
    b = z + 1 - a
    c = 1 / tiny
    d = 1 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-17:
            break
    return math.exp(log_prefix + math.log(h)) if log_prefix + math.log(h) > -745 else 0.0


def psi_level(psi: float) -> str:
    """The usual reading of a PSI (a rule of thumb): stable < 0.1, moderate up to 0.25, significant above."""
    if psi < PSI_LEVELS[0][0]:
        return PSI_LEVELS[0][1]
    if psi <= PSI_LEVELS[1][0]:
        return PSI_LEVELS[1][1]
    return "significant" if psi == psi else "undefined"


def quantile_edges(values: ArrayLike, bins: int) -> Array:
    """The inner edges of ``bins`` equal-mass bins of ``values`` (numpy's default linear quantiles), ties merged."""
    v = np.asarray(values, dtype=np.float64)
    if bins < 1:
        raise DomainError(f"the number of bins must be >= 1, got {bins}")
    inner = np.quantile(v, np.linspace(0, 1, bins + 1)[1:-1]) if bins > 1 else np.empty(0)
    return np.unique(inner)


def uniform_edges(values: ArrayLike, bins: int) -> Array:
    """The inner edges of ``bins`` equal-width bins over [min, max] of ``values``."""
    v = np.asarray(values, dtype=np.float64)
    if bins < 1:
        raise DomainError(f"the number of bins must be >= 1, got {bins}")
    return np.unique(np.linspace(v.min(), v.max(), bins + 1)[1:-1])


def bin_counts(values: ArrayLike, edges: ArrayLike) -> NDArray[np.int64]:
    """Counts of ``values`` in the bins (−inf, e₁), [e₁, e₂), …, [e_m, +inf): the outer bins are open, so values
    outside the baseline's range still count."""
    e = np.asarray(edges, dtype=np.float64)
    index = np.searchsorted(e, np.asarray(values, dtype=np.float64), side="right")
    return np.bincount(index, minlength=len(e) + 1).astype(np.int64)


def bin_labels(edges: ArrayLike) -> list[str]:
    """Names of the bins of :func:`bin_counts`: ``(-inf, a)``, ``[a, b)``, …, ``[z, inf)``."""
    e = [repr(float(x)) for x in np.asarray(edges, dtype=np.float64)]
    if not e:
        return ["(-inf, inf)"]
    return [f"(-inf, {e[0]})"] + [f"[{a}, {b})" for a, b in zip(e, e[1:], strict=False)] + [f"[{e[-1]}, inf)"]
