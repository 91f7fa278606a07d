"""Real tables: outcomes matched by name, column roles, keys carried to the output, labels and joins by key.

Every format that names its columns (CSV, TSV, whitespace text with a header, JSON, JSON Lines, Parquet, Arrow)
and both text readers (the ``both_readers`` fixture: NumPy's, and pyarrow's on every chunk).
"""

from __future__ import annotations

import csv
import io
import json
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import special

pytestmark = pytest.mark.usefixtures("both_readers")

FORMATS = ["csv", "tsv", "txt", "json", "jsonl", "parquet", "arrow"]
try:
    import pyarrow  # noqa: F401

    NAMED = ["csv", "tsv", "txt", "json", "jsonl", "parquet", "arrow"]
except ImportError:  # the fast extra is not installed: the columnar formats are tested where it is
    NAMED = ["csv", "tsv", "txt", "json", "jsonl"]


def write_table(path_base, fmt: str, columns: dict[str, list]) -> str:
    """Write ``columns`` (name -> values, in order) as a table in ``fmt``; return the path."""
    path = f"{path_base}.{fmt}"
    names = list(columns)
    n = len(next(iter(columns.values())))
    rows = [[columns[c][i] for c in names] for i in range(n)]
    if fmt in ("csv", "tsv", "txt"):
        buf = io.StringIO()
        if fmt == "txt":
            buf.write(" ".join(names) + "\n")
            for row in rows:
                buf.write(" ".join(v if isinstance(v, str) else repr(float(v)) for v in row) + "\n")
        else:
            writer = csv.writer(buf, delimiter="," if fmt == "csv" else "\t", lineterminator="\n")
            writer.writerow(names)
            writer.writerows([[v if isinstance(v, str) else repr(float(v)) for v in row] for row in rows])
        with open(path, "w") as f:
            f.write(buf.getvalue())
    elif fmt in ("json", "jsonl"):
        objects = [dict(zip(names, row, strict=True)) for row in rows]
        with open(path, "w") as f:
            if fmt == "json":
                json.dump(objects, f)
            else:
                f.write("".join(json.dumps(o) + "\n" for o in objects))
    else:
        pa = pytest.importorskip("pyarrow")
        table = pa.table({c: columns[c] for c in names})
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, path)
        else:
            import pyarrow.feather as feather

            feather.write_feather(table, path)
    return path


def records(r) -> list[dict]:
    assert r.code == 0, r.err
    return [json.loads(line) for line in r.lines()]


# --------------------------------------------------------------------------- the cases the issue quotes


def test_json_lines_with_keys_in_another_order_give_kl_zero(cli, tmp_path):
    (tmp_path / "p.jsonl").write_text('{"cat":0.9,"dog":0.1}\n')
    (tmp_path / "q.jsonl").write_text('{"dog":0.1,"cat":0.9}\n')
    r = cli("kl", "-p", str(tmp_path / "p.jsonl"), "-q", str(tmp_path / "q.jsonl"))
    assert r.code == 0 and r.floats() == [0.0]  # was 1.7577796618689758 when matched by position


def test_csv_headers_in_another_order_give_kl_zero(cli, tmp_path):
    (tmp_path / "p.csv").write_text("cat,dog\n0.9,0.1\n")
    (tmp_path / "q.csv").write_text("dog,cat\n0.1,0.9\n")
    r = cli("kl", "-p", str(tmp_path / "p.csv"), "-q", str(tmp_path / "q.csv"))
    assert r.code == 0 and r.floats() == [0.0]


def test_json_lines_rows_are_aligned_by_key_with_the_first_row(cli):
    r = cli("entropy", "-o", "jsonl", "--detail", stdin='{"a":0.9,"b":0.1}\n{"b":0.9,"a":0.1}\n')
    first, second = records(r)
    assert first["p"] == [0.9, 0.1] and second["p"] == [0.1, 0.9]  # second row reordered to a, b


def test_a_json_lines_row_with_other_keys_is_an_error_naming_its_line(cli):
    r = cli("entropy", "-o", "csv", stdin='{"a":0.9,"b":0.1}\n{"a":0.5,"c":0.5}\n')
    assert r.code == 2 and "line 2" in r.err and "--fill 0" in r.err
    assert r.out.count("\n") == 2  # header + the good first row, written before the error


@pytest.mark.parametrize("text, header, data", [("a,b,c\n0.5,0.5\n", 3, 2), ("a,b\n0.2,0.3,0.5\n", 2, 3)])
def test_a_header_of_another_width_is_an_error(cli, text, header, data):
    r = cli("entropy", stdin=text)
    assert r.code == 2 and f"names {header} columns but line 2 has {data} fields" in r.err and "hint:" in r.err


def test_an_id_column_is_skipped_by_columns_and_carried(cli):
    r = cli("entropy", "--columns", "cat,dog,bird", "-o", "jsonl", stdin="id,cat,dog,bird\na1,0.2,0.8,0\n")
    (obj,) = records(r)
    assert obj["id"] == "a1" and obj["k"] == 3
    assert obj["entropy"] == pytest.approx(-(0.2 * math.log(0.2) + 0.8 * math.log(0.8)), rel=1e-15)


def test_a_json_object_with_an_id_and_columns(cli):
    r = cli("entropy", "--columns", "cat,dog", "-o", "jsonl", stdin='{"id":"a","cat":0.2,"dog":0.8}\n')
    (obj,) = records(r)
    assert obj["id"] == "a" and obj["k"] == 2


@pytest.mark.parametrize("field", ["p", "probs", "probabilities"])
def test_distribution_fields_are_recognised(cli, field):
    r = cli("entropy", "-o", "jsonl", "--explain", stdin=json.dumps({"id": 7, field: [0.5, 0.5]}) + "\n")
    (obj,) = records(r)
    assert obj["id"] == 7 and obj["entropy"] == math.log(2)  # a numeric key stays a JSON number
    assert f"distribution from the JSON field '{field}'" in r.err


def test_a_logits_field_is_read_as_logits(cli):
    r = cli("softmax", "-o", "jsonl", stdin='{"id":"x","logits":[0, 0, 0]}\n')
    (obj,) = records(r)
    assert obj["id"] == "x" and obj["p"] == pytest.approx([1 / 3] * 3, rel=1e-15)


def test_field_picks_a_nested_distribution(cli):
    rows = [{"id": "a", "output": {"probs": {"cat": 0.25, "dog": 0.75}}, "meta": [1, 2]},
            {"id": "b", "output": {"probs": {"dog": 0.5, "cat": 0.5}}, "meta": [3]}]
    r = cli("entropy", "--field", "output.probs", "--detail", "-o", "jsonl",
            stdin="".join(json.dumps(o) + "\n" for o in rows))
    a, b = records(r)
    assert (a["id"], a["p"], b["id"], b["p"]) == ("a", [0.25, 0.75], "b", [0.5, 0.5])
    assert "meta" not in a  # arrays and objects are not keys, only scalars


def test_a_missing_field_is_an_error_naming_the_line(cli):
    r = cli("entropy", "--field", "output.probs", stdin='{"output":{"probs":[1]}}\n{"output":{}}\n')
    assert r.code == 2 and "line 2: no field 'output.probs'" in r.err


# --------------------------------------------------------------------------- column roles


@pytest.mark.parametrize("fmt", FORMATS)
def test_keys_are_carried_first_in_every_format(cli, tmp_path, fmt):
    path = write_table(tmp_path / "t", fmt, {"id": ["a1", "b,2" if fmt not in ("txt",) else "b2", "c3"],
                                             "cat": [0.2, 0.5, 1.0], "dog": [0.8, 0.5, 0.0]})
    r = cli("entropy", "-i", path, "-o", "csv", "--row-number")
    assert r.code == 0, r.err
    table = list(csv.reader(io.StringIO(r.out)))
    assert table[0][:3] == ["row", "id", "entropy"]
    assert [row[1] for row in table[1:]] == ["a1", "b,2" if fmt != "txt" else "b2", "c3"]
    assert [row[0] for row in table[1:]] == ["1", "2", "3"]
    assert float(table[3][2]) == 0.0


@pytest.mark.parametrize("out", ["csv", "tsv", "json", "jsonl", "table", "plain"])
def test_keys_in_every_output_format(cli, out):
    text = 'id,cat,dog\n"say ""hi""",0.5,0.5\nx\ty,1,0\n'
    r = cli("entropy", "-o", out, stdin=text)
    assert r.code == 0, r.err
    if out == "plain":
        assert r.floats() == [math.log(2), 0.0]  # one primary result per line: no keys
    elif out in ("csv", "tsv"):
        rows = list(csv.reader(io.StringIO(r.out), delimiter="," if out == "csv" else "\t"))
        assert [row[0] for row in rows] == ["id", 'say "hi"', "x\ty"]
    elif out == "json":
        assert [o["id"] for o in json.loads(r.out)] == ['say "hi"', "x\ty"]
    elif out == "jsonl":
        assert [o["id"] for o in records(r)] == ['say "hi"', "x\ty"]
    else:
        assert 'say "hi"' in r.out and "id" in r.out


def test_spec_numbers_ranges_globs_and_forced_forms(cli):
    text = "id,p_1,p_2,p_3,score\nr1,0.2,0.3,0.5,9\n"
    for spec in ("p_1,p_2,p_3", "2-4", "p_*", "#2-#4", "=p_1,=p_2,=p_3", "p_[1-3]"):
        r = cli("entropy", "--columns", spec, "-o", "jsonl", stdin=text)
        (obj,) = records(r)
        assert obj["k"] == 3 and obj["id"] == "r1" and "score" not in obj, spec
    r = cli("entropy", "--exclude", "score", "-o", "jsonl", stdin=text)
    assert records(r)[0]["k"] == 3
    r = cli("entropy", "--exclude", "score", "--keep", "all", "-o", "jsonl", stdin=text)
    (obj,) = records(r)
    assert obj["score"] == "9" and obj["id"] == "r1"  # a kept column is written as it was read
    r = cli("entropy", "--exclude", "score", "--keep", "none", "-o", "jsonl", stdin=text)
    assert "id" not in records(r)[0]
    r = cli("entropy", "--keep", "score", "-o", "jsonl", stdin=text)
    (obj,) = records(r)
    assert obj["score"] == "9" and "id" not in obj and obj["k"] == 3


def test_the_order_of_columns_is_the_order_asked(cli):
    r = cli("entropy", "--columns", "c,a", "--detail", "-o", "jsonl", stdin="a,b,c\n0.25,0,0.75\n")
    assert records(r)[0]["p"] == [0.75, 0.25]


@pytest.mark.parametrize("spec, message", [
    ("1", "'1' is both the name of column 3 and the number of column 1"),
    ("zebra", "no column 'zebra'"),
    ("9", "out of range"),
    ("q_*", "no column matches 'q_*'"),
    (",", "--columns names no column"),
])
def test_spec_errors(cli, spec, message):
    r = cli("entropy", "--columns", spec, stdin=",0,1\nx,0.5,0.5\n")
    assert r.code == 2 and message in r.err and "hint:" in r.err


def test_a_pandas_header_is_read_with_forced_forms(cli):
    text = ",0,1\nx,0.5,0.5\n"
    r = cli("entropy", "-o", "jsonl", stdin=text)  # the index column (text) is a key; 0 and 1 are outcomes
    assert records(r)[0] == {"": "x", "entropy": math.log(2), "unit": "nats", "k": 2, "support": 2,
                             "max_entropy": math.log(2), "normalized": 1.0, "perplexity": 2.0}
    assert records(cli("entropy", "--columns", "=0,=1", "-o", "jsonl", stdin=text))[0]["k"] == 2
    assert records(cli("entropy", "--columns", "#2-3", "-o", "jsonl", stdin=text))[0]["k"] == 2


def test_a_numeric_header_needs_header(cli):
    r = cli("entropy", "--header", "-o", "jsonl", "--detail", stdin="0,1,2\n0.2,0.3,0.5\n")
    (obj,) = records(r)
    assert obj["p"] == [0.2, 0.3, 0.5]
    r = cli("entropy", stdin="0,1,2\n0.2,0.3,0.5\n")  # read as data: row 1 sums to 3
    assert r.code == 2 and "row 1" in r.err


@pytest.mark.parametrize("text, line", [("0.5,0.5\n0.5,x\n", 2), ("a,b\n0.5,0.5\n", 1)])
def test_not_a_number_in_the_first_lines_hints_at_header(cli, text, line):
    r = cli("entropy", *(["--no-header"] if line == 1 else []), stdin=text)
    assert r.code == 2 and f"line {line}" in r.err and "--header" in r.err and "--no-header" in r.err


def test_text_between_number_columns_is_a_question_not_a_key(cli):
    r = cli("entropy", "--logits", stdin="a,b,c\n1,oops,2\n")
    assert r.code == 2 and "column 2 ('b') holds text in the first row" in r.err and "--keep b" in r.err
    r = cli("entropy", "--logits", "--keep", "b", "-o", "jsonl", stdin="a,b,c\n1,oops,2\n")
    assert records(r)[0]["b"] == "oops" and records(r)[0]["k"] == 2


def test_columns_that_are_not_outcomes_are_never_parsed(cli):
    # 'notes' holds text in row 2 only: excluded, it is never read as a number.
    r = cli("entropy", "--exclude", "notes", "-o", "csv", stdin="id,a,b,notes\nr1,0.5,0.5,1\nr2,1,0,n/a\n")
    assert r.code == 0 and r.out.splitlines()[1].startswith("r1,")


def test_a_key_named_like_a_result_field_is_an_error(cli):
    r = cli("entropy", "-o", "csv", stdin="entropy,a,b\nx,0.5,0.5\n")
    assert r.code == 2 and "'entropy' has the name of a result field" in r.err and "--keep none" in r.err
    r = cli("entropy", "-o", "csv", "--row-number", stdin="row,a,b\nx,0.5,0.5\n")
    assert r.code == 2 and "'row'" in r.err


@given(st.data())
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_keys_survive_skip_invalid_unchanged_and_in_order(cli, data):
    n = data.draw(st.integers(1, 12))
    ids = data.draw(st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\r\n\x1f\"#"),
                                     min_size=1, max_size=6).filter(lambda s: s.strip() == s and not _numeric(s)),
                             min_size=n, max_size=n))
    valid = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    fmt = data.draw(st.sampled_from(["csv", "jsonl"]))
    rows = [[0.25, 0.75] if ok else [0.5, 0.9] for ok in valid]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["id", "a", "b"])
        writer.writerows([[i, *map(repr, row)] for i, row in zip(ids, rows, strict=True)])
        text = buf.getvalue()
    else:
        text = "".join(json.dumps({"id": i, "a": row[0], "b": row[1]}) + "\n" for i, row in zip(ids, rows, strict=True))
    r = cli("entropy", "--skip-invalid", "-o", "jsonl", stdin=text)
    assert r.code == (0 if all(valid) else 1), r.err
    got = [json.loads(line)["id"] for line in r.out.split("\n") if line]  # "\n" only: ids may hold U+2028
    assert len(r.out.splitlines()) == len(got)  # and unicode line breaks are escaped, so no reader splits a record
    assert got == [i for i, ok in zip(ids, valid, strict=True) if ok]


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --------------------------------------------------------------------------- names beat positions


@given(st.data())
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_permuting_the_columns_of_one_input_never_changes_a_result(cli, tmp_path_factory, data):
    k = data.draw(st.integers(2, 6))
    n = data.draw(st.integers(1, 4))
    fmt = data.draw(st.sampled_from(NAMED))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    p, q = rng.dirichlet(np.ones(k), n), rng.dirichlet(np.ones(k), n)
    names = [f"c{j}" for j in range(k)]
    order = data.draw(st.permutations(range(k)))
    base = tmp_path_factory.mktemp("perm")
    ids = {"id": [f"r{i}" for i in range(n)]}
    p_path = write_table(base / "p", fmt, {**ids, **{c: p[:, j] for j, c in enumerate(names)}})
    q_plain = write_table(base / "q", fmt, {c: q[:, j] for j, c in enumerate(names)})
    q_perm = write_table(base / "qperm", fmt, {names[j]: q[:, j] for j in order})
    same = cli("kl", "-p", p_path, "-q", q_plain, "-o", "jsonl")
    permuted = cli("kl", "-p", p_path, "-q", q_perm, "-o", "jsonl")
    assert records(same) == records(permuted)  # exactly: q's columns are put back in p's order
    kl = np.sum(special.rel_entr(p, q), axis=1)
    assert [o["kl"] for o in records(same)] == pytest.approx(kl.tolist(), rel=1e-12, abs=1e-15)
    # The input of a one-input command permuted: the scalar results agree to rounding.
    p_perm = write_table(base / "pperm", fmt, {names[j]: p[:, j] for j in order})
    a = records(cli("entropy", "-i", p_path, "-o", "jsonl", "--keep", "none"))
    b = records(cli("entropy", "-i", p_perm, "-o", "jsonl"))
    assert [o["entropy"] for o in a] == pytest.approx([o["entropy"] for o in b], rel=1e-13, abs=1e-15)


def test_different_names_are_an_error_listing_each_side(cli):
    r = cli("kl", "-p", "cat=0.9,dog=0.1", "-q", "dog=0.1,bird=0.9")
    assert r.code == 2 and "only in -p (-p values): cat" in r.err and "only in -q (-q values): bird" in r.err
    assert "--fill 0" in r.err


def test_fill_zero_takes_the_union(cli):
    r = cli("kl", "-p", "cat=0.9,dog=0.1", "-q", "dog=0.5,bird=0.5", "--fill", "0", "-o", "jsonl", "--js")
    (obj,) = records(r)
    # p = (0.9, 0.1, 0), q = (0, 0.5, 0.5) over (cat, dog, bird): KL is infinite, JS is finite.
    p, q = np.array([0.9, 0.1, 0]), np.array([0, 0.5, 0.5])
    m = (p + q) / 2
    js = 0.5 * np.sum(special.rel_entr(p, m)) + 0.5 * np.sum(special.rel_entr(q, m))
    assert obj["kl"] is None and obj["nonfinite"]["kl"] == "inf"
    assert obj["js_divergence"] == pytest.approx(js, rel=1e-14)
    assert r.code == 0
    r = cli("kl", "-p", "cat=0.9,dog=0.1", "-q", "a=1", "--fill", "1")
    assert r.code == 2 and "--fill takes 0" in r.err


def test_fill_zero_for_logits_is_minus_infinity(cli):
    r = cli("kl", "--logits", "-p", "cat=0,dog=0", "-q", "cat=0,dog=0,bird=5", "--fill", "0", "-o", "jsonl")
    (obj,) = records(r)
    # p = softmax(0, 0, -inf) = (1/2, 1/2, 0); q = softmax(0, 0, 5): KL = log(1/2) - log(1/(2 + e^5)).
    assert obj["kl"] == pytest.approx(math.log((2 + math.exp(5)) / 2), rel=1e-14)


def test_json_lines_top_k_rows_with_fill(cli):
    text = '{"cat":0.9,"dog":0.1}\n{"bird":0.7,"cat":0.3}\n'
    r = cli("entropy", "--fill", "0", "--detail", "-o", "jsonl", stdin=text)
    a, b = records(r)
    assert a["p"] == [0.9, 0.1, 0.0] and b["p"] == [0.3, 0.0, 0.7]  # over cat, dog, bird


def test_one_named_side_is_paired_by_position_and_explained(cli):
    r = cli("kl", "-p", "cat=0.9,dog=0.1", "-q", "0.9,0.1", "--explain")
    assert r.code == 0 and r.floats() == [0.0] and "paired by position: only -p names its outcomes" in r.err


def test_duplicate_names_cannot_be_paired(cli, tmp_path):
    (tmp_path / "p.csv").write_text("a,a\n0.5,0.5\n")
    (tmp_path / "q.csv").write_text("a,b\n0.5,0.5\n")
    r = cli("kl", "-p", str(tmp_path / "p.csv"), "-q", str(tmp_path / "q.csv"))
    assert r.code == 2 and "'a' twice" in r.err


def test_soft_targets_of_xent_are_aligned_by_name(cli):
    r = cli("xent", "-p", "dog=0,cat=1", "-q", "cat=0.25,dog=0.75")
    assert r.code == 0 and r.floats() == pytest.approx([-math.log(0.25)], rel=1e-15)


def test_teacher_rows_are_aligned_by_name(cli, tmp_path):
    (tmp_path / "z.csv").write_text("a,b,c\n1,2,3\n")
    (tmp_path / "t.csv").write_text("c,a,b\n3,1,2\n")
    r = cli("grad", "--of", "kd", "-i", str(tmp_path / "z.csv"), "--teacher", str(tmp_path / "t.csv"), "-o", "jsonl")
    (obj,) = records(r)
    assert obj["loss"] == pytest.approx(obj["entropy"], rel=1e-14)  # the same distribution: H(p, p) = H(p)
    assert obj["grad"] == pytest.approx([0, 0, 0], abs=1e-15)


def test_class_weights_by_name(cli):
    by_name = cli("xent", "-q", "cat=0.7,dog=0.2,bird=0.1", "--target", "0", "--weight", "bird=1,cat=2,dog=1")
    assert by_name.code == 0 and by_name.floats() == pytest.approx([-2 * math.log(0.7)], rel=1e-15)
    r = cli("xent", "-q", "cat=0.7,dog=0.3", "--target", "0", "--weight", "cat=1,cow=1")
    assert r.code == 2 and "--weight names outcomes" in r.err


# --------------------------------------------------------------------------- labels in the same file


LOG = "id,label,cat,dog,bird\na1,cat,0.7,0.2,0.1\na2,2,0.1,0.1,0.8\na3,dog,0.3,0.6,0.1\n"


def test_target_column_by_name_and_by_index(cli, tmp_path):
    (tmp_path / "log.csv").write_text(LOG)
    r = cli("xent", "-q", str(tmp_path / "log.csv"), "--target-column", "label", "-o", "jsonl")
    got = records(r)
    assert [(o["id"], o["label"]) for o in got] == [("a1", "cat"), ("a2", "2"), ("a3", "dog")]
    assert [o["cross_entropy"] for o in got] == pytest.approx([-math.log(0.7), -math.log(0.8), -math.log(0.6)],
                                                               rel=1e-15)
    mean = cli("xent", "-q", str(tmp_path / "log.csv"), "--target-column", "label", "--reduction", "mean")
    assert mean.floats() == pytest.approx([-(math.log(0.7) + math.log(0.8) + math.log(0.6)) / 3], rel=1e-15)


def test_an_unknown_label_names_its_row(cli, tmp_path):
    (tmp_path / "log.csv").write_text(LOG + "a4,cow,0.5,0.25,0.25\n")
    r = cli("xent", "-q", str(tmp_path / "log.csv"), "--target-column", "label", "-o", "csv")
    assert r.code == 2 and "row 4 (line 5)" in r.err and "'cow'" in r.err
    assert len(r.lines()) == 4  # the three rows before it are written
    r = cli("xent", "-q", str(tmp_path / "log.csv"), "--target-column", "label", "--skip-invalid", "-o", "csv")
    assert r.code == 1 and len(r.lines()) == 4 and "skipped" in r.err


def test_target_names_on_the_command_line(cli):
    r = cli("xent", "-q", "cat=0.7,dog=0.3", "--target", "dog")
    assert r.code == 0 and r.floats() == pytest.approx([-math.log(0.3)], rel=1e-15)


def test_grad_and_simulate_take_a_target_column(cli, tmp_path):
    (tmp_path / "z.csv").write_text("id,label,cat,dog\nr1,dog,0,0\n")
    r = cli("grad", "--of", "xent", "-i", str(tmp_path / "z.csv"), "--target-column", "label", "-o", "jsonl")
    (obj,) = records(r)
    assert obj["id"] == "r1" and obj["grad"] == [0.5, -0.5]  # softmax(z) - onehot(dog)
    r = cli("grad", "--of", "xent", "-i", str(tmp_path / "z.csv"), "--target", "cat", "-o", "jsonl")
    assert records(r)[0]["grad"] == [-0.5, 0.5]
    r = cli("grad", "--of", "xent", "--target-column", "label", "-o", "jsonl", stdin="label,a,b\n1,0,0\n")
    assert records(r)[0]["grad"] == [0.5, -0.5]  # from stdin; the label 1 is an index
    r = cli("grad", "--of", "xent", "--target-column", "label", "1", "2")
    assert r.code == 2 and "the input has no such column" in r.err
    r = cli("grad", "--of", "xent", "--target", "cow", "-i", str(tmp_path / "z.csv"))
    assert r.code == 2
    assert "--target cow: not a file, a number or an outcome name" in r.err
    r = cli("simulate", "--objective", "xent", "-i", str(tmp_path / "z.csv"), "--target-column", "label",
            "--steps", "2", "-o", "jsonl")
    steps = records(r)
    assert [o["id"] for o in steps] == ["r1"] * 3 and steps[-1]["p"][1] > steps[0]["p"][1]


# --------------------------------------------------------------------------- joining two files by key


BASE = "id,cat,dog\na1,0.2,0.8\na2,0.5,0.5\na3,0.9,0.1\n"
TODAY = "id,dog,cat\na3,0.1,0.9\na1,0.8,0.2\na2,0.5,0.5\n"


def test_on_pairs_rows_by_key(cli, tmp_path):
    (tmp_path / "base.csv").write_text(BASE)
    (tmp_path / "today.csv").write_text(TODAY)
    r = cli("kl", "-p", str(tmp_path / "base.csv"), "-q", str(tmp_path / "today.csv"), "--on", "id", "-o", "jsonl")
    got = records(r)
    assert [(o["id"], o["kl"]) for o in got] == [("a1", 0.0), ("a2", 0.0), ("a3", 0.0)]
    r = cli("xent", "-p", str(tmp_path / "base.csv"), "-q", str(tmp_path / "today.csv"), "--on", "id", "-o", "jsonl")
    assert [o["kl"] for o in records(r)] == [0.0, 0.0, 0.0]


def test_on_with_a_numeric_key_column(cli, tmp_path):
    # Numeric ids are not keys by default (they read as numbers); --on reads them as the join key, in kl and xent.
    (tmp_path / "p.csv").write_text("id,cat,dog\n1,0.2,0.8\n2,0.5,0.5\n")
    (tmp_path / "q.csv").write_text("id,dog,cat\n2,0.5,0.5\n1,0.8,0.2\n")
    for command in ("kl", "xent"):
        got = records(cli(command, "-p", str(tmp_path / "p.csv"), "-q", str(tmp_path / "q.csv"), "--on", "id",
                          "-o", "jsonl"))
        assert [(o["id"], o["kl"]) for o in got] == [("1", 0.0), ("2", 0.0)], command


def test_without_on_disagreeing_keys_warn_once(cli, tmp_path):
    (tmp_path / "base.csv").write_text(BASE)
    (tmp_path / "today.csv").write_text(TODAY)
    r = cli("kl", "-p", str(tmp_path / "base.csv"), "-q", str(tmp_path / "today.csv"))
    assert r.code == 0 and r.err.count("warning:") == 1 and "--on id" in r.err and "'a1' vs 'a3'" in r.err


@pytest.mark.parametrize("today, message", [
    ("id,cat,dog\na1,0.5,0.5\na2,0.5,0.5\n", "row 3 (line 4): key 'a3' is not in -q"),
    ("id,cat,dog\na1,0.5,0.5\na2,0.5,0.5\na3,0.5,0.5\na9,0.5,0.5\n", "key(s) have no -p row: 'a9'"),
    ("id,cat,dog\na1,0.5,0.5\na1,0.5,0.5\na2,0.5,0.5\na3,0.5,0.5\n", "key 'a1' is in rows 1 and 2"),
])
def test_on_errors_name_the_key(cli, tmp_path, today, message):
    (tmp_path / "base.csv").write_text(BASE)
    (tmp_path / "today.csv").write_text(today)
    args = ("kl", "-p", str(tmp_path / "base.csv"), "-q", str(tmp_path / "today.csv"), "--on", "id")
    r = cli(*args)
    assert r.code == 2 and message in r.err
    r = cli(*args, "--skip-invalid", "-o", "csv")
    assert r.code == 1 and message in r.err and "skipped" in r.err


def test_on_needs_key_columns(cli, tmp_path):
    (tmp_path / "base.csv").write_text(BASE)
    r = cli("kl", "-p", str(tmp_path / "base.csv"), "-q", "0.5,0.5", "--on", "id")
    assert r.code == 2 and "--on column 'id' is not a key column" in r.err


def test_pairwise_carries_the_keys_of_both_sides(cli, tmp_path):
    (tmp_path / "base.csv").write_text(BASE)
    (tmp_path / "today.csv").write_text(TODAY)
    r = cli("kl", "-p", str(tmp_path / "base.csv"), "-q", str(tmp_path / "today.csv"), "--pairwise", "-o", "jsonl")
    got = records(r)
    assert len(got) == 9 and [(o["p_id"], o["q_id"]) for o in got[:3]] == [("a1", "a3"), ("a1", "a1"), ("a1", "a2")]
    assert got[1]["kl"] == 0.0


# --------------------------------------------------------------------------- columnar and binary inputs


def test_parquet_text_columns_are_keys_and_duplicate_names_an_error(cli, tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": ["x", "y"], "a": [0.25, 1.0], "b": [0.75, 0.0]}), tmp_path / "d.parquet")
    r = cli("entropy", "-i", str(tmp_path / "d.parquet"), "-o", "jsonl")
    assert [o["id"] for o in records(r)] == ["x", "y"]
    pq.write_table(pa.Table.from_arrays([pa.array([0.5]), pa.array([0.5])], names=["a", "a"]), tmp_path / "dup.parquet")
    r = cli("entropy", "-i", str(tmp_path / "dup.parquet"))
    assert r.code == 2 and "duplicate column name(s) 'a'" in r.err


def test_npy_columns_by_number(cli, tmp_path):
    np.save(tmp_path / "a.npy", np.array([[7.0, 0.5, 0.5], [8.0, 1.0, 0.0]]))
    r = cli("entropy", "-i", str(tmp_path / "a.npy"), "--columns", "2-3", "--keep", "1", "-o", "jsonl")
    got = records(r)
    assert [(o["column_1"], o["entropy"]) for o in got] == [(7.0, math.log(2)), (8.0, 0.0)]


def test_field_with_text_input_is_an_error(cli):
    r = cli("entropy", "--field", "probs", stdin="0.5,0.5\n")
    assert r.code == 2 and "--field picks a field of JSON objects" in r.err
    r = cli("entropy", "--field", "probs", stdin="[0.5,0.5]\n[1,0]\n")
    assert r.code == 2 and "the rows are arrays" in r.err


def test_wide_named_inputs_are_aligned_in_linear_time(cli, tmp_path):
    # 20 000 named outcomes, q's columns shuffled: aligned by name (a quadratic matcher takes minutes here).
    k = 20_000
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(k)).tolist()
    order = rng.permutation(k)
    (tmp_path / "p.csv").write_text(",".join(f"c{i}" for i in range(k)) + "\n" + ",".join(map(repr, p)) + "\n")
    shuffled = ",".join(f"c{i}" for i in order) + "\n" + ",".join(repr(p[i]) for i in order) + "\n"
    (tmp_path / "q.csv").write_text(shuffled)
    r = cli("kl", "-p", str(tmp_path / "p.csv"), "-q", str(tmp_path / "q.csv"))
    assert r.code == 0 and r.floats() == [0.0]
    r = cli("kl", "-p", str(tmp_path / "p.csv"), "-q", "a=1")
    assert r.code == 2 and "(20000 in all)" in r.err and len(r.err) < 1000  # names listed, not all of them
