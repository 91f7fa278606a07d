"""`entcli entropy` end to end: values, files, stdin, formats, units, checks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import stats

from tests.helpers import run_process

pytestmark = pytest.mark.usefixtures("both_readers")


def test_issue_examples(cli):
    r = cli("entropy", "--bits", "0.5", "0.5")
    assert (r.code, r.out, r.err) == (0, "1.0\n", "")
    assert cli("entropy", "0.33", "0.33", "0.34").out.startswith("1.0985")
    r = cli("entropy", "--bits", stdin="0.25,0.75\n0.5,0.5\n")
    assert r.floats() == pytest.approx([0.8112781244591328, 1.0], rel=1e-15)


@pytest.mark.parametrize("args", [["0.2", "0.3", "0.5"], ["0.2,0.3,0.5"], ["0.2 0.3 0.5"]])
def test_value_forms_are_the_same(cli, args):
    assert cli("entropy", *args).floats() == pytest.approx([stats.entropy([0.2, 0.3, 0.5])], rel=1e-15)


@pytest.mark.parametrize("flag, base", [("--bits", 2), ("--nats", math.e), ("--dits", 10)])
def test_unit_flags(cli, flag, base):
    r = cli("entropy", flag, "0.1", "0.2", "0.7", "-o", "json")
    obj = json.loads(r.out)[0]
    assert obj["entropy"] == pytest.approx(stats.entropy([0.1, 0.2, 0.7], base=base), rel=1e-15)
    assert obj["unit"] == {2: "bits", math.e: "nats", 10: "dits"}[base]


def test_custom_base(cli):
    r = cli("entropy", "--base", "3", "-o", "jsonl", "1/3".replace("1/3", "0.25"), "0.75")
    obj = json.loads(r.out)
    assert obj["unit"] == "base-3"
    assert obj["entropy"] == pytest.approx(stats.entropy([0.25, 0.75], base=3), rel=1e-15)


def test_json_fields_and_round_trip(cli):
    r = cli("entropy", "-o", "json", "0.1", "0.2", "0.7")
    (obj,) = json.loads(r.out)
    assert list(obj) == ["entropy", "unit", "k", "support", "max_entropy", "normalized", "perplexity"]
    h = -(0.1 * math.log(0.1) + 0.2 * math.log(0.2) + 0.7 * math.log(0.7))
    assert obj["entropy"] == pytest.approx(h, rel=1e-15)
    assert obj["k"] == 3 and obj["support"] == 3
    assert obj["max_entropy"] == math.log(3)
    assert obj["perplexity"] == pytest.approx(math.exp(h), rel=1e-15)
    # Machine formats print repr: the float read back is the float computed.
    plain = float(cli("entropy", "0.1", "0.2", "0.7").out)
    assert plain == obj["entropy"]


def test_detail_fields(cli):
    r = cli("entropy", "--detail", "--bits", "-o", "jsonl", "0.5", "0.25", "0.25", "0")
    obj = json.loads(r.out)
    assert obj["p"] == [0.5, 0.25, 0.25, 0.0]
    assert obj["surprisal"] == [1.0, 2.0, 2.0, None]
    assert obj["nonfinite"] == {"surprisal[3]": "inf"}
    assert obj["contribution"] == [0.5, 0.5, 0.5, 0.0]


def test_csv_header_names_from_input_header(cli):
    r = cli("entropy", "--detail", "-o", "csv", stdin="cat,dog\n0.5,0.5\n")
    header = r.lines()[0].split(",")
    assert header[-6:] == ["p_cat", "p_dog", "surprisal_cat", "surprisal_dog", "contribution_cat", "contribution_dog"]


def test_tsv(cli):
    r = cli("entropy", "-o", "tsv", "--bits", "1", "0")
    assert r.lines() == ["entropy\tunit\tk\tsupport\tmax_entropy\tnormalized\tperplexity",
                         "0.0\tbits\t2\t1\t1.0\t0.0\t1.0"]


def test_digits(cli):
    assert cli("entropy", "--digits", "3", "0.1", "0.9").out == "0.325\n"


def test_counts_logits_renormalize(cli):
    counts = [4, 2, 3, 0, 2]
    expected = stats.entropy(np.array(counts) / 11)
    assert cli("entropy", "--counts", *map(str, counts)).floats() == pytest.approx([expected], rel=1e-15)
    assert cli("entropy", "--renormalize", "0.4", "0.2", "0.3", "0", "0.2").floats() == pytest.approx(
        [stats.entropy([4, 2, 3, 0, 2])], rel=1e-15)
    z = np.array([-1.0, 0.0, 2.5])
    p = np.exp(z / 2) / np.exp(z / 2).sum()
    r = cli("entropy", "--logits", "-T", "2", "-1", "0", "2.5")
    assert r.floats() == pytest.approx([stats.entropy(p)], rel=1e-14)
    r = cli("entropy", "--logits", "0", "-inf", "0", "--bits")
    assert r.floats() == [1.0]


def test_checks_exit_1_naming_rows(cli):
    r = cli("entropy", "--bits", "--max", "0.9", stdin="0.5,0.5\n1,0\n0.5,0.5\n")
    assert r.code == 1
    assert r.floats() == [1.0, 0.0, 1.0]
    assert "check failed: entropy > 0.9 in rows 1, 3" in r.err
    r = cli("entropy", "--bits", "--min", "0.5", stdin="0.5,0.5\n1,0\n")
    assert r.code == 1 and "entropy < 0.5 in row 2" in r.err
    assert cli("entropy", "--bits", "--max", "1", "--min", "0", stdin="0.5,0.5\n1,0\n").code == 0


def test_table_has_unit_in_title(cli):
    r = cli("entropy", "-o", "table", "--bits", "0.5", "0.5")
    assert "Entropy (bits)" in r.out and "\x1b[" not in r.out
    r = cli("entropy", "-o", "table", "--detail", "0.5", "0.5")
    assert "surprisal" in r.out and "total" in r.out


def test_input_file_and_stdin_dash(cli, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("0.5,0.5\n0.25,0.75\n")
    assert len(cli("entropy", "-i", str(path)).lines()) == 2
    assert len(cli("entropy", "-i", "-", stdin="0.5,0.5\n").lines()) == 1


def test_late_bad_row_writes_rows_before(cli):
    r = cli("entropy", stdin="0.5,0.5\n0.5,0.5\n0.5,0.6\n0.5,0.5\n")
    assert r.code == 2
    assert len(r.lines()) == 2
    assert "row 3 (line 3): the row sums to 1.1" in r.err


def test_skip_invalid(cli):
    r = cli("entropy", "--skip-invalid", "--bits", stdin="0.5,0.5\n0.5,0.6\nx,1\n1,0\n")
    assert r.code == 1
    assert r.floats() == [1.0, 0.0]
    assert "row 2 (line 2)" in r.err and "line 3" in r.err and "skipped 2 invalid" in r.err


def test_output_file_is_atomic(cli, tmp_path):
    out = tmp_path / "out.txt"
    out.write_text("precious\n")
    r = cli("entropy", "-O", str(out), stdin="0.5,0.5\n0.5,0.6\n")
    assert r.code == 2 and out.read_text() == "precious\n"
    assert list(tmp_path.iterdir()) == [out]
    assert cli("entropy", "-O", str(out), "--bits", stdin="0.5,0.5\n").code == 0
    assert out.read_text() == "1.0\n"


def test_subprocess_pipe_and_module(tmp_path):
    r = run_process("entropy", "--bits", stdin="0.5,0.5\n1,0\n")
    assert (r.code, r.out) == (0, "1.0\n0.0\n")
