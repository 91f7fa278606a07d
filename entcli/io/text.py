"""Delimited text (CSV, TSV, whitespace): read in chunks of whole lines, parsed a chunk at a time.

Each chunk goes through pyarrow's CSV parser when the ``fast`` extra is installed and the chunk is large,
else through NumPy's ``loadtxt``; a chunk neither can parse is scanned line by line, which names the bad
line (or skips it under ``--skip-invalid``). Blank lines and ``#`` comments are skipped; a first line with
any non-numeric field is a header whose fields name the outcomes; a UTF-8 BOM and CRLF are accepted.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Generator, Iterator
from typing import Any, BinaryIO

import numpy as np
from numpy.typing import NDArray

from entcli.errors import InputError, NoRows
from entcli.io.ahead import advance, read_ahead
from entcli.io.blocks import BadRowHandler, Block, Bytes, RowsBeforeError, Source
from entcli.io.roles import Layout, Roles, listed, resolve

#: Text is read in chunks of about this many bytes (cut at a line end).
CHUNK_BYTES = 4 << 20


#: Rows wider than this many fields are parsed by NumPy, not pyarrow (whose per-column cost grows without bound).
FAST_MAX_COLUMNS = 10_000


#: The longest line (row) read, in bytes: a stream with no line end (``-i /dev/zero``) is an error at this size,
#: not unbounded memory. 64 MiB holds a row of a few million numbers.
MAX_LINE_BYTES = 64 << 20


#: How long a complete row read from a pipe or terminal waits for more input before it is parsed and its result
#: written (``--unbuffered``: no wait). A fast producer fills a chunk long before this; a slow one (``tail -f``)
#: sees each row's result within this time.
PROMPT_WAIT = 0.2


def read_chunks(stream: BinaryIO, head: bytes, size: int | None = None, name: str = "input",
                max_line: int | None = MAX_LINE_BYTES, wait: float = PROMPT_WAIT,
                count: Bytes | None = None) -> Iterator[bytes]:
    """Bytes of ``stream`` (after ``head``) in chunks of about ``size`` that end at a line end.

    A chunk is ``size`` bytes completed to the end of its line (LF). A chunk with no LF but a CR (CR-only line
    ends) ends at its last CR and the rest is carried to the next one. A line with no LF within ``max_line``
    bytes is an error naming the limit (None: no limit, for a JSON document read whole). So no chunk is much
    larger than ``size`` + ``max_line``, however the lines end.

    A pipe, FIFO, terminal or socket is read by a thread (:func:`_arrivals`): whole lines that have waited
    ``wait`` seconds for more input become a chunk of their own, so the results of a slow stream come out as
    its rows arrive, and reading overlaps parsing on a fast one. ``count`` tallies the bytes passed on.
    """
    size = size or CHUNK_BYTES
    try:
        chunks = _prompt_chunks(stream, head, size, name, max_line, wait) if _is_stream(stream) else \
            _file_chunks(stream, head, size, name, max_line)
        if count is None:
            yield from chunks
            return
        for chunk in chunks:
            count.read += len(chunk)
            yield chunk
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _is_stream(stream: BinaryIO) -> bool:
    """Whether ``stream`` is a pipe, FIFO, terminal or socket (data arrives over time), not a file or a buffer."""
    import os
    import stat

    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # io.BytesIO and the like: everything is there already
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISBLK(mode) or mode == 0)


def _too_long(name: str, offset: int, max_line: int) -> InputError:
    return InputError(f"{name}: the line from byte {offset} on is longer than {max_line >> 20} MiB (no line end)",
                      "rows end with a newline (a single JSON document is read with --input-format json); "
                      "--max-line-mib N allows longer lines")


def _file_chunks(stream: BinaryIO, head: bytes, size: int, name: str, max_line: int | None) -> Iterator[bytes]:
    limit = max_line if max_line is not None else -1
    pending = head
    offset = 0
    while True:
        data = stream.read(size)
        if not data:
            if pending:
                yield pending
            return
        if pending:
            data, pending = pending + data, b""
        if not data.endswith(b"\n"):
            if b"\n" not in data and b"\r" in data:  # CR-only line ends: cut at the last CR
                cut = data.rfind(b"\r") + 1
                data, pending = data[:cut], data[cut:]
            else:
                tail = stream.readline(limit)
                data += tail
                if max_line is not None and len(tail) >= max_line and not tail.endswith(b"\n"):
                    cut = data.rfind(b"\r") + 1
                    if not cut:
                        raise _too_long(name, offset, max_line)
                    data, pending = data[:cut], data[cut:]
        offset += len(data)
        yield data


#: Bytes a reader thread asks the stream for at a time, and how many such pieces wait for the parser at most.
_PIECE = 1 << 16
_QUEUED = 256


def _buffered(stream: BinaryIO) -> bytes:
    """What ``stream``'s buffer holds already (the sniffer read through it), without waiting for more input: the
    descriptor is made non-blocking for the one ``read1``, which returns the buffer when it holds anything, else
    what the pipe has now (b'' when nothing: not the end here). One call only: a fast producer would keep a loop
    reading, and memory growing, for as long as it writes."""
    import os

    fd = stream.fileno()
    blocking = os.get_blocking(fd)
    os.set_blocking(fd, False)
    try:
        return getattr(stream, "read1", stream.read)(1 << 20) or b""
    except BlockingIOError:
        return b""
    finally:
        os.set_blocking(fd, blocking)


def _arrivals(stream: BinaryIO) -> Generator[bytes | None, float | None, None]:
    """What ``stream`` delivers, as it arrives; send the timeout of the next wait (None: wait for input), and a
    None comes back when nothing came within it. A thread reads the descriptor itself (``os.read``: what is
    there, at least a byte) into a bounded queue: it holds no lock of the buffered stream, so it never blocks the
    interpreter's shutdown, and reading overlaps parsing."""
    import os
    import queue
    import threading

    fd = stream.fileno()
    pieces: queue.Queue[bytes | OSError] = queue.Queue(_QUEUED)

    def pump() -> None:
        try:
            while True:
                piece = os.read(fd, _PIECE)
                pieces.put(piece)
                if not piece:
                    return
        except OSError as e:  # handed to the reading thread, which raises it
            pieces.put(e)

    early = _buffered(stream)
    threading.Thread(target=pump, name="entcli-reader", daemon=True).start()
    timeout = yield early
    while True:
        try:
            got = pieces.get(timeout=timeout)
        except queue.Empty:
            timeout = yield None
            continue
        if isinstance(got, OSError):
            raise got
        timeout = yield got
        if not got:
            return


def _prompt_chunks(stream: BinaryIO, head: bytes, size: int, name: str, max_line: int | None,
                   wait: float) -> Iterator[bytes]:
    import time

    arrivals = _arrivals(stream)
    buf = bytearray(head)
    buf += next(arrivals) or b""  # what was buffered already (b"" here is not the end of the input)
    offset = 0
    deadline: float | None = None  # when the oldest whole line not yet yielded has waited long enough
    piece: bytes | None = None  # None: nothing new (a timeout); b"": the end of the input
    while True:
        if piece is not None:
            if not piece:
                if buf:
                    yield bytes(buf)
                return
            buf += piece
        cut = buf.rfind(b"\n") + 1
        if not cut and len(buf) >= size and b"\r" in buf:  # CR-only line ends
            cut = buf.rfind(b"\r") + 1
        if cut and deadline is None:
            deadline = time.monotonic() + wait
        if cut and (len(buf) >= size or time.monotonic() >= deadline):  # type: ignore[operator]
            chunk = bytes(buf[:cut])
            del buf[:cut]
            offset += len(chunk)
            deadline = None
            yield chunk
        elif max_line is not None and not cut and len(buf) > max_line:
            raise _too_long(name, offset, max_line)
        piece = arrivals.send(None if deadline is None else max(0.0, deadline - time.monotonic()))


def decode_chunk(chunk: bytes, name: str, first_line: int) -> str:
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


def decode_partly(chunk: bytes, name: str, first_line: int, on_bad: BadRowHandler | None
                  ) -> tuple[str, InputError | None]:
    """A chunk as text, keeping what comes before a line that is not UTF-8.

    Returns (text, None), or (the whole lines before the first bad one, its error) so that their rows are still
    read before the error is raised; with ``on_bad`` (--skip-invalid) every bad line is reported and read as a
    blank line (line numbers stay right) and the rest of the chunk goes on.
    """
    try:
        return decode_chunk(chunk, name, first_line), None
    except InputError as error:
        if on_bad is None:
            bad = _first_bad_byte(chunk)
            cut = chunk.rfind(b"\n", 0, bad) + 1
            return decode_chunk(chunk[:cut], name, first_line), error
    lines = chunk.split(b"\n")
    for j, raw in enumerate(lines):
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError as e:
            on_bad(f"{name}: line {first_line + j} is not valid UTF-8 (byte 0x{raw[e.start]:02x})")
            lines[j] = b""
    return decode_chunk(b"\n".join(lines), name, first_line), None


#: The most rows of a block: a chunk of narrow rows (4 MB of "0.5,0.5") is half a million rows, whose results and
#: their text would take ~100 MB at once; cut into blocks of this many, the work and its memory go a slice at a time.
BLOCK_ROWS = 1 << 17


def _cut(block: Block) -> Iterator[Block]:
    """``block`` in blocks of at most BLOCK_ROWS rows (none when it has no rows)."""
    n = len(block.values)
    if n <= BLOCK_ROWS:
        if n:
            yield block
        return
    line_of = block.line_of
    for a in range(0, n, BLOCK_ROWS):
        rows = slice(a, min(n, a + BLOCK_ROWS))
        fields = {k: v[rows] for k, v in block.fields.items()} if block.fields else None
        lines = (lambda i, a=a: line_of(i + a)) if line_of is not None else None
        yield Block(block.values[rows], block.start + a, lines, fields=fields)


def _first_bad_byte(chunk: bytes) -> int:
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start
    return len(chunk)


def is_content_line(line: str) -> bool:
    s = line.strip()
    return bool(s) and not s.startswith("#")


def _split_fields(line: str, delimiter: str | None) -> list[str]:
    line = line.split("#", 1)[0].strip()
    if delimiter is not None and len(delimiter) == 1 and '"' in line:
        import csv

        return next(csv.reader([line], delimiter=delimiter, skipinitialspace=True))
    return line.split(delimiter) if delimiter is not None else line.split()


def to_float(text: str) -> float:
    """A number as NumPy's and pyarrow's parsers read it: Python's ``float`` without what they refuse (digit
    separators ``1_000``, non-ASCII digits such as full-width ``１``), so every reader path agrees."""
    if "_" in text or not text.isascii():
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def _is_number(text: str) -> bool:
    try:
        to_float(text)
    except ValueError:
        return False
    return True


def _guess_delimiter(line: str) -> str | None:
    for d in ("\t", ",", ";"):
        if d in line:
            return d
    return None


def _clean(field: str) -> str:
    return field.strip().strip('"').strip("'").strip()


def text_source(
    stream: BinaryIO,
    name: str,
    head: bytes,
    delimiter: str | None,
    sniff_delimiter: bool,
    header: bool | None,
    on_bad: BadRowHandler | None,
    fast: bool = True,
    roles: Roles | None = None,
    wait: float = PROMPT_WAIT,
    max_line: int = MAX_LINE_BYTES,
) -> Source:
    """Rows of delimited or whitespace-separated text; ``fast`` lets pyarrow parse big chunks when installed.

    ``roles`` say which columns are outcomes and which are read as text (:mod:`entcli.io.roles`); a header
    whose width differs from the rows' is an error. A line longer than ``max_line`` bytes is an error.
    """
    roles = roles or Roles()
    count = Bytes()
    chunks = read_chunks(stream, head, name=name, wait=wait, count=count, max_line=max_line)
    source = Source(name, iter(()), None, "text", bytes=count)
    line = 1  # the line the current chunk starts at
    text = ""
    pending: InputError | None = None  # a bad line after the text read so far: raised once its rows are out
    # Find the first content line to settle the delimiter and the header.
    for chunk in chunks:
        if line == 1 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        text, pending = decode_partly(chunk, name, line, on_bad)
        if any(is_content_line(ln) for ln in text.split("\n")):
            break
        if pending is not None:
            raise pending
        line += text.count("\n")
        text = ""
    if not text:
        raise NoRows(f"{name}: no rows to read (empty input)", "give one distribution per line")
    lines = text.split("\n")
    content = (i for i, ln in enumerate(lines) if is_content_line(ln))
    first_idx = next(content)
    first = lines[first_idx]
    if sniff_delimiter:
        delimiter = _guess_delimiter(first)
    fields = [_clean(f) for f in _split_fields(first, delimiter)]
    is_header = header if header is not None else not all(_is_number(f) for f in fields)
    data_idx = next(content, None) if is_header else first_idx
    while data_idx is None and pending is None:  # the first data row settles the layout: read on until it comes
        more = next(chunks, None)
        if more is None:
            break
        more_text, pending = decode_partly(more, name, line + text.count("\n"), on_bad)
        text += more_text
        lines = text.split("\n")
        data_idx = next((i for i in range(first_idx + 1, len(lines)) if is_content_line(lines[i])), None)
    if data_idx == first_idx:  # no header: the first line is the first row (a row of a million fields: split once)
        data: list[str] | None = fields
    else:
        data = [f.strip() for f in _split_fields(lines[data_idx], delimiter)] if data_idx is not None else None
    hint = None
    if is_header:
        source.names = fields
        if data is not None and data_idx is not None and len(data) != len(fields):
            raise InputError(f"{name}: the header (line {line + first_idx}) names {len(fields)} columns but line "
                             f"{line + data_idx} has {len(data)} fields",
                             "every row needs one field per header name; check for a missing or extra separator")
        # The header line is consumed: blank it so that line numbers stay right.
        lines[first_idx] = ""
        text = "\n".join(lines)
        if header is None and any(_is_number(f) for f in fields):
            bad = next(f for f in fields if not _is_number(f))
            hint = (f"line {line + first_idx} was taken as a header because {bad!r} is not a number; "
                    "give --no-header to read it as data")
    width = len(data) if data is not None else len(fields)
    # Text in a column makes it a key only under a header (or when columns were picked): else it is bad data.
    numeric = [_is_number(f) for f in data] if data is not None and (is_header or roles.asked) else None
    del data  # a million fields of a wide first row are 60 MB of strings: not kept while the rows are read
    if not is_header:
        del fields
    layout = resolve(roles, source.names, width, numeric, name, typos=True)
    del numeric
    source.names = layout.outcome_names
    source.keys = layout.key_names
    source.columns = list(layout.names) if layout.names is not None else None
    if layout.keys:
        source.notes.append(f"{name}: keys carried to the output: {listed(layout.key_names)}")
    if not layout.plain:
        outcomes = layout.outcome_names or [f"#{i + 1}" for i in layout.outcomes]
        source.notes.append(f"{name}: outcomes: {listed(outcomes)}")
    # pyarrow's parser keeps per-column state: on a row of a million numbers it took 4.8 GB and 80 s (NumPy's: 0.3 GB,
    # 1 s), so very wide rows are NumPy's. Up to that width it is given the width (typed columns parse faster).
    fast = fast and width <= FAST_MAX_COLUMNS
    source.blocks = _text_blocks(text, chunks, name, delimiter, line, on_bad, hint, fast,
                                 None if layout.plain else layout, pending, width)
    return source


def _text_blocks(
    text: str,
    chunks: Iterator[bytes],
    name: str,
    delimiter: str | None,
    line: int,
    on_bad: BadRowHandler | None,
    header_hint: str | None = None,
    allow_fast: bool = True,
    layout: Layout | None = None,
    pending: InputError | None = None,
    width: int | None = None,
) -> Iterator[Block]:
    from entcli.io.arrow import chunk_parser, table_chunk_parser

    # pyarrow is imported only once a chunk is big enough to repay it (~0.2 s); False: not to be used.
    fast: Callable[[bytes], Any] | bool | None = None if allow_fast else False
    k: int | None = None if layout is None else len(layout.outcomes)  # outcomes per row, once known
    start = 0
    raw: bytes | None = None  # the chunk as read, when it has not been decoded yet
    ready: tuple[Any] | None = None  # pyarrow's parse of ``raw``, when the read-ahead has done it
    while True:
        if fast is None and len(raw if raw is not None else text) >= CHUNK_BYTES // 2:  # cut at a CR: shorter
            fast = (chunk_parser(delimiter, width) if layout is None
                    else table_chunk_parser(delimiter, layout)) or False
        if ready is not None:
            (parsed,), ready = ready, None
        else:
            parsed = fast(raw if raw is not None else text.encode()) if callable(fast) and pending is None \
                else None
        rows, fields, newlines = parsed if parsed is not None else (None, None, 0)
        if rows is not None and (k is None or rows.shape[1] == k):
            k = rows.shape[1]
            line_of = _lazy_lines(raw, text, line, len(rows))
        else:
            if raw is not None:
                text, pending = decode_partly(raw, name, line, on_bad)
            if layout is None:
                rows, explicit_lines, k = _parse_text(text, name, delimiter, line, k, on_bad)
            else:
                rows, fields, explicit_lines = _parse_table(text, name, delimiter, line, layout, on_bad)
            line_of = explicit_lines or _lazy_lines(None, text, line, len(rows))
            newlines = text.count("\n")
        # Read and parse the next chunk while this block is computed and written: pyarrow's parser releases the
        # GIL, so the two cores work (a chunk a NumPy reader must see is parsed here later).
        ahead = read_ahead(chunks, fast) if callable(fast) and pending is None else None
        yield from _cut(Block(rows, start, line_of, fields=fields))
        start += len(rows)
        if pending is not None:
            raise pending
        line += newlines
        raw, ready = advance(ahead, chunks)
        if raw is None:
            break
    if start == 0:
        raise NoRows(f"{name}: no rows to read (only a header, blank lines or comments)",
                         header_hint or "give one distribution per line")


def _parse_table(
    text: str, name: str, delimiter: str | None, first_line: int, layout: Layout, on_bad: BadRowHandler | None
) -> tuple[NDArray[np.float64], dict[str, NDArray[Any]] | None, Callable[[int], int] | None]:
    """One chunk of a table: the outcome columns as numbers, the text columns as strings, nothing else parsed.

    NumPy's C reader takes the chunk in two passes (numbers, then text columns and the last column, which
    catches short rows); long rows are caught by counting separators. Quotes, comments, whitespace
    separators or any doubt: the line-by-line path, which names the bad line.
    """
    text_columns = layout.text_columns
    if delimiter is not None and len(delimiter) == 1 and '"' not in text and "#" not in text and "\0" not in text:
        try:
            with _quiet_loadtxt():
                rows = np.loadtxt(io.StringIO(text), delimiter=delimiter, usecols=layout.outcomes, ndmin=2,
                                  dtype=np.float64, comments=None)
                last = (*text_columns, layout.width - 1)
                strings = np.loadtxt(io.StringIO(text), delimiter=delimiter, usecols=last, ndmin=2, dtype=str,
                                     comments=None)
            n = len(rows)
            if n == 0:
                return np.empty((0, len(layout.outcomes))), None, None
            if text.count(delimiter) == n * (layout.width - 1) and len(strings) == n:
                fields = {layout.name_of(i): np.char.strip(strings[:, j]).astype(object)
                          for j, i in enumerate(text_columns)}
                return rows, fields or None, None
        except ValueError:
            pass
    return _parse_table_slowly(text, name, delimiter, first_line, layout, on_bad)


def _objects(values: list[str]) -> NDArray[Any]:
    """Text as an object array: NumPy's fixed-width strings would drop a trailing NUL."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _parse_table_slowly(
    text: str, name: str, delimiter: str | None, first_line: int, layout: Layout, on_bad: BadRowHandler | None
) -> tuple[NDArray[np.float64], dict[str, NDArray[Any]] | None, Callable[[int], int]]:
    good: list[list[float]] = []
    good_lines: list[int] = []
    text_columns = layout.text_columns
    texts: list[list[str]] = [[] for _ in text_columns]
    names = layout.names
    for j, raw in enumerate(text.split("\n")):
        if not is_content_line(raw):
            continue
        line = first_line + j
        fields = _split_fields(raw, delimiter)
        problem = None
        values: list[float] = []
        if len(fields) != layout.width:
            problem = (f"has {len(fields)} fields but the {'header names' if names else 'rows before it have'} "
                       f"{layout.width} (ragged rows)")
        else:
            for c in layout.outcomes:
                try:
                    values.append(to_float(fields[c]))
                except ValueError:
                    label = f" ({names[c]})" if names else ""
                    problem = f"column {c + 1}{label} ({fields[c].strip()!r}) is not a number"
                    break
        if problem is None:
            good.append(values)
            good_lines.append(line)
            for t, c in zip(texts, text_columns, strict=True):
                t.append(fields[c].strip())
            continue
        message = f"{name}: line {line}: {problem}"
        if on_bad is not None:
            on_bad(message)
            continue
        partial = {layout.name_of(c): t for t, c in zip(texts, text_columns, strict=True)}
        raise RowsBeforeError(good, good_lines, InputError(message, _hint_for(problem, delimiter, line, names)),
                              partial or None)
    rows = np.array(good, dtype=np.float64).reshape(len(good), len(layout.outcomes))
    arrays = {layout.name_of(c): _objects(t) for t, c in zip(texts, text_columns, strict=True)}
    return rows, arrays or None, (lambda i: good_lines[i])


def _parse_text(
    text: str,
    name: str,
    delimiter: str | None,
    first_line: int,
    k: int | None,
    on_bad: BadRowHandler | None,
) -> tuple[NDArray[np.float64], Callable[[int], int] | None, int | None]:
    """Parse one chunk with NumPy's C reader; on failure, find the bad line in Python (the slow path).

    Returns the rows, their line numbers where the slow path knows them (else None: they are worked out
    only if a message needs one), and the number of columns.
    """
    try:
        with _quiet_loadtxt():
            rows = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#", ndmin=2, dtype=np.float64)
        if rows.size == 0:
            rows = rows.reshape(0, k or 0)
        elif k is not None and rows.shape[1] != k:
            raise ValueError("width changed between chunks")
    except ValueError:
        return _parse_text_slowly(text, name, delimiter, first_line, k, on_bad)
    return rows, None, (k if k is not None else (rows.shape[1] if len(rows) else None))


def _lazy_lines(raw: bytes | None, text: str, first_line: int, n_rows: int) -> Callable[[int], int]:
    """Line numbers of a parsed chunk's rows (``raw`` bytes or ``text``), worked out only if a message needs one."""
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
            cache.append([j for j, ln in enumerate(text.split("\n")) if is_content_line(ln)])
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
        if not is_content_line(raw):
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
        raise RowsBeforeError(good, good_lines, InputError(message, _hint_for(problem, delimiter, line)))
    rows = np.array(good, dtype=np.float64).reshape(len(good), k or 0)
    return rows, (lambda i: good_lines[i]), k


def _parse_line(raw: str, delimiter: str | None, k: int | None) -> tuple[str | None, list[float]]:
    fields = _split_fields(raw, delimiter)
    values = []
    for c, f in enumerate(fields):
        try:
            values.append(to_float(f))
        except ValueError:
            return f"column {c + 1} ({f.strip()!r}) is not a number", []
    if k is not None and len(values) != k:
        return f"has {len(values)} fields but the rows before it have {k} (ragged rows)", []
    return None, values


def _hint_for(problem: str, delimiter: str | None, line: int = 0, names: list[str] | tuple[str, ...] | None = None
              ) -> str:
    if "ragged" in problem:
        return "every row needs the same number of outcomes; check for a missing or extra separator"
    shown = {None: "whitespace", "\t": "tab"}.get(delimiter, repr(delimiter))
    hint = f"fields are split on {shown}; use -d/--delimiter to change it"
    if line <= 2:
        hint += "; --header reads the first line as names, --no-header as data"
    if names:
        hint += "; pick the outcome columns with --columns or drop others with --exclude"
    return hint


class _quiet_loadtxt:
    """Silence loadtxt's 'input contained no data' warning for a chunk of only comments."""

    def __enter__(self) -> None:
        import warnings

        self._catch = warnings.catch_warnings()
        self._catch.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc: Any) -> None:
        self._catch.__exit__(*exc)
