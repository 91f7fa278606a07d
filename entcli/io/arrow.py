"""The fast text parser and columnar inputs from pyarrow (the ``fast`` extra), imported only when used.

:func:`chunk_parser` gives a parser for chunks of delimited text that returns the rows, or None when the
chunk is anything but plain numbers (comments, blanks inside values, ragged rows, non-numbers): the NumPy
reader then parses that chunk and reports its errors, so both readers give identical results and
messages. The command line turns the fast path off with ``ENTCLI_READER=numpy`` (read by its environment).

:func:`columnar_source` reads Parquet and Arrow IPC (Feather v2) files in record batches.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError, MissingExtraError


def available() -> bool:
    """True when the fast reader (pyarrow's CSV parser) is installed."""
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def chunk_parser(delimiter: str | None) -> Callable[[bytes], NDArray[np.float64] | None] | None:
    """A parser for chunks of text with a one-character ``delimiter``, or None (not installed or unsupported)."""
    if delimiter is None or len(delimiter) != 1 or delimiter in "\"'#" or not available():
        return None
    import pyarrow as pa
    import pyarrow.csv as pacsv

    read_options = pacsv.ReadOptions(autogenerate_column_names=True, use_threads=True, block_size=8 << 20)
    parse_options = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, ignore_empty_lines=True)
    convert_options = pacsv.ConvertOptions(null_values=[], strings_can_be_null=False, quoted_strings_can_be_null=False)

    def parse(data: bytes) -> NDArray[np.float64] | None:
        if b"#" in data or b"\r" in data:
            return None  # comments and CR line ends: the NumPy reader's job
        try:
            table = pacsv.read_csv(pa.py_buffer(data), read_options=read_options, parse_options=parse_options,
                                   convert_options=convert_options)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            return None
        columns = []
        for column in table.columns:
            kind = column.type
            if not (pa.types.is_floating(kind) or pa.types.is_integer(kind)) or column.null_count:
                return None
            columns.append(column.to_numpy().astype(np.float64, copy=False))
        if not columns:
            return None
        return np.column_stack(columns) if len(columns) > 1 else columns[0][:, None]

    return parse


def columnar_source(path: str, columns: list[str] | None) -> tuple[list[str], Iterator[NDArray[np.float64]]]:
    """(column names, batches as 2-D float64 arrays) of a Parquet or Arrow IPC file."""
    try:
        import pyarrow as pa
        import pyarrow.ipc as ipc
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingExtraError("pyarrow", "fast", f"reading {os.path.basename(path)}") from None
    try:
        if path.lower().endswith((".parquet", ".pq")):
            handle = pq.ParquetFile(path)
            names = handle.schema_arrow.names
            chosen = _choose(names, columns, path)
            batches = (b for b in handle.iter_batches(batch_size=1 << 16, columns=chosen))
        else:
            reader = ipc.open_file(pa.memory_map(path, "r"))
            names = reader.schema.names
            chosen = _choose(names, columns, path)
            batches = (reader.get_batch(i).select(chosen) for i in range(reader.num_record_batches))
    except (pa.ArrowInvalid, OSError) as e:
        raise InputError(f"{path}: not a readable Parquet/Arrow file ({e})", "check the file") from None

    def arrays() -> Iterator[NDArray[np.float64]]:
        for batch in batches:
            cols = []
            for name, column in zip(batch.schema.names, batch.columns, strict=True):
                if not (pa.types.is_floating(column.type) or pa.types.is_integer(column.type)):
                    raise InputError(f"{path}: column {name!r} holds {column.type}, not numbers",
                                     "pick the probability columns with --columns")
                if column.null_count:
                    raise InputError(f"{path}: column {name!r} has missing values", "fill or drop them first")
                cols.append(column.to_numpy(zero_copy_only=False).astype(np.float64, copy=False))
            yield np.column_stack(cols)

    return chosen, arrays()


def _choose(names: list[str], columns: list[str] | None, path: str) -> list[str]:
    if not columns:
        return names
    missing = [c for c in columns if c not in names]
    if missing:
        raise InputError(f"{path}: no column {missing[0]!r}", f"columns are: {', '.join(names)}")
    return columns


#: Arrow's shortest float formatting agrees with Python's repr() for non-integral |x| in [1e-4, 1e9)
#: (checked on millions of values, and by the tests); outside that, the notations differ (exponent
#: thresholds, "1" vs "1.0"), and those values go through repr().
_SAME_AS_REPR = (1e-4, 1e9)


def float_strings(values: NDArray[np.float64]) -> list[str]:
    """repr() of every float64 of a 1-D array, ten times faster for the common values (Arrow's formatting)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    magnitude = np.abs(values)
    with np.errstate(invalid="ignore"):
        same = (magnitude >= _SAME_AS_REPR[0]) & (magnitude < _SAME_AS_REPR[1]) & (values != np.floor(values))
    out = pc.cast(pa.array(values), pa.string()).to_numpy(zero_copy_only=False)
    other = np.flatnonzero(~same)
    if len(other):
        out[other] = list(map(repr, values[other].tolist()))
    return out.tolist()
