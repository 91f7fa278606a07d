"""The input layer: every format, headers, comments, BOM/CRLF, sniffing, and each error naming its line."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from entcli.errors import InputError
from entcli.io import text as text_reader
from entcli.io.readers import iter_blocks, open_source, parse_numbers

pytestmark = pytest.mark.usefixtures("both_readers")


def read_all(path, columns=None, **kw):
    from entcli.io.roles import Roles

    roles = Roles(columns=tuple(columns)) if columns else None
    source = open_source(str(path), roles=roles, **kw)
    blocks = list(iter_blocks(source))
    return source, np.concatenate([b.values for b in blocks])


EXPECTED = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])


@pytest.mark.parametrize(
    "name, content",
    [
        ("a.csv", "0.2,0.3,0.5\n1,0,0\n"),
        ("a.tsv", "0.2\t0.3\t0.5\n1\t0\t0\n"),
        ("a.txt", "0.2 0.3  0.5\n1 0 0\n"),
        ("a.json", "[[0.2, 0.3, 0.5], [1, 0, 0]]"),
        ("a.jsonl", "[0.2, 0.3, 0.5]\n[1, 0, 0]\n"),
        ("a.csv", "# comment\n\n0.2,0.3,0.5\n\n# another\n1,0,0"),
        ("a.csv", "\ufeff0.2,0.3,0.5\r\n1,0,0\r\n"),
        ("a.jsonl", '{"p": [0.2, 0.3, 0.5]}\n{"p": [1, 0, 0]}\n'),
    ],
)
def test_formats_by_extension(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    _, values = read_all(path)
    np.testing.assert_array_equal(values, EXPECTED)


def test_npy(tmp_path):
    np.save(tmp_path / "a.npy", EXPECTED)
    _, values = read_all(tmp_path / "a.npy")
    np.testing.assert_array_equal(values, EXPECTED)
    np.save(tmp_path / "one.npy", EXPECTED[0])
    _, values = read_all(tmp_path / "one.npy")
    np.testing.assert_array_equal(values, EXPECTED[:1])


@pytest.mark.parametrize(
    "content, fmt",
    [
        (b"0.2,0.3,0.5\n1,0,0\n", "text"),
        (b"0.2\t0.3\t0.5\n1\t0\t0\n", "text"),
        (b"0.2 0.3 0.5\n1 0 0\n", "text"),
        (b"[[0.2,0.3,0.5],\n [1,0,0]]\n", "json"),
        (b"[[0.2,0.3,0.5],[1,0,0]]", "json"),
        (b"[0.2,0.3,0.5]\n[1,0,0]\n", "jsonl"),
        (b"# hello\n[0.2,0.3,0.5]\n\n[1,0,0]\n", "jsonl"),
    ],
)
def test_sniffed_on_stdin(monkeypatch, content, fmt):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(content)))
    source, values = read_all("-")
    assert source.fmt == fmt
    np.testing.assert_array_equal(values, EXPECTED)


def test_npy_sniffed_on_stdin(monkeypatch):
    buf = io.BytesIO()
    np.save(buf, EXPECTED)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(buf.getvalue())))
    source, values = read_all("-")
    assert source.fmt == "npy"
    np.testing.assert_array_equal(values, EXPECTED)


def test_header_names_outcomes(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text('"cat","dog",bird\n0.2,0.3,0.5\n1,0,0\n')
    source, values = read_all(path)
    assert source.names == ["cat", "dog", "bird"]
    np.testing.assert_array_equal(values, EXPECTED)


def test_header_forced_and_forbidden(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("1,2,3\n0.2,0.3,0.5\n")
    source, values = read_all(path, header=True)
    assert source.names == ["1", "2", "3"] and values.shape == (1, 3)
    path.write_text("a,b\n0.5,0.5\n")
    with pytest.raises(InputError, match="line 1: column 1"):
        read_all(path, header=False)


def test_delimiter_override(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("0.2;0.3;0.5\n1;0;0\n")
    _, values = read_all(path, delimiter=";")
    np.testing.assert_array_equal(values, EXPECTED)


@pytest.mark.parametrize(
    "content, message",
    [
        ("0.2,0.3,0.5\n0.2,0.3\n", r"line 2: has 2 fields but the rows before it have 3"),
        ("# c\n0.2,0.3,0.5\n0.2,x,0.5\n", r"line 3: column 2 \('x'\) is not a number"),
        ("", "no rows to read"),
        ("# only a comment\n\n", "no rows to read"),
        ("a,b,c\n", "no rows to read"),
    ],
)
def test_text_errors_name_the_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_all(path)


def test_rows_before_a_bad_line_are_delivered(tmp_path):
    path = tmp_path / "late.csv"
    path.write_text("0.5,0.5\n" * 5 + "oops,1\n" + "0.5,0.5\n")
    got = []
    with pytest.raises(InputError, match="line 6"):
        for block in iter_blocks(open_source(str(path))):
            got.append(block.values)
    assert sum(len(v) for v in got) == 5


def test_skip_invalid_reports_and_continues(tmp_path):
    path = tmp_path / "late.csv"
    path.write_text("0.5,0.5\nx,1\n0.5,0.5\n0.1\n0.9,0.1\n")
    bad = []
    _, values = read_all(path, on_bad=bad.append)
    assert values.shape == (3, 2)
    assert [m.split(": ")[1] for m in bad] == ["line 2", "line 4"]


def test_invalid_utf8_names_the_line(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"0.5,0.5\n\xff\xfe,1\n")
    with pytest.raises(InputError, match="line 2 is not valid UTF-8"):
        read_all(path)


def test_line_numbers_across_chunks(tmp_path, monkeypatch):
    monkeypatch.setattr(text_reader, "CHUNK_BYTES", 64)
    path = tmp_path / "many.csv"
    lines = ["# header comment"] + ["0.5,0.5"] * 100 + ["0.5"]
    path.write_text("\n".join(lines) + "\n")
    blocks = []
    with pytest.raises(InputError, match="line 102: has 1 fields"):
        for block in iter_blocks(open_source(str(path))):
            blocks.append(block)
    assert len(blocks) > 3 and sum(len(b.values) for b in blocks) == 100
    last = blocks[-1]
    assert last.where(len(last.values) - 1) == "row 100 (line 101)"


@pytest.mark.parametrize(
    "content, message",
    [
        ('[[0.5, 0.5], [1]]', "element 2 has 1 values"),
        ('[[0.5, "a"]]', "element 1: 'a' is not a number"),
        ("[0.5, 0.5", "not valid JSON"),
        ('"x"', "must be an array"),
    ],
)
def test_json_errors(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        read_all(path)


def test_jsonl_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text("[0.5, 0.5]\n\n[0.5, 0.5\n")
    with pytest.raises(InputError, match="line 3 is not valid JSON"):
        read_all(path)


def test_jsonl_objects_of_numbers_give_names(tmp_path):
    path = tmp_path / "o.jsonl"
    path.write_text("\n".join(json.dumps({"a": a, "b": 1 - a}) for a in (0.25, 0.5)))
    source, values = read_all(path)
    assert source.names == ["a", "b"]
    np.testing.assert_array_equal(values, [[0.25, 0.75], [0.5, 0.5]])


@pytest.mark.parametrize("path, message", [("/nonexistent/x.csv", "no such file"),
                                                  ("/proc/self/fd", "holds no data files")])
def test_missing_file_and_directory(path, message):
    with pytest.raises(InputError, match=message):
        open_source(path)


def test_parse_numbers_forms():
    for tokens in (["0.2", "0.3", "0.5"], ["0.2,0.3,0.5"], ["0.2 0.3 0.5"], ["0.2,", "0.3", ",0.5"]):
        np.testing.assert_array_equal(parse_numbers(tokens), [0.2, 0.3, 0.5])
    with pytest.raises(InputError, match=r"value 2 \('abc'\) is not a number"):
        parse_numbers(["1", "abc"])


def test_both_readers_agree_on_a_large_file(tmp_path, monkeypatch):
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(7), size=20_000)
    path = tmp_path / "big.csv"
    np.savetxt(path, p, delimiter=",", fmt="%.17g")
    monkeypatch.setattr(text_reader, "CHUNK_BYTES", 100_000)
    _, values = read_all(path)
    np.testing.assert_array_equal(values, p)  # exact: both parse to the correctly rounded float64


def test_columns_by_name_and_number(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("id,a,b\n7,0.25,0.75\n8,0.5,0.5\n")
    source, values = read_all(path, columns=["a", "b"])
    assert source.names == ["a", "b"]
    np.testing.assert_array_equal(values, [[0.25, 0.75], [0.5, 0.5]])
    _, values = read_all(path, columns=["3", "2"])
    np.testing.assert_array_equal(values, [[0.75, 0.25], [0.5, 0.5]])
    with pytest.raises(InputError, match="no column 'c'"):
        read_all(path, columns=["c"])


@pytest.mark.parametrize("ext", ["parquet", "arrow"])
def test_parquet_and_arrow_ipc(tmp_path, ext):
    pa = pytest.importorskip("pyarrow")
    table = pa.table({"id": ["x", "y"], "a": [0.25, 0.5], "b": [0.75, 0.5]})
    path = tmp_path / f"d.{ext}"
    if ext == "parquet":
        import pyarrow.parquet as pq

        pq.write_table(table, path)
    else:
        import pyarrow.feather as feather

        feather.write_feather(table, path)
    source, values = read_all(path, columns=["a", "b"])
    assert source.names == ["a", "b"]
    np.testing.assert_array_equal(values, [[0.25, 0.75], [0.5, 0.5]])
    # Without --columns, the text column is a key carried to the output, not an outcome.
    source = open_source(str(path))
    (block,) = list(iter_blocks(source))
    assert source.names == ["a", "b"] and source.keys == ["id"]
    assert block.fields["id"].tolist() == ["x", "y"]
    np.testing.assert_array_equal(block.values, [[0.25, 0.75], [0.5, 0.5]])


def test_parquet_without_pyarrow_names_the_extra(tmp_path, monkeypatch):
    import sys

    from entcli.errors import MissingExtraError

    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1")
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(MissingExtraError) as info:
        read_all(path)
    assert info.value.hint == "pip install 'entcli[fast]'"


def test_fast_reader_is_really_used(tmp_path, monkeypatch, both_readers):
    from entcli.io import arrow

    parsed = []
    original = arrow.chunk_parser

    def counting(delimiter, width=None):
        parse = original(delimiter, width)
        if parse is None:
            return None
        return lambda data: parsed.append(parse(data)) or parsed[-1]

    monkeypatch.setattr(arrow, "chunk_parser", counting)
    path = tmp_path / "a.csv"
    path.write_text("0.5,0.5\n" * 50)
    _, values = read_all(path)
    assert values.shape == (50, 2)
    used = [p for p in parsed if p is not None]
    assert (len(used) > 0) == (both_readers == "fast")


def test_a_row_of_a_million_numbers_is_read_by_numpy_in_bounded_memory(tmp_path):
    # Issue 14: pyarrow's parser took 4.8 GB and 80 s on one row of 1,000,000 columns (NumPy's: 0.3 GB, 1 s).
    import math
    import os
    import subprocess
    import sys

    pytest.importorskip("pyarrow")
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["1e-06"] * 1_000_000) + "\n")
    code = ("import resource, subprocess, sys\n"
            f"p = subprocess.run([sys.executable, '-m', 'entcli', 'entropy', '-i', {str(path)!r}], "
            "capture_output=True, text=True)\n"
            "print(p.returncode, p.stdout.strip(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={k: v for k, v in os.environ.items() if k != "ENTCLI_READER"})
    code_, h, rss = proc.stdout.split()
    assert code_ == "0" and float(h) == pytest.approx(math.log(1e6), rel=1e-12)  # uniform over 10^6: log 10^6
    assert int(rss) < 600 * 1024, f"peak RSS {int(rss) / 1024:.0f} MiB"


@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_on_stdin_is_read_a_block_at_a_time_and_equals_the_file(cli, tmp_path, monkeypatch, order):
    # Issue 14: a .npy on stdin was read whole; now a block of rows at a time (the file itself is memory-mapped).
    from entcli.io import readers

    monkeypatch.setattr(readers, "BLOCK_ROWS", 7)
    rng = np.random.default_rng(8)
    p = rng.dirichlet(np.ones(5), 50)
    path = tmp_path / "p.npy"
    np.save(path, np.asfortranarray(p) if order == "F" else p)
    from_file = cli("entropy", "-i", str(path), "-o", "jsonl")
    from_stdin = cli("entropy", "-o", "jsonl", stdin=path.read_bytes())
    assert from_file.code == from_stdin.code == 0 and from_stdin.out == from_file.out
    h = [json.loads(line)["entropy"] for line in from_stdin.lines()]
    np.testing.assert_allclose(h, -np.sum(p * np.log(p), axis=1), rtol=1e-13)


def test_a_truncated_npy_on_stdin_keeps_the_rows_before_the_end(cli, tmp_path, monkeypatch):
    from entcli.io import readers

    monkeypatch.setattr(readers, "BLOCK_ROWS", 4)
    path = tmp_path / "p.npy"
    np.save(path, np.full((10, 2), 0.5))
    data = path.read_bytes()[:-8 * 2 * 3 - 5]  # the last 3 rows and a bit gone: 6 whole rows left
    r = cli("entropy", stdin=data)
    assert r.code == 2 and r.lines() == [repr(math.log(2))] * 6
    assert "the .npy data ends after 6 of the 10 rows its header gives" in r.err


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["row", "row", "row", "blank", "quoted"]), min_size=30, max_size=150),
       st.booleans(), st.booleans(), st.integers(0, 130), st.sampled_from([96, 160, 400]), st.booleans())
def test_fast_reader_counts_lines_as_the_numpy_reader(tmp_path_factory, kinds, header, final_newline, bad_at, chunk,
                                                      newline_in_quotes):
    # The pyarrow path knows a chunk's newlines from its rows when the chunk has no blank line (a strict parse);
    # blank lines, a header blanked in the first chunk, quoted ids (which may hold a newline) and a last line
    # without one all change the count. Every row's line and the late error must be the NumPy reader's.
    path = tmp_path_factory.mktemp("lines") / "t.csv"
    lines = ["id,a,b"] if header else []
    for i, kind in enumerate(kinds):
        lines.append("" if kind == "blank" else f'"r{i}",0.25,0.75' if kind == "quoted" and header
                     else f"r{i},0.5,0.5" if header else "0.5,0.5")
    if newline_in_quotes and header:
        lines.insert(len(lines) // 2, '"two\nlines",0.5,0.5')  # pyarrow would take it; the NumPy reader names it
    if bad_at < len(lines) and lines[bad_at] and not (header and bad_at == 0):
        lines[bad_at] = "r,0.5" if header else "0.5"
    path.write_text("\n".join(lines) + ("\n" if final_newline else ""))

    def run(fast: bool):
        seen, error = [], None
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(text_reader, "CHUNK_BYTES", chunk)
            try:
                for block in iter_blocks(open_source(str(path), fast=fast)):
                    seen += [(block.values[i].tolist(), block.where(i)) for i in range(len(block.values))]
            except InputError as e:
                error = str(e)
        return seen, error

    assert run(True) == run(False)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(["row", "row", "row", "blank", "comment", "two", "split", "latin1", "spaces"]),
                min_size=20, max_size=120),
       st.booleans(), st.sampled_from([128, 300, 1000]), st.sampled_from(["object", "array"]), st.booleans())
@example(["row"] * 11 + ["two", "spaces"] + ["row"] * 7, False, 128, "object", False)  # found by the explore
# profile: two rows on a line and a whitespace-only line in one chunk, so rows = lines (each line is now read as one
# value, which a count of rows against lines could not tell)
def test_fast_json_lines_reader_is_the_python_reader(tmp_path_factory, kinds, final_newline, chunk, shape, skip):
    # pyarrow's JSON reader skips blank lines, takes two rows on a line or one over two lines and does not check
    # UTF-8: a chunk it reads is taken only when it has one row a line and is UTF-8, so that every row gets the line
    # the Python reader gives it, and every fault its message (or, skipped, its report).
    from entcli.io import jsonrows

    def row(i: int) -> bytes:
        p = f"[{i % 3 / 4}, {1 - i % 3 / 4}]"
        return (f'{{"id": "r{i}", "p": {p}}}' if shape == "object" else p).encode()

    special = {"blank": b"", "comment": b"# note", "two": row(1) + b" " + row(2), "split": row(3)[:-3] + b"\n" +
               row(3)[-3:], "latin1": b'{"id": "caf\xe9", "p": [0.5, 0.5]}', "spaces": b"   "}
    lines = [row(i) if kind == "row" else special[kind] for i, kind in enumerate(kinds)]
    path = tmp_path_factory.mktemp("jsonl") / "t.jsonl"
    path.write_bytes(row(0) + b"\n" + b"\n".join(lines) + (b"\n" if final_newline else b""))

    def run(fast: bool):
        seen, error, skipped = [], None, []
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(text_reader, "CHUNK_BYTES", chunk)
            mp.setattr(jsonrows, "FAST_JSON_BYTES", 1)
            try:
                source = open_source(str(path), fast=fast, on_bad=skipped.append if skip else None)
                for block in iter_blocks(source):
                    ids = block.fields["id"].tolist() if block.fields else [None] * len(block.values)
                    seen += [(block.values[i].tolist(), ids[i], block.where(i)) for i in range(len(block.values))]
            except InputError as e:
                error = str(e)
        return seen, error, skipped

    assert run(True) == run(False)
