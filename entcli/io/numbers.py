"""Numbers as text: the one formatting routine every output format uses (no rich, no I/O).

Numbers round-trip: the repr of the float64 (the shortest string that reads back to the same value), unless
``digits`` asks for that many significant digits. A block of numbers is formatted at once, with C-level string
operations (or Arrow's formatter for big blocks once pyarrow is loaded), never float by float in Python.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import Any, Union

import numpy as np
from numpy.typing import NDArray

#: A result column: a 1-D array (a number per row), 2-D (a vector per row, e.g. ``p``), 3-D (a matrix per row,
#: e.g. ``jacobian``) or a string (the same text on every row, e.g. ``unit``).
Column = Union[NDArray[Any], str]
#: A block of results: field name -> column, every array column with the same number of rows.
Columns = Mapping[str, Column]
SEP = "\x1f"  # a separator no number or name contains, for splitting joined templates
#: From this many numbers on, formatting uses Arrow when it is loaded (see :func:`format_numbers`),
FAST_FORMAT_SIZE = 1 << 10
#: and from this many numbers written in all it is worth importing pyarrow for (0.1-0.2 s, when it is installed).
IMPORT_FORMAT_SIZE = 1 << 18


#: Numbers formatted so far in this process (the output's size, block after block).
_FORMATTED = [0]


def arrow_formatting(count: int) -> bool:
    """Whether a block of ``count`` numbers is formatted by Arrow (:func:`entcli.io.arrow.number_lines`, byte for
    byte the same text): pyarrow is loaded already (the fast reader read the input) and the block is not tiny, or
    the output so far is big enough to repay loading it. Chosen by the size of the output, not of the input or of
    one block (simulate writes a small input's long history in pieces)."""
    _FORMATTED[0] += count
    if count < FAST_FORMAT_SIZE:
        return False
    if "pyarrow" in sys.modules:
        return True
    if _FORMATTED[0] < IMPORT_FORMAT_SIZE:
        return False
    from entcli.io.arrow import available

    return available()


def format_numbers(values: NDArray[Any], digits: int | None = None, style: str = "plain") -> list[str]:
    """Strings for every element of ``values`` (flattened, C order): repr of float64, or ``digits`` significant.

    A column of text (a key carried from the input) is written as it was read, quoted as ``style`` needs
    (``csv``/``tsv``: RFC 4180 quotes where a value holds the separator, a quote or a line end; ``json``: a
    JSON string; a JSON number or null read from JSON input stays one).
    """
    flat = np.asarray(values).ravel()
    if flat.dtype.kind in "UOS":
        return text_cells(flat, style)
    if flat.dtype.kind in "iub":
        return list(map(str, flat.tolist()))
    if digits is None and flat.size >= FAST_FORMAT_SIZE and "pyarrow" in sys.modules:
        # Big outputs of big inputs (the fast reader has loaded pyarrow already): Arrow formats them.
        from entcli.io.arrow import float_strings

        return float_strings(np.asarray(flat, dtype=np.float64))
    items = np.asarray(flat, dtype=np.float64).tolist()
    if digits is None:
        return list(map(repr, items))
    return (f"%.{digits}g{SEP}" * len(items) % tuple(items)).split(SEP)[:-1]


def join_groups(cells: list[str], n: int, size: int, sep: str, opening: str = "", closing: str = "") -> list[str]:
    """Join consecutive groups of ``size`` cells: n strings ``opening + sep.join(group) + closing``."""
    if size == 0:
        return [opening + closing] * n
    template = (opening + sep.join(["%s"] * size) + closing + SEP) * n
    return (template % tuple(cells)).split(SEP)[:-1]


_CSV_SPECIAL = re.compile(r'[",\t\n\r]')
_JSON_SPECIAL = re.compile('["\\\\\x00-\x1f\x7f\x85\u2028\u2029]')
#: Line breaks to unicode-aware readers (str.splitlines, JavaScript) that JSON leaves unescaped: escaped, so that a
#: JSON Lines record never spans two "lines".
_UNICODE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_string(value: Any) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False)
    for char, escaped in _UNICODE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def text_cells(values: NDArray[Any], style: str = "plain") -> list[str]:
    """Cells of a text column (see :func:`format_numbers`); only a value that needs quoting is looked at alone."""
    if values.dtype.kind == "O":
        items = values.tolist()
        if style == "json":
            return [_json_string(v) if not isinstance(v, float) or v == v and abs(v) != float("inf")
                    else "null" for v in items]
        strings = ["" if v is None else ("true" if v is True else "false" if v is False else str(v)) for v in items]
    else:
        strings = values.astype(str).tolist()
    joined = SEP.join(strings)
    if style == "json":
        if not _JSON_SPECIAL.search(joined):
            return (('"%s"' + SEP) * len(strings) % tuple(strings)).split(SEP)[:-1]
        return [_json_string(v) for v in strings]
    if style in ("csv", "tsv") and _CSV_SPECIAL.search(joined):
        return [_csv_quote(v, "," if style == "csv" else "\t") for v in strings]
    return strings


def _csv_quote(value: str, sep: str) -> str:
    if any(c in value for c in (sep, '"', "\n", "\r")):
        return '"' + value.replace('"', '""') + '"'
    return value
