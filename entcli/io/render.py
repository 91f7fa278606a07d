"""Writing results: plain, CSV, TSV, JSON, JSON Lines and rich tables, a block of rows at a time.

A block of results is a mapping from field name to a column: a 1-D array (one number per row),
a 2-D array (a vector per row, e.g. ``p``), a 3-D array (a matrix per row, e.g. ``jacobian``) or a
string (the same text on every row, e.g. ``unit``). Numbers are formatted a block at a time with
C-level string operations, never float by float in a Python loop.

Numbers round-trip: the repr of the float64 (shortest string that reads back to the same value),
unless ``digits`` asks for that many significant digits. Strict JSON: a non-finite number is written
as ``null`` and the row object gains ``"nonfinite": {"<field>": "inf" | "-inf" | "nan"}`` (a vector
element as ``"<field>[<i>]"``, 0-based). Plain, CSV and TSV write ``inf``, ``-inf`` and ``nan``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import IO, Any

import numpy as np
from numpy.typing import NDArray

from entcli.io.formats import OUTPUT_FORMATS
from entcli.io.numbers import SEP, Column, arrow_formatting, format_numbers, join_groups


def _json_cells(col: NDArray[Any], digits: int | None) -> list[str]:
    cells = format_numbers(col, digits, "json")
    if col.dtype.kind == "f" and not np.isfinite(col).all():
        for j in np.flatnonzero(~np.isfinite(col.ravel())).tolist():
            cells[j] = "null"
    n = col.shape[0]
    if col.ndim == 1:
        return cells
    if col.ndim == 2:
        return join_groups(cells, n, col.shape[1], ", ", "[", "]")
    inner = join_groups(cells, n * col.shape[1], col.shape[2], ", ", "[", "]")
    return join_groups(inner, n, col.shape[1], ", ", "[", "]")


def _nonfinite_cells(columns: Mapping[str, Column], n: int) -> list[str]:
    """For each row, '' or ', "nonfinite": {...}' naming its non-finite numbers (the slow path, rare)."""
    bad = np.zeros(n, dtype=bool)
    for col in columns.values():
        if isinstance(col, np.ndarray) and col.dtype.kind == "f":
            bad |= ~np.isfinite(col.reshape(n, -1)).all(axis=1)
    import json

    cells = [""] * n
    for i in np.flatnonzero(bad).tolist():
        entries = {}
        for name, col in columns.items():
            if not (isinstance(col, np.ndarray) and col.dtype.kind == "f"):
                continue
            row = np.atleast_1d(np.asarray(col[i]))
            scalar = np.ndim(col[i]) == 0
            for idx in zip(*np.nonzero(~np.isfinite(row)), strict=True):
                key = name + ("" if scalar else "".join(f"[{j}]" for j in idx))
                v = float(row[idx])
                entries[key] = "nan" if v != v else ("inf" if v > 0 else "-inf")
        cells[i] = ', "nonfinite": ' + json.dumps(entries)
    return cells


def flat_header(name: str, col: NDArray[Any], names: Sequence[str] | None) -> list[str]:
    """The CSV header fields of the result column ``name``: itself, or one per element of a vector or matrix
    (``p_cat``, ``p_dog`` with outcome names; ``p1``, ``p2`` without; ``jacobian_a_b``)."""
    if col.ndim == 1:
        return [name]
    k = col.shape[1]
    labels = list(names) if names is not None and len(names) == k else [str(j + 1) for j in range(k)]
    if col.ndim == 2:
        joiner = "_" if names is not None and len(names) == k else ""
        return [f"{name}{joiner}{label}" for label in labels]
    return [f"{name}_{a}_{b}" for a in labels for b in labels]


class Writer:
    """Writes blocks of results in one format to a text stream; call :meth:`close` at the end.

    ``primary`` is the field plain output prints; ``names`` label the outcomes of vector fields in
    CSV/TSV headers and tables; ``title`` heads a table, ``width`` is the screen's and ``max_rows`` how many rows
    a table shows (None: all; see :class:`entcli.io.tables.TableStream`). ``matrix_width`` M says the rows are
    the pairs of a pairwise comparison in long form, M consecutive rows per p row: plain output then prints the
    N x M matrix of the primary result (one line per p row), every other format the long form as it is.
    """

    def __init__(
        self,
        fmt: str,
        stream: IO[str],
        primary: str,
        *,
        digits: int | None = None,
        names: Sequence[str] | None = None,
        title: str = "",
        color: bool = False,
        matrix_width: int | None = None,
        width: int = 80,
        max_rows: int | None = None,
    ) -> None:
        if fmt not in OUTPUT_FORMATS:
            raise ValueError(f"unknown output format {fmt!r}")
        self.fmt = fmt
        self.stream = stream
        self.primary = primary
        self.digits = digits
        self.names = list(names) if names is not None else None
        self.title = title
        self.color = color
        self.matrix_width = matrix_width
        self.width = width
        self.max_rows = max_rows
        self._table: Any = None  # the TableStream, once a table is drawn
        self._started = False
        self._rows = 0

    # -- per format -----------------------------------------------------------------------------------------

    def write(self, columns: Mapping[str, Column]) -> None:
        """Write one block of rows; every array column has the same number of rows."""
        n = next(len(c) for c in columns.values() if isinstance(c, np.ndarray))
        if n == 0:
            return
        getattr(self, f"_write_{self.fmt}")(columns, n)
        self._rows += n
        self._started = True

    def _arrow_lines(self, columns: list[Column], n: int, sep: str, inner: str | None) -> bytes | None:
        """The block's lines formatted by Arrow when that pays (see :func:`entcli.io.numbers.arrow_formatting`)."""
        size = sum(c.size for c in columns if isinstance(c, np.ndarray))
        if self.digits is not None or not arrow_formatting(size):
            return None
        from entcli.io.arrow import number_lines

        return number_lines(columns, n, sep, inner)

    def _write_bytes(self, data: bytes) -> None:
        buffer = getattr(self.stream, "buffer", None)
        if buffer is None:  # a text-only stream (io.StringIO)
            self.stream.write(data.decode("ascii"))
            return
        self.stream.flush()
        buffer.write(data)

    def _write_plain(self, columns: Mapping[str, Column], n: int) -> None:
        col = columns[self.primary]
        assert isinstance(col, np.ndarray)
        if self.matrix_width is not None and col.ndim == 1:
            n, col = n // self.matrix_width, col.reshape(-1, self.matrix_width)
        if col.ndim <= 2 and (data := self._arrow_lines([col], n, ",", ",")) is not None:
            self._write_bytes(data)
            return
        cells = format_numbers(col, self.digits)
        if col.ndim == 1:
            lines = cells
        elif col.ndim == 2:
            lines = join_groups(cells, n, col.shape[1], ",")
        else:
            inner = join_groups(cells, n * col.shape[1], col.shape[2], ",")
            lines = join_groups(inner, n, col.shape[1], ";")
        self.stream.write("\n".join(lines) + "\n")

    def _write_csv(self, columns: Mapping[str, Column], n: int, sep: str = ",") -> None:
        if not self._started:
            import csv
            import io

            header: list[str] = []
            for name, col in columns.items():
                header += [name] if isinstance(col, str) else flat_header(name, col, self.names)
            buf = io.StringIO()
            csv.writer(buf, delimiter=sep, lineterminator="\n").writerow(header)
            self.stream.write(buf.getvalue())
        data = self._arrow_lines(list(columns.values()), n, sep, None)
        if data is not None:
            self._write_bytes(data)
            return
        cols: list[list[str]] = []
        for col in columns.values():
            if isinstance(col, str):
                cols.append([col] * n)
                continue
            cells = format_numbers(col, self.digits, "csv" if sep == "," else "tsv")
            width = int(np.prod(col.shape[1:])) if col.ndim > 1 else 1
            cols += [cells[j::width] for j in range(width)]
        self.stream.write("\n".join(map(sep.join, zip(*cols, strict=False))) + "\n")

    def _write_tsv(self, columns: Mapping[str, Column], n: int) -> None:
        self._write_csv(columns, n, sep="\t")

    def _objects(self, columns: Mapping[str, Column], n: int) -> list[str]:
        import json

        parts: list[str] = []
        cells: list[list[str]] = []
        for name, col in columns.items():
            if isinstance(col, str):
                parts.append(f"{json.dumps(name)}: {json.dumps(col)}".replace("%", "%%"))
            else:
                parts.append(f"{json.dumps(name)}: %s")
                cells.append(_json_cells(col, self.digits))
        cells.append(_nonfinite_cells(columns, n))
        template = ("{" + ", ".join(parts) + "%s}" + SEP) * n
        flat = tuple(chain.from_iterable(zip(*cells, strict=False)))
        return (template % flat).split(SEP)[:-1]

    def _write_jsonl(self, columns: Mapping[str, Column], n: int) -> None:
        self.stream.write("\n".join(self._objects(columns, n)) + "\n")

    def _write_json(self, columns: Mapping[str, Column], n: int) -> None:
        self.stream.write(("[\n" if not self._started else ",\n") + ",\n".join(self._objects(columns, n)))

    def _write_table(self, columns: Mapping[str, Column], n: int) -> None:
        if self._table is None:
            from entcli.io.tables import TableStream

            self._table = TableStream(self.stream, title=self.title, digits=self.digits,
                                      color=self.color, width=self.width, max_rows=self.max_rows)
        self._table.write(columns, n)

    def close(self) -> None:
        """Finish the output (closes the JSON array; an empty JSON result is ``[]``)."""
        if self.fmt == "json":
            self.stream.write("\n]\n" if self._started else "[]\n")
        if self._table is not None:
            self._table.close()
            self._table = None
        self.stream.flush()
