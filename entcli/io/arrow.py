"""The fast text parser and columnar inputs from pyarrow (the ``fast`` extra), imported only when used.

:func:`chunk_parser` gives a parser for chunks of delimited text that returns the rows, or None when the
chunk is anything but plain numbers (comments, blanks inside values, ragged rows, non-numbers): the NumPy
reader then parses that chunk and reports its errors, so both readers give identical results and
messages. The command line turns the fast path off with ``ENTCLI_READER=numpy`` (read by its environment).

:func:`columnar_source` reads Parquet and Arrow IPC (Feather v2) files in record batches.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable, Iterator
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError, MissingExtraError
from entcli.io import kernels
from entcli.io.roles import Layout, Roles, listed, resolve


def available() -> bool:
    """True when the fast reader (pyarrow's CSV parser) is installed."""
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


#: What a chunk parser (CSV or JSON Lines) returns: the outcome columns as float64, the text columns (or None), and
#: how many newlines the chunk holds (its reader's line count moves on by that much).
Parsed = tuple[NDArray[np.float64], "dict[str, NDArray[Any]] | None", int]


def chunk_parser(delimiter: str | None, width: int | None = None) -> Callable[[bytes], Parsed | None] | None:
    """A parser for chunks of text with a one-character ``delimiter``, or None (not installed or unsupported).
    With the ``width`` of the rows, every column is read as float64 (no type inference: ~5x faster on wide rows);
    a chunk of another width or with a non-number fails, and the NumPy reader names the line."""
    if not _supported(delimiter):
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [f"f{i}" for i in range(width)] if width else None
    read = _Reader(pacsv.ReadOptions(column_names=names, autogenerate_column_names=names is None, use_threads=True,
                                     block_size=8 << 20),
                   pacsv.ConvertOptions(null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
                                        column_types=dict.fromkeys(names, pa.float64()) if names else None),
                   delimiter, quote=None)

    def parse(data: bytes) -> Parsed | None:
        table, newlines = read(data)
        values = None if table is None else _numbers(table.columns)
        return None if values is None else (values, None, newlines)

    return parse


def json_lines_parser(field: str | None, names: list[str] | None, outcomes: tuple[int, ...], width: int,
                      extras: dict[str, type]) -> Callable[[bytes], Parsed | None] | None:
    """A parser for chunks of JSON Lines whose rows are objects (None where pyarrow is not installed): the
    distribution at the dotted ``field`` (an array of ``width`` numbers, or with ``names`` an object of them), else
    the object's own number-valued ``names``; ``extras`` the top-level fields read as they are (str, int, float).
    It returns the outcomes in ``outcomes`` order, the extras as Python objects and the chunk's newlines, or None
    for any chunk that is not exactly that (a missing or extra name, a null, a string or a bool among the numbers, a
    key twice, a ragged row, blank or comment lines, not one row a line, bytes that are not UTF-8): the Python
    reader then reads it, and names what is wrong."""
    try:
        import pyarrow as pa
        import pyarrow.json as pajson
    except ImportError:
        return None
    kinds = {str: pa.string(), int: pa.int64(), float: pa.float64()}
    dist: Any = pa.struct([(n, pa.float64()) for n in names]) if names is not None else pa.list_(pa.float64())
    fields: list[Any] = [(k, kinds[t]) for k, t in extras.items()]
    if field is None:
        fields += [(n, pa.float64()) for n in names or []]
    else:
        parts = field.split(".")
        for part in reversed(parts[1:]):
            dist = pa.struct([(part, dist)])
        fields.append((parts[0], dist))
    # Other fields: an error where an object of numbers is the distribution (a name of its own), else ignored
    # as the Python reader ignores them (fields beside the distribution's path).
    behaviour = "ignore" if field is not None and names is None else "error"
    options = pajson.ParseOptions(explicit_schema=pa.schema(fields), unexpected_field_behavior=behaviour)

    def parse(data: bytes) -> Parsed | None:
        if b"\r" in data or not (data.isascii() or _is_utf8(data)):
            return None  # CR line ends, or a line the Python reader names as not UTF-8 (pyarrow does not check)
        try:
            table = pajson.read_json(pa.BufferReader(data), parse_options=options)
        except pa.ArrowInvalid:
            return None
        # One row a line: a blank or comment line, two rows on a line or a row over two are the Python reader's to
        # read or name. pyarrow skips blank lines and takes rows wherever they break, but it reads two rows from a
        # line only where one object follows another after blanks: with no such line, it has fewer rows than lines
        # wherever a line is not one row, so as many rows as lines means each line is one.
        newlines = data.count(b"\n")
        if table.num_rows != newlines + (not data.endswith(b"\n")) or _TWO_ON_A_LINE.search(data) or \
                any(column.null_count for column in table.columns):
            return None
        values = _distribution(table, field, names, width)
        if values is None:
            return None
        kept = {k: np.array(table.column(k).to_pylist(), dtype=object) for k in extras}
        return values[:, list(outcomes)] if list(outcomes) != list(range(width)) else values, kept or None, newlines

    return parse


def json_array_lines_parser(width: int, outcomes: tuple[int, ...]) -> Callable[[bytes], Parsed | None] | None:
    """A parser for chunks of JSON Lines whose rows are arrays of ``width`` numbers (None where pyarrow is not
    installed): each line is made an object ``{"r": [...]}`` by one bytes replace and read as such; None for any
    chunk that is not exactly that (a blank line or anything else makes invalid JSON, which the Python reader
    then names)."""
    parse = json_lines_parser("r", None, outcomes, width, {})
    if parse is None:
        return None

    def arrays(data: bytes) -> Parsed | None:
        if not data.endswith(b"\n") or b"\r" in data:
            return None
        result = parse(b'{"r":' + data[:-1].replace(b"\n", b'}\n{"r":') + b"}\n")
        return None if result is None else (result[0], None, result[2])

    return arrays


#: One JSON object right after another on a line, which pyarrow reads as two rows (JSON's blanks between them;
#: a line end between them is two lines).
_TWO_ON_A_LINE = re.compile(rb"\}[ \t]*\{")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _distribution(table: Any, field: str | None, names: list[str] | None, width: int) -> NDArray[np.float64] | None:
    """The distribution columns of a JSON Lines table as n x width float64 (None: ragged rows or nulls inside)."""
    import pyarrow as pa

    if field is None:
        return np.column_stack([to_numpy(table.column(n)) for n in names or []]).astype(np.float64, copy=False)
    parts = field.split(".")
    column = table.column(parts[0]).combine_chunks()
    for part in parts[1:]:
        if column.null_count:
            return None
        column = column.field(part)
    if column.null_count:
        return None
    if names is not None:
        cols = [column.field(n) for n in names]
        if any(c.null_count for c in cols):
            return None
        return np.column_stack([to_numpy(c) for c in cols]).astype(np.float64, copy=False)
    offsets = to_numpy(column.offsets)
    if len(column) and not (np.diff(offsets) == width).all():
        return None
    # The lists' values are their child array's [offsets[0], offsets[-1]) (flatten() would import pyarrow.compute).
    flat = column.values.slice(int(offsets[0]), int(offsets[-1] - offsets[0])) if len(column) else column.values
    if flat.null_count:
        return None
    if not isinstance(flat, pa.Array) or len(flat) != len(column) * width:
        return None
    return to_numpy(flat).reshape(len(column), width)


def table_chunk_parser(delimiter: str | None, layout: Layout) -> Callable[[bytes], Parsed | None] | None:
    """A parser for chunks of a table (:class:`~entcli.io.roles.Layout`): the outcome columns as float64, the
    text columns as strings (never converted), other columns skipped; None where :func:`chunk_parser` would be."""
    if not _supported(delimiter):
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    text_columns = layout.text_columns
    generated = [f"f{i}" for i in range(layout.width)]
    read = _Reader(pacsv.ReadOptions(column_names=generated, use_threads=True, block_size=8 << 20),
                   pacsv.ConvertOptions(null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False,
                                        include_columns=[generated[i] for i in (*layout.outcomes, *text_columns)],
                                        column_types={**{generated[i]: pa.float64() for i in layout.outcomes},
                                                      **{generated[i]: pa.string() for i in text_columns}}),
                   delimiter, quote='"')

    def parse(data: bytes) -> Parsed | None:
        table, newlines = read(data)
        values = None if table is None else _numbers([table.column(generated[i]) for i in layout.outcomes])
        if table is None or values is None:
            return None
        fields = {layout.name_of(i): to_numpy(kernels.trim(table.column(generated[i]), " \t")) for i in text_columns}
        return values, fields or None, newlines

    return parse


def _supported(delimiter: str | None) -> TypeGuard[str]:
    return delimiter is not None and len(delimiter) == 1 and delimiter not in "\"'#" and available()


class _Reader:
    """pyarrow's table of a chunk and the chunk's newline count; (None, 0) for what the NumPy reader must see
    (comments, CR, any parse error).

    A chunk is parsed with blank lines taken as rows first: a blank row fails to convert, so a table means there
    was none, and the newlines are its rows (one fewer where the input's last line has no newline), with no pass
    over the bytes to count them. Once a chunk had blank lines (or where it starts with one, as the first chunk
    does where a header was blanked), it is parsed skipping them, and its newlines are counted."""

    def __init__(self, read: Any, convert: Any, delimiter: str, quote: str | None) -> None:
        import pyarrow.csv as pacsv

        self.options = read, convert
        self.quote = quote.encode() if quote else None
        self.strict, self.lenient = (pacsv.ParseOptions(delimiter=delimiter, quote_char=quote or False,
                                                        ignore_empty_lines=skip) for skip in (False, True))
        self.blank_lines_seen = False

    def __call__(self, data: bytes) -> tuple[Any, int]:
        if b"#" in data or b"\r" in data:
            return None, 0  # comments and CR line ends: the NumPy reader's job
        # A quoted value may hold a newline, which pyarrow takes in: then a row is more than a line, which the NumPy
        # reader does not allow (it names the line), so such a chunk is its to read.
        quoted = self.quote is not None and self.quote in data
        unended = not data.endswith(b"\n")
        if not self.blank_lines_seen and not data.startswith(b"\n"):
            table = self._read(data, self.strict)
            if table is not None and not quoted:
                return table, table.num_rows - unended
            if table is not None:
                newlines = data.count(b"\n")
                return (table, newlines) if newlines + unended == table.num_rows else (None, 0)
            self.blank_lines_seen = True  # or another fault: the lenient parse tells
        table = self._read(data, self.lenient)
        if table is None:
            return None, 0
        newlines = data.count(b"\n")
        if quoted:
            ends = np.frombuffer(data, dtype=np.uint8) == ord("\n")
            blank = int(np.count_nonzero(ends[1:] & ends[:-1])) + bool(ends[0])
            if table.num_rows != newlines + unended - blank:
                return None, 0
        return table, newlines

    def _read(self, data: bytes, parse: Any) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        try:
            return pacsv.read_csv(pa.py_buffer(data), read_options=self.options[0], parse_options=parse,
                                  convert_options=self.options[1])
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None


def _numbers(columns: list[Any]) -> NDArray[np.float64] | None:
    """The columns as one float64 matrix, or None if any is not all numbers."""
    import pyarrow as pa

    out = []
    for column in columns:
        if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)) or column.null_count:
            return None
        out.append(to_numpy(column).astype(np.float64, copy=False))
    if not out:
        return None
    return np.column_stack(out) if len(out) > 1 else out[0][:, None]


#: Arrow tables in memory that a path names (``arrow-table:N``): the input of a library call (entcli.frame).
TABLES: dict[str, Any] = {}
#: How such a path starts.
TABLE_PREFIX = "arrow-table:"


def columnar_source(path: str, roles: Roles
                    ) -> tuple[Layout, Iterator[tuple[NDArray[np.float64], dict[str, NDArray[Any]] | None]]]:
    """The layout of a Parquet or Arrow IPC file's columns and its batches: (outcomes as 2-D float64, the text
    columns by name). Numeric columns are outcomes by default; the others are keys."""
    try:
        import pyarrow as pa
        import pyarrow.ipc as ipc
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow", "fast", f"reading {os.path.basename(path)}") from None
    table = TABLES.get(path)
    try:
        from entcli.io.dataset import is_url, open_url

        remote = is_url(path)
        if table is not None:
            schema = table.schema
        elif path.lower().endswith((".parquet", ".pq")):
            # Column chunks read in 1 MB pieces, not whole (a row group of 500k x 10 held ~40 MB more).
            handle = pq.ParquetFile(open_url(path) if remote else path, buffer_size=1 << 20, pre_buffer=False)
            schema = handle.schema_arrow
        else:
            reader = ipc.open_file(open_url(path) if remote else pa.memory_map(path, "r"))
            schema = reader.schema
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: not a readable Parquet/Arrow file ({e})", "check the file") from None
    names = list(schema.names)
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise InputError(f"{path}: duplicate column name(s) {listed(duplicated, quote=True)}",
                         "give every column its own name")
    numeric = [pa.types.is_floating(t) or pa.types.is_integer(t) for t in schema.types]
    layout = resolve(roles, names, len(names), numeric, path)
    chosen = [names[i] for i in (*layout.outcomes, *layout.text_columns)]
    if table is not None:
        batches = (b for b in table.select(chosen).to_batches(max_chunksize=1 << 16))
    elif path.lower().endswith((".parquet", ".pq")):
        batches = (b for b in handle.iter_batches(batch_size=1 << 16, columns=chosen))
    else:
        batches = (reader.get_batch(i).select(chosen) for i in range(reader.num_record_batches))

    def arrays() -> Iterator[tuple[NDArray[np.float64], dict[str, NDArray[Any]] | None]]:
        from entcli.io.ahead import prefetched

        for batch in prefetched(batches):  # the next batch decoded while this one is computed and written
            cols = []
            for i in layout.outcomes:
                column = batch.column(names[i])
                if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
                    raise InputError(f"{path}: column {names[i]!r} holds {column.type}, not numbers",
                                     "pick the probability columns with --columns")
                if column.null_count:
                    raise InputError(f"{path}: column {names[i]!r} has missing values", "fill or drop them first")
                cols.append(to_numpy(column).astype(np.float64, copy=False))
            fields = {names[i]: to_numpy(batch.column(names[i])) for i in layout.text_columns}
            yield np.column_stack(cols), fields or None

    return layout, arrays()


#: Arrow's shortest float formatting (``cast`` to string) writes repr()'s digits for every float64; the notation is
#: repr's for non-integral |x| in [1e-4, 1e9), for 0 < |x| < 1e-9, nan and inf (checked on millions of values, and by
#: the tests). Elsewhere it differs in ways rewritten here by Arrow's string kernels, never float by float:
#: whole numbers below 1e9 ("1" for 1.0: a ".0" appended), |x| in [1e-9, 1e-6) ("1.5e-7" for 1.5e-07: the exponent
#: padded) and in [1e-6, 1e-4) ("0.000015" for 1.5e-05: the digits moved into exponent notation). Only what is left
#: (|x| >= 1e9, whole or not: Arrow switches notation by digit count there) goes through repr.
_REPR_FROM = 1e9  # |x| from here on: Arrow switches notation by digit count, so repr formats them
_PADDED = (1e-9, 1e-6)  # Arrow: "d.ddde-N" with one exponent digit; repr: "d.ddde-0N"
_DECIMAL = (1e-6, 1e-5, 1e-4)  # Arrow: "0.00000ddd" below 1e-5, "0.0000ddd" above; repr: "d.ddde-06" / "d.ddde-05"
#: The groups of :func:`_float_texts`: each is cast in one piece and rewritten as a whole.
_AS_IS, _WHOLE, _PAD, _REPR = 0, 1, 2, 7  # and 3-6: [1e-6, 1e-4) by sign and exponent (see _decimal_group)


def to_numpy(column: Any) -> NDArray[Any]:
    """An Arrow array or chunked array as NumPy: numbers without nulls by their buffer, anything else as Python
    objects (None for a null). Not ``to_numpy()``, which goes through pyarrow's pandas shim and so imports pandas
    whenever it is installed (0.2-0.5 s for nothing)."""
    import pyarrow as pa

    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    kind = "f" if pa.types.is_floating(arr.type) else "i" if pa.types.is_signed_integer(arr.type) else \
        "u" if pa.types.is_unsigned_integer(arr.type) else None
    if kind is not None and arr.null_count == 0:
        dtype = np.dtype(f"{kind}{arr.type.bit_width // 8}")
        if not len(arr):
            return np.zeros(0, dtype=dtype)
        # A slice (a batch of a table, a list's values) starts ``offset`` elements into its buffer.
        return np.frombuffer(arr.buffers()[1], dtype=dtype, count=len(arr), offset=arr.offset * dtype.itemsize)
    return np.array(arr.to_pylist(), dtype=object)


def float_strings(values: NDArray[np.float64]) -> list[str]:
    """repr() of every float64 of a 1-D array (Arrow's shortest formatting where it is the same as repr)."""
    texts: list[str] = _float_texts(values).to_pylist()
    return texts


def _numbers_array(values: NDArray[Any]) -> Any:
    """A 1-D float64 or int64 NumPy array as an Arrow array over the same buffer (no copy, no pandas shim)."""
    import pyarrow as pa

    kind = np.float64 if values.dtype.kind == "f" else np.int64
    values = np.ascontiguousarray(values, dtype=kind)
    return pa.Array.from_buffers(pa.float64() if kind is np.float64 else pa.int64(), len(values),
                                 [None, pa.py_buffer(values)])


def _strings(texts: list[str], joined: str | None = None) -> Any:
    """An Arrow string array of ASCII ``texts`` (``joined``: their concatenation, where the caller has it), built
    from its buffers (``pa.array`` would import pandas)."""
    import pyarrow as pa

    data = ("".join(texts) if joined is None else joined).encode("ascii")
    offsets = np.zeros(len(texts) + 1, dtype=np.int32)
    np.cumsum(np.fromiter(map(len, texts), dtype=np.int32, count=len(texts)), out=offsets[1:])
    return pa.Array.from_buffers(pa.string(), len(texts), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def _constant(text: str, n: int) -> Any:
    import pyarrow as pa

    offsets = np.arange(n + 1, dtype=np.int32) * len(text.encode("ascii"))
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(text.encode() * n)])


def _float_texts(values: NDArray[np.float64]) -> Any:
    """repr() of every float64 of a 1-D array, as an Arrow string array: Arrow's shortest formatting, its notation
    made repr's where they differ (see :data:`_REPR_FROM`); repr itself only for |x| >= 1e9.

    The values are put in order of their group (a stable sort of a small label: O(n)), cast at once, each group's
    slice rewritten by a few whole-array kernels, and the texts put back in the values' order by one ``take``."""
    import pyarrow as pa

    values = np.ascontiguousarray(values, dtype=np.float64)
    n = len(values)
    magnitude = np.abs(values)
    label = np.zeros(n, dtype=np.uint8)
    with np.errstate(invalid="ignore"):
        label[(magnitude < _REPR_FROM) & (values == np.floor(values))] = _WHOLE
        label[(magnitude >= _PADDED[0]) & (magnitude < _PADDED[1])] = _PAD
        decimal = (magnitude >= _DECIMAL[0]) & (magnitude < _DECIMAL[2])
        label[decimal] = 3 + (magnitude[decimal] < _DECIMAL[1]) + 2 * (values[decimal] < 0)
        label[(magnitude >= _REPR_FROM) & np.isfinite(values)] = _REPR
    if not label.any():
        return kernels.cast_to_string(_numbers_array(values))
    order = np.argsort(label, kind="stable")
    grouped = values[order]
    texts = kernels.cast_to_string(_numbers_array(grouped))
    pieces, start = [], 0
    for group, k in enumerate(np.bincount(label, minlength=8).tolist()):
        if not k:
            continue
        piece = texts.slice(start, k)
        if group == _WHOLE:
            piece = kernels.join(piece, _constant(".0", k), _constant("", k))
        elif group == _PAD:
            piece = kernels.replace_substring(piece, "e-", "e-0")
        elif group == _REPR:
            piece = _strings(list(map(repr, grouped[start:start + k].tolist())))
        elif group != _AS_IS:
            piece = _decimal_group(piece, negative=group >= 5, exponent=6 if group in (4, 6) else 5)
        pieces.append(piece)
        start += k
    inverse = np.empty_like(order)
    inverse[order] = np.arange(n)
    return kernels.take(pa.concat_arrays(pieces), _numbers_array(inverse))


def _decimal_group(texts: Any, negative: bool, exponent: int) -> Any:
    """repr() of floats of one sign in [1e-5, 1e-4) (``exponent`` 5) or [1e-6, 1e-5) (6), from Arrow's texts of
    them: "0.000015" -> "1.5e-05". The significant digits D follow a fixed prefix ("-"?, "0.", the zeros) and end
    in a non-zero digit; D[0] + "." + D[1:] (no "." for one digit) + "e-0N", after the sign."""
    k = len(texts)
    digits = kernels.slice_from(texts, negative + 1 + exponent)
    digits = kernels.rtrim(kernels.replace_slice(digits, 1, 1, "."), ".")  # "1." (one digit) -> "1"
    return kernels.join(_constant("-" if negative else "", k), digits, _constant(f"e-0{exponent}", k),
                        _constant("", k))


#: From this many numbers on, a block's rows are formatted in two halves at once (Arrow's kernels release the GIL).
PARALLEL_FORMAT_SIZE = 1 << 16


@functools.cache
def _formatter() -> Any:
    """The thread that formats the second half of big blocks' rows (made once, kept: a new thread per block would
    make its allocator start afresh each time)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(1, thread_name_prefix="entcli-format")


def _column_slice(texts: Any, index: int, n: int) -> Any:
    """Column ``index`` of ``n`` rows of a block's texts formatted at once (an empty column for an empty block)."""
    return texts.slice(index * n, n) if texts is not None else _strings([])


def _key_texts(col: NDArray[Any]) -> Any:
    """A text column as an Arrow string array, where each value is written as it is: ASCII strings with no
    separator, quote or line end (else None: the Python writer quotes them; JSON's numbers and nulls are its too)."""
    items = col.tolist()
    if col.dtype.kind == "O" and not set(map(type, items)) <= {str}:
        return None
    joined = "".join(items)
    if not joined.isascii() or any(c in joined for c in ',\t"\n\r'):
        return None
    return _strings(items, joined)


def _constant_column(col: NDArray[Any]) -> bool:
    """True when every value of a 1-D numeric column has the first one's bits (so 0.0 and -0.0 differ)."""
    bits = np.ascontiguousarray(col).view(np.int64 if col.dtype.itemsize == 8 else f"i{col.dtype.itemsize}")
    return bool((bits == bits[0]).all())


def number_lines(columns: list[NDArray[Any] | str], n: int, sep: str, inner: str | None = None) -> bytes | None:
    """The text of ``n`` rows, each ``columns`` joined by ``sep`` and ended by a newline, formatted and joined by
    Arrow (no Python string per number), byte for byte what :func:`entcli.io.numbers.format_numbers` and a join
    write. A column is a 1-D array of floats or integers, a 2-D array (a vector per row: its elements joined by
    ``inner``, or each a column of its own when ``inner`` is None), a string repeated on every row or a text key
    (ASCII strings that need no quotes). None where this does not apply (keys to quote, JSON's non-string keys,
    matrices, other dtypes): the caller formats in Python.

    Formatting is most of a batch run's time where many numbers are written (softmax, normalize, simulate): a
    big block's second half of rows is formatted by another thread meanwhile, so both cores do it."""
    numbers = sum(c.size for c in columns if not isinstance(c, str))
    if n < 2 or numbers < PARALLEL_FORMAT_SIZE:
        return _lines(columns, n, sep, inner)
    half = n // 2
    later = _formatter().submit(_lines, [c if isinstance(c, str) else c[half:] for c in columns], n - half, sep, inner)
    first = _lines([c if isinstance(c, str) else c[:half] for c in columns], half, sep, inner)
    second = later.result()
    return None if first is None or second is None else first + second


def _lines(columns: list[NDArray[Any] | str], n: int, sep: str, inner: str | None) -> bytes | None:
    """:func:`number_lines` in this thread."""

    # Every float of the block is formatted by one call (a call per column costs ~15 kernel launches: for blocks of
    # a few thousand rows x 100 columns that overhead was most of the time), then sliced into columns (no copy).
    plan: list[tuple[str, Any]] = []  # ("text", array) | ("floats"/"ints", (start, width, joined by inner))
    floats: list[NDArray[Any]] = []
    ints: list[NDArray[Any]] = []
    for col in columns:
        if isinstance(col, str):
            if not col.isascii() or any(c in col for c in ',\t"\n\r'):
                return None
            plan.append(("text", _constant(col, n)))
            continue
        if col.ndim == 1 and col.dtype.kind in "OU":  # a text key carried from the input
            keys = _key_texts(col)
            if keys is None:
                return None
            plan.append(("text", keys))
            continue
        if col.ndim > 2 or col.dtype.kind not in "fiu":
            return None
        if col.ndim == 1 and n > 1 and _constant_column(col):  # K, log K, the unit's order: formatted once
            one = _float_texts(col[:1]) if col.dtype.kind == "f" else kernels.cast_to_string(_numbers_array(col[:1]))
            plan.append(("text", _constant(one[0].as_py(), n)))
            continue
        pool = floats if col.dtype.kind == "f" else ints
        width = 1 if col.ndim == 1 else col.shape[1]
        plan.append(("floats" if pool is floats else "ints", (len(pool), width, col.ndim == 2 and inner is not None)))
        pool.extend([col] if col.ndim == 1 else [col[:, j] for j in range(width)])
    float_texts = _float_texts(np.concatenate(floats)) if floats and n else None
    int_texts = kernels.cast_to_string(_numbers_array(np.concatenate(ints))) if ints and n else None
    parts: list[Any] = []
    for kind, item in plan:
        if kind == "text":
            parts.append(item)
            continue
        start, width, joined = item
        texts = [_column_slice(float_texts if kind == "floats" else int_texts, start + j, n) for j in range(width)]
        if joined:
            parts.append(kernels.join(*texts, _constant(inner or "", n)) if width > 1 else texts[0])
        else:
            parts.extend(texts)
    if not parts:
        return None
    # Separators as arrays: a Python string would become an Arrow scalar through the pandas shim (see to_numpy).
    # The line end goes on the last column (a pass over one column, not over the whole lines).
    parts[-1] = kernels.join(parts[-1], _constant("\n", n), _constant("", n))
    ended = kernels.join(*parts, _constant(sep, n)) if len(parts) > 1 else parts[-1]
    buffers = ended.buffers()
    offsets = np.frombuffer(buffers[1], dtype=np.int32, count=n + 1, offset=ended.offset * 4)
    return memoryview(buffers[2])[int(offsets[0]):int(offsets[-1])].tobytes()
