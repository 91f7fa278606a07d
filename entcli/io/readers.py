"""Reading distributions: command-line values, files and stdin, as an iterator of 2-D blocks.

A :class:`Source` has a display name, optional outcome names (from a header) and an iterator of
:class:`Block`; each block holds up to a few megabytes of rows, so a command that computes and writes
a block before reading the next runs in bounded memory however long its input is.

Formats: CSV, TSV, whitespace-separated text, JSON (an array of numbers, or of arrays), JSON Lines
and ``.npy``. The format is the one asked for, else the file's extension, else sniffed from the first
whole lines. Blank lines and ``#`` comments are skipped; a first line with any non-numeric field is
a header whose fields name the outcomes. Errors are :class:`~entcli.errors.InputError` naming the
source and the line.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError

FORMATS = ("csv", "tsv", "txt", "json", "jsonl", "npy", "parquet", "arrow")
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "txt",
    ".dat": "txt",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".npy": "npy",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}
DELIMITERS = {"csv": ",", "tsv": "\t", "txt": None}
#: Text is read in chunks of about this many bytes (cut at a line end).
CHUNK_BYTES = 4 << 20
#: ``.npy`` arrays are read this many rows at a time.
BLOCK_ROWS = 1 << 16
NPY_MAGIC = b"\x93NUMPY"
_SPLIT = re.compile(r"[,\s]+")

#: Called with a message for each bad row skipped under ``--skip-invalid``.
BadRowHandler = Callable[[str], None]


@dataclass
class Block:
    """Rows ``values`` (n × K, float64); ``start`` is the 0-based index of the block's first row in its source.

    ``line_of`` maps a row of the block as read (0-based) to its 1-based line in the source, where lines
    exist. After a selection (:meth:`take`), ``positions`` holds the rows' places in the block as read,
    so that messages still name the right rows and lines.
    """

    values: NDArray[np.float64]
    start: int
    line_of: Callable[[int], int] | None = None
    positions: NDArray[np.intp] | None = None

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
        """'row R' or 'row R (line L)' for row ``i`` of this block, for messages."""
        text = f"row {self.row_number(i)}"
        if self.line_of is not None:
            text += f" (line {self.line_of(self._position(i))})"
        return text

    def take(self, rows: slice | NDArray[np.bool_]) -> Block:
        """The sub-block of the given rows, keeping their row and line numbers."""
        base = self.positions if self.positions is not None else np.arange(len(self.values))
        return Block(self.values[rows], self.start, self.line_of, base[rows])


@dataclass
class Source:
    """A stream of distributions: ``name`` for messages, ``names`` of the outcomes (or None)."""

    name: str
    blocks: Iterator[Block]
    names: list[str] | None = None
    fmt: str = "values"


# --------------------------------------------------------------------------- values on the command line


def parse_numbers(tokens: list[str] | str, what: str = "value") -> NDArray[np.float64]:
    """Numbers from command-line tokens: ``0.2 0.3``, ``0.2,0.3`` and ``"0.2 0.3"`` are the same."""
    text = " ".join(tokens) if isinstance(tokens, list) else tokens
    parts = [t for t in _SPLIT.split(text.strip()) if t]
    out = np.empty(len(parts), dtype=np.float64)
    for j, token in enumerate(parts):
        try:
            out[j] = float(token)
        except ValueError:
            raise InputError(
                f"{what} {j + 1} ({token!r}) is not a number",
                "give numbers separated by spaces or commas, e.g. 0.2 0.3 0.5",
            ) from None
    if out.size == 0:
        raise InputError(f"no {what}s given", "give numbers separated by spaces or commas, e.g. 0.2 0.3 0.5")
    return out


def values_source(tokens: list[str]) -> Source:
    """One distribution from command-line values."""
    row = parse_numbers(tokens)
    return Source("arguments", iter([Block(row[None, :], 0, None)]))


def looks_numeric(text: str) -> bool:
    """True when ``text`` is a list of numbers (as opposed to a path)."""
    parts = [t for t in _SPLIT.split(text.strip()) if t]
    if not parts:
        return False
    try:
        for t in parts:
            float(t)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- opening files and stdin


def _open_binary(path: str) -> tuple[BinaryIO, str]:
    if path == "-":
        return sys.stdin.buffer, "<stdin>"
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
    columns: list[str] | None = None,
) -> Source:
    """Open ``path`` (``-`` is stdin) and return its rows as a :class:`Source`.

    ``fmt`` forces a format (one of :data:`FORMATS`); ``delimiter`` overrides the separator of a text
    format; ``header`` forces (True) or forbids (False) a header row, None detects it. With ``on_bad``,
    rows that cannot be parsed are reported to it and skipped instead of raising. ``columns`` keeps only
    those columns (header names, or 1-based numbers), in that order.
    """
    source = _open_source(path, fmt, delimiter, header, on_bad, columns)
    return select_columns(source, columns) if columns and source.fmt not in ("parquet", "arrow") else source


def select_columns(source: Source, columns: list[str]) -> Source:
    """Keep only ``columns`` (names from the header, or 1-based numbers) of every block."""
    index: list[int] = []
    for c in columns:
        if source.names and c in source.names:
            index.append(source.names.index(c))
        elif c.isdigit() and int(c) >= 1:
            index.append(int(c) - 1)
        else:
            known = f"columns are: {', '.join(source.names)}" if source.names else "give 1-based column numbers"
            raise InputError(f"{source.name}: no column {c!r}", known)
    inner = source.blocks

    def blocks() -> Iterator[Block]:
        for block in inner:
            width = block.values.shape[1]
            if max(index) >= width:
                raise InputError(f"{source.name}: --columns asks for column {max(index) + 1} of {width}")
            yield Block(block.values[:, index], block.start, block.line_of, block.positions)

    source.blocks = blocks()
    if source.names:
        source.names = [source.names[i] for i in index]
    return source


def _open_source(
    path: str,
    fmt: str | None,
    delimiter: str | None,
    header: bool | None,
    on_bad: BadRowHandler | None,
    columns: list[str] | None,
) -> Source:
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown input format {fmt!r}", f"use one of {', '.join(FORMATS)}")
    if fmt in ("parquet", "arrow") or (fmt is None and _format_from_extension(path) in ("parquet", "arrow")):
        return _columnar(path, columns)
    stream, name = _open_binary(path)
    if fmt is None and path != "-":
        fmt = _format_from_extension(path)
    head = b""
    if fmt is None:
        fmt, head = _sniff(stream, name)
    if fmt == "npy":
        return _npy_source(stream, name, head, path)
    if fmt == "json":
        return _json_source(stream, name, head)
    if fmt == "jsonl":
        return _jsonl_source(stream, name, head, on_bad)
    if delimiter is None:
        delimiter = DELIMITERS[fmt] if fmt in ("csv", "tsv") else None
        sniff_delimiter = fmt == "txt" or fmt is None
    else:
        delimiter = {"\\t": "\t", "tab": "\t", "space": None, "whitespace": None}.get(delimiter, delimiter)
        sniff_delimiter = False
    return _text_source(stream, name, head, delimiter, sniff_delimiter, header, on_bad)


def _first_content(head: bytes) -> bytes | None:
    for line in head.lstrip(b"\xef\xbb\xbf").splitlines():
        s = line.strip()
        if s and not s.startswith(b"#"):
            return s
    return None


def _sniff(stream: BinaryIO, name: str) -> tuple[str, bytes]:
    """Guess the format from the first whole lines; return it and the bytes read so far."""
    import json

    head = stream.read(len(NPY_MAGIC))
    if head == NPY_MAGIC:
        return "npy", head
    head += stream.readline()
    first = _first_content(head)
    while first is None:
        line = stream.readline()
        if not line:
            return "txt", head
        head += line
        first = _first_content(head)
    if first.startswith(b"{"):
        return "jsonl", head
    if first.startswith(b"["):
        try:
            value = json.loads(first)
        except ValueError:
            return "json", head  # a JSON document spread over several lines
        if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
            return "json", head  # an array of arrays on one line
        # One array of numbers on the first line: JSON Lines if another line with content follows.
        rest = stream.readline()
        head += rest
        while rest and not rest.strip():
            rest = stream.readline()
            head += rest
        return ("jsonl" if rest.strip() else "json"), head
    return "txt", head


def _chunks(stream: BinaryIO, head: bytes, size: int | None = None) -> Iterator[bytes]:
    """Bytes of ``stream`` (after ``head``) in chunks of about ``size`` that end at a line end."""
    size = size or CHUNK_BYTES
    pending = head
    try:
        while True:
            data = stream.read(size)
            if not data:
                if pending:
                    yield pending
                return
            data = pending + data
            if not data.endswith(b"\n"):
                data += stream.readline()
            pending = b""
            yield data
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _decode(chunk: bytes, name: str, first_line: int) -> str:
    try:
        text = chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        line = first_line + chunk.count(b"\n", 0, e.start)
        raise InputError(
            f"{name}: line {line} is not valid UTF-8 (byte 0x{chunk[e.start]:02x})",
            "give a text file in UTF-8, or a .npy file",
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _is_content(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _split_fields(line: str, delimiter: str | None) -> list[str]:
    line = line.split("#", 1)[0].strip()
    return line.split(delimiter) if delimiter is not None else line.split()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _guess_delimiter(line: str) -> str | None:
    for d in ("\t", ",", ";"):
        if d in line:
            return d
    return None


# --------------------------------------------------------------------------- delimited text


def _text_source(
    stream: BinaryIO,
    name: str,
    head: bytes,
    delimiter: str | None,
    sniff_delimiter: bool,
    header: bool | None,
    on_bad: BadRowHandler | None,
) -> Source:
    chunks = _chunks(stream, head)
    source = Source(name, iter(()), None, "text")
    line = 1  # the line the current chunk starts at
    text = ""
    # Find the first content line to settle the delimiter and the header.
    for chunk in chunks:
        if line == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        text = _decode(chunk, name, line)
        if any(_is_content(ln) for ln in text.split("\n")):
            break
        line += text.count("\n")
        text = ""
    if not text:
        raise InputError(f"{name}: no rows to read (empty input)", "give one distribution per line")
    lines = text.split("\n")
    first_idx = next(i for i, ln in enumerate(lines) if _is_content(ln))
    first = lines[first_idx]
    if sniff_delimiter:
        delimiter = _guess_delimiter(first)
    fields = [f.strip().strip('"').strip("'").strip() for f in _split_fields(first, delimiter)]
    is_header = header if header is not None else not all(_is_number(f) for f in fields)
    if is_header:
        source.names = fields
        # The header line is consumed: blank it so that line numbers stay right.
        lines[first_idx] = ""
        text = "\n".join(lines)
    hint = None
    if is_header and header is None and any(_is_number(f) for f in fields):
        bad = next(f for f in fields if not _is_number(f))
        hint = (f"line {line + first_idx} was taken as a header because {bad!r} is not a number; "
                "give --no-header to read it as data")
    source.blocks = _text_blocks(text, chunks, name, delimiter, line, on_bad, hint)
    return source


def _text_blocks(
    text: str,
    chunks: Iterator[bytes],
    name: str,
    delimiter: str | None,
    line: int,
    on_bad: BadRowHandler | None,
    header_hint: str | None = None,
) -> Iterator[Block]:
    from entcli.io.arrow import chunk_parser

    fast = None  # pyarrow is imported only once a chunk is big enough to repay its import (~0.2 s)
    k: int | None = None
    start = 0
    raw: bytes | None = None  # the chunk as read, when it has not been decoded yet
    while True:
        if fast is None and len(raw if raw is not None else text) >= CHUNK_BYTES:
            fast = chunk_parser(delimiter) or False
        rows = fast(raw if raw is not None else text.encode()) if fast else None
        if rows is not None and (k is None or rows.shape[1] == k):
            k = rows.shape[1]
            line_of = _lazy_lines(raw, text, line, len(rows))
            newlines = raw.count(b"\n") if raw is not None else text.count("\n")
        else:
            if raw is not None:
                text = _decode(raw, name, line)
            rows, line_of, k = _parse_text(text, name, delimiter, line, k, on_bad)
            newlines = text.count("\n")
        if len(rows):
            yield Block(rows, start, line_of)
            start += len(rows)
        line += newlines
        raw = next(chunks, None)
        if raw is None:
            break
    if start == 0:
        raise InputError(f"{name}: no rows to read (only a header, blank lines or comments)",
                         header_hint or "give one distribution per line")


def _parse_text(
    text: str,
    name: str,
    delimiter: str | None,
    first_line: int,
    k: int | None,
    on_bad: BadRowHandler | None,
) -> tuple[NDArray[np.float64], Callable[[int], int], int | None]:
    """Parse one chunk with NumPy's C reader; on failure, find the bad line in Python (the slow path)."""
    try:
        with _quiet_loadtxt():
            rows = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#", ndmin=2, dtype=np.float64)
        if rows.size == 0:
            rows = rows.reshape(0, k or 0)
        elif k is not None and rows.shape[1] != k:
            raise ValueError("width changed between chunks")
    except ValueError:
        return _parse_text_slowly(text, name, delimiter, first_line, k, on_bad)
    content = _content_lines(text, rows.shape[0])
    return rows, (lambda i: first_line + content(i)), (k if k is not None else (rows.shape[1] if len(rows) else None))


def _lazy_lines(raw: bytes | None, text: str, first_line: int, n_rows: int) -> Callable[[int], int]:
    """Line numbers for rows parsed by the fast reader: decoded and scanned only if a message needs them."""
    cache: list[Callable[[int], int]] = []

    def line_of(i: int) -> int:
        if not cache:
            cache.append(_content_lines(raw.decode("utf-8", "replace") if raw is not None else text, n_rows))
        return first_line + cache[0](i)

    return line_of


def _content_lines(text: str, n_rows: int) -> Callable[[int], int]:
    """Map row i of a parsed chunk to its 0-based line within the chunk (computed on first use)."""
    if text.count("\n") + (0 if text.endswith("\n") else 1) == n_rows:
        return lambda i: i
    cache: list[list[int]] = []

    def content(i: int) -> int:
        if not cache:
            cache.append([j for j, ln in enumerate(text.split("\n")) if _is_content(ln)])
        return cache[0][i]

    return content


def _parse_text_slowly(
    text: str,
    name: str,
    delimiter: str | None,
    first_line: int,
    k: int | None,
    on_bad: BadRowHandler | None,
) -> tuple[NDArray[np.float64], Callable[[int], int], int | None]:
    good: list[list[float]] = []
    good_lines: list[int] = []
    for j, raw in enumerate(text.split("\n")):
        if not _is_content(raw):
            continue
        line = first_line + j
        problem, values = _parse_line(raw, delimiter, k)
        if problem is None:
            good.append(values)
            good_lines.append(line)
            if k is None:
                k = len(values)
            continue
        message = f"{name}: line {line}: {problem}"
        if on_bad is not None:
            on_bad(message)
            continue
        # Hand back the rows before the bad line, then fail on the next call.
        raise _Partial(good, good_lines, InputError(message, _hint_for(problem, delimiter)))
    rows = np.array(good, dtype=np.float64).reshape(len(good), k or 0)
    return rows, (lambda i: good_lines[i]), k


def _parse_line(raw: str, delimiter: str | None, k: int | None) -> tuple[str | None, list[float]]:
    fields = _split_fields(raw, delimiter)
    values = []
    for c, f in enumerate(fields):
        try:
            values.append(float(f))
        except ValueError:
            return f"column {c + 1} ({f.strip()!r}) is not a number", []
    if k is not None and len(values) != k:
        return f"has {len(values)} fields but the rows before it have {k} (ragged rows)", []
    return None, values


def _hint_for(problem: str, delimiter: str | None) -> str:
    if "ragged" in problem:
        return "every row needs the same number of outcomes; check for a missing or extra separator"
    shown = {None: "whitespace", "\t": "tab"}.get(delimiter, repr(delimiter))
    return f"fields are split on {shown}; use -d/--delimiter to change it, or --header if it is a header"


class _Partial(Exception):
    """Raised inside a chunk: the good rows before a bad line, and the error to raise after them."""

    def __init__(self, rows: list[list[float]], lines: list[int], error: InputError) -> None:
        super().__init__(error.message)
        self.rows = rows
        self.lines = lines
        self.error = error


class _quiet_loadtxt:
    """Silence loadtxt's 'input contained no data' warning for a chunk of only comments."""

    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc: object) -> None:
        self._catch.__exit__(*exc)


def iter_blocks(source: Source) -> Iterator[Block]:
    """The blocks of ``source``; rows before a bad line are yielded before its error is raised."""
    it = source.blocks
    start = 0
    while True:
        try:
            block = next(it)
        except StopIteration:
            return
        except _Partial as partial:
            if partial.rows:
                lines = partial.lines
                yield Block(np.array(partial.rows, dtype=np.float64), start, lines.__getitem__)
            raise partial.error from None
        start = block.start + len(block.values)
        yield block


# --------------------------------------------------------------------------- JSON, JSON Lines, .npy


def _rows_from_json(
    value: object, name: str, where: Callable[[int], str]
) -> tuple[list[list[float]], list[str] | None]:
    """Rows from a parsed JSON value: a number array, an array of arrays, or objects (see module doc)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InputError(f"{name}: JSON must be an array of numbers or of arrays", "e.g. [[0.5, 0.5], [0.9, 0.1]]")
    if all(_is_json_number(v) for v in value):
        return [value], None  # type: ignore[list-item]
    rows: list[list[float]] = []
    names: list[str] | None = None
    for i, item in enumerate(value):
        if isinstance(item, dict):
            if "p" in item and isinstance(item["p"], list):
                item = item["p"]
            else:
                keys = list(item)
                if names is None:
                    names = keys
                if keys != names:
                    raise InputError(f"{name}: {where(i)}: keys {keys} differ from the first row's {names}",
                                     "every object needs the same keys in the same order")
                item = list(item.values())
        if not isinstance(item, list) or not all(_is_json_number(v) for v in item):
            raise InputError(f"{name}: {where(i)} is not an array of numbers", "e.g. [0.5, 0.5]")
        if rows and len(item) != len(rows[0]):
            raise InputError(f"{name}: {where(i)} has {len(item)} values but the first row has {len(rows[0])}",
                             "every row needs the same number of outcomes (ragged rows)")
        rows.append(item)
    return rows, names


def _is_json_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _json_source(stream: BinaryIO, name: str, head: bytes) -> Source:
    import json

    data = b"".join(_chunks(stream, head))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = _decode(data, name, 1)
    if not text.strip():
        raise InputError(f"{name}: no rows to read (empty input)", "give a JSON array of numbers or of arrays")
    try:
        value = json.loads(text)
    except ValueError as e:
        raise InputError(f"{name}: not valid JSON at line {e.lineno}, column {e.colno} ({e.msg})",  # type: ignore[attr-defined]
                         "give a JSON array, or use --input-format jsonl for one array per line") from None
    rows, names = _rows_from_json(value, name, lambda i: f"element {i + 1}")
    block = Block(np.array(rows, dtype=np.float64), 0, None)
    return Source(name, iter([block]), names, "json")


def _jsonl_source(stream: BinaryIO, name: str, head: bytes, on_bad: BadRowHandler | None) -> Source:
    import json

    source = Source(name, iter(()), None, "jsonl")

    def blocks() -> Iterator[Block]:
        line = 1
        start = 0
        first = True
        for chunk in _chunks(stream, head):
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            first = False
            text = _decode(chunk, name, line)
            raw = text.split("\n")
            idx = [j for j, ln in enumerate(raw) if _is_content(ln)]
            numbers = [line + j for j in idx]
            try:
                value = json.loads("[" + ",".join(raw[j] for j in idx) + "]")
                rows, names = _rows_from_json(value, name, lambda i, numbers=numbers: f"line {numbers[i]}")
            except (ValueError, InputError):
                rows, names, numbers = _jsonl_slowly(raw, idx, numbers, name, on_bad)
            if names is not None and source.names is None:
                source.names = names
            if rows:
                yield Block(np.array(rows, dtype=np.float64), start, lambda i, numbers=numbers: numbers[i])
                start += len(rows)
            line += text.count("\n")
        if start == 0:
            raise InputError(f"{name}: no rows to read (empty input)", "give one JSON array per line")

    source.blocks = blocks()
    return source


def _jsonl_slowly(
    raw: list[str], idx: list[int], numbers: list[int], name: str, on_bad: BadRowHandler | None
) -> tuple[list[list[float]], list[str] | None, list[int]]:
    import json

    rows: list[list[float]] = []
    kept: list[int] = []
    names = None
    width = None
    for j, line in zip(idx, numbers, strict=False):
        try:
            try:
                value = json.loads(raw[j])
            except ValueError as e:
                raise InputError(f"{name}: line {line} is not valid JSON ({e.msg})",  # type: ignore[attr-defined]
                                 "give one JSON array of numbers per line") from None
            (row,), row_names = _rows_from_json([value], name, lambda i, line=line: f"line {line}")
            if width is not None and len(row) != width:
                raise InputError(f"{name}: line {line} has {len(row)} values but the rows before it have {width}",
                                 "every row needs the same number of outcomes (ragged rows)")
        except InputError as e:
            if on_bad is None:
                raise _Partial(rows, kept, e) from None
            on_bad(e.message)
            continue
        width = len(row)
        names = names or row_names
        rows.append(row)
        kept.append(line)
    return rows, names, kept


def _columnar(path: str, columns: list[str] | None) -> Source:
    from entcli.io.arrow import columnar_source

    if path == "-":
        raise InputError("Parquet and Arrow input must be a file, not stdin", "give its path with -i")
    if not os.path.isfile(path):
        _open_binary(path)  # raises the usual error for a missing file or a directory
    names, arrays = columnar_source(path, columns)

    def blocks() -> Iterator[Block]:
        start = 0
        for values in arrays:
            yield Block(values, start, None)
            start += len(values)
        if start == 0:
            raise InputError(f"{path}: no rows to read", "the file has no rows")

    return Source(path, blocks(), names, "parquet" if path.lower().endswith((".parquet", ".pq")) else "arrow")


def _npy_source(stream: BinaryIO, name: str, head: bytes, path: str) -> Source:
    try:
        if path != "-" and not head:
            stream.close()
            array = np.load(path, mmap_mode="r", allow_pickle=False)
        else:
            data = head + stream.read()
            array = np.load(io.BytesIO(data), allow_pickle=False)
    except (ValueError, OSError, EOFError) as e:
        raise InputError(f"{name}: not a readable .npy file ({e})", "write it with numpy.save") from None
    if array.dtype.kind not in "biuf":
        raise InputError(f"{name}: .npy holds {array.dtype} values, not numbers", "save a float or integer array")
    if array.ndim == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] == 0 or array.shape[0] == 0:
        raise InputError(f"{name}: .npy array has shape {array.shape}; need (rows, outcomes)",
                         "save a 2-D array, one distribution per row")

    def blocks() -> Iterator[Block]:
        for start in range(0, array.shape[0], BLOCK_ROWS):
            yield Block(np.asarray(array[start:start + BLOCK_ROWS], dtype=np.float64), start, None)

    return Source(name, blocks(), None, "npy")
