"""The row loop of ``entcli xent``: targets (distributions, labels or binary labels) against predictions.

Per row it computes the loss (``cross_entropy``), the target's entropy (``entropy_p``) and ``kl``, in the
chosen unit; with ``--reduction mean|sum`` it accumulates the batch totals as the blocks stream past and
yields one row at the end. The formulas and their deep-learning semantics are in
:mod:`entcli.core.losses`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from numpy.typing import NDArray

from entcli.cli import pairs
from entcli.cli.pipeline import Run
from entcli.core.distributions import Kind
from entcli.core.divergence import relative_entropy_terms
from entcli.core.losses import (
    binary_cross_entropy,
    binary_entropy,
    label_denominators,
    one_hot,
    smooth_labels,
    softplus,
    weighted_cross_entropy,
)
from entcli.core.shannon import safe_log
from entcli.core.units import nats_to
from entcli.errors import InputError
from entcli.io.readers import Block, Source, iter_blocks
from entcli.io.render import Column


@dataclass
class Settings:
    base: float
    unit: str
    q_kind: Kind
    p_kind: Kind
    labels: bool
    binary: bool
    label_smoothing: float
    ignore_index: int | None
    reduction: str
    pos_weight: float
    detail: bool


def as_column(source: Source) -> Source:
    """Numbers given on the command line for a per-row column (labels, binary q) are a column, not a row."""
    if source.fmt != "values":
        return source
    (block,) = list(source.blocks)
    source.blocks = iter([Block(block.values.reshape(-1, 1), 0)])
    return source


def read_weight(src: str, opts: SimpleNamespace) -> NDArray[np.float64]:
    source = pairs.open_src(src, "--weight", opts)
    rows = np.concatenate([b.values for b in iter_blocks(source)])
    if len(rows) != 1:
        raise InputError(f"--weight: {source.name} has {len(rows)} rows; give one row of K class weights")
    w = rows[0]
    if not (np.isfinite(w).all() and (w >= 0).all()):
        raise InputError("--weight: class weights must be finite and >= 0")
    return w


def _single_column(side: pairs.Side, what: str) -> NDArray[np.float64]:
    if side.p.shape[-1] != 1:
        raise InputError(f"{what}: expected one value per row, got {side.p.shape[-1]} columns",
                         "give one number per row")
    return side.p[:, 0]


def results(
    opts: SimpleNamespace, run: Run, s: Settings, p_src: str, q_src: str, weight_src: str | None
) -> Iterator[tuple[Mapping[str, Column], Block]]:
    a = pairs.open_src(p_src, "--target" if s.labels else "-p", opts)
    b = pairs.open_src(q_src, "-q", opts)
    if s.labels or s.binary:
        a = as_column(a)
    if s.binary:
        b = as_column(b)
        kinds: tuple[Kind, Kind] = ("bernoulli", "reals" if s.q_kind == "logits" else "bernoulli")
    else:
        kinds = ("labels" if s.labels else s.p_kind, s.q_kind)
    w = read_weight(weight_src, opts) if weight_src is not None else None
    run.names = b.names or a.names
    scale = nats_to(s.base)

    def compute(sp: pairs.Side, sq: pairs.Side, rows: Block | None = None) -> tuple[dict, NDArray[np.float64]]:
        if s.binary:
            return _binary(sp, sq, s, opts.temperature)
        qp, log_q = pairs.smoothed(sq, opts.epsilon)
        if log_q is None:
            log_q = safe_log(qp)
        k = qp.shape[-1]
        if w is not None and len(w) != k:
            raise InputError(f"--weight has {len(w)} class weights but q has {k} outcomes")
        if s.labels:
            labels = _single_column(sp, "--target")
            labels = np.broadcast_to(labels, (max(len(labels), len(qp)),))
            keep = labels != (s.ignore_index if s.ignore_index is not None else -1)
            out = keep & ~((labels >= 0) & (labels < k))
            if out.any():
                i = int(np.argmax(out))
                where = rows.where(i) if rows is not None else f"row {i + 1}"
                raise InputError(f"--target: {where}: label {int(labels[i])} is out of range for {k} classes",
                                 "labels are 0-based: 0 .. K-1")
            labels = np.where(keep, labels, 0).astype(np.intp)
            y = smooth_labels(one_hot(labels, k), s.label_smoothing)
            denominators = label_denominators(labels, w, len(labels), keep)
        else:
            if sp.p.shape[-1] != k:
                raise InputError(f"-p has {sp.p.shape[-1]} outcomes but -q has {k}")
            y = smooth_labels(sp.p, s.label_smoothing)
            keep = np.ones(np.broadcast_shapes(sp.p.shape, qp.shape)[:-1], dtype=bool)
            denominators = keep.astype(np.float64)
        loss, ent = weighted_cross_entropy(y, log_q, w)
        rel = relative_entropy_terms(y, qp, None, log_q)
        kl = np.maximum(np.sum(rel if w is None else w * rel, axis=-1), 0.0)
        loss, ent, kl = (np.where(keep, np.broadcast_to(v, keep.shape), 0.0) for v in (loss, ent, kl))
        columns: dict[str, Column] = {"cross_entropy": loss * scale, "entropy_p": ent * scale, "kl": kl * scale,
                                      "unit": s.unit}
        if opts.epsilon is not None:
            columns["epsilon"] = np.full_like(loss, opts.epsilon)
        if s.detail:
            wy = y if w is None else w * y
            with np.errstate(invalid="ignore"):
                columns["xent_terms"] = np.where(wy > 0, -wy * log_q, 0.0) * scale
        return columns, denominators

    if opts.pairwise:
        yield from pairs.pairwise(a, b, kinds, opts, run, lambda sp, sq: compute(sp, sq)[0])
        return
    totals: dict[str, float] = {"cross_entropy": 0.0, "entropy_p": 0.0, "kl": 0.0}
    denominator = 0.0
    counted = 0
    for sp, sq, rows in pairs.checked_pairs(a, b, kinds, opts, run):
        columns, d = compute(sp, sq, rows)
        if s.reduction == "none":
            yield columns, rows
            continue
        for name in totals:
            totals[name] += float(np.sum(columns[name]))  # type: ignore[arg-type]
        denominator += float(np.sum(d))
        counted += int(np.count_nonzero(d))
    if s.reduction == "none":
        return
    divide = denominator if s.reduction == "mean" else 1.0
    with np.errstate(invalid="ignore", divide="ignore"):
        batch: dict[str, Column] = {name: np.array([total / divide]) for name, total in totals.items()}
    batch.update(unit=s.unit, rows=np.array([counted]), reduction=s.reduction)
    yield batch, Block(np.zeros((1, 0)), 0)


def _binary(sp: pairs.Side, sq: pairs.Side, s: Settings, temperature: float) -> tuple[dict, NDArray[np.float64]]:
    y = _single_column(sp, "labels")
    q = _single_column(sq, "-q")
    y, q = np.broadcast_arrays(y, q)
    if s.q_kind == "logits":
        z = q / temperature
        loss = binary_cross_entropy(y, logits=z, pos_weight=s.pos_weight)
        log2 = np.stack([-softplus(-z), -softplus(z)], axis=-1)
        q2 = np.exp(log2)
    else:
        loss = binary_cross_entropy(y, q, pos_weight=s.pos_weight)
        q2 = np.stack([q, 1.0 - q], axis=-1)
        log2 = None
    y2 = np.stack([y, 1.0 - y], axis=-1)
    kl = np.maximum(np.sum(relative_entropy_terms(y2, q2, None, log2), axis=-1), 0.0)
    scale = nats_to(s.base)
    columns = {"cross_entropy": loss * scale, "entropy_p": binary_entropy(y) * scale, "kl": kl * scale,
               "unit": s.unit}
    return columns, np.ones(len(y))
