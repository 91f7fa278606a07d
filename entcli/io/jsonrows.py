"""JSON (an array of numbers, or of arrays) and JSON Lines (one array per line) input.

A row may also be an object with a ``"p"`` array (what ``entcli softmax -o jsonl`` writes) or an object of
numbers whose keys name the outcomes. A JSON document is parsed whole; JSON Lines stream a chunk of lines at
a time, parsed as one array by the C JSON parser, with a line-by-line pass only for a chunk with a bad line.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import BinaryIO

import numpy as np

from entcli.errors import InputError
from entcli.io.blocks import BadRowHandler, Block, RowsBeforeError, Source
from entcli.io.text import decode_chunk, is_content_line, read_chunks


def _rows_from_json(
    value: object, name: str, where: Callable[[int], str]
) -> tuple[list[list[float]], list[str] | None]:
    """Rows from a parsed JSON value: a number array, an array of arrays, or objects (see module doc)."""
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not value:
        raise InputError(f"{name}: JSON must be an array of numbers or of arrays", "e.g. [[0.5, 0.5], [0.9, 0.1]]")
    if all(_is_json_number(v) for v in value):
        return [value], None
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


def _line_name(numbers: list[int], i: int) -> str:
    return f"line {numbers[i]}"


def _is_json_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def json_source(stream: BinaryIO, name: str, head: bytes) -> Source:
    import json

    data = b"".join(read_chunks(stream, head))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = decode_chunk(data, name, 1)
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


def jsonl_source(stream: BinaryIO, name: str, head: bytes, on_bad: BadRowHandler | None) -> Source:
    import json

    source = Source(name, iter(()), None, "jsonl")

    def blocks() -> Iterator[Block]:
        line = 1
        start = 0
        first = True
        for chunk in read_chunks(stream, head):
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]
            first = False
            text = decode_chunk(chunk, name, line)
            raw = text.split("\n")
            idx = [j for j, ln in enumerate(raw) if is_content_line(ln)]
            numbers = [line + j for j in idx]
            try:
                value = json.loads("[" + ",".join(raw[j] for j in idx) + "]")
                rows, names = _rows_from_json(value, name, functools.partial(_line_name, numbers))
            except (ValueError, InputError):
                rows, names, numbers = _jsonl_slowly(raw, idx, numbers, name, on_bad)
            if names is not None and source.names is None:
                source.names = names
            if rows:
                yield Block(np.array(rows, dtype=np.float64), start, numbers.__getitem__)
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
            (row,), row_names = _rows_from_json([value], name, functools.partial(_line_name, [line]))
            if width is not None and len(row) != width:
                raise InputError(f"{name}: line {line} has {len(row)} values but the rows before it have {width}",
                                 "every row needs the same number of outcomes (ragged rows)")
        except InputError as e:
            if on_bad is None:
                raise RowsBeforeError(rows, kept, e) from None
            on_bad(e.message)
            continue
        width = len(row)
        names = names or row_names
        rows.append(row)
        kept.append(line)
    return rows, names, kept
