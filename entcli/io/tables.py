"""Tables for a terminal: results a block at a time, outcome-by-outcome detail, the self-test.

Drawn by :mod:`entcli.io.grid` (plain text, fitted to the screen). A result table is streamed
(:class:`TableStream`): its first rows are printed as soon as they are known, and with ``max_rows`` only the
first and last rows are kept and drawn, with a footer saying how many rows there were, so a table of a
million rows starts at once and costs no more than one of 25.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from entcli.io.grid import Column as GridColumn
from entcli.io.grid import Grid, cell_width, dropped_note, fit, folded
from entcli.io.numbers import Column, format_numbers

#: Significant digits in a table when ``--digits`` is not given: tables are for reading.
TABLE_DIGITS = 6
#: A vector longer than this is shown by its first and last elements.
MAX_SHOWN = 8
#: With ``max_rows`` N, this share of N is the last rows shown (the rest are the first rows): 25 -> 20 + 5.
TAIL_SHARE = 5
#: Rows of an unlimited table are formatted and drawn this many at a time.
SLICE_ROWS = 1000


def _vector_text(cells: list[str]) -> str:
    if len(cells) > MAX_SHOWN:
        cells = cells[: MAX_SHOWN - 2] + ["…", cells[-1]]
    return ",".join(cells)


def _cells(col: NDArray[Any], rows: NDArray[np.intp], digits: int) -> list[str]:
    """The table cells of ``rows`` of one result column: a number, a key's text, or a shortened vector."""
    part = col[rows]
    if part.dtype.kind in "UOS":
        return [str(v) for v in part.tolist()]
    flat = format_numbers(part, digits)
    if part.ndim == 1:
        return flat
    width = int(np.prod(part.shape[1:]))
    return [_vector_text(flat[i * width:(i + 1) * width]) for i in range(len(rows))]


class TableStream:
    """A result table written block by block: ``write`` each block of columns, then ``close``.

    ``max_rows`` None draws every row (in slices, as they come); N draws the first N - N // 5 rows as they come,
    keeps the last N // 5 and draws them at the end after a ``…`` row, with a footer naming the total. A table of
    one row (the whole result) is drawn field by field instead, which fits any screen.
    """

    def __init__(self, stream: IO[str], *, title: str, digits: int | None,
                 color: bool, width: int, max_rows: int | None) -> None:
        self.stream = stream
        self.title = title
        self.digits = digits if digits is not None else TABLE_DIGITS
        self.color = color
        self.width = width
        self.tail_rows = 0 if max_rows is None else max_rows // TAIL_SHARE
        self.head_rows = None if max_rows is None else max_rows - self.tail_rows
        self.total = 0
        self.grid: Grid | None = None
        self.layout: tuple[list[GridColumn], list[int]] | None = None
        self.tail: deque[list[str]] = deque(maxlen=max(self.tail_rows, 1))
        self.held: Mapping[str, Column] | None = None  # a first block of one row: a table, or the whole result?

    def write(self, columns: Mapping[str, Column], n: int) -> None:
        if self.total == 0 and n == 1 and self.held is None:
            self.held = columns
            return
        if self.held is not None:
            held, self.held = self.held, None
            self._write(held, 1)
        self._write(columns, n)

    def _fields(self, columns: Mapping[str, Column]) -> dict[str, NDArray[Any]]:
        return {name: col for name, col in columns.items() if not isinstance(col, str)}

    def _start(self, fields: dict[str, NDArray[Any]], first: list[list[str]]) -> Grid:
        columns = [GridColumn(name, right=col.ndim == 1 and col.dtype.kind not in "UOS",
                              cut=col.ndim > 1 or col.dtype.kind in "UOS", items=col.ndim > 1)
                   for name, col in fields.items()]
        natural = [max((cell_width(c) for c in cells), default=0) for cells in first]
        widths, dropped = fit(columns, natural, self.width)
        self.layout = (columns, dropped)
        grid = Grid(self.stream, columns, widths, color=self.color)
        grid.head(self.title, self.width)
        return grid

    def _write(self, columns: Mapping[str, Column], n: int) -> None:
        fields = self._fields(columns)
        head_left = n if self.head_rows is None else max(0, min(n, self.head_rows - self.total))
        for start in range(0, head_left, SLICE_ROWS):
            rows = np.arange(start, min(head_left, start + SLICE_ROWS))
            cells = [_cells(col, rows, self.digits) for col in fields.values()]
            if self.grid is None:
                self.grid = self._start(fields, cells)
            self.grid.rows(zip(*cells, strict=True))
            self.stream.flush()
        if self.head_rows is not None and n > head_left and self.tail_rows:
            rows = np.arange(max(head_left, n - self.tail_rows), n)
            cells = [_cells(col, rows, self.digits) for col in fields.values()]
            if self.grid is None:  # max_rows < 5: no first rows at all
                self.grid = self._start(fields, cells)
            self.tail.extend(list(row) for row in zip(*cells, strict=True))
        elif self.grid is None:
            self.grid = self._start(fields, [[] for _ in fields])
        self.total += n

    def close(self) -> None:
        if self.held is not None:  # the whole result is one row
            print_fields(self.stream, self.held, self.title, self.digits, self.color, self.width)
            return
        if self.grid is None or self.layout is None:
            return
        shown = self.total if self.head_rows is None else min(self.total, self.head_rows)
        hidden = self.total - shown - (len(self.tail) if self.tail_rows else 0)
        if hidden > 0:
            self.grid.rows([["…"] * len(self.layout[0])])
        if self.tail_rows:
            self.grid.rows(self.tail)
            shown += len(self.tail)
        self.grid.close()
        columns, dropped = self.layout
        if dropped:
            self.stream.write(dropped_note(columns, dropped, self.width))
        if hidden > 0:
            self.stream.write(rows_note(self.total, shown, self.width))


def rows_note(total: int, shown: int, width: int, verb: str = "shown") -> str:
    """The line under a table (or a run of tables) that showed ``shown`` of ``total`` rows, folded to ``width``."""
    return folded(f"{total} rows ({shown} {verb}): use -o csv|jsonl for every row, or --max-rows N|all", width) + "\n"


def _folded(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` screen columns, broken after a separator where one is near."""
    lines: list[str] = []
    while cell_width(text) > width:
        cut = width
        while cell_width(text[:cut]) > width:
            cut -= 1
        at = max(text.rfind(", ", 0, cut), text.rfind(",", 0, cut))
        if at > width // 2:
            cut = at + 1
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*lines, text]


def print_fields(stream: IO[str], columns: Mapping[str, Column], title: str, digits: int, color: bool,
                 width: int) -> None:
    """A single result as a two-column table, field by field, long values folded: it fits any screen."""
    rows: list[tuple[str, str]] = []
    for name, col in columns.items():
        if isinstance(col, str):
            continue
        cells = [str(v) for v in np.ravel(col).tolist()] if col.dtype.kind in "UOS" else format_numbers(col, digits)
        rows.append((name, cells[0] if col.ndim == 1 else ", ".join(cells)))
    name_width = max(cell_width(name) for name, _ in rows)
    value_width = max(max(8, width - name_width - 7), 1)
    natural = max(cell_width(value) for _, value in rows)
    grid = Grid(stream, [GridColumn("field", right=False), GridColumn("value", right=False)],
                [name_width, min(natural, value_width)], color=color, show_header=False)
    grid.head(title, width)
    for name, value in rows:
        for j, line in enumerate(_folded(value, min(natural, value_width))):
            grid.rows([(name if j == 0 else "", line)])
    grid.close()


def print_grid(stream: IO[str], header: Sequence[str], rows: Sequence[Sequence[str]], *, width: int, color: bool,
               title: str = "", right: Sequence[bool] | None = None, footer: Sequence[str] | None = None,
               cut: Sequence[bool] | None = None) -> None:
    """A whole table at once (rows of strings), fitted to ``width``; ``footer`` is drawn under a rule."""
    columns = [GridColumn(h, right=(right[i] if right is not None else False), cut=(cut[i] if cut else False))
               for i, h in enumerate(header)]
    every = [*rows, *([footer] if footer else [])]
    natural = [max((cell_width(row[i]) for row in every), default=0) for i in range(len(header))]
    widths, dropped = fit(columns, natural, width)
    grid = Grid(stream, columns, widths, color=color)
    grid.head(title, width)
    grid.rows(rows)
    if footer:
        grid.rule()
        grid.rows([footer])
    grid.close()
    if dropped:
        stream.write(dropped_note(columns, dropped, width))


def print_outcomes(
    stream: IO[str],
    title: str,
    columns: Mapping[str, np.ndarray],
    names: Sequence[str] | None,
    digits: int | None,
    color: bool,
    total: Mapping[str, str] | None = None,
    width: int = 80,
) -> None:
    """Print one distribution outcome by outcome: a row per outcome, a column per per-outcome field."""
    d = digits if digits is not None else TABLE_DIGITS
    k = len(next(iter(columns.values())))
    labels = list(names) if names is not None and len(names) == k else [str(j + 1) for j in range(k)]
    formatted = [format_numbers(col, d) for col in columns.values()]
    rows = [[labels[j], *(f[j] for f in formatted)] for j in range(k)]
    footer = ["total", *((total or {}).get(name, "") for name in columns)] if total else None
    print_grid(stream, ["outcome", *columns], rows, width=width, color=color, title=title,
               right=[False, *[True] * len(columns)], footer=footer, cut=[True, *[False] * len(columns)])


def print_entropy_detail(stream: IO[str], columns: Mapping[str, Column], names: Sequence[str] | None,
                         digits: int | None, color: bool, width: int = 80) -> None:
    """Outcome-by-outcome tables of ``entcli entropy --detail``: the worked example of H = Σ −p log p, per row."""
    d = digits or TABLE_DIGITS
    unit = columns["unit"]
    entropy = columns["entropy"]
    assert isinstance(entropy, np.ndarray)
    for i in range(len(entropy)):
        h, norm, ppl = (format_numbers(np.asarray(columns[f])[i:i + 1], d)[0]
                        for f in ("entropy", "normalized", "perplexity"))
        title = f"H = {h} {unit}  (normalised {norm}, perplexity {ppl})"
        per = {f: np.asarray(columns[f])[i] for f in ("p", "surprisal", "contribution")}
        total = {"p": format_numbers(per["p"].sum(keepdims=True), d)[0], "contribution": h}
        print_outcomes(stream, title, per, names, digits, color, total, width)


def print_selftest(stream: IO[str], rows: Sequence[tuple[str, str, str, Sequence[float], Sequence[float], bool]],
                   color: bool, verbose: bool, width: int = 80) -> None:
    """The selftest table: per case (what, source, expected, got, passed); ``verbose`` adds the command."""
    header = ["#", "case", "source", "expected", "got", "result"] + (["command"] if verbose else [])
    body = [[str(i), what, source, ", ".join(f"{v:.10g}" for v in expected),
             ", ".join(f"{v:.10g}" for v in got) or "-", "pass" if ok else "FAIL"] + ([cmd] if verbose else [])
            for i, (what, source, cmd, expected, got, ok) in enumerate(rows, 1)]
    print_grid(stream, header, body, width=width, color=color, title="entcli selftest: published reference values",
               right=[True, False, False, False, False, False, False], cut=[False, True, True, True, True, False, True])
