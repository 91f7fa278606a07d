"""JSON Lines through pyarrow's JSON reader give exactly what Python's reader gives: the same rows, keys and line
numbers, and for any chunk it cannot read exactly (a null, a bool or a string among the numbers, a missing, extra
or repeated name, a ragged row, blank and comment lines) the same error, found by the Python reader.

Generated rows are corrupted at a random line; both readers read them; the results must be equal."""

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

pytest.importorskip("pyarrow")

SHAPES = ["field", "nested", "object", "labelled", "array"]
CORRUPTIONS = [None, "null", "bool", "string", "missing", "extra", "twice", "ragged", "blank", "comment", "crlf",
               "id number"]


def line(shape: str, i: int, p: list[float], corruption: str | None) -> str:
    values: list[object] = list(p)
    if corruption == "null":
        values[0] = None
    elif corruption == "bool":
        values[0] = True
    elif corruption == "string":
        values[0] = str(values[0])
    elif corruption == "ragged":
        values.append(0.0)
    names = ["cat", "dog", "bird", "fish"][: len(values)] + (["eel"] if len(values) > 4 else [])
    key: object = i if corruption == "id number" else f"r{i}"
    if shape == "array":  # rows that are arrays of numbers: made objects by one replace, for pyarrow
        text = json.dumps(values)
        benign = {"blank": text + "\n", "comment": "# a comment\n" + text, "crlf": text + "\r"}
        return benign.get(corruption or "", text)
    if shape == "field":
        row: dict[str, object] = {"id": key, "p": values}
    elif shape == "nested":
        row = {"id": key, "p": dict(zip(names, values, strict=False)), "meta": {"x": 1}}
    elif shape == "labelled":
        row = {"id": key, "label": i % 3, "p": values}
    else:
        row = {"id": key, **dict(zip(names, values, strict=False))}
    target = row["p"] if shape == "nested" else row  # type: ignore[index]
    if corruption == "missing" and shape in ("nested", "object"):
        target.pop("dog")  # type: ignore[union-attr]
    if corruption == "extra":
        target["zebra"] = 0.0  # type: ignore[index]
    text = json.dumps(row)
    if corruption == "twice":
        text = text[:-1] + ', "id": "again"}'
    if corruption == "blank":
        text += "\n"
    if corruption == "comment":
        text = "# a comment\n" + text
    if corruption == "crlf":
        text += "\r"
    return text


def read(data: bytes, fast: bool, monkeypatch: pytest.MonkeyPatch, skip: bool = False):
    """(rows, keys, line numbers, skipped messages) or the error message."""
    monkeypatch.setattr(jsonrows, "FAST_JSON_BYTES", 1 if fast else 1 << 60)
    skipped: list[str] = []
    try:
        source = open_source("-", "jsonl", stdin=io.BytesIO(data), fast=fast, on_bad=skipped.append if skip else None)
        blocks = list(iter_blocks(source))
    except InputError as e:
        return e.message
    rows = np.concatenate([b.values for b in blocks])
    keys = [list(map(repr, v)) for b in blocks for v in (b.fields or {}).values()]
    lines = [b.line_of(i) if b.line_of else None for b in blocks for i in range(len(b.values))]
    return rows.tolist(), keys, lines, skipped


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(shape=st.sampled_from(SHAPES), n=st.integers(1, 30), bad=st.integers(0, 29),
       corruption=st.sampled_from(CORRUPTIONS), chunk=st.sampled_from([16, 64, 1 << 20]),
       skip=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_arrow_and_python_read_the_same(shape, n, bad, corruption, chunk, skip, seed, monkeypatch):
    from entcli.io import text

    monkeypatch.setattr(text, "CHUNK_BYTES", chunk)
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(4), n).tolist()
    lines = [line(shape, i, p[i], corruption if i == min(bad, n - 1) else None) for i in range(n)]
    data = ("\n".join(lines) + "\n").encode()
    assert read(data, True, monkeypatch, skip) == read(data, False, monkeypatch, skip)


def test_the_fast_path_is_taken(monkeypatch):
    """The equality above is not vacuous: pyarrow reads a clean chunk (its parser is called and answers)."""
    from entcli.io import arrow

    calls: list[bool] = []
    original = arrow.json_lines_parser

    def spy(*args, **kwargs):
        parse = original(*args, **kwargs)

        def wrapped(data):
            result = parse(data)
            calls.append(result is not None)
            return result

        return wrapped

    monkeypatch.setattr(arrow, "json_lines_parser", spy)
    data = "".join(json.dumps({"id": f"r{i}", "p": [0.5, 0.5]}) + "\n" for i in range(100)).encode()
    rows, keys, lines, _ = read(data, True, monkeypatch)
    assert calls and all(calls)
    assert len(rows) == 100 and keys[0][:2] == ["'r0'", "'r1'"] and lines[:3] == [1, 2, 3]


@pytest.mark.parametrize("probs", [[0.25, 0.75], {"cat": 0.25, "dog": 0.75}])
def test_a_dotted_field(probs, monkeypatch):
    from entcli.io.roles import Roles

    rows = [{"id": f"r{i}", "output": {"probs": probs, "other": i}, "meta": [1]} for i in range(5)]
    rows[3]["output"]["probs"] = [1, 0] if isinstance(probs, list) else {"dog": 1, "cat": 0}
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    got = []
    for fast in (True, False):
        monkeypatch.setattr(jsonrows, "FAST_JSON_BYTES", 1 if fast else 1 << 60)
        source = open_source("-", "jsonl", stdin=io.BytesIO(data), fast=fast, roles=Roles(field="output.probs"))
        blocks = list(iter_blocks(source))
        got.append((np.concatenate([b.values for b in blocks]).tolist(), source.names, source.keys,
                    [k for b in blocks for k in b.fields["id"]]))
    assert got[0] == got[1]
    assert got[0][0][3] == ([1.0, 0.0] if isinstance(probs, list) else [0.0, 1.0])  # cat, dog: by name
