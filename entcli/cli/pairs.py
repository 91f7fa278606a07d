"""Two-input commands (``xent``, ``kl``): the p and q sources, their kinds, and rows read side by side.

Row counts broadcast: 1 vs N and N vs 1 pair the single row with every row of the other side; N vs N pairs
row i with row i; anything else is an error stating both counts. Blocks of the two sides are re-cut so
that they line up, and both are checked before anything is computed, so a bad row on either side is named
with its side, row and line (or the pair skipped, with ``--skip-invalid``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from numpy.typing import NDArray

from entcli.cli.pipeline import (
    Run,
    check_temperature,
    check_tol,
    checked,
    column_list,
    output_format,
    row_error,
)
from entcli.core.distributions import Kind, to_probabilities
from entcli.core.logits import log_softmax
from entcli.errors import InputError
from entcli.io.readers import Block, Source, iter_blocks, looks_numeric, open_source, values_source
from entcli.io.render import Column


def open_src(src: str, label: str, opts: SimpleNamespace) -> Source:
    """A SRC of a two-input command: numbers (one row), ``-`` (stdin) or a path.

    Rows that cannot be parsed are always errors here: skipping one on one side would pair every later
    row with the wrong partner. (``--skip-invalid`` still skips pairs whose numbers fail the checks.)
    """
    if src != "-" and looks_numeric(src):
        source = values_source([src])
        source.name = f"{label} values"
        return source
    fmt = opts.input_format.value if opts.input_format is not None else None
    return open_source(src, fmt, opts.delimiter, opts.header, columns=column_list(opts))


def one_stdin(*srcs: str | None) -> None:
    if sum(s == "-" for s in srcs) > 1:
        raise InputError("only one input can be stdin (-)", "give the other one as a file or as numbers")


def side_kind(opts: SimpleNamespace, side: str, shared_applies: bool) -> Kind:
    """What the numbers of side ``side`` ('p' or 'q') are: --{side}-counts etc., or the shared flags."""
    chosen = [k for k in ("counts", "logits", "renormalize") if getattr(opts, f"{side}_{k}")]
    if shared_applies:
        chosen += [k for k in ("counts", "logits", "renormalize") if getattr(opts, k)]
    chosen = list(dict.fromkeys(chosen))
    check_tol(opts.tol)
    if len(chosen) > 1:
        raise InputError(f"conflicting options for {side}: {', '.join(chosen)}", "each input is one kind of numbers")
    return chosen[0] if chosen else "probs"  # type: ignore[return-value]


@dataclass
class Side:
    """One block of one side, checked: probabilities, exact logs (logits only) and the rows as read."""

    p: NDArray[np.float64]
    log_p: NDArray[np.float64] | None
    block: Block


def aligned(a: Source, b: Source) -> Iterator[tuple[Block, Block]]:
    """Pairs of equally long blocks of ``a`` and ``b`` (a single row of one side is repeated, not copied)."""
    ia, ib = iter_blocks(a), iter_blocks(b)
    fa, fb = next(ia, None), next(ib, None)
    if fa is None or fb is None:  # every reader raises on an empty input; this guards the generator protocol
        raise InputError(f"{(a if fa is None else b).name}: no rows to read", "give at least one row")
    a_more, b_more = next(ia, None), next(ib, None)
    if len(fa.values) == 1 and a_more is None:
        for block in itertools.chain([fb], [b_more] if b_more is not None else [], ib):
            yield fa, block
        return
    if len(fb.values) == 1 and b_more is None:
        for block in itertools.chain([fa], [a_more] if a_more is not None else [], ia):
            yield block, fb
        return
    ia = itertools.chain([fa], [a_more] if a_more is not None else [], ia)
    ib = itertools.chain([fb], [b_more] if b_more is not None else [], ib)
    xa: Block | None = None
    xb: Block | None = None
    done = 0
    while True:
        xa = xa if xa is not None and len(xa.values) else next(ia, None)
        xb = xb if xb is not None and len(xb.values) else next(ib, None)
        if xa is None and xb is None:
            return
        if xa is None or xb is None:
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


def checked_pairs(
    a: Source, b: Source, kinds: tuple[Kind, Kind], opts: SimpleNamespace, run: Run
) -> Iterator[tuple[Side, Side, Block]]:
    """Checked sides of aligned blocks, and the block whose row numbers the results carry."""
    temperature = check_temperature(opts.temperature)
    for ba, bb in aligned(a, b):
        sides = []
        bad = np.zeros(max(len(ba.values), len(bb.values)), dtype=bool)
        for block, kind in zip((ba, bb), kinds, strict=True):
            p, bad_rows = to_probabilities(block.values, kind, temperature, opts.tol)
            log_p = log_softmax(block.values, temperature) if kind == "logits" else None
            sides.append(Side(p, log_p, block))
            bad = bad | bad_rows
        rows = ba if len(ba.values) >= len(bb.values) else bb
        if bad.any():
            first = int(np.argmax(bad))
            if not opts.skip_invalid:
                if first:
                    yield *(_take(s, slice(0, first)) for s in sides), rows.take(slice(0, first))  # type: ignore[misc]
                raise _pair_error(a, b, sides, kinds, first, opts.tol)
            for i in np.flatnonzero(bad).tolist():
                run.skip(_pair_error(a, b, sides, kinds, i, opts.tol).message)
            keep = ~bad
            if not keep.any():
                continue
            sides = [_take(s, keep) for s in sides]
            rows = rows.take(keep)
        yield sides[0], sides[1], rows


def _take(side: Side, rows: slice | NDArray[np.bool_]) -> Side:
    if len(side.p) == 1:  # a broadcast single row stays as it is
        return side
    return Side(side.p[rows], None if side.log_p is None else side.log_p[rows], side.block.take(rows))


def _pair_error(a: Source, b: Source, sides: list[Side], kinds: tuple[Kind, Kind], i: int, tol: float) -> InputError:
    for source, side, kind in zip((a, b), sides, kinds, strict=True):
        j = 0 if len(side.p) == 1 else i
        if np.isnan(side.p[j]).any():
            return row_error(source, side.block, j, kind, tol)
    raise AssertionError("a bad pair has no bad side")  # pragma: no cover


def smoothed(side: Side, epsilon: float | None) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
    """q and its exact log, or with --epsilon E the smoothed q' = (q + E) / (1 + K E) (and no exact log)."""
    if epsilon is None:
        return side.p, side.log_p
    if not (epsilon >= 0 and np.isfinite(epsilon)):
        raise InputError(f"--epsilon must be finite and >= 0, got {epsilon}", "e.g. --epsilon 1e-9")
    k = side.p.shape[-1]
    return (side.p + epsilon) / (1.0 + k * epsilon), None


Compute = Callable[[Side, Side], Mapping[str, Column]]

#: Pairwise results are computed for this many (p row, q row, outcome) triples at a time at most.
PAIRWISE_CELLS = 1 << 22


def pairwise(
    a: Source, b: Source, kinds: tuple[Kind, Kind], opts: SimpleNamespace, run: Run, compute: Compute
) -> Iterator[tuple[Mapping[str, Column], Block]]:
    """Every p row against every q row: q is read whole, p streams in slices of bounded size.

    Plain output gets the N x M matrix of the primary result (one line per p row); other formats get the
    long form, one row per pair with ``p_row`` and ``q_row`` (1-based).
    """
    temperature = check_temperature(opts.temperature)
    q_parts = list(checked(b, kinds[1], temperature, opts.tol, run))
    if not q_parts:
        raise InputError(f"{b.name}: no valid rows", "give at least one q row")
    q = Side(np.concatenate([part[0] for part in q_parts]), None, q_parts[0][1])
    if kinds[1] == "logits":
        q.log_p = np.concatenate([log_softmax(part[1].values, temperature) for part in q_parts])
    q_rows = np.concatenate([part[1].row_numbers() for part in q_parts])
    m, k = q.p.shape
    q3 = Side(q.p[None, :, :], None if q.log_p is None else q.log_p[None, :, :], q.block)
    step = max(1, PAIRWISE_CELLS // max(1, m * k))
    plain = output_format(opts) == "plain"
    for p, block in checked(a, kinds[0], temperature, opts.tol, run):
        log_p = log_softmax(block.values, temperature) if kinds[0] == "logits" else None
        for lo in range(0, len(p), step):
            part = block.take(slice(lo, lo + step))
            n = len(part.values)
            side = Side(p[lo:lo + n, None, :], None if log_p is None else log_p[lo:lo + n, None, :], part)
            fields = compute(side, q3)
            if plain:
                yield {run.primary: fields[run.primary]}, part
                continue
            long = {"p_row": np.repeat(part.row_numbers(), m), "q_row": np.tile(q_rows, n)}
            long.update({name: col if isinstance(col, str) else col.reshape(n * m) for name, col in fields.items()})
            yield long, part.take(np.repeat(np.arange(n), m))


def load_rows(src: str, label: str, opts: SimpleNamespace) -> NDArray[np.float64]:
    """All rows of a small side input (a target, a teacher, weights), read whole."""
    source = open_src(src, label, opts)
    return np.concatenate([block.values for block in iter_blocks(source)])


def rows_for(rows: NDArray[np.float64], block: Block, label: str) -> NDArray[np.float64]:
    """The rows of a side input that pair with ``block``: its single row, or the rows with the same numbers."""
    if len(rows) == 1:
        return rows
    numbers = block.row_numbers()
    if numbers.max() > len(rows):
        raise InputError(f"{label} has {len(rows)} rows but the input has more ({block.where(len(numbers) - 1)})",
                         f"give {label} one row, or one row per input row")
    return rows[numbers - 1]
