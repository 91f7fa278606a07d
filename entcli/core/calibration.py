"""Temperature scaling and calibration metrics (Guo et al., "On Calibration of Modern Neural Networks", 2017).

Temperature scaling divides the logits z by the T > 0 that minimises the mean negative log-likelihood of the
labels y. With β = 1/T and p(β) = softmax(β z):

    NLL(β)   = mean_n [ logsumexp(β z_n) − β z_{n, y_n} ]           (nats)
    NLL'(β)  = mean_n [ E_{p(β)}[z_n] − z_{n, y_n} ]
    NLL''(β) = mean_n [ Var_{p(β)}(z_n) ] ≥ 0                       so NLL is convex in β.

The minimum is where NLL' = 0, found by a bracketed Newton iteration (:func:`fit_temperature`). When
NLL'(0) ≥ 0 (the labels are no better than uniform under the ordering z gives) the best β ≥ 0 is 0: T = ∞.
When NLL' < 0 for every β (every row's label is its strict argmax), NLL falls forever: T → 0. Both are
reported, not hidden.

Binary (``--binary``, one logit per row, y ∈ {0, 1} or soft): p = σ(β z) and the NLL is the binary
cross-entropy; NLL' = mean (σ(β z) − y) z and NLL'' = mean σ(1 − σ) z².

Metrics of probabilities P (N × K) and labels y: accuracy (argmax = y; a tie among m maxima counts 1/m),
confidence max_k P, ECE = Σ_b (n_b/N)
|acc_b − conf_b| over equal-width confidence bins (b = 1..B, the last closed), adaptive ECE over equal-mass
bins (rows sorted by confidence, split into B groups of sizes differing by at most one), MCE = max_b |acc_b −
conf_b| over non-empty bins, Brier = mean Σ_k (P_k − onehot(y)_k)², and the mean entropy of P (nats).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.logits import log_softmax

Array = NDArray[np.float64]

#: The fit stops when |NLL'(β)| ≤ this (nats per row), or when the bracket is down to a few ulps of β.
GRADIENT_TOL = 1e-12
MAX_ITER = 200


def _moments(z: Array, beta: float, labels: NDArray[np.intp], binary: bool) -> tuple[float, float, float]:
    """(NLL, NLL', NLL'') at β, means over rows, in nats."""
    if binary:
        x = beta * z
        # −[y log σ(x) + (1 − y) log(1 − σ(x))] = y softplus(−x) + (1 − y) softplus(x)
        softplus = np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))
        y = labels.astype(np.float64)
        nll = np.mean(softplus - y * x)
        s = np.exp(-np.logaddexp(0.0, -x))  # σ(x), without overflow
        return float(nll), float(np.mean((s - y) * z)), float(np.mean(s * (1 - s) * z * z))
    with np.errstate(invalid="ignore"):
        lp = log_softmax(np.where(np.isfinite(z), beta * z, -np.inf))  # a −inf logit stays p = 0, also at β = 0
    p = np.exp(lp)
    rows = np.arange(len(z))
    finite = np.isfinite(z)
    zz = np.where(finite, z, 0.0)
    with np.errstate(over="ignore", invalid="ignore"):  # logits near ±1e308: a curvature of inf/NaN means bisect
        mean = np.sum(p * zz, axis=-1)
        var = np.sum(np.where(p > 0, p * (zz - mean[:, None]) ** 2, 0.0), axis=-1)
    nll = -np.mean(lp[rows, labels]) + 0.0  # + 0.0: no "-0.0" for a perfect fit
    return float(nll), float(np.mean(mean - zz[rows, labels])), float(np.mean(var))


@dataclass(frozen=True)
class Fit:
    """The fitted temperature (0 or inf at the ends), its β = 1/T, NLL before (T = 1) and after, iterations."""

    temperature: float
    beta: float
    nll_before: float
    nll_after: float
    iterations: int
    gradient: float
    note: str = ""


def nll_and_derivatives(z: ArrayLike, labels: ArrayLike, beta: float, binary: bool = False
                        ) -> tuple[float, float, float]:
    """(NLL, dNLL/dβ, d²NLL/dβ²) of the labels under softmax(β z) (σ(β z) with ``binary``), in nats."""
    zz, y = _check(z, labels, binary)
    return _moments(zz, beta, y, binary)


def _check(z: ArrayLike, labels: ArrayLike, binary: bool) -> tuple[Array, NDArray[np.intp]]:
    zz = np.asarray(z, dtype=np.float64)
    y = np.asarray(labels)
    if binary:
        zz = zz.reshape(-1)
        if not np.isfinite(zz).all():
            raise DomainError("binary logits must be finite")
        return zz, y
    if zz.ndim != 2 or len(zz) == 0:
        raise DomainError("the logits must be rows of K numbers")
    y = y.astype(np.intp)
    if len(y) != len(zz) or (y < 0).any() or (y >= zz.shape[1]).any():
        raise DomainError("every row needs a label 0 .. K-1")
    if not np.isfinite(zz[np.arange(len(zz)), y]).all():
        raise DomainError("a row's logit for its label is -inf: its likelihood is 0 at every temperature")
    return zz, y


def _separable(z: Array, y: NDArray[np.intp], binary: bool) -> bool:
    """True when every label is its row's strict argmax (binary: the sign of its logit), so NLL → 0 as β → ∞."""
    if binary:
        yy = np.asarray(y, dtype=np.float64)
        return bool(np.all(((yy == 1) & (z > 0)) | ((yy == 0) & (z < 0))))
    rows = np.arange(len(z))
    rest = z.copy()
    rest[rows, y] = -np.inf
    return bool(np.all(z[rows, y] > rest.max(axis=1)))


def fit_temperature(z: ArrayLike, labels: ArrayLike, binary: bool = False) -> Fit:
    """The T > 0 minimising the mean NLL of ``labels`` under softmax(z/T) (σ(z/T) with ``binary``).

    Newton steps on NLL'(β) = 0 (NLL'' in closed form), each kept only if it lands strictly inside the bracket
    [lo, hi] that every evaluation narrows (NLL' < 0: the minimum is at a larger β) and is under half the step
    before the last (Numerical Recipes' rtsafe rule, as in :mod:`entcli.core.normalize`), else bisection
    (doubling β while no upper end is known).
    """
    zz, y = _check(z, labels, binary)
    nll_1, g, h = _moments(zz, 1.0, y, binary)
    _, g0, _ = _moments(zz, 0.0, y, binary)
    if g0 >= 0:
        return Fit(math.inf, 0.0, nll_1, _moments(zz, 0.0, y, binary)[0], 0, g0,
                   "the labels are no better than uniform: the best temperature is infinite")
    if _separable(zz, y, binary):
        return Fit(0.0, math.inf, nll_1, 0.0, 0, 0.0,
                   "every label is its row's strict argmax: the NLL falls to 0 as T -> 0")
    lo, hi = 0.0, math.inf
    beta = 1.0
    last = older = math.inf
    for it in range(1, MAX_ITER + 1):
        if abs(g) <= GRADIENT_TOL:
            return Fit(1 / beta, beta, nll_1, _moments(zz, beta, y, binary)[0], it - 1, g)
        if g < 0:
            lo = beta
        else:
            hi = beta
        newton = beta - g / h if h > 0 else math.nan
        if math.isfinite(newton) and lo < newton < hi and 2 * abs(newton - beta) <= older:
            new = newton
        elif math.isinf(hi):
            new = 2 * beta
            if new > 1e300:  # unreachable after _separable; a guard against an endless expansion
                return Fit(0.0, math.inf, nll_1, _moments(zz, beta, y, binary)[0], it, g,
                           "the NLL falls as T -> 0")
        else:
            new = math.sqrt(lo * hi) if lo > 0 and hi > 4 * lo else 0.5 * (lo + hi)
        older, last = last, abs(new - beta)
        beta = new
        _, g, h = _moments(zz, beta, y, binary)
        if math.isfinite(hi) and hi - lo <= 4 * np.finfo(float).eps * beta:
            break
    return Fit(1 / beta, beta, nll_1, _moments(zz, beta, y, binary)[0], it, g)


@dataclass(frozen=True)
class Calibration:
    """The calibration metrics of one set of predictions (see the module docstring); bins for the diagram."""

    nll: float
    accuracy: float
    confidence: float
    ece: float
    adaptive_ece: float
    mce: float
    brier: float
    entropy: float
    bin_confidence: Array
    bin_accuracy: Array
    bin_count: NDArray[np.int64]


def calibration(probabilities: ArrayLike, labels: ArrayLike, bins: int = 15, log_p: ArrayLike | None = None
                ) -> Calibration:
    """Calibration metrics of ``probabilities`` (N × K, or N for binary P(y = 1)) against ``labels``."""
    if bins < 1:
        raise DomainError(f"the number of bins must be >= 1, got {bins}")
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(labels)
    if p.ndim == 1:  # binary: the two-outcome distribution (1 − P, P)
        p = np.column_stack([1 - p, p])
        log_p = None
    y = y.astype(np.intp)
    n = len(p)
    lp = np.log(np.where(p > 0, p, 1.0)) if log_p is None else np.asarray(log_p, dtype=np.float64)
    lp = np.where(p > 0, lp, -np.inf) if log_p is None else lp
    rows = np.arange(n)
    conf = p.max(axis=-1)
    # right when the label has the largest p; a tie among m maxima counts 1/m (the expected accuracy of breaking
    # it at random), so T = ∞ (all tied) does not favour the first class
    top = p == conf[:, None]
    correct = top[rows, y] / top.sum(axis=-1)
    # equal width: bin b holds confidences in [b/B, (b+1)/B), the last also 1
    index = np.minimum((conf * bins).astype(np.intp), bins - 1)
    count = np.bincount(index, minlength=bins)
    with np.errstate(invalid="ignore"):
        acc_b = np.bincount(index, weights=correct, minlength=bins) / count
        conf_b = np.bincount(index, weights=conf, minlength=bins) / count
    gaps = np.abs(acc_b - conf_b)
    seen = count > 0
    ece = float(np.sum(count[seen] * gaps[seen]) / n)
    mce = float(gaps[seen].max()) if seen.any() else 0.0
    order = np.argsort(conf, kind="stable")
    adaptive = 0.0
    for part in np.array_split(order, min(bins, n)):  # over bins, not rows
        adaptive += len(part) * abs(float(correct[part].mean()) - float(conf[part].mean()))
    onehot = np.zeros_like(p)
    onehot[rows, y] = 1.0
    with np.errstate(invalid="ignore"):
        entropy = -np.sum(np.where(p > 0, p * lp, 0.0), axis=-1)
    return Calibration(float(-np.mean(lp[rows, y])) + 0.0, float(correct.mean()), float(conf.mean()), ece, adaptive / n,
                       mce, float(np.mean(np.sum((p - onehot) ** 2, axis=-1))), float(entropy.mean()), conf_b,
                       acc_b, count.astype(np.int64))


def scaled(z: ArrayLike, temperature: float, binary: bool = False) -> tuple[Array, Array | None]:
    """(softmax(z/T), its log) per row (binary: σ(z/T) and None), with the limits at the ends: T = 0 puts the
    mass uniformly on each row's maxima, T = ∞ on its finite logits."""
    zz = np.asarray(z, dtype=np.float64)
    if binary:
        x = zz.reshape(-1)
        if temperature == 0:
            return np.where(x > 0, 1.0, np.where(x < 0, 0.0, 0.5)), None
        if math.isinf(temperature):
            return np.full(x.shape, 0.5), None
        return np.exp(-np.logaddexp(0.0, -x / temperature)), None
    if temperature == 0:
        top = zz == zz.max(axis=-1, keepdims=True)
    elif math.isinf(temperature):
        top = np.isfinite(zz)
    else:
        lp = log_softmax(zz / temperature)
        return np.exp(lp), lp
    p = top / top.sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        return p, np.log(p)
