"""The run engine: read → check → compute → write, for one input or for pairs of inputs, a block at a time.

Every command's rows pass through here:

1. :func:`checked` (one input) or :func:`checked_pairs` / :func:`pairwise` (two) read blocks of rows from
   :mod:`entcli.io` and turn them into distributions with :func:`entcli.core.distributions.to_probabilities`;
   :func:`screened` is the one place that handles a bad row: the rows before it go on (so they are written),
   then its error is raised, or under ``--skip-invalid`` it is reported and dropped.
2. The command's compute function (core formulas only) turns a block into result columns.
3. :func:`emit` writes each block as it comes (:class:`entcli.io.render.Writer`) and tallies it in the
   :class:`Run`: ``--max``/``--min`` checks, non-finite results, skipped rows and any other failure a command
   reports (``grad --check``, ``normalize``'s non-convergence). :meth:`Run.finish` prints the end-of-run
   messages and is the one place that sets the exit code.

Memory stays bounded by a block (pairwise: by :data:`PAIRWISE_CELLS` and :data:`PAIRWISE_ROWS`).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from entcli.cli.context import current_collector, current_plan, in_partition
from entcli.cli.messages import tell
from entcli.cli.options import Checks, Files, Input, Output, PairReading, Reading
from entcli.core.distributions import Kind, Problem, describe_problem, to_probabilities
from entcli.core.logits import log_softmax
from entcli.errors import ExitCode, InputError
from entcli.io.blocks import Block, Bytes, Source, aligned, iter_blocks
from entcli.io.numbers import Column, Columns
from entcli.io.roles import listed

__all__ = [
    "Array", "Block", "Column", "Columns", "Compute", "PairCompute", "Reading", "RowCheck", "Run", "Side", "Table",
    "checked", "checked_pairs", "emit", "hint_for", "load_side", "one_stdin", "pairwise", "row_error", "rows_for",
    "screened", "single", "stream", "write_report",
]

#: Where a skipped-row report is: "line N", else "row N" (for the order of the reports).
_LINE, _ROW = re.compile(r"\bline (\d+)"), re.compile(r"\brow (\d+)")
#: How many row numbers a message lists before it says "and N more".
LISTED_ROWS = 10
#: Pairwise results are computed for this many (p row, q row, outcome) triples at a time at most,
PAIRWISE_CELLS = 1 << 22
#: and for this many pairs (result rows: each is formatted as text, a record of every field, before it is written).
PAIRWISE_ROWS = 1 << 15

Array = NDArray[np.float64]
T = TypeVar("T")


# --------------------------------------------------------------------------- tallies and the exit code


@dataclass
class RowTally:
    """Row numbers (the first few) and a count, for one message at the end of a run."""

    rows: list[int] = field(default_factory=list)
    count: int = 0

    def add(self, numbers: NDArray[np.intp]) -> None:
        self.count += len(numbers)
        room = LISTED_ROWS - len(self.rows)
        if room > 0:
            self.rows += [int(r) for r in numbers[:room]]

    def text(self) -> str:
        listed = ", ".join(map(str, self.rows))
        more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        return f"row{'s' if self.count > 1 else ''} {listed}{more}"


@dataclass
class Run:
    """One command's run: where results go, which checks apply, and what to report at the end.

    ``primary`` is the field plain output prints and ``--max``/``--min`` test; ``names`` label the outcomes
    (from the input's header); ``matrix_width`` is set by :func:`pairwise` (M q rows per p row).
    """

    output: Output
    primary: str
    title: str = ""
    checks: Checks = field(default_factory=Checks)
    skip_invalid: bool = False
    nonfinite_hint: str = ""
    names: list[str] | None = None
    matrix_width: int | None = None
    #: fields of each block carried to the output before the results (ids), and whether ``row`` leads them
    keys: list[str] = field(default_factory=list)
    row_number: bool = False
    #: the command puts the keys into its results itself (simulate: several result rows per input row)
    own_keys: bool = False
    #: --explain's printer, for what is learnt while reading (how outcomes were paired)
    explain: Callable[..., None] | None = None
    #: how much of each input is read, for the progress line
    inputs: list[Bytes] = field(default_factory=list)
    skipped: int = 0
    _skips: list[str] = field(default_factory=list)
    nonfinite: RowTally = field(default_factory=RowTally)
    #: failures by message ("check failed: entropy > 0.5", "warning: not converged ..."), each with its rows
    failed: dict[str, RowTally] = field(default_factory=dict)
    #: the running totals of a batch reduction (xent --reduction mean|sum: a core.losses.BatchTotals)
    totals: Any = None

    def note(self, *lines: str) -> None:
        """Tell --explain how the input was read (a no-op without --explain)."""
        if self.explain is not None:
            self.explain(*lines)

    def carry(self, source: Source, files: Files, prefix: str = "") -> None:
        """Carry ``source``'s keys (with ``prefix``, for pairwise) and, with --row-number, the row number."""
        self.keys += [prefix + k for k in source.keys if prefix + k not in self.keys]
        self.row_number = self.row_number or files.row_number

    def carried(self, columns: Columns, block: Block) -> Columns:
        """``columns`` led by the row number and the carried keys of ``block`` (not for a batch's one result)."""
        if not (self.keys or self.row_number) or block is _NO_ROW or self.own_keys:
            return columns
        out: dict[str, Column] = {}
        if self.row_number and "row" not in columns:
            out["row"] = block.row_numbers()
        clash = [k for k in self.keys if k in columns or k in out]
        if clash:
            raise InputError(f"the input column {clash[0]!r} has the name of a result field",
                             f"rename the column, or leave it out of the output with --keep none or --exclude "
                             f"{clash[0]}")
        fields = block.fields or {}
        out.update({k: fields[k] for k in self.keys if k in fields})
        out.update(columns)
        return out

    def track(self, *sources: Source) -> None:
        """Count the bytes read from ``sources`` in the progress line."""
        self.inputs += [s.bytes for s in sources if s.bytes is not None]

    def skip(self, message: str) -> None:
        """Count a skipped row for the exit code and report it at the next :meth:`flush` (rows that could not be
        parsed are found while a chunk is read, rows that fail a check when its block is screened: a block's
        reports are printed together, in line order)."""
        self.skipped += 1
        self._skips.append(message)

    def flush(self) -> None:
        """Print the skipped-row reports collected so far, ordered by their line (or row) numbers."""
        def line(message: str) -> int:
            found = _LINE.search(message) or _ROW.search(message)
            return int(found.group(1)) if found else 0

        for message in sorted(self._skips, key=line):
            tell(f"skipped: {message}")
        self._skips.clear()

    def observe(self, column: Column, block: Block) -> None:
        """Tally the primary results of a block against --max/--min and for non-finite values."""
        values = np.asarray(column, dtype=np.float64)
        if values.ndim > 1:
            values = values.reshape(len(values), -1).max(axis=1)
        nonfinite = ~np.isfinite(values)
        if nonfinite.any():
            self.nonfinite.add(block.row_numbers()[nonfinite])
        if self.checks.max is not None:
            self.fail(f"{self.primary} > {self.checks.max}", ~(values <= self.checks.max), block)
        if self.checks.min is not None:
            self.fail(f"{self.primary} < {self.checks.min}", ~(values >= self.checks.min), block)

    def fail(self, what: str, mask: NDArray[np.bool_], block: Block, prefix: str = "check failed") -> None:
        """Tally the rows of ``block`` where ``mask`` is set as failing ``what``: exit 1, rows named at the end."""
        if mask.any():  # row numbers only when some row has to be named
            self.failed.setdefault(f"{prefix}: {what}", RowTally()).add(block.row_numbers()[mask])

    def finish(self) -> ExitCode:
        """Print the end-of-run messages and return the exit code."""
        self.flush()
        code = ExitCode.OK
        if self.nonfinite.count:
            tell(f"warning: {self.primary} is not finite in {self.nonfinite.text()}{self.nonfinite_hint}")
        for what, tally in self.failed.items():
            tell(f"{what} in {tally.text()}")
            code = ExitCode.CHECK_FAILED
        if self.skipped:
            tell(f"skipped {self.skipped} invalid row(s)")
            code = ExitCode.CHECK_FAILED
        return code


# --------------------------------------------------------------------------- bad rows


#: Advice for each reason a row is not usable; ``{flags}`` is filled with the options the command offers.
_HINTS: dict[str, str] = {
    "empty": "every row needs at least one number",
    "bad_logit": "logits must be finite or -inf (probability 0)",
    "no_finite_logit": "at least one logit must be finite",
    "not_finite": "every value must be a finite number",
    "overflow": "scale the values down",
    "no_mass": "a distribution needs some mass; drop or fix the row",
}
_VALUE_HINTS = {"reals": "NaN has no meaning here", "bernoulli": "use --logits if these are logits",
                "labels": "labels are 0-based class indices"}


def hint_for(problem: Problem, kind: Kind, flags: frozenset[str], side: str = "") -> str:
    """What to try for a row with ``problem``, naming only options of ``flags`` (those the command has).

    ``side`` ('p' or 'q') picks the per-side spelling of a two-input command (``--q-logits``).
    """
    def offered(flag: str) -> str | None:
        for name in (f"--{side}-{flag[2:]}" if side else "", flag):
            if name in flags:
                return name
        return None

    if problem.reason == "bad_value":
        return _VALUE_HINTS.get(kind, "")
    if problem.reason == "negative":
        if kind == "counts":
            return "counts must be >= 0"
        logits = offered("--logits")
        return f"use {logits} if these are logits" if logits else "probabilities must be >= 0"
    if problem.reason == "sum_off":
        advice = [f"use {f} to divide by the sum" for f in [offered("--renormalize")] if f]
        advice += [f"{f} if these are counts" for f in [offered("--counts")] if f]
        advice += [f"{f} to loosen" for f in [offered("--tol")] if f]
        if not advice:
            return "the probabilities of a row must sum to 1"
        return ", ".join(advice[:-1]) + (", or " if len(advice) > 1 else "") + advice[-1]
    return _HINTS[problem.reason]


def row_error(source: Source, block: Block, i: int, kind: Kind, tol: float, flags: frozenset[str],
              side: str = "") -> InputError:
    """The error for row ``i`` of ``block``: where it is, what is wrong, what to try."""
    problem = describe_problem(block.values[i], kind, tol)
    column = ""
    if problem.column is not None:
        column = f", column {problem.column + 1}"
        if source.names and problem.column < len(source.names):
            column += f" ({source.names[problem.column]})"
    return InputError(f"{source.name}: {block.where(i)}{column}: {problem.message}",
                      hint_for(problem, kind, flags, side))


def screened(part: T, bad: NDArray[np.bool_], take: Callable[[T, slice | NDArray[np.bool_]], T],
             error_at: Callable[[int], InputError], run: Run) -> Iterator[T]:
    """``part`` as it may go on: whole when no row is ``bad``; else the rows before the first bad row and then
    that row's error; or, with --skip-invalid, every bad row reported (``run.skip``) and the rest."""
    if not bad.any():
        yield part
        return
    if not run.skip_invalid:
        first = int(np.argmax(bad))
        if first:
            yield take(part, slice(0, first))
        raise error_at(first)
    for i in np.flatnonzero(bad).tolist():
        run.skip(error_at(i).message)
    keep = ~bad
    if keep.any():
        yield take(part, keep)


# --------------------------------------------------------------------------- one input


#: A command's own check of rows that passed the input checks: (mask of bad rows, row -> (message, hint)).
RowCheck = Callable[[Array, Block], tuple[NDArray[np.bool_], Callable[[int], tuple[str, str]]]]
Compute = Callable[[Array, Block], Columns]


def checked(source: Source, reading: Reading, run: Run, check: RowCheck | None = None) -> Iterator[tuple[Array, Block]]:
    """The blocks of ``source`` as distributions of ``reading.kind``, bad rows screened; ``check`` adds a
    command's own condition on the rows (e.g. a reachable target)."""
    for block in iter_blocks(source):
        p, bad = to_probabilities(block.values, reading.kind, reading.temperature, reading.tol)
        own_bad = np.zeros_like(bad)
        explain: Callable[[int], tuple[str, str]] | None = None
        if check is not None:
            own_bad, explain = check(p, block)
            own_bad &= ~bad

        def error_at(i: int, block: Block = block, own_bad: NDArray[np.bool_] = own_bad,
                     explain: Callable[[int], tuple[str, str]] | None = explain) -> InputError:
            if own_bad[i] and explain is not None:
                message, hint = explain(i)
                return InputError(f"{source.name}: {block.where(i)}: {message}", hint)
            return row_error(source, block, i, reading.kind, reading.tol, reading.flags)

        yield from screened((p, block), bad | own_bad, lambda part, rows: (part[0][rows], part[1].take(rows)),
                            error_at, run)
        run.flush()


#: A compute function that turns a block into several blocks of results, each with the rows it belongs to (a
#: simulation: a row's history, a piece at a time).
Pieces = Callable[[Array, Block], Iterator[tuple[Columns, Block]]]


def stream(source_input: Input, reading: Reading, run: Run, compute: Compute | None = None, *,
           check: RowCheck | None = None, table: Table | None = None, pieces: Pieces | None = None) -> ExitCode:
    """Run a one-input command: read rows, check them, compute (``compute``: a block of results per block;
    ``pieces``: any number of them), write; return the exit code."""
    source = source_input.open(on_bad=run.skip if run.skip_invalid else None)
    run.names = source.names
    run.carry(source, source_input.files)
    run.track(source)
    run.note(*source.notes)
    rows = checked(source, reading, run, check)
    if pieces is not None:
        return emit(run, (piece for p, block in rows for piece in pieces(p, block)), table)
    assert compute is not None
    return emit(run, ((compute(p, block), block) for p, block in rows), table)


# --------------------------------------------------------------------------- pairs


@dataclass
class Side:
    """One block of one side, checked: probabilities, exact logs (logits only) and the rows as read."""

    p: Array
    log_p: Array | None
    block: Block

    def take(self, rows: slice | NDArray[np.bool_]) -> Side:
        if len(self.p) == 1:  # a broadcast single row stays as it is
            return self
        return Side(self.p[rows], None if self.log_p is None else self.log_p[rows], self.block.take(rows))


def one_stdin(*srcs: str | None) -> None:
    if sum(s == "-" for s in srcs) > 1:
        raise InputError("only one input can be stdin (-)", "give the other one as a file or as numbers")


def _side(block: Block, kind: Kind, reading: PairReading) -> tuple[Side, NDArray[np.bool_]]:
    p, bad = to_probabilities(block.values, kind, reading.temperature, reading.tol)
    log_p = log_softmax(block.values, reading.temperature) if kind == "logits" else None
    return Side(p, log_p, block), bad


def key_text(fields: dict[str, NDArray[Any]] | None, on: tuple[str, ...]) -> NDArray[np.str_]:
    """The join key of every row of a block: the --on columns as text (several joined by a separator)."""
    assert fields is not None
    parts = [np.asarray(fields[k]).astype(str) for k in on]
    out = parts[0]
    for part in parts[1:]:
        out = np.char.add(np.char.add(out, "\x1f"), part)
    return out


def _need_keys(source: Source, on: tuple[str, ...], label: str) -> None:
    # A table's reader has read every --on column (pair_files asks for them) or failed naming it; values have none.
    if source.fmt == "values":
        missing = on[0]
        known = ", ".join(source.keys) if source.keys else "none"
        raise InputError(f"{source.name} ({label}): --on column {missing!r} is not a key column (keys: {known})",
                         "--on names key columns of both inputs' headers, e.g. --on id")


def joined(a: Source, b: Source, on: tuple[str, ...], run: Run) -> Iterator[tuple[Block, Block]]:
    """Pairs of blocks whose rows share the --on key: ``b`` (q) read whole and indexed, ``a`` (p) streamed.

    A p key that q lacks, or a key twice on one side, is an error naming it (skipped and reported with
    --skip-invalid); q keys that no p row matched are reported at the end in the same way.
    """
    from entcli.cli.distributed import refuse

    refuse("--on (q is indexed whole)")
    _need_keys(a, on, "-p")
    _need_keys(b, on, "-q")
    q_blocks = list(iter_blocks(b))
    values = np.concatenate([blk.values for blk in q_blocks])
    keys = np.concatenate([key_text(blk.fields, on) for blk in q_blocks])
    fields = {k: np.concatenate([blk.fields[k] for blk in q_blocks if blk.fields]) for k in b.keys}
    numbers = np.concatenate([blk.row_numbers() for blk in q_blocks]) - 1
    index: dict[str, int] = {}
    for i, key in enumerate(keys.tolist()):
        if key in index:
            message = f"{b.name} (-q): key {key!r} is in rows {numbers[index[key]] + 1} and {numbers[i] + 1}"
            if not run.skip_invalid:
                raise InputError(message, "--on needs each key once on each side")
            run.skip(message)
            continue
        index[key] = i
    matched = np.zeros(len(keys), dtype=bool)
    seen: set[str] = set()
    for block in iter_blocks(a):
        p_keys = key_text(block.fields, on).tolist()
        idx = np.fromiter((index.get(k, -1) for k in p_keys), dtype=np.intp, count=len(p_keys))
        twice = np.array([k in seen for k in p_keys]) if seen else np.zeros(len(p_keys), dtype=bool)
        if len(set(p_keys)) != len(p_keys):
            first: dict[str, int] = {}
            for i, k in enumerate(p_keys):
                twice[i] |= k in first
                first.setdefault(k, i)
        seen.update(p_keys)
        bad = (idx < 0) | twice

        def error_at(i: int, block: Block = block, p_keys: list[str] = p_keys, twice: NDArray[np.bool_] = twice
                     ) -> InputError:
            what = "is there twice" if twice[i] else "is not in -q"
            return InputError(f"{a.name}: {block.where(i)}: key {p_keys[i]!r} {what}",
                              "--on pairs each -p row with the -q row of the same key")

        for part, rows in screened((block, idx), bad, lambda pq, sel: (pq[0].take(sel), pq[1][sel]), error_at, run):
            matched[rows] = True
            q = Block(values[rows], 0, None, numbers[rows], {k: v[rows] for k, v in fields.items()} or None)
            yield part, q
    unmatched = keys[~matched & np.isin(np.arange(len(keys)), list(index.values()))]
    if len(unmatched):
        listed = ", ".join(map(repr, unmatched[:LISTED_ROWS].tolist()))
        more = f" and {len(unmatched) - LISTED_ROWS} more" if len(unmatched) > LISTED_ROWS else ""
        message = f"{b.name} (-q): {len(unmatched)} key(s) have no -p row: {listed}{more}"
        if not run.skip_invalid:
            raise InputError(message, "--on pairs rows of the same key; --skip-invalid reports these and goes on")
        run.skipped += len(unmatched)
        tell(f"skipped: {message}")


def pair_files(files: Files, reading: PairReading) -> Files:
    """The read options of a pair command's two inputs: the --on columns are read (as text) too."""
    return files.wanting(*reading.on) if reading.on else files


def pair_up(a: Source, b: Source, files: Files, reading: PairReading, run: Run, kinds: tuple[Kind, Kind],
            names: bool = True, labels: tuple[str, str] = ("-p", "-q")
            ) -> tuple[Iterator[tuple[Block, Block]] | None, str]:
    """Pair the opened inputs of a pair command (opened with :func:`pair_files`): align their outcomes by name
    (``names``), set the keys the results carry (with --on, the join columns too); return the joined pairs (with
    --on, else None) and a note for --explain on how outcomes were paired."""
    note = by_name(a, b, kinds, files.roles.fill, labels) if names else ""
    run.track(a, b)
    if reading.pairwise:
        run.carry(a, files, "p_")
        run.carry(b, files, "q_")
        return None, note
    if not reading.on:
        run.carry(b if a.fmt == "values" else a, files)
        return None, note
    run.carry(a, files)
    run.keys += [k for k in reading.on if k not in run.keys]  # a numeric id is read for the join, not as a key
    return joined(a, b, reading.on, run), note


def _disagreeing_keys(a: Block, b: Block, warned: list[str]) -> None:
    """Warn once when both sides carry a key column of the same name whose values differ at some row."""
    if warned or not a.fields or not b.fields or len(a.values) != len(b.values) \
            or not np.array_equal(a.row_numbers(), b.row_numbers()):
        return  # a single row paired with every row of the other side has nothing to disagree with
    for name in a.fields.keys() & b.fields.keys():
        differ = np.asarray(a.fields[name]).astype(str) != np.asarray(b.fields[name]).astype(str)
        if differ.any():
            i = int(np.argmax(differ))
            warned.append(name)
            tell(f"warning: -p and -q disagree on key {name!r} at {a.where(i)} ({str(a.fields[name][i])!r} vs "
                 f"{str(b.fields[name][i])!r}); rows are paired by position: --on {name} pairs them by key")
            return


def checked_pairs(a: Source, b: Source, kinds: tuple[Kind, Kind], reading: PairReading, run: Run,
                  pairs: Iterator[tuple[Block, Block]] | None = None) -> Iterator[tuple[Side, Side, Block]]:
    """Checked sides of aligned blocks of ``a`` and ``b`` (or the given ``pairs``, e.g. :func:`joined`), and the
    block whose row numbers the results carry."""
    warned: list[str] = []
    for ba, bb in pairs if pairs is not None else aligned(a, b):
        if pairs is None:
            _disagreeing_keys(ba, bb, warned)
        (sa, bad_a), (sb, bad_b) = _side(ba, kinds[0], reading), _side(bb, kinds[1], reading)
        rows = ba if len(ba.values) >= len(bb.values) else bb

        def error_at(i: int, sides: tuple[Side, Side] = (sa, sb)) -> InputError:
            for source, side, kind, label in zip((a, b), sides, kinds, "pq", strict=True):
                j = 0 if len(side.p) == 1 else i
                if np.isnan(side.p[j]).any():
                    return row_error(source, side.block, j, kind, reading.tol, reading.flags, label)
            raise AssertionError("a bad pair has no bad side")  # pragma: no cover

        yield from screened((sa, sb, rows), bad_a | bad_b,
                            lambda part, sel: (part[0].take(sel), part[1].take(sel), part[2].take(sel)),
                            error_at, run)
        run.flush()


def _reindexed(source: Source, index: list[int], fill: float) -> None:
    """Replace ``source``'s columns by ``index`` (-1: a column of ``fill``), rows before an error kept."""
    inner = iter_blocks(Source(source.name, source.blocks))
    take = np.asarray(index)
    missing = take < 0

    def blocks() -> Iterator[Block]:
        for block in inner:
            values = block.values[:, np.where(missing, 0, take)]
            if missing.any():
                values[:, missing] = fill
            yield dataclasses.replace(block, values=values)

    source.blocks = blocks()


def _seen_twice(names: list[str]) -> set[str]:
    seen: set[str] = set()
    twice: set[str] = set()
    for name in names:  # over the outcomes, once
        (twice if name in seen else seen).add(name)
    return twice


def by_name(a: Source, b: Source, kinds: tuple[Kind, Kind], fill: bool, labels: tuple[str, str] = ("-p", "-q")
            ) -> str:
    """Align the outcomes of ``b`` with those of ``a`` by name when both name them; return what was done.

    The same names in another order are reordered; other names are an error listing the names found on one side
    only, unless ``fill`` (``--fill 0``): then both take the union (``a``'s order, then ``b``'s other names) and a
    missing outcome is probability 0 (a logit of -inf, a count of 0).
    """
    if a.names is None or b.names is None:
        named = labels[0] if a.names is not None else labels[1] if b.names is not None else None
        return f"outcomes paired by position: only {named} names its outcomes" if named else ""
    for source, label in zip((a, b), labels, strict=True):
        assert source.names is not None
        twice = sorted(_seen_twice(source.names))
        if twice:
            raise InputError(f"{source.name} ({label}) names outcome(s) {listed(twice, quote=True)} twice",
                             "every outcome needs its own name to be paired by name")
    if a.names == b.names:
        return "outcomes paired by name (same names, same order)"
    in_a, in_b = {n: i for i, n in enumerate(a.names)}, {n: i for i, n in enumerate(b.names)}
    only_a = [n for n in a.names if n not in in_b]
    only_b = [n for n in b.names if n not in in_a]
    if not only_a and not only_b:
        _reindexed(b, [in_b[n] for n in a.names], 0.0)
        b.names = list(a.names)
        return f"outcomes paired by name: {labels[1]} reordered to {labels[0]}'s order"
    if not fill:
        raise InputError(
            f"{labels[0]} and {labels[1]} name different outcomes: only in {labels[0]} ({a.name}): "
            f"{listed(only_a) or '(none)'}; only in {labels[1]} ({b.name}): {listed(only_b) or '(none)'}",
            "fix the names, or give --fill 0 to take an outcome missing on one side as probability 0")
    union = list(a.names) + only_b
    for source, kind, where in zip((a, b), kinds, (in_a, in_b), strict=True):
        _reindexed(source, [where.get(n, -1) for n in union], -np.inf if kind == "logits" else 0.0)
        source.names = list(union)
    return f"outcomes paired by name over the union of both sides' names ({len(union)}); a missing one is 0 (--fill 0)"


def by_name_rows(rows: Array, names: list[str] | None, target: list[str] | None, label: str, fill: bool,
                 fill_value: float = 0.0) -> Array:
    """The columns of a side input (``rows``, outcomes ``names``) in the order of the input's outcomes ``target``."""
    if names is None or target is None or names == target:
        return rows
    in_names, in_target = {n: i for i, n in enumerate(names)}, set(target)
    only = [n for n in names if n not in in_target]
    missing = [n for n in target if n not in in_names]
    if only or (missing and not fill):
        raise InputError(f"{label} names outcomes {listed(names)} but the input names {listed(target)}",
                         "give the same outcome names (any order), or --fill 0 for missing ones")
    index = np.array([in_names.get(n, -1) for n in target])
    out = rows[:, np.where(index < 0, 0, index)]
    out[:, index < 0] = fill_value
    return out


PairCompute = Callable[[Side, Side], Columns]


def pairwise(a: Source, b: Source, kinds: tuple[Kind, Kind], reading: PairReading, run: Run,
             compute: PairCompute) -> Iterator[tuple[Columns, Block]]:
    """Every p row against every q row: q is read whole, p streams in slices of bounded size.

    Yields the long form, one row per pair with ``p_row`` and ``q_row`` (1-based), M = (q rows) rows per p
    row; ``run.matrix_width`` tells the writer M, so that plain output can print the N x M matrix.
    """
    from entcli.cli.distributed import refuse

    refuse("--pairwise (every p row against every q row)")
    q_reading = Reading(kinds[1], reading.temperature, reading.tol, reading.flags)
    q_parts = list(checked(b, q_reading, run))
    if not q_parts:
        raise InputError(f"{b.name}: no valid rows", "give at least one q row")
    q = Side(np.concatenate([part[0] for part in q_parts]), None, q_parts[0][1])
    if kinds[1] == "logits":
        q.log_p = np.concatenate([log_softmax(part[1].values, reading.temperature) for part in q_parts])
    q_rows = np.concatenate([part[1].row_numbers() for part in q_parts])
    q_fields = {f"q_{name}": np.concatenate([part[1].fields[name] for part in q_parts if part[1].fields])
                for name in b.keys}
    m, k = q.p.shape
    run.matrix_width = m
    run.row_number = False  # every result row is a pair: p_row and q_row say which
    q3 = Side(q.p[None, :, :], None if q.log_p is None else q.log_p[None, :, :], q.block)
    step = max(1, min(PAIRWISE_CELLS // max(1, m * k), PAIRWISE_ROWS // m))
    p_reading = Reading(kinds[0], reading.temperature, reading.tol, reading.flags)
    for p, block in checked(a, p_reading, run):
        log_p = log_softmax(block.values, reading.temperature) if kinds[0] == "logits" else None
        for lo in range(0, len(p), step):
            part = block.take(slice(lo, lo + step))
            n = len(part.values)
            side = Side(p[lo:lo + n, None, :], None if log_p is None else log_p[lo:lo + n, None, :], part)
            fields = compute(side, q3)
            long: dict[str, Column] = {"p_row": np.repeat(part.row_numbers(), m), "q_row": np.tile(q_rows, n)}
            long.update({name: col if isinstance(col, str) else col.reshape(n * m, *col.shape[2:])
                         for name, col in fields.items()})
            pairs = part.take(np.repeat(np.arange(n), m))
            keys = {f"p_{name}": column for name, column in (pairs.fields or {}).items() if name in a.keys}
            keys.update({name: np.tile(column, n) for name, column in q_fields.items()})
            yield long, dataclasses.replace(pairs, fields=keys or None)


def load_side(files: Files, src: str, label: str) -> tuple[Array, list[str] | None]:
    """All rows of a small side input (a target, a teacher, weights), read whole, and the outcome names it has."""
    source = files.open_src(src, label)
    if source.remote:  # a dataset of a distributed run: its tasks read it, partition by partition
        return np.empty((0, len(source.names or ()))), source.names
    return np.concatenate([block.values for block in iter_blocks(source)]), source.names


def rows_for(rows: Array, block: Block, label: str) -> Array:
    """The rows of a side input that pair with ``block``: its single row, or the rows with the same numbers."""
    if len(rows) == 1:
        return rows
    numbers = block.row_numbers()
    if numbers.max() > len(rows):
        raise InputError(f"{label} has {len(rows)} rows but the input has more ({block.where(len(numbers) - 1)})",
                         f"give {label} one row, or one row per input row")
    return rows[numbers - 1]


# --------------------------------------------------------------------------- writing


#: Draws a block of results itself when the output is a table (e.g. outcome by outcome for --detail).
Table = Callable[[IO[str], Columns, Run], None]


def emit(run: Run, results: Iterator[tuple[Columns, Block]], table: Table | None = None) -> ExitCode:
    """Write each block of results as it comes and tally it for the end-of-run report; return the exit code.

    In a distributed run (:mod:`entcli.cli.distributed`) the results are those of the partitions' tasks, and in
    a task they are collected for the client instead of written."""
    from entcli.io.output import output_stream
    from entcli.io.render import Writer

    output = run.output
    collector = current_collector()
    if collector is not None:
        return ExitCode(collector.collect(run, results))
    plan = current_plan()
    if plan is not None:
        results = plan.prime(run, results)
    if output.path is not None and output.path.endswith(("/", os.sep)):
        return _emit_parts(run, results)
    progress = None
    if output.progress is not False:
        from entcli.io.progress import Progress

        progress = Progress(sys.stderr, run.inputs, at_once=output.progress is True, width=output.width)
    drawn = total = 0  # rows drawn by the command's own table, of all
    with output_stream(output.path) as out:
        writer = Writer(output.format, out, run.primary, digits=output.digits, names=run.names, title=run.title,
                        color=output.color, width=output.width, max_rows=output.max_rows)
        try:
            for columns, block in results:
                columns = run.carried(columns, block)
                if progress is not None and output.terminal:
                    progress.clear()  # the results' terminal is the progress line's too
                if output.format == "table" and table is not None:
                    n = next(len(c) for c in columns.values() if isinstance(c, np.ndarray))
                    room = n if output.max_rows is None else max(0, output.max_rows - drawn)
                    if room:  # a command's own tables (--detail: one per row) are bounded by --max-rows too
                        table(out, {k: c if isinstance(c, str) else c[:room] for k, c in columns.items()}, run)
                    drawn, total = drawn + min(n, room), total + n
                else:
                    writer.matrix_width = run.matrix_width  # set by pairwise() once q is read
                    writer.write(columns)
                out.flush()  # a block's results go out as soon as they are known (a slow pipe, tail -f)
                run.observe(columns[run.primary], block)
                if progress is not None:
                    progress.update(len(block.values))
        finally:
            if progress is not None:
                progress.clear()
            writer.close()
        if total > drawn:
            from entcli.io.tables import rows_note

            out.write(rows_note(total, drawn, output.width, "drawn"))
    return run.finish()


def _emit_parts(run: Run, results: Iterator[tuple[Columns, Block]]) -> ExitCode:
    """``-O DIR/``: the results of each partition of a dataset written to a part of their own in DIR, named as the
    partition with the extension of the output format, each atomically (a failed run keeps the parts before the
    partition where it failed). A partition with no results to write (every row skipped) has no part."""
    import contextlib

    from entcli.io.formats import OUTPUT_EXTENSIONS
    from entcli.io.output import output_stream
    from entcli.io.render import Writer

    output = run.output
    directory = output.path or ""
    named: set[str] = set()
    current: str | None = None
    with contextlib.ExitStack() as parts:
        writer: Writer | None = None
        for columns, block in results:
            if block.origin is None:
                raise InputError(f"-O {directory}: writes a part per partition of a dataset, and this result belongs "
                                 "to none (the input is one file, or the result is the batch's)",
                                 "give -O a file path (no trailing /)")
            if block.origin != current:
                if writer is not None:
                    writer.close()
                    parts.close()
                current = block.origin
                stem = os.path.basename(current.rstrip("/"))
                name = stem[:stem.find(".")] if "." in stem else stem
                name += OUTPUT_EXTENSIONS[output.format]
                if name in named:
                    raise InputError(f"-O {directory}: two partitions would both be written to {name}",
                                     "give the partitions names of their own, or write to one file")
                named.add(name)
                try:
                    os.makedirs(directory, exist_ok=True)
                except OSError as e:
                    raise InputError(f"-O {directory}: cannot make the directory ({e.strerror})", "check the path") \
                        from None
                out = parts.enter_context(output_stream(os.path.join(directory, name)))
                writer = Writer(output.format, out, run.primary, digits=output.digits, names=run.names,
                                title=run.title, color=False, width=output.width, max_rows=None)
            assert writer is not None
            columns = run.carried(columns, block)
            writer.matrix_width = run.matrix_width
            writer.write(columns)
            run.observe(columns[run.primary], block)
        if writer is not None:
            writer.close()
    return run.finish()


def write_report(output: Output, primary: str, title: str, columns: Columns,
                 below_table: Callable[[IO[str]], None] | None = None) -> None:
    """Write one block of results that belong to no input row (drift's columns, calibrate's stages), then, in a
    table, what ``below_table`` draws under it (bars, a diagram). No tallies: the command decides its exit code."""
    from entcli.io.output import output_stream
    from entcli.io.render import Writer

    with output_stream(output.path) as out:
        writer = Writer(output.format, out, primary, digits=output.digits, title=title, color=output.color,
                        width=output.width, max_rows=output.max_rows)
        writer.write(columns)
        writer.close()
        if below_table is not None and output.format == "table":
            below_table(out)


#: The block of a result that belongs to no input row: it carries no keys.
_NO_ROW = Block(np.zeros((1, 0)), 0)


def is_batch_row(block: Block) -> bool:
    """Whether ``block`` is that of a result for no input row (a batch reduction)."""
    return block is _NO_ROW


def gathered(key: str, value: T | None) -> T | None:
    """What a command keeps beside its results (simulate: the first row's history): ``value`` itself; in a task of
    a distributed run it is sent to the client (and None is returned: the task draws nothing); in the client, the
    first partition's that has one."""
    collector, plan = current_collector(), current_plan()
    if in_partition() and collector is not None:
        if value is not None:
            collector.extras[key] = value
        return None
    if plan is not None and plan.datasets:
        return plan.extras.get(key)
    return value


def summed(key: str, value: T, add: Callable[[T, T], T]) -> T | None:
    """A command's own tally (drift's counts): ``value`` itself; in a task of a distributed run it is sent to the
    client (and None is returned: the task has nothing more to do); in the client, every partition's added up in
    partition order with ``add``."""
    collector, plan = current_collector(), current_plan()
    if in_partition() and collector is not None:
        collector.extras[key] = value
        return None
    if plan is not None and plan.datasets:
        return plan.fold(key, add)  # type: ignore[no-any-return]
    return value


def batch_row(make: Callable[[], Columns]) -> Iterator[tuple[Columns, Block]]:
    """The one result of a batch reduction, ``make()``: at once, or in a distributed run's client once the
    partitions' totals are merged (a :class:`~entcli.cli.distributed.Later`)."""
    if current_plan() is not None:
        from entcli.cli.distributed import Later

        yield Later(make), _NO_ROW  # type: ignore[misc]
        return
    yield make(), _NO_ROW


def single(values: Mapping[str, Column]) -> Iterator[tuple[Columns, Block]]:
    """One result row that belongs to no input row (a batch reduction, a self-test table)."""
    yield values, _NO_ROW
