"""Reading distributions: command-line values, files and stdin, as a :class:`~entcli.io.blocks.Source`.

This module opens the input and picks its reader: CSV, TSV and whitespace-separated text
(:mod:`entcli.io.text`), JSON and JSON Lines (:mod:`entcli.io.jsonrows`), ``.npy`` (here), Parquet and
Arrow IPC (:mod:`entcli.io.arrow`). The format is the one asked for, else the file's extension, else
sniffed from the first whole lines. Errors are :class:`~entcli.errors.InputError` naming the source and
the line.
"""

from __future__ import annotations

import io
import itertools
import math
import os
import re
import sys
from collections.abc import Iterator
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError, NoRows
from entcli.io.blocks import BadRowHandler, Block, Source, iter_blocks
from entcli.io.formats import EXTENSIONS, INPUT_FORMATS, delimiter_of
from entcli.io.jsonrows import json_source, jsonl_source
from entcli.io.roles import Roles, resolve
from entcli.io.text import PROMPT_WAIT, text_source, to_float

__all__ = ["Block", "Source", "iter_blocks", "open_source", "parse_numbers", "values_source", "looks_numeric"]

DELIMITERS = {"csv": ",", "tsv": "\t", "txt": None}

#: ``.npy`` arrays are read this many rows at a time.
BLOCK_ROWS = 1 << 16
NPY_MAGIC = b"\x93NUMPY"
_SPLIT = re.compile(r"[,\s]+")


# --------------------------------------------------------------------------- values on the command line


def value_float(token: str) -> float:
    """A number given on the command line: what :func:`~entcli.io.text.to_float` reads, or an exact fraction
    ``a/b`` (``1/3``, ``-2/7``, ``0.5/3``), rounded once to the nearest float64."""
    if "/" not in token:
        return to_float(token)
    from fractions import Fraction

    top, bottom = token.split("/", 1)
    for part in (top, bottom):
        if part.strip() != part or not _is_finite_text(part):  # to_float refuses "", "1_0" and non-ASCII digits
            raise ValueError(f"not a fraction: {token!r}")
    denominator = Fraction(bottom)
    if denominator == 0:
        raise ValueError(f"{token!r} divides by zero")
    return float(Fraction(top) / denominator)


def _is_finite_text(text: str) -> bool:
    try:
        return math.isfinite(to_float(text))
    except ValueError:
        return False


def parse_numbers(tokens: list[str] | str, what: str = "value") -> NDArray[np.float64]:
    """Numbers from command-line tokens: ``0.2 0.3``, ``0.2,0.3`` and ``"0.2 0.3"`` are the same; a token may be
    an exact fraction (``1/3``, see :func:`value_float`)."""
    text = " ".join(tokens) if isinstance(tokens, list) else tokens
    parts = [t for t in _SPLIT.split(text.strip()) if t]
    out = np.empty(len(parts), dtype=np.float64)
    for j, token in enumerate(parts):
        try:
            out[j] = value_float(token)
        except (ValueError, OverflowError) as e:
            reason = "divides by zero" if "zero" in str(e) else "is not a number"
            raise InputError(
                f"{what} {j + 1} ({token!r}) {reason}",
                "give numbers separated by spaces or commas, e.g. 0.2 0.3 0.5 or 1/3 1/3 1/3",
            ) from None
    if out.size == 0:
        raise InputError(f"no {what}s given", "give numbers separated by spaces or commas, e.g. 0.2 0.3 0.5")
    return out


def values_source(tokens: list[str]) -> Source:
    """One distribution from command-line values."""
    row = parse_numbers(tokens)
    return Source("arguments", iter([Block(row[None, :], 0, None)]))


_NAMED = re.compile(r"^\s*[^=,\s]+\s*=\s*[^=,\s]+\s*$")


def looks_named(text: str) -> bool:
    """True when ``text`` is ``name=number`` pairs separated by commas (``cat=2,dog=1``)."""
    parts = [t for t in text.split(",") if t.strip()]
    return bool(parts) and all(_NAMED.match(t) for t in parts)


def named_values_source(text: str, what: str) -> Source:
    """One distribution given as ``name=number`` pairs: the names label the outcomes."""
    pairs = [t.split("=", 1) for t in text.split(",") if t.strip()]
    names = [name.strip() for name, _ in pairs]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise InputError(f"{what}: outcome {twice[0]!r} is named twice", "give each name once: cat=2,dog=1")
    row = parse_numbers([value for _, value in pairs], f"{what} value")
    return Source(f"{what} values", iter([Block(row[None, :], 0, None)]), names)


def looks_numeric(text: str) -> bool:
    """True when ``text`` is a list of numbers (as opposed to a path)."""
    parts = [t for t in _SPLIT.split(text.strip()) if t]
    if not parts:
        return False
    try:
        for t in parts:
            value_float(t)
    except (ValueError, OverflowError):
        return False
    return not ("/" in text and os.path.exists(text))  # a file named like a fraction is a file


# --------------------------------------------------------------------------- opening files and stdin


def _open_binary(path: str, stdin: BinaryIO | None = None) -> tuple[BinaryIO, str]:
    if path == "-":
        return (stdin if stdin is not None else sys.stdin.buffer), "<stdin>"
    from entcli.io.dataset import is_url, open_url

    if is_url(path):
        return open_url(path), path
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, not a file", "give the path of a file, or - for stdin")
    try:
        return open(path, "rb"), path  # noqa: SIM115 - closed when the reader is exhausted
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "check the path, or use - to read stdin") from None
    except PermissionError:
        raise InputError(f"{path}: permission denied", "check the file's permissions") from None
    except OSError as e:
        raise InputError(f"{path}: cannot open ({e.strerror})", "check the path") from None


def _format_from_extension(path: str) -> str | None:
    lower = path.lower()
    for ext, fmt in EXTENSIONS.items():
        if lower.endswith(ext):
            return fmt
    return None


def open_source(
    path: str,
    fmt: str | None = None,
    delimiter: str | None = None,
    header: bool | None = None,
    on_bad: BadRowHandler | None = None,
    roles: Roles | None = None,
    *,
    stdin: BinaryIO | None = None,
    fast: bool = True,
    wait: float | None = None,
    max_line: int | None = None,
) -> Source:
    """Open ``path`` (``-`` is stdin) and return its rows as a :class:`Source`.

    ``fmt`` forces a format (one of :data:`~entcli.io.formats.INPUT_FORMATS`); ``delimiter`` overrides the
    separator of a text format (see :func:`~entcli.io.formats.delimiter_of`); ``header`` forces (True) or
    forbids (False) a header row, None detects it. With ``on_bad``, rows that cannot be parsed are reported to
    it and skipped instead of raising. ``roles`` say which columns are the outcomes and which are keys
    (:mod:`entcli.io.roles`). ``stdin`` is the binary stream ``-`` reads (default: the process's); ``fast``
    False keeps pyarrow's parser out (the NumPy reader only). ``wait``: how long whole rows from a pipe wait for
    more input before they are passed on (default :data:`~entcli.io.text.PROMPT_WAIT`; 0: each as it comes).
    ``max_line``: the longest line (or JSON element) in bytes (default :data:`~entcli.io.text.MAX_LINE_BYTES`).
    """
    from entcli.io.text import MAX_LINE_BYTES

    wait = PROMPT_WAIT if wait is None else wait
    max_line = MAX_LINE_BYTES if max_line is None else max_line
    roles = roles or Roles()
    if fmt is not None and fmt not in INPUT_FORMATS:
        raise InputError(f"unknown input format {fmt!r}", f"use one of {', '.join(INPUT_FORMATS)}")
    from entcli.io.dataset import dataset_parts, dataset_source

    parts = dataset_parts(path)
    if parts is not None:
        return dataset_source(path, parts, lambda part: open_source(part, fmt, delimiter, header, on_bad, roles,
                                                                    fast=fast, wait=wait, max_line=max_line))
    if fmt in ("parquet", "arrow") or (fmt is None and _format_from_extension(path) in ("parquet", "arrow")) \
            or path.startswith("arrow-table:"):
        return _columnar(path, roles)
    stream, name = _open_binary(path, stdin)
    if fmt is None and path != "-":
        fmt = _format_from_extension(path)
    head = b""
    if fmt is None:
        fmt, head = _sniff(stream, name, max_line)
    if roles.field is not None and fmt not in ("json", "jsonl"):
        raise InputError(f"{name}: --field picks a field of JSON objects, but the input is {fmt}",
                         "drop --field, or give JSON / JSON Lines")
    total = _size(stream)
    if fmt == "npy":
        return numeric_layout(_npy_source(stream, name, head, path), roles)
    if fmt == "json":
        return json_source(stream, name, head, roles, max_line)
    if fmt == "jsonl":
        return _sized(jsonl_source(stream, name, head, on_bad, roles, wait, fast, max_line), total)
    if delimiter is None:
        delimiter = DELIMITERS[fmt] if fmt in ("csv", "tsv") else None
        sniff_delimiter = fmt == "txt" or fmt is None
    else:
        delimiter = delimiter_of(delimiter)
        sniff_delimiter = False
    return _sized(text_source(stream, name, head, delimiter, sniff_delimiter, header, on_bad, fast, roles, wait,
                              max_line),
                  total)


def _size(stream: BinaryIO) -> int | None:
    """The size in bytes of a regular file (None for a pipe or a terminal: not known in advance)."""
    import stat

    try:
        info = os.fstat(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def _sized(source: Source, total: int | None) -> Source:
    if source.bytes is not None:
        source.bytes.total = total
    return source


def numeric_layout(source: Source, roles: Roles) -> Source:
    """Apply ``roles`` to a source of numbers only (``.npy``, values): columns by number, kept ones as keys."""
    if not roles.asked:
        return source
    inner = iter_blocks(source)
    first = next(inner)
    width = first.values.shape[1]
    layout = resolve(roles, source.names, width, [True] * width, source.name)
    if layout.plain:
        source.blocks = itertools.chain([first], inner)
        return source

    def blocks() -> Iterator[Block]:
        for block in itertools.chain([first], inner):
            fields = {layout.name_of(i): block.values[:, i] for i in layout.text_columns} or None
            yield Block(block.values[:, list(layout.outcomes)], block.start, block.line_of, block.positions, fields)

    source.blocks = blocks()
    source.names = layout.outcome_names
    source.keys = layout.key_names
    return source


def _first_content(head: bytes) -> bytes | None:
    for line in head.lstrip(b"\xef\xbb\xbf").splitlines():
        s = line.strip()
        if s and not s.startswith(b"#"):
            return s
    return None


#: The start of a JSON document of rows: an array of arrays or of objects (never a row of JSON Lines).
_DOCUMENT_START = re.compile(rb"^(\xef\xbb\xbf)?\s*\[\s*[\[{]")


def _line(stream: BinaryIO, name: str, head: bytes, max_line: int) -> bytes:
    """One line of ``stream`` for the sniffer, at most ``max_line`` bytes (a stream with no line end is an error)."""
    parts = []
    size = 0
    while True:  # in pieces, so that a CR-only file stops at its first CR instead of being read whole
        part = stream.readline(1 << 16)
        parts.append(part)
        size += len(part)
        if not part or part.endswith(b"\n") or b"\r" in part:
            return b"".join(parts)
        if not head and len(parts) == 1 and _DOCUMENT_START.match(part):
            return part  # a JSON document of rows, perhaps on one long line: read as one, not as lines
        if size > max_line:
            number = head.count(b"\n") + 1
            raise InputError(f"{name}: line {number} is longer than {max_line >> 20} MiB "
                             "(no line end)", "rows end with a newline; --max-line-mib N allows longer lines")


def _sniff(stream: BinaryIO, name: str, max_line: int) -> tuple[str, bytes]:
    """Guess the format from the first whole lines; return it and the bytes read so far."""
    import json

    # a line, not a fixed count of bytes: a pipe may hold only "0,0\n" for now
    head = _line(stream, name, b"", max_line)
    if head.startswith(NPY_MAGIC):  # the .npy header ends with a line end
        return "npy", head
    first = _first_content(head)
    while first is None:  # leading blank and comment lines: each looked at once
        line = _line(stream, name, head, max_line)
        if not line:
            return "txt", head
        head += line
        first = _first_content(line)
    if first.startswith(b"{"):
        return "jsonl", head
    if first.startswith(b"["):
        try:
            value = json.loads(first)
        except (ValueError, RecursionError):  # too deeply nested: the JSON reader says so
            return "json", head  # a JSON document spread over several lines
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            return "json", head  # an array of arrays on one line
        # One array of numbers on the first line: JSON Lines if another line with content follows.
        rest = _line(stream, name, head, max_line)
        head += rest
        while rest and not rest.strip():
            rest = _line(stream, name, head, max_line)
            head += rest
        return ("jsonl" if rest.strip() else "json"), head
    return "txt", head


def _columnar(path: str, roles: Roles) -> Source:
    from entcli.io.arrow import columnar_source

    if path == "-":
        raise InputError("Parquet and Arrow input must be a file, not stdin", "give its path with -i")
    from entcli.io.dataset import is_url

    if not is_url(path) and not path.startswith("arrow-table:") and not os.path.isfile(path):
        _open_binary(path)  # raises the usual error for a missing file or a directory
    layout, batches = columnar_source(path, roles)

    def blocks() -> Iterator[Block]:
        start = 0
        for values, fields in batches:
            yield Block(values, start, None, fields=fields)
            start += len(values)
        if start == 0:
            raise NoRows(f"{path}: no rows to read", "the file has no rows")

    fmt = "parquet" if path.lower().endswith((".parquet", ".pq")) else "arrow"
    return Source(path, blocks(), layout.outcome_names, fmt, layout.key_names,
                  columns=list(layout.names) if layout.names is not None else None)


class _Joined(io.RawIOBase):
    """``head`` (bytes already read by the sniffer) and then the rest of ``stream``, as one readable stream."""

    def __init__(self, head: bytes, stream: BinaryIO) -> None:
        self.head, self.stream = head, stream

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data, self.head = self.head + self.stream.read(), b""
            return data
        data, self.head = self.head[:size], self.head[size:]
        while len(data) < size:
            more = self.stream.read(size - len(data))
            if not more:
                break
            data += more
        return data


def _npy_stream(stream: BinaryIO, name: str, head: bytes) -> Source:
    """A .npy array from a stream (stdin), read a block of rows at a time: memory is bounded by the block, not
    by what the header claims (a Fortran-order array is read whole: its rows are not contiguous)."""
    import numpy.lib.format as npy_format

    joined = _Joined(head, stream)
    try:
        version = npy_format.read_magic(joined)
        if version not in ((1, 0), (2, 0)):  # 3.0 only differs for structured dtypes, which hold no numbers
            raise ValueError(f"version {version[0]}.{version[1]} (numpy.save writes 1.0 or 2.0 for numbers)")
        read_header = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, fortran, dtype = read_header(joined)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"{name}: not a readable .npy file ({str(e)[:200]})",
                         "write numbers with numpy.save, or give a text file its own extension (.csv)") from None
    _check_npy(name, dtype, shape)
    cols = shape[-1]
    total = 1 if len(shape) == 1 else shape[0]
    row_bytes = cols * dtype.itemsize
    per_block = total if fortran and len(shape) == 2 else BLOCK_ROWS

    def blocks() -> Iterator[Block]:
        for start in range(0, total, per_block):
            rows = min(per_block, total - start)
            data = joined.read(rows * row_bytes)
            got = len(data) // row_bytes
            if got == rows:
                values = np.frombuffer(data, dtype=dtype)
                values = values.reshape(cols, rows).T if fortran and len(shape) == 2 else values.reshape(rows, cols)
                yield Block(values.astype(np.float64), start, None)
                continue
            if got and not fortran:
                yield Block(np.frombuffer(data[:got * row_bytes], dtype=dtype).reshape(got, cols).astype(np.float64),
                            start, None)
            raise InputError(f"{name}: the .npy data ends after {start + got} of the {total} rows its header "
                             "gives (a truncated file)", "check the file; write it again with numpy.save")

    return Source(name, blocks(), None, "npy")


def _check_npy(name: str, dtype: np.dtype, shape: tuple[int, ...]) -> None:
    if dtype.kind not in "biuf":
        raise InputError(f"{name}: .npy holds {dtype} values, not numbers", "save a float or integer array")
    if len(shape) not in (1, 2) or shape[-1] == 0 or (len(shape) == 2 and shape[0] == 0):
        raise InputError(f"{name}: .npy array has shape {shape}; need (rows, outcomes)",
                         "save a 2-D array, one distribution per row")


def _npy_source(stream: BinaryIO, name: str, head: bytes, path: str) -> Source:
    """A .npy file memory-mapped (rows are read as they are used), or a stream of one read a block at a time."""
    if path == "-" or head:
        return _npy_stream(stream, name, head)
    stream.close()
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        reason = "it holds Python objects (pickled), which entcli never loads" if "pickle" in str(e) else str(e)[:200]
        raise InputError(f"{name}: not a readable .npy file ({reason})",
                         "write numbers with numpy.save, or give a text file its own extension (.csv)") from None
    _check_npy(name, array.dtype, array.shape)
    if array.ndim == 1:
        array = array[None, :]

    def blocks() -> Iterator[Block]:
        for start in range(0, array.shape[0], BLOCK_ROWS):
            yield Block(np.asarray(array[start:start + BLOCK_ROWS], dtype=np.float64), start, None)

    return Source(name, blocks(), None, "npy")
