"""Boxed text tables drawn a few rows at a time, fitted to the screen's width.

Every table entcli draws (results, outcome-by-outcome detail, the self-test) goes through :class:`Grid`: the
column widths are settled once from the header and the first rows (:func:`fit`), then rows are written as they
come, so a table of any length starts at once and memory does not grow with it. On a narrow screen, columns
that may be cut (vectors, text) shrink first, down to their header's width; numbers keep theirs; if the table
still does not fit, columns are dropped from the right and named in a note, never clipped. Headers are never
wrapped or cut. Plain text and ANSI styles only (no rich): this is the hot path of ``-o table``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

#: The narrowest a cut column gets, unless its header is wider.
MIN_CUT = 8

#: Box characters (top, header row, under the header, a rule, body rows, bottom): left, joint, right, line.
_UNICODE = {
    "top": "┏┳┓━", "head": "┃┃┃ ", "below_head": "┡╇┩━", "rule": "├┼┤─", "body": "│││ ", "bottom": "└┴┘─",
    "top_plain": "┌┬┐─",
}
_ASCII = {k: "+++-" if k not in ("head", "body") else "||| " for k in _UNICODE}


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: wide (East Asian) characters take 2, combining marks 0."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def cut(text: str, width: int, items: bool = False) -> str:
    """``text`` in ``width`` screen columns, ending in "…" if it is cut; ``items`` (a list) after a comma if it can."""
    if cell_width(text) <= width:
        return text
    out, used = [], 0
    for c in text:
        w = cell_width(c)
        if used + w > width - 1:
            break
        out.append(c)
        used += w
    kept = "".join(out)
    comma = kept.rfind(",")
    if items and comma > 0:  # whole numbers of a vector: "0.50802…" would read as a number
        kept = kept[:comma + 1]
    return kept + "…"


def printable(text: str) -> str:
    """``text`` on one line: control characters (a newline in an id) shown as their escapes."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


@dataclass
class Column:
    """A column: its header, alignment, whether its cells may be cut with an ellipsis (vectors, text), and
    whether they are lists of numbers (``items``: cut after a comma)."""

    header: str
    right: bool = True
    cut: bool = False
    items: bool = False


def fit(columns: Sequence[Column], natural: Sequence[int], width: int) -> tuple[list[int], list[int]]:
    """Widths for ``columns`` (``natural``: the widest cell of each) within ``width`` screen columns; returns the
    widths (0 for a dropped column) and the indices of the dropped columns.

    A table takes 1 + Σ (w + 3) columns. Cut columns shrink first, the widest first, down to their header's width
    or :data:`MIN_CUT`; then columns are dropped from the right (the first column always stays)."""
    heads = [cell_width(c.header) for c in columns]
    widths = [max(h, n) for h, n in zip(heads, natural, strict=True)]
    floor = [max(h, min(w, MIN_CUT)) if c.cut else w for c, h, w in zip(columns, heads, widths, strict=True)]

    def total(ws: Sequence[int]) -> int:
        return 1 + sum(w + 3 for w in ws if w)

    excess = total(widths) - width
    while excess > 0:
        room = [(widths[i] - floor[i], i) for i in range(len(widths)) if widths[i] > floor[i]]
        if not room:
            break
        spare, i = max(room)
        step = min(spare, excess, max(1, spare // 2))
        widths[i] -= step
        excess -= step
    dropped: list[int] = []
    for i in range(len(widths) - 1, 0, -1):
        if total(widths) <= width:
            break
        widths[i] = 0
        dropped.append(i)
    return widths, sorted(dropped)


class Grid:
    """A boxed table written to ``stream`` row by row: :meth:`head`, then :meth:`rows` (any number of times,
    :meth:`rule` between groups), then :meth:`close`. Cells are strings; ``widths`` come from :func:`fit`."""

    def __init__(self, stream: IO[str], columns: Sequence[Column], widths: Sequence[int], *, color: bool = False,
                 show_header: bool = True) -> None:
        self.stream = stream
        self.shown = [i for i, w in enumerate(widths) if w]
        self.columns = [columns[i] for i in self.shown]
        self.widths = [widths[i] for i in self.shown]
        self.color = color
        self.show_header = show_header
        encoding = (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "")
        self.box = _UNICODE if encoding.startswith("utf") else _ASCII

    def _line(self, kind: str) -> str:
        left, joint, right, line = self.box[kind][0], self.box[kind][1], self.box[kind][2], self.box[kind][3]
        return left + joint.join(line * (w + 2) for w in self.widths) + right + "\n"

    def _row(self, cells: Sequence[str], kind: str = "body", style: str = "") -> str:
        edge = self.box[kind][0]
        parts = []
        for text, column, w in zip(cells, self.columns, self.widths, strict=True):
            text = cut(printable(text), w, column.items) if column.cut else printable(text)
            pad = " " * max(0, w - cell_width(text))
            if style and self.color:
                text = f"\x1b[{style}m{text}\x1b[0m"
            parts.append(f" {pad}{text} " if column.right else f" {text}{pad} ")
        return edge + edge.join(parts) + edge + "\n"

    def head(self, title: str = "", screen: int | None = None) -> None:
        """The title (if any, folded to the ``screen`` width), the top edge and the header row."""
        out = []
        if title:
            title = folded(title, screen) if screen else title
            out.append((f"\x1b[3m{title}\x1b[0m" if self.color else title) + "\n")
        if self.show_header:
            out += [self._line("top"), self._row([c.header for c in self.columns], "head", "1"),
                    self._line("below_head")]
        else:
            out.append(self._line("top_plain"))
        self.stream.write("".join(out))

    def rows(self, rows: Iterable[Sequence[str]]) -> None:
        """Body rows; each is the cells of every column (dropped ones too)."""
        self.stream.write("".join(self._row([row[i] for i in self.shown]) for row in rows))

    def rule(self) -> None:
        self.stream.write(self._line("rule"))

    def close(self) -> None:
        self.stream.write(self._line("bottom"))


def folded(text: str, width: int) -> str:
    """``text`` broken between words into lines of at most ``width`` screen columns (a longer word stays whole)."""
    lines = [""]
    for word in text.split(" "):
        if lines[-1] and cell_width(lines[-1]) + 1 + cell_width(word) > width:
            lines.append("")
        lines[-1] += (" " if lines[-1] else "") + word
    return "\n".join(lines)


def dropped_note(columns: Sequence[Column], dropped: Sequence[int], width: int) -> str:
    """The lines under a table that could not show every column, folded to ``width``."""
    names = ", ".join(columns[i].header for i in dropped)
    return folded(f"(not shown at {width} columns: {names}; widen the terminal or use -o csv)", width) + "\n"
