"""Blocks of rows and the sources that yield them: the unit every reader produces and every command consumes.

A :class:`Source` has a display name, optional outcome names (from a header) and an iterator of
:class:`Block`; each block holds up to a few megabytes of rows, so a command that computes and writes a
block before reading the next runs in bounded memory however long its input is.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError

#: Called with a message for each bad row skipped under ``--skip-invalid``.
BadRowHandler = Callable[[str], None]


@dataclass
class Block:
    """Rows ``values`` (n × K, float64); ``start`` is the 0-based index of the block's first row in its source.

    ``line_of`` maps a row of the block as read (0-based) to its 1-based line in the source, where lines
    exist. After a selection (:meth:`take`), ``positions`` holds the rows' places in the block as read,
    so that messages still name the right rows and lines. ``fields`` are the columns read as text (keys to
    carry, a label column), by name, one value per row. A block of a dataset's partition has the partition's
    name in ``origin`` and the number of rows of the partitions before it in ``offset``: row numbers count
    through the dataset, messages name the partition and the row in it.
    """

    values: NDArray[np.float64]
    start: int
    line_of: Callable[[int], int] | None = None
    positions: NDArray[np.intp] | None = None
    fields: dict[str, NDArray[Any]] | None = None
    origin: str | None = None
    offset: int = 0

    def _position(self, i: int) -> int:
        return int(self.positions[i]) if self.positions is not None else i

    def row_number(self, i: int) -> int:
        """The 1-based row number of row ``i`` of this block in its source."""
        return self.start + self._position(i) + 1

    def row_numbers(self) -> NDArray[np.intp]:
        """The 1-based row numbers of every row of this block."""
        base = self.positions if self.positions is not None else np.arange(len(self.values))
        return self.start + base + 1

    def where(self, i: int) -> str:
        """'row R' or 'row R (line L)' for row ``i`` of this block, for messages; in a dataset 'partition P,
        row R (line L)', R and L counted in the partition."""
        text = f"row {self.row_number(i) - self.offset}"
        if self.origin is not None:
            text = f"partition {self.origin}, {text}"
        if self.line_of is not None:
            text += f" (line {self.line_of(self._position(i))})"
        return text

    def take(self, rows: slice | NDArray[np.bool_] | NDArray[np.intp]) -> Block:
        """The sub-block of the given rows (a slice, a mask, or indices, which may repeat), keeping their row and
        line numbers."""
        base = self.positions if self.positions is not None else np.arange(len(self.values))
        fields = {k: v[rows] for k, v in self.fields.items()} if self.fields else None
        return Block(self.values[rows], self.start, self.line_of, base[rows], fields, self.origin, self.offset)


@dataclass
class Bytes:
    """How much of an input has been read, in bytes, and its size when it is known (a regular file): progress."""

    read: int = 0
    total: int | None = None


@dataclass
class Source:
    """A stream of distributions: ``name`` for messages, ``names`` of the outcomes (or None).

    ``keys`` name the fields of every block that go to the output (ids carried through); ``notes`` say how the
    input was read, for ``--explain`` (which JSON field held the distribution, which columns were keys);
    ``columns`` name all its columns in order.
    """

    name: str
    blocks: Iterator[Block]
    names: list[str] | None = None
    fmt: str = "values"
    keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: every column of the input by name, in input order (its header), where it has one
    columns: list[str] | None = None
    #: bytes read so far (and the size), for readers of byte streams
    bytes: Bytes | None = None
    #: its rows are read elsewhere (a dataset of a distributed run, on the cluster): here it has none
    remote: bool = False
    #: one partition of a dataset (a task's): it may have no rows, and paired with another empty one makes no pairs
    partial: bool = False


class RowsBeforeError(Exception):
    """Raised inside a chunk: the good rows before a bad line, and the error to raise after them."""

    def __init__(self, rows: list[list[float]], lines: list[int], error: InputError,
                 fields: dict[str, list[Any]] | None = None) -> None:
        super().__init__(error.message)
        self.rows = rows
        self.lines = lines
        self.error = error
        self.fields = fields


def iter_blocks(source: Source) -> Iterator[Block]:
    """The blocks of ``source``; rows before a bad line are yielded before its error is raised."""
    it = source.blocks
    start = 0
    while True:
        try:
            block = next(it)
        except StopIteration:
            return
        except RowsBeforeError as partial:
            if partial.rows:
                lines = partial.lines
                fields = {k: np.array(v, dtype=object) for k, v in partial.fields.items()} if partial.fields else None
                yield Block(np.array(partial.rows, dtype=np.float64), start, lines.__getitem__, fields=fields)
            raise partial.error from None
        start = block.start + len(block.values)
        yield block


class _Deferred:
    """The blocks of a source; a read error ends them and is kept in ``error`` to be raised after the pairs
    before it are out (so a late bad line on one side keeps the results of the rows before it)."""

    def __init__(self, source: Source) -> None:
        self.blocks = iter_blocks(source)
        self.error: InputError | None = None

    def __iter__(self) -> Iterator[Block]:
        return self

    def __next__(self) -> Block:
        if self.error is not None:
            raise StopIteration
        try:
            return next(self.blocks)
        except InputError as e:
            self.error = e
            raise StopIteration from None


def aligned(a: Source, b: Source) -> Iterator[tuple[Block, Block]]:
    """Pairs of equally long blocks of ``a`` and ``b`` (a single row of one side is repeated, not copied).

    A read error on either side is raised after the pairs of the rows before it."""
    da, db = _Deferred(a), _Deferred(b)
    yield from _aligned(a, b, da, db)
    for side in (da, db):
        if side.error is not None:
            raise side.error


def _aligned(a: Source, b: Source, da: _Deferred, db: _Deferred) -> Iterator[tuple[Block, Block]]:
    ia: Iterator[Block] = da
    ib: Iterator[Block] = db
    fa, fb = next(ia, None), next(ib, None)
    if (fa is None and da.error) or (fb is None and db.error):
        return
    if (fa is None or fb is None) and (a.remote or b.remote) or fa is None and fb is None and (a.partial or b.partial):
        return  # a distributed run's client (its tasks make the pairs), or two empty partitions
    if fa is None or fb is None:  # every reader raises on an empty input; this guards the generator protocol
        raise InputError(f"{(a if fa is None else b).name}: no rows to read", "give at least one row")
    # Is one side a single row (repeated against every row of the other)? Ask a side of values first: finding
    # out needs its next block, and a side streamed from a slow pipe would hold up the first result for it.
    peeked: dict[int, Block | None] = {}

    def whole(side: int) -> Iterator[Block]:
        first, seen, it = ((fa, peeked.get(0), ia), (fb, peeked.get(1), ib))[side]
        return itertools.chain([first], [seen] if seen is not None else [], it)

    for side in sorted((0, 1), key=lambda s: (a, b)[s].fmt != "values"):
        first, it, deferred = ((fa, ia, da), (fb, ib, db))[side]
        if len(first.values) != 1:
            continue
        peeked[side] = next(it, None)
        if peeked[side] is None and deferred.error is None:
            yield from (((first, block) if side == 0 else (block, first)) for block in whole(1 - side))
            return
    ia, ib = whole(0), whole(1)
    xa: Block | None = None
    xb: Block | None = None
    done = 0
    while True:
        xa = xa if xa is not None and len(xa.values) else next(ia, None)
        xb = xb if xb is not None and len(xb.values) else next(ib, None)
        if xa is None and xb is None:
            return
        if xa is None or xb is None:
            if da.error is not None or db.error is not None:
                return  # the side that ended had a read error: that error, not a row count, is the message
            rest, others = (xa, ia) if xa is not None else (xb, ib)
            more = len(rest.values) + sum(len(block.values) for block in others)  # type: ignore[union-attr]
            count_a, count_b = (done + more, done) if xa is not None else (done, done + more)
            raise InputError(
                f"{a.name} has {count_a} rows but {b.name} has {count_b}",
                "rows pair up 1 with N, N with 1, or N with N",
            )
        n = min(len(xa.values), len(xb.values))
        yield xa.take(slice(0, n)), xb.take(slice(0, n))
        xa, xb = xa.take(slice(n, None)), xb.take(slice(n, None))
        done += n
