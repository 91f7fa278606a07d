"""entcli.frame, the library face: the same fields and values as the command line's CSV output, for every kind
of table it takes, inside Dask's map_partitions and next to DuckDB and Polars.

The reference for every value is the command line itself (its CSV, whose floats are repr() and so round-trip
exactly), whose values are tested against independent implementations elsewhere.
"""

from __future__ import annotations

import csv
import io
import math
import warnings

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")

import entcli.frame as ef  # noqa: E402
from entcli.errors import EntcliError  # noqa: E402


@pytest.fixture(scope="module")
def frame():
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(3), 50)
    return pd.DataFrame({"id": [f"r{i}" for i in range(50)], "label": rng.integers(0, 3, 50),
                         "cat": p[:, 0], "dog": p[:, 1], "bird": p[:, 2]})


def cli_csv(cli, tmp_path, df, *args, name="in.csv"):
    """The command line's CSV output for ``df`` written as a CSV file (ids as text), as {field: [values]}."""
    path = tmp_path / name
    df.to_csv(path, index=False, float_format=lambda x: repr(float(x)))
    r = cli(*[a.replace("{in}", str(path)) for a in args], "-o", "csv")
    assert r.code == 0, r.err
    rows = list(csv.reader(io.StringIO(r.out)))
    return {name: [row[j] for row in rows[1:]] for j, name in enumerate(rows[0])}


def assert_same(table, expected: dict[str, list[str]]) -> None:
    """Same field names in the same order; numbers equal exactly (repr round-trips), text equal."""
    got = table.to_pydict() if isinstance(table, pa.Table) else table.to_dict(orient="list")
    assert list(got) == list(expected)
    for name, values in expected.items():
        for g, e in zip(got[name], values, strict=True):
            if isinstance(g, str):
                assert g == e, name
            else:
                assert float(g) == float(e) or (math.isnan(float(g)) and math.isnan(float(e))), name


def test_entropy_is_the_command_line(cli, tmp_path, frame):
    expected = cli_csv(cli, tmp_path, frame, "entropy", "-i", "{in}", "--exclude", "label", "--bits")
    assert_same(ef.entropy(frame, exclude="label", bits=True), expected)


def test_softmax_kl_xent_normalize_grad(cli, tmp_path, frame):
    logits = frame.assign(cat=np.log(frame.cat) * 3, dog=np.log(frame.dog) * 3, bird=np.log(frame.bird) * 3)
    assert_same(ef.softmax(logits, exclude="label", temperature=2),
                cli_csv(cli, tmp_path, logits, "softmax", "-i", "{in}", "--exclude", "label", "-T", "2"))
    shuffled = frame[["bird", "cat", "dog"]].iloc[::-1].reset_index(drop=True)
    path = tmp_path / "q.csv"
    shuffled.to_csv(path, index=False, float_format=lambda x: repr(float(x)))
    assert_same(ef.kl(frame.drop(columns="label"), shuffled),
                cli_csv(cli, tmp_path, frame.drop(columns="label"), "kl", "-p", "{in}", "-q", str(path)))
    assert_same(ef.kl(frame.drop(columns="label"), [0.2, 0.3, 0.5], measure="hellinger"),
                cli_csv(cli, tmp_path, frame.drop(columns="label"), "kl", "-p", "{in}", "-q", "0.2,0.3,0.5",
                        "--measure", "hellinger"))
    assert_same(ef.xent(frame, target_column="label"),
                cli_csv(cli, tmp_path, frame, "xent", "-q", "{in}", "--target-column", "label"))
    assert_same(ef.xent(frame, target_column="label", reduction="mean"),
                cli_csv(cli, tmp_path, frame, "xent", "-q", "{in}", "--target-column", "label", "--reduction", "mean"))
    assert_same(ef.normalize(frame, exclude="label", target=0.5),
                cli_csv(cli, tmp_path, frame, "normalize", "-i", "{in}", "--exclude", "label", "--target", "0.5"))
    assert_same(ef.grad(logits, exclude="label", of="entropy"),
                cli_csv(cli, tmp_path, logits, "grad", "-i", "{in}", "--exclude", "label", "--of", "entropy"))


def test_kinds_in_and_out(frame):
    probs = frame.drop(columns="label")
    expected = ef.entropy(pa.Table.from_pandas(probs, preserve_index=False))
    assert isinstance(expected, pa.Table) and expected.column_names[0] == "id"
    batch = ef.entropy(pa.RecordBatch.from_pandas(probs, preserve_index=False))
    assert isinstance(batch, pa.RecordBatch) and pa.Table.from_batches([batch]).equals(expected)
    df = ef.entropy(probs)
    assert isinstance(df, pd.DataFrame)
    assert df["entropy"].tolist() == expected.column("entropy").to_pylist()
    polars = pytest.importorskip("polars")
    out = ef.entropy(polars.from_pandas(probs))
    assert isinstance(out, polars.DataFrame)
    assert out["entropy"].to_list() == expected.column("entropy").to_pylist()
    duckdb = pytest.importorskip("duckdb")
    relation = duckdb.sql("select id, cat, dog, bird from probs")
    assert ef.entropy(relation).column("entropy").to_pylist() == expected.column("entropy").to_pylist()
    with pytest.raises(TypeError, match="takes a pyarrow Table"):
        ef.entropy([[0.5, 0.5]])


def test_bad_rows_raise_or_warn(frame):
    bad = pd.DataFrame({"x": [0.5, 0.9, 0.2], "y": [0.5, 0.5, 0.8]})
    with pytest.raises(EntcliError, match=r"^data: row 2: the row sums to 1.4") as error:
        ef.entropy(bad)
    assert "renormalize" in (error.value.hint or "")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = ef.entropy(bad, skip_invalid=True)
    assert out["entropy"].tolist() == [math.log(2), -(0.2 * math.log(0.2) + 0.8 * math.log(0.8))]
    assert [str(w.message) for w in caught] == ["skipped: data: row 2: the row sums to 1.4, not 1 (off by 0.4, "
                                                "tolerance 1e-06)"]
    with pytest.raises(EntcliError, match="No such option"):
        ef.entropy(bad, no_such_option=True)
    with pytest.raises(EntcliError, match=r"^q: no column 'id'"):  # -q is named as the call names it
        ef.kl(pd.DataFrame({"id": ["a"], "x": [1.0]}), pd.DataFrame({"x": [1.0]}), on="id")


def test_dask_map_partitions_is_the_whole_frame(frame):
    dd = pytest.importorskip("dask.dataframe")
    import dask

    probs = frame.drop(columns="label")
    whole = ef.entropy(probs)
    ddf = dd.from_pandas(probs, npartitions=4)
    with dask.config.set(scheduler="threads"):  # the calls run concurrently in threads
        parts = ddf.map_partitions(ef.entropy, meta=whole.iloc[:0]).compute()
    pd.testing.assert_frame_equal(parts.reset_index(drop=True), whole)


def test_many_threads_at_once(frame):
    from concurrent.futures import ThreadPoolExecutor

    probs = frame.drop(columns="label")
    whole = ef.entropy(probs)["entropy"].tolist()
    slices = [probs.iloc[i:i + 5].reset_index(drop=True) for i in range(0, 50, 5)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda df: ef.entropy(df)["entropy"].tolist(), slices * 4))
    assert sum(results[:10], []) == whole
    assert results[10:20] == results[:10]


def test_an_empty_table_has_the_columns_and_no_rows(frame):
    """Dask's meta and filtered-out partitions: the result's columns (and types) of a table with rows, no rows."""
    for call in (lambda df: ef.entropy(df, exclude="label"), lambda df: ef.xent(df, target_column="label"),
                 lambda df: ef.softmax(df, exclude="label", logits=None)):
        full, empty = call(frame), call(frame.iloc[:0])
        assert list(empty.columns) == list(full.columns)
        assert len(empty) == 0
        assert [str(t) for t in empty.dtypes] == [str(t) for t in full.dtypes]
