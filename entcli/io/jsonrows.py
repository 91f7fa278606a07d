"""JSON (an array of numbers, or of rows) and JSON Lines (one row per line) input.

A row is an array of numbers, or an object. In an object the distribution is, in this order:

1. the value at ``--field PATH`` (a dotted path such as ``output.probs``);
2. else the first of ``p``, ``probs``, ``probabilities``, ``logits`` that the object has;
3. else the object itself: its number-valued keys are the outcomes.

The distribution is an array of numbers or an object of name -> number (its keys name the outcomes). The other
top-level fields of the object are keys carried to the output (in case 3, those with text values), as
:mod:`entcli.io.roles` says. Names beat positions: every row's outcomes are aligned by name with the first row's;
a row with other names is an error naming its line, or with ``--fill 0`` the union of all rows' names is used and
a missing outcome is 0 (the whole input is then read first).

A JSON document is read element by element from pieces of the stream (:class:`_Document`), in blocks of rows;
JSON Lines stream a chunk of lines at a time: rows that are objects through pyarrow's JSON reader where it reads the
chunk exactly (:func:`entcli.io.arrow.json_lines_parser`), else parsed as one array by the C JSON parser, with a
line-by-line pass only for a chunk with a bad line.
"""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Iterator, Sequence
from typing import Any, BinaryIO

import numpy as np

from entcli.errors import InputError, NoRows
from entcli.io.ahead import advance, read_ahead
from entcli.io.blocks import BadRowHandler, Block, Bytes, RowsBeforeError, Source
from entcli.io.roles import Layout, Roles, listed, resolve, select
from entcli.io.text import MAX_LINE_BYTES, PROMPT_WAIT, decode_partly, is_content_line, read_chunks

#: Object fields taken as the distribution without --field, in this order.
DISTRIBUTION_FIELDS = ("p", "probs", "probabilities", "logits")


#: Integers beyond this have no float64 (JSON allows any number of digits).
_FLOAT_MAX_INT = 2**1024


def _is_json_number(v: object) -> bool:
    return isinstance(v, float) or (isinstance(v, int) and not isinstance(v, bool) and abs(v) < _FLOAT_MAX_INT)


class RowShape:
    """How the rows of one JSON input are laid out, settled by its first row (see the module docstring)."""

    def __init__(self, first: object, roles: Roles, name: str, union: list[str] | None = None) -> None:
        self.roles = roles
        self.name = name
        self.field: str | None = None  # the path of the distribution inside an object (None: the object itself)
        self.outcome_names: list[str] | None = None
        self.layout: Layout | None = None  # over the distribution's names or positions
        self.extras: list[str] = []  # top-level fields read as text (keys, wanted)
        self.key_names: list[str] = []
        if isinstance(first, dict):
            self.field = distribution_field(first, roles)
        if self.field is None and not isinstance(first, dict):
            if roles.field is not None:
                raise InputError(f"{name}: --field {roles.field} picks a field of objects, but the rows are arrays",
                                 "drop --field")
            if not isinstance(first, list):
                raise InputError(f"{name}: a row must be an array of numbers or an object", "e.g. [0.5, 0.5]")
            self._settle(None, len(first), [True] * len(first), [])
            return
        if self.field is None:
            assert isinstance(first, dict)
            keys = union if union is not None else list(first)
            numeric = [_is_json_number(first.get(k, 0)) for k in keys]
            self._settle(keys, len(keys), numeric, [])
            return
        assert isinstance(first, dict)
        dist = self._at(first, "row 1")
        scalars = [k for k, v in first.items() if k != self.field.split(".")[0] and not isinstance(v, (list, dict))]
        if isinstance(dist, dict):
            keys = union if union is not None else list(dist)
            self._settle(keys, len(keys), [True] * len(keys), scalars)
        else:
            self._settle(None, len(dist), [True] * len(dist), scalars)

    def _settle(self, names: list[str] | None, width: int, numeric: list[bool], scalars: list[str]) -> None:
        roles = self.roles
        if scalars:  # --keep and wanted columns are top-level fields; --columns/--exclude pick outcomes
            self.layout = resolve(Roles(roles.columns, roles.exclude), names, width, numeric, self.name)
            missing = [w for w in roles.wanted if w not in scalars]
            if missing:
                raise InputError(f"{self.name}: no field {missing[0]!r}", f"fields are: {listed(scalars)}")
            if roles.keep == "none":
                keys: list[str] = []
            elif isinstance(roles.keep, tuple):
                keys = [scalars[i] for i in select(roles.keep, scalars, len(scalars), "--keep", self.name)]
            else:
                keys = list(scalars)
            self.key_names = keys
            self.extras = keys + [w for w in roles.wanted if w not in keys]
        else:
            self.layout = resolve(roles, names, width, numeric, self.name)
            self.key_names = self.layout.key_names
            self.extras = [self.layout.name_of(i) for i in self.layout.text_columns]
        self.all_names = names
        self.outcome_names = self.layout.outcome_names

    def _at(self, item: dict[str, Any], where: str) -> Any:
        value: Any = item
        assert self.field is not None
        for part in self.field.split("."):
            if not isinstance(value, dict) or part not in value:
                raise InputError(f"{self.name}: {where}: no field {self.field!r}",
                                 "give the path of the distribution with --field, e.g. --field output.probs")
            value = value[part]
        if not isinstance(value, (list, dict)):
            raise InputError(f"{self.name}: {where}: field {self.field!r} is not an array or an object",
                             "the distribution is an array of numbers or an object of name: number")
        return value

    def row(self, item: object, where: str) -> tuple[list[float], list[Any]]:
        """The outcomes (in layout order) and the extra fields of one row; InputError naming ``where``."""
        layout = self.layout
        assert layout is not None
        extras: list[Any] = []
        if isinstance(item, dict) and self.field is not None:
            dist = self._at(item, where)
            extras = [item.get(k) for k in self.extras]
        elif isinstance(item, dict) or isinstance(item, list) and self.field is None and self.all_names is None:
            dist = item
        else:
            shape = "an object" if self.field or self.all_names else "an array"
            raise InputError(f"{self.name}: {where} is not {shape} like the first row", "every row has the same shape")
        if isinstance(dist, dict):
            names = self.all_names
            if names is None:
                raise InputError(f"{self.name}: {where}: an object where the first row has an array",
                                 "every row has the same shape")
            if (len(dist) != len(names) or any(k not in dist for k in names)) and (
                    not self.roles.fill or any(k not in names for k in dist)):
                raise InputError(f"{self.name}: {where}: keys {sorted(dist)} differ from the first row's "
                                     f"{sorted(names)}", "every row needs the same outcome names (in any order); "
                                     "--fill 0 takes a missing one as 0")
            values = [dist.get(names[i], 0) for i in layout.outcomes]
            if self.field is None:
                extras = [dist.get(k) for k in self.extras]
        else:
            if len(dist) != layout.width:
                raise InputError(f"{self.name}: {where} has {len(dist)} values but the first row has {layout.width}",
                                 "every row needs the same number of outcomes (ragged rows)")
            values = dist if layout.plain else [dist[i] for i in layout.outcomes]
        if not all(_is_json_number(v) for v in values):
            bad = next(v for v in values if not _is_json_number(v))
            shown = repr(bad) if len(repr(bad)) <= 40 else repr(bad)[:37] + "..."
            why = "is too large for a float64" if isinstance(bad, int) and not isinstance(bad, bool) else \
                "is not a number"
            raise InputError(f"{self.name}: {where}: {shown} {why}", "outcomes must be numbers")
        return values, extras

    def columns(self) -> list[str] | None:
        """Every field read by name: the outcomes and the extra fields (None for rows that are arrays)."""
        if self.field is None:
            return list(self.all_names) if self.all_names is not None else None
        return [*(self.outcome_names or []), *[e for e in self.extras if e not in (self.outcome_names or [])]]

    def notes(self) -> list[str]:
        out = []
        if self.field is not None:
            out.append(f"{self.name}: distribution from the JSON field {self.field!r}")
        if self.key_names:
            out.append(f"{self.name}: keys carried to the output: {listed(self.key_names)}")
        return out


def _rows(shape: RowShape, items: Sequence[object], where: Callable[[int], str]
          ) -> tuple[list[list[float]], dict[str, list[Any]] | None]:
    rows: list[list[float]] = []
    extras: list[list[Any]] = []
    for i, item in enumerate(items):
        values, extra = shape.row(item, where(i))
        rows.append(values)
        extras.append(extra)
    return rows, _fields(shape, extras)


def _fields(shape: RowShape, extras: list[list[Any]]) -> dict[str, list[Any]] | None:
    if not shape.extras:
        return None
    return {name: [e[j] for e in extras] for j, name in enumerate(shape.extras)}


def _block(rows: list[list[float]], start: int, line_of: Callable[[int], int] | None,
           fields: dict[str, list[Any]] | None, width: int) -> Block:
    values = np.array(rows, dtype=np.float64).reshape(len(rows), width)
    arrays = {k: _column(v) for k, v in fields.items()} if fields else None
    return Block(values, start, line_of, fields=arrays)


def _column(values: list[Any]) -> np.ndarray[Any, Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _union(items: Sequence[object], field: str | None) -> list[str] | None:
    """The outcome names of every object row, in order of first appearance (``--fill 0``)."""
    seen: dict[str, None] = {}
    for item in items:
        if not isinstance(item, dict):
            return None
        dist: Any = item
        if field is not None:
            for part in field.split("."):
                dist = dist.get(part) if isinstance(dist, dict) else None
        if not isinstance(dist, dict):
            return None
        seen.update(dict.fromkeys(dist))
    return list(seen)


def distribution_field(first: object, roles: Roles) -> str | None:
    """The path of the distribution in rows like ``first``: --field, else the first of DISTRIBUTION_FIELDS that it
    has as an array or object, else None (the object itself, or an array row)."""
    if roles.field or not isinstance(first, dict):
        return roles.field
    return next((f for f in DISTRIBUTION_FIELDS if isinstance(first.get(f), (list, dict))), None)


def _check_document(value: object, name: str) -> list[object]:
    if isinstance(value, dict):
        return [value]
    if not isinstance(value, list) or not value:
        raise InputError(f"{name}: JSON must be an array of numbers or of rows", "e.g. [[0.5, 0.5], [0.9, 0.1]]")
    if all(_is_json_number(v) for v in value):
        return [value]
    return value


#: A JSON document is read in pieces of this many bytes; its rows go on in blocks of about this many characters.
DOCUMENT_PIECE = 1 << 22
#: The most characters one element (a row) of a JSON document may take.
MAX_ELEMENT_CHARS = 1 << 26


class _Document:
    """The elements of a JSON array read from a stream a piece at a time, so that memory is bounded by a block
    of rows, not by the document (``json.loads`` of 500 MB holds several GB of Python objects)."""

    def __init__(self, stream: BinaryIO, head: bytes, name: str, max_element: int = MAX_ELEMENT_CHARS) -> None:
        import codecs
        import json

        self.stream, self.name, self.max_element = stream, name, max_element
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.scan = json.JSONDecoder().raw_decode
        self.text = ""
        self.pos = 0
        self.lines = 1  # the line of text[0]
        self.column = 0  # the characters of that line before text[0]
        self.ended = False
        self._feed(head)

    def _feed(self, data: bytes) -> None:
        try:
            piece = self.decoder.decode(data, final=not data)
        except UnicodeDecodeError as e:
            line = self.lines + self.text.count("\n") + data.count(b"\n", 0, e.start)
            raise InputError(f"{self.name}: line {line} is not valid UTF-8 (byte 0x{data[e.start]:02x})",
                             "give a text file in UTF-8, or a .npy file") from None
        if not self.text and piece.startswith("\ufeff") and not self.lines - 1 and not self.column:
            piece = piece[1:]  # a byte order mark at the start, in whichever piece it comes
        if piece and self.pos > len(self.text) // 2:  # drop what was read (its lines and columns still counted)
            newline = self.text.rfind("\n", 0, self.pos)
            self.lines += self.text.count("\n", 0, self.pos)
            self.column = self.column + self.pos if newline < 0 else self.pos - newline - 1
            self.text, self.pos = self.text[self.pos:], 0
        self.text += piece

    def more(self) -> bool:
        """Read the next piece; False at the end of the stream."""
        if self.ended:
            return False
        data = self.stream.read(DOCUMENT_PIECE)
        self._feed(data)
        self.ended = not data
        return bool(data)

    def skip_space(self) -> str:
        """The next character after white space ('' at the end)."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in " \t\n\r":
                self.pos += 1
            if self.pos < len(self.text) or not self.more():
                return self.text[self.pos:self.pos + 1]

    def where(self, pos: int) -> str:
        line = self.lines + self.text.count("\n", 0, pos)
        newline = self.text.rfind("\n", 0, pos)
        column = (self.column + pos if newline < 0 else pos - newline - 1) + 1
        return f"line {line}, column {column}"

    def value(self) -> object:
        """The JSON value at the current position (read on until it is whole)."""
        while True:
            try:
                value, end = self.scan(self.text, self.pos)
            except RecursionError:
                raise InputError(f"{self.name}: JSON nested too deeply", "give an array of rows") from None
            except ValueError as e:
                at = getattr(e, "pos", self.pos)
                # Near the end of what was read, the element may go on in the next piece: read it and try again.
                if len(self.text) - at < (1 << 20) and len(self.text) - self.pos <= self.max_element and self.more():
                    continue
                if len(self.text) - self.pos > self.max_element:
                    raise InputError(f"{self.name}: an element at {self.where(self.pos)} is longer than "
                                     f"{self.max_element >> 20} Mi characters",
                                     "give one row per element; --max-line-mib N allows longer ones") from None
                raise InputError(f"{self.name}: not valid JSON at {self.where(at)} ({getattr(e, 'msg', e)})",
                                 "give a JSON array, or use --input-format jsonl for one array per line") from None
            if end >= len(self.text) and not isinstance(value, (list, dict, str)) and self.more():
                continue  # a number (or true, false, null) may go on in the next piece
            self.pos = end
            return value

    def elements(self) -> Iterator[object]:
        """The elements of the top-level array, one at a time."""
        self.pos += 1  # the "["
        if self.skip_space() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            c = self.skip_space()
            if c == ",":
                self.pos += 1
                self.skip_space()
                continue
            if c == "]":
                self.pos += 1
                if self.skip_space():
                    raise InputError(f"{self.name}: not valid JSON at {self.where(self.pos)} (extra data after "
                                     "the array)", "give one JSON array")
                return
            raise InputError(f"{self.name}: not valid JSON at {self.where(self.pos)} (expected ',' or ']')",
                             "give a JSON array, or use --input-format jsonl for one array per line")


def json_source(stream: BinaryIO, name: str, head: bytes, roles: Roles | None = None,
                max_element: int = MAX_ELEMENT_CHARS) -> Source:
    """The rows of a JSON document: an array of rows (arrays or objects) read element by element, in blocks;
    one array of numbers or one object is one row. With ``--fill`` (the union of every object's keys) and for a
    document that is not an array, it is read whole."""
    roles = roles or Roles()
    document = _Document(stream, head, name, max_element)
    first = document.skip_space()
    if not first:
        raise NoRows(f"{name}: no rows to read (empty input)", "give a JSON array of numbers or of arrays")
    if first != "[" or roles.fill:
        return _whole_json(stream, name, document, roles)
    elements = document.elements()
    item = next(elements, None)
    if item is None or _is_json_number(item):  # [] or one row of numbers
        row = [item, *elements] if item is not None else []
        return _one_json_row(_check_document(row, name), name, roles)
    shape = RowShape(item, roles, name)

    def blocks() -> Iterator[Block]:
        start = 0
        rest = itertools.chain([item], elements)
        while True:
            batch: list[object] = []
            try:
                for element in rest:
                    batch.append(element)
                    if len(batch) >= JSON_BLOCK_ROWS:
                        break
            except InputError:  # the document is broken further on: the rows before it go first
                yield from _json_block(shape, batch, start)
                raise
            if not batch:
                return
            yield from _json_block(shape, batch, start)
            start += len(batch)

    return Source(name, blocks(), shape.outcome_names, "json", shape.key_names, shape.notes(), shape.columns())


#: Rows of a JSON document per block.
JSON_BLOCK_ROWS = 1 << 14


def _json_block(shape: RowShape, items: list[object], start: int) -> Iterator[Block]:
    """A block of document rows; at a bad element, the rows before it, then its error."""
    if not items:
        return
    rows: list[list[float]] = []
    extras: list[list[Any]] = []
    for i, item in enumerate(items):
        try:
            values, extra = shape.row(item, f"element {start + i + 1}")
        except InputError:
            if rows:
                yield _block(rows, start, None, _fields(shape, extras), len(shape.layout.outcomes))  # type: ignore[union-attr]
            raise
        rows.append(values)
        extras.append(extra)
    yield _block(rows, start, None, _fields(shape, extras), len(shape.layout.outcomes))  # type: ignore[union-attr]


def _one_json_row(items: list[object], name: str, roles: Roles) -> Source:
    shape = RowShape(items[0], roles, name)
    rows, fields = _rows(shape, items, lambda i: f"element {i + 1}")
    block = _block(rows, 0, None, fields, len(shape.layout.outcomes))  # type: ignore[union-attr]
    return Source(name, iter([block]), shape.outcome_names, "json", shape.key_names, shape.notes(), shape.columns())


def _whole_json(stream: BinaryIO, name: str, document: _Document, roles: Roles) -> Source:
    import json

    while document.more():
        pass
    lines = document.lines + document.text.count("\n", 0, document.pos) - 1  # before the value
    try:
        value = json.loads(document.text[document.pos:])
    except RecursionError:
        raise InputError(f"{name}: JSON nested too deeply", "give an array of rows") from None
    except ValueError as e:
        raise InputError(f"{name}: not valid JSON at line {e.lineno + lines}, column {e.colno} ({e.msg})",  # type: ignore[attr-defined]
                         "give a JSON array, or use --input-format jsonl for one array per line") from None
    items = _check_document(value, name)
    union = _union(items, distribution_field(items[0], roles)) if roles.fill else None
    shape = RowShape(items[0], roles, name, union)
    rows, fields = _rows(shape, items, lambda i: f"element {i + 1}")
    block = _block(rows, 0, None, fields, len(shape.layout.outcomes))  # type: ignore[union-attr]
    return Source(name, iter([block]), shape.outcome_names, "json", shape.key_names, shape.notes(), shape.columns())


def _line_name(numbers: list[int], i: int) -> str:
    return f"line {numbers[i]}"


def _line_items(text: str, line: int) -> tuple[list[str], list[int], list[int]]:
    raw = text.split("\n")
    idx = [j for j, ln in enumerate(raw) if is_content_line(ln)]
    return raw, idx, [line + j for j in idx]


def jsonl_source(stream: BinaryIO, name: str, head: bytes, on_bad: BadRowHandler | None,
                 roles: Roles | None = None, wait: float = PROMPT_WAIT, fast: bool = True,
                 max_line: int = MAX_LINE_BYTES) -> Source:
    """Rows of JSON Lines; the first chunk is read now, so that the outcome names are known before any row.
    Rows that are objects go through pyarrow's JSON reader (``fast``, when installed) for every chunk it reads
    exactly; any other chunk, and rows that are arrays, through Python's."""
    import json

    roles = roles or Roles()
    count = Bytes()
    rest = read_chunks(stream, head, name=name, wait=wait, count=count, max_line=max_line)
    chunks: Iterator[tuple[str, int]] = _decoded(rest, name, on_bad)
    # The chunks up to the first with a content line (every chunk with --fill 0: the union needs every row).
    pending = list(chunks) if roles.fill else list(_up_to_content(chunks))
    source = Source(name, iter(()), None, "jsonl", bytes=count)
    shape: RowShape | None = None
    lines = (raw[j] for text, line in pending for raw, idx, _ in [_line_items(text, line)] for j in idx)
    items = [item for item in map(_loads_or_none, lines) if item is not None] if roles.fill else []
    first = items[0] if roles.fill and items else next((it for it in map(_loads_or_none, lines) if it is not None),
                                                        None)
    if first is not None:
        union = _union(items, distribution_field(first, roles)) if roles.fill else None
        shape = RowShape(first, roles, name, union)
        source.names, source.keys, source.notes = shape.outcome_names, shape.key_names, shape.notes()
        source.columns = shape.columns()

    def in_python(text: str, line: int, start: int) -> Block | None:
        """The rows of a decoded chunk by Python's JSON parser (one array of all its lines, else line by line)."""
        raw, idx, numbers = _line_items(text, line)
        if shape is None:
            _bad_first(raw, idx, numbers, name)
        assert shape is not None
        try:
            value = json.loads("[" + ",".join(raw[j] for j in idx) + "]")
            rows, fields = _rows(shape, value, functools.partial(_line_name, numbers))
        except (ValueError, InputError, RecursionError):
            rows, fields, numbers = _jsonl_slowly(shape, raw, idx, numbers, name, on_bad)
        return _block(rows, start, numbers.__getitem__, fields, len(shape.layout.outcomes)) if rows else None  # type: ignore[union-attr]

    def blocks() -> Iterator[Block]:
        start = 0
        parser: Any = None
        line = 1
        # Every chunk as bytes (those read to find the first row, decoded already, encoded back), each parsed by
        # pyarrow in a thread while the one before is computed and written, and decoded only where Python's parser
        # must read it (pyarrow's parser takes the chunk exactly or not at all, and says how many lines it had).
        raw_chunks = itertools.chain((text.encode() for text, _ in pending), rest)
        raw = next(raw_chunks, None)
        ready: tuple[Any] | None = None
        while raw is not None:
            if parser is None and shape is not None and fast and not roles.fill and len(raw) >= FAST_JSON_BYTES:
                parser = _arrow_parser(shape, first)  # type: ignore[arg-type]  # a row RowShape took: dict or list
            parsed = ready[0] if ready is not None else parser(raw) if parser else None
            error = None
            block: Block | None
            if parsed is not None:
                block, newlines = Block(parsed[0], start, functools.partial(operator.add, line), fields=parsed[1]), \
                    parsed[2]
            else:
                text, error = decode_partly(raw, name, line, on_bad)
                block, newlines = in_python(text, line, start), text.count("\n")
            ahead = read_ahead(raw_chunks, parser) if parser and error is None else None
            if block is not None:
                yield block
                start += len(block.values)
            if error is not None:
                raise error
            line += newlines
            raw, ready = advance(ahead, raw_chunks)
        if start == 0:
            raise NoRows(f"{name}: no rows to read (empty input)", "give one JSON array per line")

    source.blocks = blocks()
    return source


#: Chunks of JSON Lines at least this long go to pyarrow's reader (it costs 0.2 s to import).
FAST_JSON_BYTES = 1 << 20


def _arrow_parser(shape: RowShape, first: dict[str, Any] | list[Any]) -> Any:
    """pyarrow's parser for chunks of rows shaped as ``first`` (False where it cannot read them exactly)."""
    from entcli.io.arrow import json_array_lines_parser, json_lines_parser

    layout = shape.layout
    assert layout is not None
    if isinstance(first, list):  # rows that are arrays of numbers
        return json_array_lines_parser(layout.width, layout.outcomes) or False
    types = {k: type(first.get(k)) for k in shape.extras}
    if any(t not in (str, int, float) for t in types.values()):
        return False
    if shape.field is None:  # the object itself: its outcome names, in layout order
        names = [shape.all_names[i] for i in layout.outcomes] if shape.all_names is not None else None
        parser = json_lines_parser(None, names, tuple(range(len(names or []))), len(names or []), types)
    else:
        parser = json_lines_parser(shape.field, shape.all_names, layout.outcomes, layout.width, types)
    return parser or False


def _up_to_content(chunks: Iterator[tuple[str, int]]) -> Iterator[tuple[str, int]]:
    """The decoded chunks up to and including the first that has a content line."""
    for text, line in chunks:
        yield text, line
        if any(is_content_line(ln) for ln in text.split("\n")):
            return


def _loads_or_none(text: str) -> object:
    import json

    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def _decoded(chunks: Iterator[bytes], name: str, on_bad: BadRowHandler | None = None) -> Iterator[tuple[str, int]]:
    """The chunks as text with the line number of their first line; at a line that is not UTF-8, the lines before
    it and then its error (with ``on_bad``: it is reported and read as a blank line)."""
    line = 1
    first = True
    for chunk in chunks:
        if first and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        first = False
        text, pending = decode_partly(chunk, name, line, on_bad)
        if text:
            yield text, line
        if pending is not None:
            raise pending
        line += text.count("\n")


def _bad_first(raw: list[str], idx: list[int], numbers: list[int], name: str) -> None:
    """No line of the input parses: report the first one that does not."""
    import json

    for j, line in zip(idx, numbers, strict=True):
        try:
            json.loads(raw[j])
        except RecursionError:
            raise InputError(f"{name}: line {line}: JSON nested too deeply", "give one JSON array per line") from None
        except ValueError as e:
            raise InputError(f"{name}: line {line} is not valid JSON ({e.msg})",  # type: ignore[attr-defined]
                             "give one JSON array of numbers per line") from None


def _jsonl_slowly(
    shape: RowShape, raw: list[str], idx: list[int], numbers: list[int], name: str, on_bad: BadRowHandler | None
) -> tuple[list[list[float]], dict[str, list[Any]] | None, list[int]]:
    import json

    rows: list[list[float]] = []
    extras: list[list[Any]] = []
    kept: list[int] = []
    for j, line in zip(idx, numbers, strict=False):
        try:
            try:
                value = json.loads(raw[j])
            except RecursionError:
                raise InputError(f"{name}: line {line}: JSON nested too deeply", "give one JSON row per line") from None
            except ValueError as e:
                raise InputError(f"{name}: line {line} is not valid JSON ({e.msg})",  # type: ignore[attr-defined]
                                 "give one JSON array of numbers per line") from None
            row, extra = shape.row(value, f"line {line}")
        except InputError as e:
            if on_bad is None:
                raise RowsBeforeError(rows, kept, e, _fields(shape, extras)) from None
            on_bad(e.message)
            continue
        rows.append(row)
        extras.append(extra)
        kept.append(line)
    return rows, _fields(shape, extras), kept
