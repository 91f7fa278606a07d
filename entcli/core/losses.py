"""Cross-entropy as deep-learning losses define it: class labels, label smoothing, class weights,
ignored rows, batch reductions, and binary cross-entropy from probabilities or logits.

All values are in nats (callers convert units). The semantics follow PyTorch's ``cross_entropy`` and
``binary_cross_entropy(_with_logits)``, written out here so they can be checked by hand:

- Label smoothing ε (index or probability targets): y' = (1 − ε) y + ε / K.
- Class weights w, index targets y_n: loss_n = −Σ_k w_k y'_{n,k} log q_{n,k}, and the batch mean divides the
  sum of losses by Σ_n w_{y_n} (the weight of each row's true class), not by N. Without smoothing this is
  loss_n = −w_{y_n} log q_{n,y_n}.
- Class weights, probability targets: the same loss_n, but the mean divides by N.
- ``ignore_index``: rows whose label equals it have loss 0 and leave both the sum and the denominator.
- Binary: loss = −[w₊ y log q + (1 − y) log(1 − q)]; from a logit z, log q = −softplus(−z) and
  log(1 − q) = −softplus(z), which never overflow. No clamping: q = 0 with y > 0 (or q = 1 with y < 1)
  is an infinite loss, reported as such (PyTorch clamps log at −100 instead).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.shannon import xlogx

Array = NDArray[np.float64]


def one_hot(labels: ArrayLike, k: int) -> Array:
    """Rows of K zeros with a 1 at each label (labels must be in [0, K))."""
    labels = np.asarray(labels, dtype=np.intp)
    out = np.zeros((labels.shape[0], k))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def smooth_labels(y: ArrayLike, epsilon: float) -> Array:
    """Label smoothing y' = (1 − ε) y + ε / K over the last axis (PyTorch's convention)."""
    y = np.asarray(y, dtype=np.float64)
    if epsilon == 0:
        return y
    return (1.0 - epsilon) * y + epsilon / y.shape[-1]


def weighted_cross_entropy(
    y: ArrayLike, log_q: ArrayLike, weight: ArrayLike | None = None
) -> tuple[Array, Array]:
    """Per-row (loss, entropy) in nats: loss_n = −Σ_k w_k y_{n,k} log q_{n,k}, entropy_n = −Σ_k w_k y log y.

    With w = 1 these are H(y, q) and H(y); loss − entropy is then KL(y‖q). Terms with y = 0 are 0,
    even where log q = −inf.
    """
    y = np.asarray(y, dtype=np.float64)
    log_q = np.asarray(log_q, dtype=np.float64)
    w = np.ones(y.shape[-1]) if weight is None else np.asarray(weight, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        terms = np.where(y > 0, -(w * y) * log_q, 0.0)
    return np.sum(terms, axis=-1), -np.sum(w * xlogx(y), axis=-1) + 0.0


def label_denominators(labels: ArrayLike | None, weight: ArrayLike | None, n: int, keep: ArrayLike) -> Array:
    """Each row's share of the batch-mean denominator: w_{y_n} for weighted index targets, else 1.

    Rows not kept (``ignore_index``) count 0.
    """
    keep = np.asarray(keep, dtype=bool)
    if labels is not None and weight is not None:
        w = np.asarray(weight, dtype=np.float64)
        d = np.where(keep, w[np.where(keep, np.asarray(labels, dtype=np.intp), 0)], 0.0)
        return d
    return keep.astype(np.float64) * np.ones(n)


def softplus(x: ArrayLike) -> Array:
    """softplus(x) = log(1 + e^x), computed as max(x, 0) + log1p(e^{−|x|}) so it never overflows."""
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


def binary_cross_entropy(
    y: ArrayLike, q: ArrayLike | None = None, *, logits: ArrayLike | None = None, pos_weight: float = 1.0
) -> Array:
    """Binary cross-entropy −[w₊ y log q + (1 − y) log(1 − q)] per row, in nats.

    Give the predicted probability ``q`` or the ``logits`` z (then q = σ(z), computed with softplus).
    A term whose label weight is 0 contributes 0 even when its log is −inf.
    """
    y = np.asarray(y, dtype=np.float64)
    if logits is not None:
        z = np.asarray(logits, dtype=np.float64)
        log_q, log_not_q = -softplus(-z), -softplus(z)
    else:
        q = np.asarray(q, dtype=np.float64)
        with np.errstate(divide="ignore"):
            log_q, log_not_q = np.log(q), np.log1p(-q)
    with np.errstate(invalid="ignore"):
        pos = np.where(y > 0, -pos_weight * y * log_q, 0.0)
        neg = np.where(y < 1, -(1.0 - y) * log_not_q, 0.0)
    return pos + neg


def binary_entropy(y: ArrayLike) -> Array:
    """H(y) = −y log y − (1 − y) log(1 − y) in nats: the loss of predicting q = y."""
    y = np.asarray(y, dtype=np.float64)
    return -(xlogx(y) + xlogx(1.0 - y)) + 0.0
