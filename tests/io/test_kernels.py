"""entcli/io/kernels.py: Arrow's kernels called by name give what pyarrow.compute's wrappers give, byte for byte
(the wrappers are the fallback for a pyarrow without the names)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("pyarrow")

from entcli.io import arrow, kernels  # noqa: E402

#: Every float64, NaN and infinities included.
floats64 = st.floats(allow_nan=True, allow_infinity=True, width=64)


def both_ways(monkeypatch: pytest.MonkeyPatch, make):
    """``make()`` with the kernels called by name, then through pyarrow.compute."""
    monkeypatch.setattr(kernels, "PUBLIC", False)
    by_name = make()
    monkeypatch.setattr(kernels, "PUBLIC", True)
    public = make()
    monkeypatch.setattr(kernels, "PUBLIC", False)
    return by_name, public


@settings(max_examples=100, deadline=None)
@given(st.lists(floats64 | st.floats(1e-11, 1e-3) | st.floats(-1e-3, -1e-11), min_size=2, max_size=60))
def test_lines_are_the_same_both_ways(values):
    # Every group of _float_texts (whole, padded exponent, the four decimal groups, repr) and the joins.
    x = np.array(values)
    k = np.arange(len(x), dtype=np.int64) - 7
    with pytest.MonkeyPatch.context() as mp:
        by_name, public = both_ways(mp, lambda: arrow.number_lines([x, "nats", k, np.c_[x, x]], len(x), ",", ";"))
    assert by_name == public
    assert by_name.decode().splitlines()[0].split(",")[0] == repr(float(x[0]))


def test_trim_and_take_are_the_same_both_ways(monkeypatch):
    import pyarrow as pa

    texts = pa.array([" a\t", "b ", "\tc", "", "  "])
    by_name, public = both_ways(monkeypatch, lambda: kernels.trim(texts, " \t").to_pylist())
    assert by_name == public == ["a", "b", "c", "", ""]
    idx = arrow._numbers_array(np.array([4, 0, 2], dtype=np.int64))
    by_name, public = both_ways(monkeypatch, lambda: kernels.take(texts, idx).to_pylist())
    assert by_name == public == ["  ", " a\t", "\tc"]


def test_a_pyarrow_without_the_names_gets_the_wrappers(monkeypatch):
    import pyarrow._compute

    kernels._by_name.cache_clear()
    monkeypatch.delattr(pyarrow._compute, "ReplaceSliceOptions")
    try:
        assert kernels._by_name() is None
        assert arrow.float_strings(np.array([1.5e-5, 2.0, 3e-7, 0.25])) == ["1.5e-05", "2.0", "3e-07", "0.25"]
    finally:
        kernels._by_name.cache_clear()


@pytest.mark.parametrize("dtype", ["float64", "float32", "int64", "int32", "uint8"])
def test_to_numpy_of_a_slice_starts_at_its_offset(dtype):
    # Found while moving JSON Lines to list slices: the offset (in elements) was passed as bytes, so every slice of a
    # buffer read other numbers (an Arrow table of more than 65,536 rows given to entcli.frame: its later batches).
    import pyarrow as pa

    values = np.arange(40).astype(dtype)
    arr = pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])
    for start, length in ((0, 40), (1, 3), (7, 20), (39, 1), (40, 0)):
        assert arrow.to_numpy(arr.slice(start, length)).tolist() == values[start:start + length].tolist()


def test_a_big_arrow_table_reads_as_its_numbers():
    import pyarrow as pa

    from entcli import frame

    p = np.random.default_rng(0).dirichlet(np.ones(3), 70_000)  # two batches of 65,536 rows at most
    table = pa.Table.from_arrays([pa.array(p[:, j]) for j in range(3)], names=["a", "b", "c"])
    got = np.asarray(frame.entropy(table).column("entropy").to_pylist())
    assert np.allclose(got, -np.sum(p * np.log(p), axis=1), rtol=1e-14, atol=0)
