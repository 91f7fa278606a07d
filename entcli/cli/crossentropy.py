"""The rows of ``entcli xent``: targets (distributions, labels or binary labels) paired with predictions.

This module only reads and pairs: every formula (losses, smoothing, weights, reductions) is in
:mod:`entcli.core.losses`. Per row it yields ``cross_entropy``, ``entropy_p`` and ``kl`` in the chosen unit;
with ``--reduction mean|sum`` it accumulates a :class:`~entcli.core.losses.BatchTotals` as the blocks stream
past and yields one row at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from entcli.cli import engine
from entcli.cli.options import Files, PairReading, Units
from entcli.core.distributions import Kind
from entcli.core.errors import DomainError
from entcli.core.losses import BatchTotals, Losses, binary_losses, label_losses, smooth_q, soft_target_losses
from entcli.errors import InputError
from entcli.io.blocks import Block, Source
from entcli.io.numbers import Column, Columns


@dataclass(frozen=True)
class XentSettings:
    """The loss options of one ``xent`` run (already checked by the command)."""

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


def read_weight(files: Files, src: str) -> engine.Array:
    rows = engine.load_rows(files, src, "--weight")
    if len(rows) != 1:
        raise InputError(f"--weight: {src} has {len(rows)} rows; give one row of K class weights")
    weights: engine.Array = rows[0]
    return weights


def _single_column(side: engine.Side, what: str) -> engine.Array:
    if side.p.shape[-1] != 1:
        raise InputError(f"{what}: expected one value per row, got {side.p.shape[-1]} columns",
                         "give one number per row")
    return side.p[:, 0]


def results(files: Files, reading: PairReading, units: Units, run: engine.Run, s: XentSettings, p_src: str,
            q_src: str, weight_src: str | None) -> Iterator[tuple[Columns, Block]]:
    a = files.open_src(p_src, "--target" if s.labels else "-p")
    b = files.open_src(q_src, "-q")
    q_kind = reading.kinds[1]
    if s.labels or s.binary:
        a = as_column(a)
    if s.binary:
        b = as_column(b)
        kinds: tuple[Kind, Kind] = ("bernoulli", "reals" if q_kind == "logits" else "bernoulli")
    else:
        kinds = ("labels" if s.labels else reading.kinds[0], q_kind)
    w = read_weight(files, weight_src) if weight_src is not None else None
    run.names = b.names or a.names
    scale = units.scale

    def losses(sp: engine.Side, sq: engine.Side, rows: Block | None = None) -> Losses:
        if s.binary:
            y, q = _single_column(sp, "labels"), _single_column(sq, "-q")
            if q_kind == "logits":
                return binary_losses(y, logits=q / reading.temperature, pos_weight=s.pos_weight)
            return binary_losses(y, q, pos_weight=s.pos_weight)
        qp, log_q = (sq.p, sq.log_p) if reading.epsilon is None else (smooth_q(sq.p, reading.epsilon), None)
        if w is not None and len(w) != qp.shape[-1]:
            raise InputError(f"--weight has {len(w)} class weights but q has {qp.shape[-1]} outcomes")
        if not s.labels:
            if sp.p.shape[-1] != qp.shape[-1]:
                raise InputError(f"-p has {sp.p.shape[-1]} outcomes but -q has {qp.shape[-1]}")
            return soft_target_losses(sp.p, qp, log_q, weight=w, label_smoothing=s.label_smoothing, terms=s.detail)
        try:
            return label_losses(_single_column(sp, "--target"), qp, log_q, weight=w,
                                label_smoothing=s.label_smoothing, ignore_index=s.ignore_index, terms=s.detail)
        except DomainError as e:
            if e.row is None:
                raise
            where = rows.where(e.row) if rows is not None else f"row {e.row + 1}"
            raise InputError(f"--target: {where}: {e.message}", "labels are 0-based: 0 .. K-1") from None

    def columns(result: Losses) -> dict[str, Column]:
        out: dict[str, Column] = {"cross_entropy": result.cross_entropy * scale, "entropy_p": result.entropy * scale,
                                  "kl": result.kl * scale, "unit": units.unit}
        if reading.epsilon is not None and not s.binary:
            out["epsilon"] = np.full_like(result.cross_entropy, reading.epsilon)
        if result.terms is not None:
            out["xent_terms"] = result.terms * scale
        return out

    if reading.pairwise:
        yield from engine.pairwise(a, b, kinds, reading, run, lambda sp, sq: columns(losses(sp, sq)))
        return
    totals = BatchTotals()
    for sp, sq, rows in engine.checked_pairs(a, b, kinds, reading, run):
        result = losses(sp, sq, rows)
        if s.reduction == "none":
            yield columns(result), rows
        else:
            totals.add(result)
    if s.reduction == "none":
        return
    xent, ent, kl = totals.reduce(s.reduction)
    yield from engine.single({"cross_entropy": np.array([xent * scale]), "entropy_p": np.array([ent * scale]),
                              "kl": np.array([kl * scale]), "unit": units.unit, "rows": np.array([totals.rows]),
                              "reduction": s.reduction})
