"""Reductions over the last axis (one distribution per row) that are faster than NumPy's for narrow rows."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

#: Up to this many numbers per row, :func:`row_sums` adds by ``einsum``.
EINSUM_WIDTH = 128


def row_sums(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """Σ_j x_ij of each row (the last axis).

    ``np.sum(x, axis=-1)`` runs its inner loop once per row: for rows of ten numbers that is ~4x slower than
    ``einsum``, which adds the same numbers with as many partial sums. Up to :data:`EINSUM_WIDTH` numbers per row
    both are as accurate (max relative error 4.4e-16 against ``math.fsum`` on random rows, tests/core); the last bit
    may differ. Wider rows get NumPy's pairwise sum, whose error grows as log K. A row's sum depends on its values
    alone (not on where in a block it is, nor on the block's layout)."""
    if x.ndim != 2 or x.shape[1] > EINSUM_WIDTH or x.dtype != np.float64:
        return np.sum(x, axis=-1)
    # einsum's order of additions follows the memory layout: rows laid out one way, so that a row's sum is the
    # same however its block was read (a column-major block summed apart from a row-major one differed in the
    # last bit, and a partitioned dataset then printed other digits than the single file).
    return np.einsum("ij->i", np.ascontiguousarray(x))


#: Up to this many numbers per row, :func:`row_max` takes the maximum column by column.
NARROW = 16


def row_max(x: NDArray[np.float64]) -> NDArray[np.float64]:
    """max_j x_ij of each row (NaN where the row has one, as ``np.max``).

    For narrow rows NumPy's per-row loop dominates (3.5x slower at ten numbers a row): the maximum is then taken a
    column at a time, over all rows at once. From :data:`NARROW` numbers a row on, ``np.max``."""
    if x.ndim != 2 or x.shape[1] > NARROW or x.shape[1] == 0:
        return np.max(x, axis=-1)
    m = x[:, 0].copy()
    for j in range(1, x.shape[1]):
        np.maximum(m, x[:, j], out=m)
    return m
