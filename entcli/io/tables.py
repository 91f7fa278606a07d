"""Rich tables for a terminal. Imported only when a table is drawn, so rich loads only then."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import IO, TYPE_CHECKING

import numpy as np

from entcli.io.numbers import Column, format_numbers

if TYPE_CHECKING:
    from rich.console import Console

#: Significant digits in a table when ``--digits`` is not given: tables are for reading.
TABLE_DIGITS = 6
#: A vector longer than this is shown by its first and last elements.
MAX_SHOWN = 8


def _vector_text(cells: list[str]) -> str:
    if len(cells) > MAX_SHOWN:
        cells = cells[: MAX_SHOWN - 2] + ["…", cells[-1]]
    return ",".join(cells)  # one word: a narrow column cuts it with an ellipsis instead of wrapping


def console(stream: IO[str], color: bool) -> Console:
    """A rich console on ``stream``; colour only when asked (the caller decides from --color/NO_COLOR)."""
    from rich.console import Console

    return Console(file=stream, no_color=not color, force_terminal=color, highlight=False, soft_wrap=False)


def print_table(
    stream: IO[str],
    columns: Mapping[str, Column],
    n: int,
    *,
    title: str,
    names: Sequence[str] | None,
    digits: int | None,
    color: bool,
    first: bool = True,
) -> None:
    """Print one block of rows as a table: one table row per result row, vectors shortened."""
    from rich.table import Table

    d = digits if digits is not None else TABLE_DIGITS
    if n == 1 and first:
        _print_fields(stream, columns, title, d, color)
        return
    table = Table(title=title if first else None, title_justify="left")
    cells: list[list[str]] = []
    for name, col in columns.items():
        if isinstance(col, str):
            continue
        flat = format_numbers(col, d)
        if col.ndim == 1:
            cells.append(flat)
        else:
            width = int(np.prod(col.shape[1:]))
            cells.append([_vector_text(flat[i * width:(i + 1) * width]) for i in range(n)])
        # Numbers keep their width (headers may wrap); vectors take what is left, cut with an ellipsis.
        scalar = col.ndim == 1
        text = col.dtype.kind in "UOS"  # a key carried from the input: left, like text
        table.add_column(name, justify="right" if scalar and not text else "left",
                         overflow="fold" if scalar else "ellipsis",
                         min_width=max(map(len, cells[-1])) if scalar else None)
    for row in zip(*cells, strict=False):
        table.add_row(*row)
    console(stream, color).print(table)


def _print_fields(stream: IO[str], columns: Mapping[str, Column], title: str, digits: int, color: bool) -> None:
    """A single result as a two-column table, field by field: it fits any terminal."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold" if color else None)
    table.add_column("value", overflow="fold")
    for name, col in columns.items():
        if isinstance(col, str):
            continue
        cells = format_numbers(col, digits)
        table.add_row(name, cells[0] if col.ndim == 1 else ", ".join(cells))
    console(stream, color).print(table)


def print_outcomes(
    stream: IO[str],
    title: str,
    columns: Mapping[str, np.ndarray],
    names: Sequence[str] | None,
    digits: int | None,
    color: bool,
    total: Mapping[str, str] | None = None,
) -> None:
    """Print one distribution outcome by outcome: a row per outcome, a column per per-outcome field."""
    from rich.table import Table

    d = digits if digits is not None else TABLE_DIGITS
    k = len(next(iter(columns.values())))
    labels = list(names) if names is not None and len(names) == k else [str(j + 1) for j in range(k)]
    table = Table(show_footer=total is not None)
    table.add_column("outcome", footer="total" if total else "")
    for name in columns:
        table.add_column(name, justify="right", footer=(total or {}).get(name, ""))
    formatted = [format_numbers(col, d) for col in columns.values()]
    for j in range(k):
        table.add_row(labels[j], *(f[j] for f in formatted))
    out = console(stream, color)
    out.print(title)
    out.print(table)


def print_entropy_detail(stream: IO[str], columns: Mapping[str, Column], names: Sequence[str] | None,
                         digits: int | None, color: bool) -> None:
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
        print_outcomes(stream, title, per, names, digits, color, total)


def print_selftest(stream: IO[str], rows: Sequence[tuple[str, str, str, Sequence[float], Sequence[float], bool]],
                   color: bool, verbose: bool) -> None:
    """The selftest table: per case (what, source, command, expected, got, passed)."""
    from rich.table import Table

    table = Table(title="entcli selftest: published reference values", title_justify="left")
    for name in ("#", "case", "source", "expected", "got", "result"):
        table.add_column(name, overflow="fold")
    for i, (what, source, cmd, expected, got, ok) in enumerate(rows, 1):
        table.add_row(str(i), what + (f"\n{cmd}" if verbose else ""), source,
                      ", ".join(f"{v:.10g}" for v in expected), ", ".join(f"{v:.10g}" for v in got) or "-",
                      "pass" if ok else "FAIL")
    console(stream, color).print(table)
