"""A JSON document (an array of rows) is read element by element from pieces of the stream, so memory is bounded
by a block of rows: the rows must be exactly those of ``json.loads`` of the whole, wherever the pieces are cut,
and a document that breaks late keeps the rows before the break."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entcli.errors import InputError
from entcli.io import jsonrows
from entcli.io.blocks import iter_blocks
from entcli.io.readers import open_source


def read(data: bytes, fmt: str | None = None) -> tuple[np.ndarray, list]:
    """Every row of ``data`` read from a stream (stdin), and the blocks' keys, if any."""
    source = open_source("-", fmt, stdin=io.BytesIO(data))
    blocks = list(iter_blocks(source))
    keys = [k for b in blocks for k in (b.fields or {}).get("id", [])]
    return np.concatenate([b.values for b in blocks]), keys


SPACE = st.sampled_from(["", " ", "\n", " \n  ", "\r\n", "\t"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(st.floats(0, 1e6, allow_nan=False) | st.integers(0, 10**6), min_size=3, max_size=3),
                     min_size=1, max_size=40),
       space=SPACE, piece=st.integers(1, 50))
def test_any_cut_reads_the_rows_of_json_loads(rows, space, piece, monkeypatch):
    monkeypatch.setattr(jsonrows, "DOCUMENT_PIECE", piece)  # the same for every example: set, not accumulated
    monkeypatch.setattr(jsonrows, "JSON_BLOCK_ROWS", 7)
    text = "[" + space + ("," + space).join(json.dumps(r) for r in rows) + space + "]" + space
    got, _ = read(text.encode(), "json")
    np.testing.assert_array_equal(got, np.array(json.loads(text), dtype=float))


def test_objects_keys_and_a_bom(monkeypatch):
    monkeypatch.setattr(jsonrows, "DOCUMENT_PIECE", 5)
    doc = [{"id": f"r{i}", "p": {"cat": i / 10, "dog": 1 - i / 10}} for i in range(11)]
    got, keys = read(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    np.testing.assert_array_equal(got, [[i / 10, 1 - i / 10] for i in range(11)])
    assert keys == [f"r{i}" for i in range(11)]


def test_one_row_and_one_object():
    got, _ = read(b"[0.25, 0.25, 0.5]", "json")
    np.testing.assert_array_equal(got, [[0.25, 0.25, 0.5]])
    got, _ = read(b'{"a": 0.5, "b": 0.5}', "json")
    np.testing.assert_array_equal(got, [[0.5, 0.5]])


def test_a_break_late_in_a_long_line_keeps_the_rows_before(monkeypatch):
    monkeypatch.setattr(jsonrows, "DOCUMENT_PIECE", 64)
    monkeypatch.setattr(jsonrows, "JSON_BLOCK_ROWS", 10)
    text = json.dumps([[0.5, 0.5]] * 25)[:-1] + ", [0.5, 0.5] [1, 0]]"  # a missing comma after row 26
    source = open_source("-", stdin=io.BytesIO(text.encode()))
    rows = 0
    with pytest.raises(InputError, match=r"not valid JSON at line 1, column \d+ \(expected ',' or ']'\)") as error:
        for block in iter_blocks(source):
            rows += len(block.values)
    assert rows == 26
    column = int(error.value.message.split("column ")[1].split(" ")[0])
    assert text[column - 1] == "["  # the column is that of the unexpected character, counted on the whole line


def test_a_bad_element_late_keeps_the_rows_before(monkeypatch):
    monkeypatch.setattr(jsonrows, "JSON_BLOCK_ROWS", 4)
    text = json.dumps([[0.5, 0.5]] * 9 + [[0.5, "x"]])
    source = open_source("-", stdin=io.BytesIO(text.encode()))
    rows = 0
    with pytest.raises(InputError, match="element 10"):
        for block in iter_blocks(source):
            rows += len(block.values)
    assert rows == 9


def test_truncated_and_trailing_data():
    for data, message in [(b"[[0.5,0.5],", r"line 1, column 12"), (b"[[0.5,0.5]] x", "extra data after the array"),
                          (b"[[0.5,0.5],\n [0.5, x]]", r"line 2, column 8"), (b"[]", "array of numbers or of rows")]:
        with pytest.raises(InputError, match=message):
            read(data, "json")


def test_invalid_utf8_names_its_line(monkeypatch):
    monkeypatch.setattr(jsonrows, "DOCUMENT_PIECE", 8)
    with pytest.raises(InputError, match="line 3 is not valid UTF-8"):
        read(b'[[0.5,0.5],\n[0.5,0.5],\n["\xff"]]', "json")


def test_a_document_on_one_line_longer_than_a_line_may_be(monkeypatch):
    """Sniffing stdin: a document of rows on one line is not held to the line limit of line formats."""
    from entcli.io import text

    monkeypatch.setattr(text, "MAX_LINE_BYTES", 1 << 10)
    got, _ = read(json.dumps([[0.5, 0.5]] * 500).encode())
    assert got.shape == (500, 2)
