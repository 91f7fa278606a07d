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

import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.shannon import safe_log, xlogx
from entcli.core.vocabulary import REDUCTIONS

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


@dataclass(frozen=True)
class Losses:
    """Per-row results of a cross-entropy loss, in nats.

    ``cross_entropy`` the loss; ``entropy`` the (weighted) entropy of the target; ``kl`` the (weighted)
    KL(y‖q) = loss − entropy, computed directly so that it keeps its accuracy; ``denominator`` each row's
    share of the batch-mean denominator (0 for ignored rows); ``terms`` the per-outcome terms −w y log q
    when asked for.
    """

    cross_entropy: Array
    entropy: Array
    kl: Array
    denominator: Array
    terms: Array | None = None


def smooth_q(q: ArrayLike, epsilon: float) -> Array:
    """Additive smoothing q' = (q + ε) / (1 + K ε) over the last axis (ε ≥ 0, finite), so q' > 0 where ε > 0."""
    if not (epsilon >= 0 and math.isfinite(epsilon)):
        raise DomainError(f"the smoothing constant must be finite and >= 0, got {epsilon}")
    q = np.asarray(q, dtype=np.float64)
    return (q + epsilon) / (1.0 + q.shape[-1] * epsilon)


def labels_out_of_range(labels: ArrayLike, k: int, ignore_index: int | None = None) -> NDArray[np.bool_]:
    """Mask of the labels that are not a class index in [0, K) (labels equal to ``ignore_index`` are fine)."""
    labels = np.asarray(labels, dtype=np.float64)
    ignored = labels == ignore_index if ignore_index is not None else np.zeros(labels.shape, dtype=bool)
    return ~ignored & ~((labels >= 0) & (labels < k) & (labels == np.floor(labels)))


def number_text(value: float) -> str:
    """A number for a message: whole numbers without a fraction (3, not 3.0), others as their repr."""
    v = float(value)
    return str(int(v)) if v.is_integer() else repr(v)


def _check_weight(weight: ArrayLike | None, k: int) -> Array | None:
    if weight is None:
        return None
    w = np.asarray(weight, dtype=np.float64)
    if w.shape != (k,):
        raise DomainError(f"{w.size} class weights given for {k} classes")
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise DomainError("class weights must be finite and >= 0")
    return w


def _losses(y: Array, q: Array, log_q: Array, w: Array | None, keep: Array, denominator: Array,
            terms: bool) -> Losses:
    from entcli.core.divergence import relative_entropy_terms

    loss, ent = weighted_cross_entropy(y, log_q, w)
    rel = relative_entropy_terms(y, q, None, log_q)
    kl = np.maximum(np.sum(rel if w is None else w * rel, axis=-1), 0.0)
    loss, ent, kl = (np.where(keep, np.broadcast_to(v, keep.shape), 0.0) for v in (loss, ent, kl))
    per_outcome = None
    if terms:
        wy = y if w is None else w * y
        with np.errstate(invalid="ignore"):
            per_outcome = np.where(wy > 0, -wy * log_q, 0.0)
    return Losses(loss, ent, kl, denominator, per_outcome)


def soft_target_losses(
    y: ArrayLike, q: ArrayLike, log_q: ArrayLike | None = None, *, weight: ArrayLike | None = None,
    label_smoothing: float = 0.0, terms: bool = False,
) -> Losses:
    """Cross-entropy of target distributions y against predictions q (rows broadcast), in nats.

    loss_n = −Σ_k w_k y'_{n,k} log q_{n,k} with y' = (1 − ε) y + ε/K; the batch mean divides by N.
    ``log_q`` (e.g. a log-softmax) replaces log q where given.
    """
    y = np.asarray(y, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    k = q.shape[-1]
    if y.shape[-1] != k:
        raise DomainError(f"p has {y.shape[-1]} outcomes but q has {k}")
    w = _check_weight(weight, k)
    lq = safe_log(q) if log_q is None else np.asarray(log_q, dtype=np.float64)
    keep = np.ones(np.broadcast_shapes(y.shape, q.shape)[:-1], dtype=bool)
    return _losses(smooth_labels(y, label_smoothing), q, lq, w, keep, keep.astype(np.float64), terms)


def label_losses(
    labels: ArrayLike, q: ArrayLike, log_q: ArrayLike | None = None, *, weight: ArrayLike | None = None,
    label_smoothing: float = 0.0, ignore_index: int | None = None, terms: bool = False,
) -> Losses:
    """Cross-entropy of class labels (0-based indices) against predictions q, in nats (PyTorch's semantics).

    loss_n = −Σ_k w_k y'_{n,k} log q_{n,k} for the smoothed one-hot y'; the batch mean divides by Σ_n w_{y_n};
    rows labelled ``ignore_index`` have loss 0 and no weight. A single label or a single q row broadcasts.
    """
    q = np.asarray(q, dtype=np.float64)
    k = q.shape[-1]
    labels = np.asarray(labels, dtype=np.float64).reshape(-1)
    labels = np.broadcast_to(labels, (max(len(labels), len(q)),))
    out = labels_out_of_range(labels, k, ignore_index)
    if out.any():
        i = int(np.argmax(out))
        raise DomainError(f"label {number_text(labels[i])} is out of range for {k} classes", row=i)
    w = _check_weight(weight, k)
    keep = labels != ignore_index if ignore_index is not None else np.ones(len(labels), dtype=bool)
    index = np.where(keep, labels, 0).astype(np.intp)
    y = smooth_labels(one_hot(index, k), label_smoothing)
    lq = safe_log(q) if log_q is None else np.asarray(log_q, dtype=np.float64)
    return _losses(y, q, lq, w, keep, label_denominators(index, w, len(index), keep), terms)


def binary_losses(y: ArrayLike, q: ArrayLike | None = None, *, logits: ArrayLike | None = None,
                  pos_weight: float = 1.0) -> Losses:
    """Binary cross-entropy per row (see :func:`binary_cross_entropy`), with H(y) and KL(y‖q) of the two-outcome
    distributions (y, 1 − y) and (q, 1 − q); from logits, log q and log(1 − q) come from softplus."""
    from entcli.core.divergence import relative_entropy_terms

    if not pos_weight > 0:
        raise DomainError(f"the positive-class weight must be > 0, got {pos_weight}")
    y = np.asarray(y, dtype=np.float64)
    if logits is not None:
        y, z = np.broadcast_arrays(y, np.asarray(logits, dtype=np.float64))
        loss = binary_cross_entropy(y, logits=z, pos_weight=pos_weight)
        log2: Array | None = np.stack([-softplus(-z), -softplus(z)], axis=-1)
        q2 = np.exp(np.stack([-softplus(-z), -softplus(z)], axis=-1))
    else:
        y, qq = np.broadcast_arrays(y, np.asarray(q, dtype=np.float64))
        loss = binary_cross_entropy(y, qq, pos_weight=pos_weight)
        q2, log2 = np.stack([qq, 1.0 - qq], axis=-1), None
    y2 = np.stack([y, 1.0 - y], axis=-1)
    kl = np.maximum(np.sum(relative_entropy_terms(y2, q2, None, log2), axis=-1), 0.0)
    return Losses(loss, binary_entropy(y), kl, np.ones(len(y)))


@dataclass
class BatchTotals:
    """The per-row losses of a batch, summed block by block and reduced at the end (``mean`` or ``sum``).

    Each block's sums are kept and added with :func:`math.fsum` (correctly rounded), so the result does not
    depend on how the rows were grouped into partitions: totals of partitions :meth:`merge` into the same
    batch total, in any grouping, as one process reading every block.
    """

    cross_entropy: list[float] = field(default_factory=list)
    entropy: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    denominator: list[float] = field(default_factory=list)
    rows: int = 0

    def add(self, losses: Losses) -> None:
        self.cross_entropy.append(float(np.sum(losses.cross_entropy)))
        self.entropy.append(float(np.sum(losses.entropy)))
        self.kl.append(float(np.sum(losses.kl)))
        self.denominator.append(float(np.sum(losses.denominator)))
        self.rows += int(np.count_nonzero(losses.denominator))

    def merge(self, other: BatchTotals) -> None:
        """Add the blocks of ``other`` (a later partition of the same batch)."""
        self.cross_entropy += other.cross_entropy
        self.entropy += other.entropy
        self.kl += other.kl
        self.denominator += other.denominator
        self.rows += other.rows

    def reduce(self, reduction: str) -> tuple[float, float, float]:
        """(cross_entropy, entropy, kl) of the batch: their sums, or means (sum / Σ denominators).

        A mean over no weight (every row ignored, or every class weight 0) has no value: a DomainError.
        """
        sums = math.fsum(self.cross_entropy), math.fsum(self.entropy), math.fsum(self.kl)
        if reduction == "sum":
            return sums
        if reduction != "mean":
            raise DomainError(f"unknown reduction {reduction!r}; choose one of {', '.join(REDUCTIONS)}")
        d = math.fsum(self.denominator)
        if not d > 0:
            raise DomainError("the mean loss is undefined: no row has any weight (all ignored, or weight 0)")
        return sums[0] / d, sums[1] / d, sums[2] / d
