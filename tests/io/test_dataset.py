"""Datasets as inputs: a directory, a glob or an fsspec URL of partitions, read in order as one input.

Every expected value is the same command run on the partitions concatenated into one file (the definition of
reading a dataset), or an entropy worked by hand (H(0.5, 0.5) = log 2).
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entcli.io.dataset import dataset_parts, natural_key

pytestmark = pytest.mark.usefixtures("both_readers")


def write_parts(root, parts: dict[str, str]) -> None:
    for name, text in parts.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


PARTS = {  # natural order: part-2 before part-10 (a lexical sort would read part-10 second)
    "part-1.csv": "id,a,b\nx,0.5,0.5\ny,0.9,0.1\n",
    "part-2.csv": "id,b,a\nz,0.2,0.8\n",  # the same outcomes in another order
    "part-10.csv": "id,a,b\nw,0.3,0.7\n",
}
#: The rows of PARTS in dataset order, columns in the first partition's order (a, b).
JOINED = "id,a,b\nx,0.5,0.5\ny,0.9,0.1\nz,0.8,0.2\nw,0.3,0.7\n"


def test_natural_order() -> None:
    names = ["p/part-10.csv", "p/part-2.csv", "p/part-1.csv"]
    assert sorted(names, key=natural_key) == ["p/part-1.csv", "p/part-2.csv", "p/part-10.csv"]


def test_directory_is_the_concatenation_of_its_partitions(cli, tmp_path) -> None:
    write_parts(tmp_path / "preds", {**PARTS, "_SUCCESS": "", ".part-1.csv.crc": "junk", "notes.md": "# notes"})
    (tmp_path / "one.csv").write_text(JOINED)
    whole = cli("entropy", "-i", str(tmp_path / "one.csv"), "-o", "csv", "--row-number")
    got = cli("entropy", "-i", str(tmp_path / "preds"), "-o", "csv", "--row-number")
    assert got.code == 0, got.err
    assert got.out == whole.out
    rows = got.lines()[1:]
    assert [r.split(",")[:2] for r in rows] == [["1", "x"], ["2", "y"], ["3", "z"], ["4", "w"]]
    assert float(rows[0].split(",")[2]) == pytest.approx(math.log(2), rel=1e-15)


def test_glob_and_recursive_glob(cli, tmp_path) -> None:
    write_parts(tmp_path, {f"d/{k}": v for k, v in PARTS.items()} | {"d/sub/part-11.csv": "id,a,b\nu,1,0\n"})
    flat = cli("entropy", "-i", str(tmp_path / "d" / "*.csv"), "-o", "plain")
    assert flat.code == 0, flat.err
    assert len(flat.lines()) == 4
    deep = cli("entropy", "-i", str(tmp_path / "d" / "**" / "*.csv"), "-o", "csv")
    assert deep.code == 0, deep.err
    assert [r.split(",")[0] for r in deep.lines()[1:]] == ["x", "y", "z", "w", "u"]
    # A directory is read recursively, too.
    whole = cli("entropy", "-i", str(tmp_path / "d"), "-o", "csv")
    assert whole.out == deep.out


def test_late_bad_row_names_partition_and_line_and_keeps_earlier_rows(cli, tmp_path) -> None:
    write_parts(tmp_path / "p", {"part-1.csv": "a,b\n0.5,0.5\n", "part-2.csv": "a,b\n0.9,0.1\n0.3,0.6\n1,0\n"})
    r = cli("entropy", "-i", str(tmp_path / "p"), "-o", "plain")
    assert r.code == 2
    assert len(r.lines()) == 2  # part-1's row and part-2's first row were written
    assert f"partition {tmp_path / 'p' / 'part-2.csv'}, row 2 (line 3)" in r.err
    assert "hint:" in r.err and "Traceback" not in r.err
    skipped = cli("entropy", "-i", str(tmp_path / "p"), "-o", "csv", "--skip-invalid", "--row-number")
    assert skipped.code == 1
    assert [r.split(",")[0] for r in skipped.lines()[1:]] == ["1", "2", "4"]  # rows numbered through the dataset
    assert "skipped 1 invalid row(s)" in skipped.err


def test_unparseable_line_in_a_later_partition(cli, tmp_path) -> None:
    write_parts(tmp_path / "p", {"part-1.csv": "0.5,0.5\n", "part-2.csv": "0.5,0.5\n0.5,x\n"})
    r = cli("entropy", "-i", str(tmp_path / "p"), "-o", "plain")
    assert r.code == 2
    assert r.floats() == [math.log(2), math.log(2)]
    assert f"{tmp_path / 'p' / 'part-2.csv'}: line 2" in r.err


def test_partitions_with_other_outcomes_or_keys(cli, tmp_path) -> None:
    write_parts(tmp_path / "p", {"part-1.csv": "a,b\n0.5,0.5\n", "part-2.csv": "a,c\n0.5,0.5\n"})
    r = cli("entropy", "-i", str(tmp_path / "p"), "-o", "plain")
    assert r.code == 2
    assert "part-2.csv names other outcomes than the first partition (its own: 'c'; missing: 'b')" in r.err
    assert r.floats() == [math.log(2)]  # the first partition's rows are out before the second is opened
    write_parts(tmp_path / "q", {"part-1.csv": "id,a,b\nx,0.5,0.5\n", "part-2.csv": "a,b\n0.5,0.5\n"})
    r = cli("entropy", "-i", str(tmp_path / "q"), "-o", "plain")
    assert r.code == 2 and "carries the key column(s)" in r.err


def test_empty_and_mixed_datasets(cli, tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    r = cli("entropy", "-i", str(tmp_path / "empty"))
    assert r.code == 2 and "holds no data files" in r.err
    r = cli("entropy", "-i", str(tmp_path / "nothing-*.csv"))
    assert r.code == 2 and "no file matches" in r.err
    write_parts(tmp_path / "mixed", {"a.csv": "0.5,0.5\n", "b.jsonl": "[0.5,0.5]\n"})
    r = cli("entropy", "-i", str(tmp_path / "mixed"))
    assert r.code == 2 and "mix formats (csv, jsonl)" in r.err


def test_dataset_parts_ignores_hidden_directories(tmp_path) -> None:
    write_parts(tmp_path, {"a.csv": "1\n", ".hidden/b.csv": "1\n", "_temporary/c.csv": "1\n"})
    os.mkfifo(tmp_path / "fifo.csv")  # not a regular file: opening it would wait for a writer
    assert dataset_parts(str(tmp_path)) == [str(tmp_path / "a.csv")]
    assert dataset_parts(str(tmp_path / "a.csv")) is None


def test_two_datasets_pair_row_by_row(cli, tmp_path) -> None:
    write_parts(tmp_path / "p", {"part-1.csv": "a,b\n0.5,0.5\n0.9,0.1\n", "part-2.csv": "a,b\n0.2,0.8\n"})
    write_parts(tmp_path / "q", {"part-1.csv": "b,a\n0.5,0.5\n", "part-2.csv": "b,a\n0.5,0.5\n0.5,0.5\n"})
    r = cli("kl", "-p", str(tmp_path / "p"), "-q", str(tmp_path / "q"), "-o", "plain")
    assert r.code == 0, r.err
    p = np.array([[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    expected = np.sum(p * np.log(p / 0.5), axis=1)  # KL(p || uniform) = sum p log(p / 0.5)
    np.testing.assert_allclose(r.floats(), expected, rtol=1e-14, atol=1e-16)


def test_jsonl_and_parquet_datasets(cli, tmp_path) -> None:
    write_parts(tmp_path / "j", {"0.jsonl": '{"id": "x", "p": [0.5, 0.5]}\n', "1.jsonl": '{"id": "y", "p": [1, 0]}\n'})
    r = cli("entropy", "-i", str(tmp_path / "j"), "-o", "csv")
    assert r.code == 0, r.err
    assert [line.split(",")[:2] for line in r.lines()[1:]] == [["x", repr(math.log(2))], ["y", "0.0"]]
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    (tmp_path / "pq").mkdir()
    for k, (ids, a) in enumerate([(["x", "y"], [0.5, 0.9]), (["z"], [0.2])]):
        table = pa.table({"id": ids, "a": a, "b": [1 - v for v in a]})
        pq.write_table(table, tmp_path / "pq" / f"part-{k}.parquet")
    r = cli("entropy", "-i", str(tmp_path / "pq"), "-o", "csv", "--row-number")
    assert r.code == 0, r.err
    assert [line.split(",")[:2] for line in r.lines()[1:]] == [["1", "x"], ["2", "y"], ["3", "z"]]


def test_fsspec_urls(cli, tmp_path) -> None:
    fsspec = pytest.importorskip("fsspec")
    memory = fsspec.filesystem("memory")
    memory.pipe("/entcli-test/part-1.csv", b"a,b\n0.5,0.5\n")
    memory.pipe("/entcli-test/part-2.csv", b"a,b\n1,0\n")
    try:
        r = cli("entropy", "-i", "memory://entcli-test", "-o", "plain")
        assert r.code == 0, r.err
        assert r.floats() == [math.log(2), 0.0]
        one = cli("entropy", "-i", "memory://entcli-test/part-2.csv", "-o", "plain")
        assert one.floats() == [0.0]
        missing = cli("entropy", "-i", "memory://entcli-test/nope.csv")
        assert missing.code == 2 and "no such file" in missing.err
    finally:
        memory.rm("/entcli-test", recursive=True)
    write_parts(tmp_path / "p", PARTS)
    local = cli("entropy", "-i", f"file://{tmp_path / 'p'}/*.csv", "-o", "plain")
    assert local.code == 0, local.err
    assert len(local.lines()) == 4
    unknown = cli("entropy", "-i", "nosuchprotocol://x/a.csv")
    assert unknown.code == 2 and "cannot open" in unknown.err


def test_a_file_whose_name_has_glob_characters_is_a_file(cli, tmp_path) -> None:
    path = tmp_path / "odd[1].csv"
    path.write_text("0.5,0.5\n")
    r = cli("entropy", "-i", str(path), "-o", "plain")
    assert r.code == 0, r.err
    assert r.floats() == [math.log(2)]
    assert os.path.exists(path)


def test_partitions_of_another_width_without_names(cli, tmp_path):
    write_parts(tmp_path / "p", {"a.csv": "0.5,0.5\n", "b.csv": "0.2,0.3,0.5\n"})
    r = cli("entropy", "-i", str(tmp_path / "p"), "-o", "plain")
    assert r.code == 2
    assert r.floats() == [math.log(2)]  # the first partition's row is out first
    assert "partition" in r.err and "b.csv has rows of 3 values, the first partition's have 2" in r.err


def test_empty_partitions_add_no_rows(cli, tmp_path):
    """Spark writes empty parts and parts with a header alone: they are partitions with no rows, not errors."""
    write_parts(tmp_path / "p", {"part-0.csv": "", "part-1.csv": "a,b\n", "part-2.csv": "a,b\n0.5,0.5\n",
                                 "part-3.csv": "", "part-4.csv": "b,a\n1,0\n"})
    r = cli("entropy", "-i", str(tmp_path / "p"), "-o", "csv", "--row-number")
    assert r.code == 0, r.err
    assert [line.split(",")[:2] for line in r.lines()[1:]] == [["1", repr(math.log(2))], ["2", "0.0"]]
    write_parts(tmp_path / "none", {"a.csv": "", "b.csv": "a,b\n"})
    r = cli("entropy", "-i", str(tmp_path / "none"))
    assert r.code == 2 and "no rows to read in any of its 2 partition(s)" in r.err


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(1, 40), k=st.integers(1, 5), cuts=st.lists(st.integers(0, 40), max_size=5),
       orders=st.lists(st.permutations(range(5)), min_size=6, max_size=6), seed=st.integers(0, 2**31),
       q_cuts=st.lists(st.integers(0, 40), max_size=3))
def test_any_partitioning_is_the_whole_table(cli, tmp_path_factory, n, k, cuts, orders, seed, q_cuts):
    """However a table is cut into partitions and whatever column order each partition has, the dataset reads as
    the table: entropy's CSV output (row numbers and ids too) and kl of two datasets cut differently are those of
    the single files. Empty partitions (a header alone) included."""
    root = tmp_path_factory.mktemp("split")
    rng = np.random.default_rng(seed)
    p, q = rng.dirichlet(np.ones(k), n), rng.dirichlet(np.ones(k), n)
    names = [f"c{j}" for j in range(k)]

    def write(directory, rows, cut_at, with_ids):
        directory.mkdir()
        bounds = [0, *sorted(min(c, n) for c in cut_at), n]
        for part, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)):
            order = [j for j in orders[part % len(orders)] if j < k]
            head = (["id"] if with_ids else []) + [names[j] for j in order]
            body = [([f"r{i}"] if with_ids else []) + [repr(float(rows[i, j])) for j in order] for i in range(a, b)]
            (directory / f"part-{part}.csv").write_text("\n".join(",".join(r) for r in [head, *body]) + "\n")
        # The dataset's outcomes are in the order of its first partition with rows (sums run in that order).
        first = next(part for part, (a, b) in enumerate(zip(bounds, bounds[1:], strict=False)) if b > a)
        order = [j for j in orders[first % len(orders)] if j < k]
        whole = ["id,"[: 3 * with_ids] + ",".join(names[j] for j in order)] + [
            (f"r{i}," if with_ids else "") + ",".join(repr(float(rows[i, j])) for j in order) for i in range(n)]
        (root / f"{directory.name}.csv").write_text("\n".join(whole) + "\n")

    write(root / "p", p, cuts, True)
    write(root / "q", q, q_cuts, False)
    whole = cli("entropy", "-i", str(root / "p.csv"), "-o", "csv", "--row-number")
    parts = cli("entropy", "-i", str(root / "p"), "-o", "csv", "--row-number")
    assert (parts.code, parts.out) == (whole.code, whole.out), parts.err
    whole = cli("kl", "-p", str(root / "p.csv"), "-q", str(root / "q.csv"), "-o", "csv", "--keep", "none")
    parts = cli("kl", "-p", str(root / "p"), "-q", str(root / "q"), "-o", "csv", "--keep", "none")
    assert (parts.code, parts.out) == (whole.code, whole.out), parts.err
