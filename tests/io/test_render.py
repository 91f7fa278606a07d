"""Formatting numbers: round-trip repr, digits, and the Arrow fast path that must agree with repr."""

from __future__ import annotations

import io
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcli.io import numbers, render


def test_repr_and_digits():
    assert render.format_numbers(np.array([1.0, 0.1, 1e-5, np.inf, np.nan, -0.0])) == \
        ["1.0", "0.1", "1e-05", "inf", "nan", "-0.0"]
    assert render.format_numbers(np.array([1 / 3]), 3) == ["0.333"]
    assert render.format_numbers(np.array([3, 4])) == ["3", "4"]


def test_arrow_formatting_equals_repr(monkeypatch):
    pytest.importorskip("pyarrow")
    import pyarrow  # noqa: F401  (the fast path is used once pyarrow is loaded)

    rng = np.random.default_rng(0)
    values = np.concatenate([
        rng.random(100_000), 10 ** rng.uniform(-8, 20, 100_000), -(10 ** rng.uniform(-8, 20, 50_000)),
        rng.integers(-1000, 1000, 1000).astype(float), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-4, 1e9, 5e-324,
                                                        1.7976931348623157e308, 0.1, 1 / 3, 2 / 3],
    ])
    monkeypatch.setattr(numbers, "FAST_FORMAT_SIZE", 1)
    assert render.format_numbers(values) == list(map(repr, values.tolist()))


def test_arrow_is_imported_for_formatting_once_the_output_so_far_repays_it(monkeypatch):
    """Issue 20: the choice is by the output's size block after block, not by one block's (simulate writes a small
    input's long history in pieces each below IMPORT_FORMAT_SIZE; by block size they all went through repr)."""
    import sys

    from entcli.io import arrow

    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)  # as in a run that has not loaded it yet
    monkeypatch.setattr(numbers, "_FORMATTED", [0])
    monkeypatch.setattr(arrow, "available", lambda: True)
    piece = numbers.IMPORT_FORMAT_SIZE // 3 + 1
    assert [numbers.arrow_formatting(piece) for _ in range(4)] == [False, False, True, True]
    assert numbers.arrow_formatting(numbers.FAST_FORMAT_SIZE - 1) is False  # a tiny block stays in Python


def _write(fmt, columns, names=None, digits=None):
    import io

    out = io.StringIO()
    writer = render.Writer(fmt, out, next(iter(columns)), names=names, digits=digits)
    writer.write(columns)
    writer.close()
    return out.getvalue()


def test_matrix_fields_in_every_format():
    jac = np.array([[[0.25, -0.25], [-0.25, 0.25]]])
    cols = {"jacobian": jac, "unit": "nats"}
    assert _write("plain", cols) == "0.25,-0.25;-0.25,0.25\n"
    assert _write("csv", cols).splitlines() == ["jacobian_1_1,jacobian_1_2,jacobian_2_1,jacobian_2_2,unit",
                                                "0.25,-0.25,-0.25,0.25,nats"]
    import json

    assert json.loads(_write("json", cols)) == [{"jacobian": [[0.25, -0.25], [-0.25, 0.25]], "unit": "nats"}]


def test_csv_header_names_are_quoted_and_nonfinite_are_written_as_such():
    cols = {"p": np.array([[0.5, np.inf]]), "entropy": np.array([np.nan])}
    lines = _write("csv", cols, names=["a,b", "c"]).splitlines()
    assert lines == ['"p_a,b",p_c,entropy', "0.5,inf,nan"]
    assert _write("tsv", cols).splitlines()[1] == "0.5\tinf\tnan"


def test_json_is_strict_and_names_nonfinite_values():
    import json

    cols = {"kl": np.array([np.inf, 0.5]), "p": np.array([[np.nan, 1.0], [0.5, 0.5]]), "unit": "bits"}
    text = _write("jsonl", cols)
    assert "Infinity" not in text and "NaN" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first == {"kl": None, "p": [None, 1.0], "unit": "bits", "nonfinite": {"kl": "inf", "p[0]": "nan"}}
    assert second == {"kl": 0.5, "p": [0.5, 0.5], "unit": "bits"}
    assert json.loads(_write("json", {"x": np.array([], dtype=float)})) == []


def test_digits_apply_to_every_machine_format():
    cols = {"h": np.array([1 / 3])}
    assert _write("plain", cols, digits=4) == "0.3333\n"
    assert _write("csv", cols, digits=2).splitlines()[1] == "0.33"
    assert _write("jsonl", cols, digits=3) == '{"h": 0.333}\n'


floats64 = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 40).flatmap(lambda n: st.tuples(
    st.just(n),
    st.lists(floats64, min_size=n, max_size=n),
    st.lists(st.integers(-10**12, 10**12), min_size=n, max_size=n),
    st.lists(st.lists(floats64, min_size=3, max_size=3), min_size=n, max_size=n))))
def test_arrow_lines_are_byte_for_byte_the_repr_lines(case):
    # Issue 20: numbers formatted and joined by Arrow must be exactly what repr and a join write, for every float64
    # (whole numbers, subnormals, -0.0, 1e22, nan, inf), integers, a constant text and vectors.
    pytest.importorskip("pyarrow")
    from entcli.io.arrow import number_lines
    from entcli.io.numbers import format_numbers, join_groups

    n, xs, ks, vs = case
    x, k, v = np.array(xs), np.array(ks, dtype=np.int64), np.array(vs)
    want_csv = "".join(",".join(parts) + "\n" for parts in zip(
        format_numbers(x), ["nats"] * n, format_numbers(k), *[format_numbers(v[:, j]) for j in range(3)],
        strict=True))
    assert number_lines([x, "nats", k, v], n, ",").decode() == want_csv
    want_plain = "".join(line + "\n" for line in join_groups(format_numbers(v), n, 3, ","))
    assert number_lines([v], n, ",", ",").decode() == want_plain
    assert number_lines([x], n, "\t").decode() == "".join(c + "\n" for c in format_numbers(x))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(-12, -3).map(lambda e: 10.0 ** e) | st.floats(1e-11, 1e-3) |
                st.sampled_from([1e-10, 1e-7, 1e-6, 1e-5, 1e-4, 5e-5, 9.999999999999999e-05, 1.0000000000000002e-06]),
                min_size=1, max_size=50), st.booleans())
def test_small_numbers_in_repr_notation(values, negative):
    """|x| in [1e-10, 1e-4): Arrow writes repr's digits in other notations ("0.000015", "1.5e-7"); rewritten, they are
    repr's, byte for byte (the range of probabilities of a distribution over a hundred outcomes and more)."""
    pytest.importorskip("pyarrow")
    from entcli.io.arrow import float_strings

    x = -np.array(values) if negative else np.array(values)
    assert float_strings(x) == [repr(float(v)) for v in x]
    dense = 10 ** np.random.default_rng(len(values)).uniform(-11, -3, 20_000)
    assert float_strings(dense) == [repr(float(v)) for v in dense]
    tiny = np.concatenate([10 ** np.random.default_rng(1).uniform(-323, -10, 20_000), [5e-324, 2.2e-308]])
    assert float_strings(tiny) == [repr(float(v)) for v in tiny]  # below 1e-10: Arrow's own text is repr's


@pytest.mark.parametrize("n", [2, 3, 1001])
def test_big_blocks_are_formatted_in_two_halves_with_the_same_bytes(monkeypatch, n):
    """Issue 20: from PARALLEL_FORMAT_SIZE numbers on, the second half of a block's rows is formatted by another
    thread; the two halves joined must be the lines of the whole (odd row counts, every kind of column)."""
    pytest.importorskip("pyarrow")
    from entcli.io import arrow
    from entcli.io.numbers import format_numbers, join_groups

    rng = np.random.default_rng(n)
    x = 10 ** rng.uniform(-12, 12, n) * rng.choice([-1, 1], n)
    k = rng.integers(-10**6, 10**6, n)
    v = np.round(rng.dirichlet(np.ones(4), n), rng.integers(0, 17))
    vectors = join_groups(format_numbers(v), n, 4, ";")
    want = "".join(",".join(parts) + "\n" for parts in zip(format_numbers(x), ["bits"] * n, format_numbers(k), vectors,
                                                           strict=True))
    threads: list[int] = []
    real = arrow._lines

    def lines(*args):
        threads.append(threading.get_ident())
        return real(*args)

    monkeypatch.setattr(arrow, "_lines", lines)
    monkeypatch.setattr(arrow, "PARALLEL_FORMAT_SIZE", 1)
    assert arrow.number_lines([x, "bits", k, v], n, ",", ";").decode() == want
    assert len(set(threads)) == 2  # the halves were formatted by two threads


def test_repr_is_left_only_for_numbers_from_1e9_on(monkeypatch):
    """Issue 20: every float below 1e9 in magnitude (whole numbers, [1e-9, 1e-4), 0, -0.0) is formatted by Arrow and
    rewritten by its string kernels; Python's repr formats only |x| >= 1e9 (rare in results), so a block of
    probabilities costs no Python call per number. Each rewritten range is checked against repr here too."""
    pytest.importorskip("pyarrow")
    from entcli.io import arrow

    rng = np.random.default_rng(5)
    values = np.concatenate([10 ** rng.uniform(-10, 9, 50_000), -(10 ** rng.uniform(-10, 9, 50_000)),
                             rng.integers(-10**9 + 1, 10**9, 5_000).astype(float), [0.0, -0.0, 1e-9, 1e-6, 1e-5]])
    values = values[np.abs(values) < 1e9]
    seen: list[int] = []
    real = arrow._strings
    monkeypatch.setattr(arrow, "_strings", lambda texts: seen.append(len(texts)) or real(texts))
    assert arrow.float_strings(values) == [repr(v) for v in values.tolist()]
    assert seen == []
    big = np.array([1e9, -3e12, 1.5e300, 123456789012.5])
    assert arrow.float_strings(big) == [repr(v) for v in big.tolist()]
    assert seen == [4]


def test_arrow_lines_decline_what_they_cannot_write():
    pytest.importorskip("pyarrow")
    from entcli.io.arrow import number_lines

    assert number_lines([np.array(["a,1", "b"], dtype=object)], 2, ",") is None  # a key to quote: Python's
    assert number_lines([np.array(["a", "b"], dtype=object)], 2, ",") == b"a\nb\n"  # keys as they are: Arrow's
    assert number_lines([np.zeros((2, 2, 2))], 2, ",") is None  # matrices
    assert number_lines(["a,b"], 2, ",") is None  # a constant that needs quoting


def test_writer_output_is_the_same_with_and_without_arrow(monkeypatch, tmp_path):
    pytest.importorskip("pyarrow")
    import pyarrow  # noqa: F401 - loaded, as the fast reader would have it

    from entcli.io import numbers

    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(4) * 0.05, 3000)  # many tiny and whole numbers: repr's share of the cells
    p[:5] = np.eye(4)[[0, 1, 2, 3, 0]]
    columns = {"entropy": -np.sum(np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0), axis=1), "unit": "nats",
               "k": np.full(3000, 4), "p": p}
    outs = []
    for size in (1, 10**9):  # Arrow for every block, then never
        monkeypatch.setattr(numbers, "FAST_FORMAT_SIZE", size)
        for fmt in ("plain", "csv", "tsv"):
            out = io.StringIO()
            writer = render.Writer(fmt, out, "p" if fmt == "plain" else "entropy", names=["a", "b", "c", "d"])
            writer.write(columns)
            writer.close()
            outs.append(out.getvalue())
    assert outs[:3] == outs[3:]


@pytest.mark.parametrize("value", [0.0, -0.0, 1.0, 2.302585092994046, 1.5e-05, 3e-07, 1e22, float("nan"), float("inf")])
def test_constant_columns_are_formatted_once_with_the_same_bytes(value):
    # Issue 20: a column with one value on every row (K, log K) is formatted once; bit for bit one value, so a
    # column of 0.0 with a -0.0 in it is not constant.
    pytest.importorskip("pyarrow")
    from entcli.io.arrow import number_lines
    from entcli.io.numbers import format_numbers

    n = 5
    col, ks = np.full(n, value), np.full(n, 10, dtype=np.int64)
    mixed = np.zeros(n)
    mixed[-1] = -0.0
    want = "".join(",".join(parts) + "\n" for parts in zip(format_numbers(col), format_numbers(ks),
                                                          format_numbers(mixed), strict=True))
    assert number_lines([col, ks, mixed], n, ",").decode() == want


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from(list("ab1_ -.,\t\"\n\ré")), max_size=6)
                | st.sampled_from(["r0", "id 7", ""]), min_size=2, max_size=30),
       st.sampled_from([",", "\t"]), st.booleans())
def test_text_keys_written_by_arrow_are_the_python_writers_bytes(keys, sep, as_unicode_array):
    # Keys carried from the input: Arrow writes those that need no quotes; any other block is the Python writer's
    # (quotes, non-ASCII), so the bytes never differ.
    pytest.importorskip("pyarrow")
    from entcli.io.arrow import number_lines
    from entcli.io.numbers import format_numbers

    n = len(keys)
    col = np.array(keys, dtype=str) if as_unicode_array else np.array(keys, dtype=object)
    x = np.linspace(0.0, 1.0, n)
    got = number_lines([col, x], n, sep)
    style = "csv" if sep == "," else "tsv"
    want = "".join(sep.join(pair) + "\n" for pair in zip(format_numbers(col, None, style), format_numbers(x),
                                                         strict=True))
    needs_python = any(not k.isascii() or any(c in k for c in ',\t"\n\r') for k in keys)
    assert (got is None) == needs_python
    if got is not None:
        assert got.decode() == want
    assert number_lines([np.array(["a", 3, None], dtype=object), x[:3]], 3, sep) is None  # JSON's keys
