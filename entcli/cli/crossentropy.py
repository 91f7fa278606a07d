"""The rows of ``entcli xent``: targets (distributions, labels or binary labels) paired with predictions.

This module only reads and pairs: every formula (losses, smoothing, weights, reductions) is in
:mod:`entcli.core.losses`. Per row it yields ``cross_entropy``, ``entropy_p`` and ``kl`` in the chosen unit;
with ``--reduction mean|sum`` it accumulates a :class:`~entcli.core.losses.BatchTotals` as the blocks stream
past and yields one row at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from entcli.cli import engine
from entcli.cli.options import Files, PairReading, Units
from entcli.core.distributions import Kind
from entcli.core.errors import DomainError
from entcli.core.losses import BatchTotals, Losses, binary_losses, label_losses, smooth_q, soft_target_losses
from entcli.errors import InputError
from entcli.io.blocks import Block, Source
from entcli.io.numbers import Column, Columns
from entcli.io.readers import values_source


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


def read_weight(files: Files, src: str, names: list[str] | None) -> engine.Array:
    """K class weights: numbers, ``name=weight`` pairs, or a file of one row; by name when both sides name them."""
    rows, weight_names = engine.load_side(files, src, "--weight")
    if len(rows) != 1:
        raise InputError(f"--weight: {src} has {len(rows)} rows; give one row of K class weights")
    weights: engine.Array = engine.by_name_rows(rows, weight_names, names, "--weight", False)[0]
    return weights


def label_values(src: str, names: list[str] | None) -> Source | None:
    """``--target cat,dog``: labels given as outcome names of the prediction (None: not names)."""
    tokens = [t for t in src.replace(",", " ").split() if t]
    if not names or not tokens or not all(t in names for t in tokens):
        return None
    source = values_source([str(names.index(t)) for t in tokens])
    source.name = "--target values"
    return source


def _single_column(side: engine.Side, what: str) -> engine.Array:
    if side.p.shape[-1] != 1:
        raise InputError(f"{what}: expected one value per row, got {side.p.shape[-1]} columns",
                         "give one number per row")
    return side.p[:, 0]


def results(files: Files, reading: PairReading, units: Units, run: engine.Run, s: XentSettings, p_src: str | None,
            q_src: str, weight_src: str | None, target_column: str | None = None
            ) -> Iterator[tuple[Columns, Block]]:
    if target_column is not None:
        yield from _label_column(files, reading, units, run, s, q_src, weight_src, target_column)
        return
    assert p_src is not None
    q_kind = reading.kinds[1]
    files = engine.pair_files(files, reading)
    b = files.open_src(q_src, "-q")
    named = label_values(p_src, b.names) if s.labels and not s.binary else None
    a = named or files.open_src(p_src, "--target" if s.labels else "-p")
    if s.labels or s.binary:
        a = as_column(a)
    if s.binary:
        b = as_column(b)
        kinds: tuple[Kind, Kind] = ("bernoulli", "reals" if q_kind == "logits" else "bernoulli")
    else:
        kinds = ("labels" if s.labels else reading.kinds[0], q_kind)
    pairs, note = engine.pair_up(a, b, files, reading, run, kinds, names=not (s.labels or s.binary))
    w = read_weight(files, weight_src, b.names) if weight_src is not None else None
    run.names = b.names or a.names
    run.note(note, f"rows paired by key: {', '.join(reading.on)}" if reading.on else "", *a.notes, *b.notes)

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

    columns = _columns(units, reading, s)
    if reading.pairwise:
        yield from engine.pairwise(a, b, kinds, reading, run, lambda sp, sq: columns(losses(sp, sq)))
        return
    yield from _reduced(((losses(sp, sq, rows), rows) for sp, sq, rows in engine.checked_pairs(
        a, b, kinds, reading, run, pairs)), s, units, columns, run)


def _columns(units: Units, reading: PairReading, s: XentSettings) -> Callable[[Losses], dict[str, Column]]:
    scale = units.scale

    def columns(result: Losses) -> dict[str, Column]:
        out: dict[str, Column] = {"cross_entropy": result.cross_entropy * scale, "entropy_p": result.entropy * scale,
                                  "kl": result.kl * scale, "unit": units.unit}
        if reading.epsilon is not None and not s.binary:
            out["epsilon"] = np.full_like(result.cross_entropy, reading.epsilon)
        if result.terms is not None:
            out["xent_terms"] = result.terms * scale
        return out

    return columns


def _reduced(losses: Iterator[tuple[Losses, Block]], s: XentSettings, units: Units,
             columns: Callable[[Losses], dict[str, Column]], run: engine.Run) -> Iterator[tuple[Columns, Block]]:
    """Per-row results, or with --reduction mean|sum one row for the batch (its totals kept in ``run.totals``,
    where a distributed run merges those of its partitions; a partition's task leaves the row to the client)."""
    scale = units.scale
    totals = run.totals = run.totals if run.totals is not None else BatchTotals()
    for result, rows in losses:
        if s.reduction == "none":
            yield columns(result), rows
        else:
            totals.add(result)
    from entcli.cli.context import in_partition

    if s.reduction == "none" or in_partition():
        return

    def batch() -> Columns:
        xent, ent, kl = totals.reduce(s.reduction)
        return {"cross_entropy": np.array([xent * scale]), "entropy_p": np.array([ent * scale]),
                "kl": np.array([kl * scale]), "unit": units.unit, "rows": np.array([totals.rows]),
                "reduction": s.reduction}

    yield from engine.batch_row(batch)


def _label_column(files: Files, reading: PairReading, units: Units, run: engine.Run, s: XentSettings, q_src: str,
                  weight_src: str | None, column: str) -> Iterator[tuple[Columns, Block]]:
    """Labels in a column of the prediction's own file (``--target-column``): indices or outcome names."""
    from entcli.core.logits import log_softmax
    from entcli.io.roles import class_indices

    q_kind = reading.kinds[1]
    b = files.wanting(column).open_src(q_src, "-q")
    if b.fmt == "values":
        raise InputError("--target-column names a column of the -q file", "give -q as a file with a header")
    w = read_weight(files, weight_src, b.names) if weight_src is not None else None
    run.names = b.names
    run.carry(b, files)
    run.note(f"labels: column {column!r} of {b.name}, outcome names or 0-based indices", *b.notes)

    def labels_of(block: Block) -> engine.Array:
        assert block.fields is not None
        return class_indices(block.fields[column], b.names)

    def check(p: engine.Array, block: Block) -> tuple[NDArray[np.bool_], Callable[[int], tuple[str, str]]]:
        y = labels_of(block)
        width = p.shape[-1]
        bad = ~((y >= 0) & (y < width) & (y == np.floor(y)))
        if s.ignore_index is not None:
            bad &= y != s.ignore_index

        def explain(i: int) -> tuple[str, str]:
            value = block.fields[column][i]  # type: ignore[index]
            names = f"an outcome name ({', '.join(b.names)}) or " if b.names else ""
            return (f"--target-column {column}: {value!r} is not {names}a class index 0 .. {width - 1}",
                    "labels are outcome names from the header or 0-based indices")

        return bad, explain

    reading_q = engine.Reading(q_kind, reading.temperature, reading.tol, reading.flags)

    def losses(p: engine.Array, block: Block) -> Losses:
        qp, log_q = (p, log_softmax(block.values, reading.temperature) if q_kind == "logits" else None)
        if reading.epsilon is not None:
            qp, log_q = smooth_q(p, reading.epsilon), None
        if w is not None and len(w) != qp.shape[-1]:
            raise InputError(f"--weight has {len(w)} class weights but q has {qp.shape[-1]} outcomes")
        return label_losses(labels_of(block), qp, log_q, weight=w, label_smoothing=s.label_smoothing,
                            ignore_index=s.ignore_index, terms=s.detail)

    yield from _reduced(((losses(p, block), block) for p, block in engine.checked(b, reading_q, run, check)), s,
                        units, _columns(units, reading, s), run)
