"""`entcli calibrate` end to end: labels from a column or a file, the report, --apply, checks, plot, errors."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from scipy import special

from entcli.core.calibration import calibration, fit_temperature

NAMES = ["cat", "dog", "bird"]


@pytest.fixture
def val(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    y = rng.integers(0, 3, n)
    z = np.round(rng.normal(size=(n, 3)) * 3, 4)
    z[np.arange(n), y] += 2
    path = tmp_path / "val.csv"
    lines = ["id,label," + ",".join(NAMES)] + [f"v{i},{NAMES[y[i]]}," + ",".join(map(repr, z[i].tolist()))
                                                for i in range(n)]
    path.write_text("\n".join(lines) + "\n")
    return str(path), z, y


def test_report_before_and_after(cli, val):
    path, z, y = val
    r = cli("calibrate", "-i", path, "--target-column", "label", "-o", "jsonl")
    assert r.code == 0, r.err
    before, after = map(json.loads, r.lines())
    fit = fit_temperature(z, y)
    assert (before["stage"], after["stage"]) == ("before", "after")
    assert after["temperature"] == fit.temperature and before["temperature"] == 1.0
    want = calibration(special.softmax(z / fit.temperature, axis=1), y)
    assert after["ece"] == pytest.approx(want.ece, rel=1e-12) and after["nll"] == pytest.approx(want.nll, rel=1e-12)
    assert after["nll"] < before["nll"] and after["accuracy"] == before["accuracy"]  # T keeps every argmax


def test_labels_from_a_file_and_probabilities(cli, val, tmp_path):
    path, z, y = val
    (tmp_path / "labels.txt").write_text("\n".join(map(str, y.tolist())) + "\n")
    p = special.softmax(z, axis=1)
    (tmp_path / "p.csv").write_text("\n".join(",".join(map(repr, row)) for row in p.tolist()) + "\n")
    a = cli("calibrate", "-i", path, "--target-column", "label", "-o", "jsonl").lines()
    b = cli("calibrate", "-i", str(tmp_path / "p.csv"), "--probs", "--target", str(tmp_path / "labels.txt"),
            "-o", "jsonl").lines()
    assert json.loads(a[1])["temperature"] == pytest.approx(json.loads(b[1])["temperature"], rel=1e-9)


def test_apply_writes_calibrated_rows_with_keys(cli, val):
    path, z, y = val
    r = cli("calibrate", "-i", path, "--apply", "2.0", "-o", "csv")
    assert r.code == 0, r.err
    rows = list(csv.reader(io.StringIO(r.out)))
    assert rows[0][:2] == ["id", "label"] and rows[0][2:5] == ["p_cat", "p_dog", "p_bird"]
    got = np.array([[float(x) for x in row[2:5]] for row in rows[1:]])
    np.testing.assert_allclose(got, special.softmax(z / 2.0, axis=1), rtol=1e-14)
    r = cli("calibrate", "-i", path, "--target-column", "label", "--apply", "fitted", "-o", "jsonl")
    assert r.code == 0 and "calibrate: T = " in r.err and len(r.lines()) == len(y)


def test_max_ece_check(cli, val):
    path, _, _ = val
    args = ("calibrate", "-i", path, "--target-column", "label")
    assert cli(*args, "--max-ece", "0.5").code == 0
    r = cli(*args, "--max-ece", "0.1", "--before")
    assert r.code == 1 and "check failed: ece before calibration" in r.err


def test_binary(cli, tmp_path):
    rng = np.random.default_rng(2)
    z = np.round(rng.normal(size=400) * 3, 4)
    y = (rng.random(400) < special.expit(z / 2)).astype(int)
    (tmp_path / "b.csv").write_text("logit,label\n" + "".join(f"{a!r},{b}\n" for a, b in zip(z.tolist(), y.tolist(),
                                                                                             strict=True)))
    r = cli("calibrate", "-i", str(tmp_path / "b.csv"), "--binary", "--target-column", "label", "-o", "jsonl")
    after = json.loads(r.lines()[1])
    assert after["temperature"] == pytest.approx(fit_temperature(z, y, binary=True).temperature, rel=1e-12)


def test_table_diagram_and_plot(cli, val, tmp_path):
    pytest.importorskip("matplotlib")
    path, _, _ = val
    r = cli("calibrate", "-i", path, "--target-column", "label", "-o", "table", "--plot", str(tmp_path / "r.png"))
    assert r.code == 0 and "reliability (accuracy vs confidence per bin" in r.out
    assert (tmp_path / "r.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("args, message", [
    ((), "calibrate needs labels"),
    (("--target-column", "label", "--apply", "-1"), "the temperature must be finite and > 0"),
    (("--target-column", "label", "--apply", "hot"), "--apply takes a temperature"),
    (("--target-column", "nope"), "no column 'nope'"),
])
def test_errors(cli, val, args, message):
    path, _, _ = val
    r = cli("calibrate", "-i", path, *args)
    assert r.code == 2 and message in r.err and "Traceback" not in r.err


def test_a_label_out_of_range_names_its_row(cli, tmp_path):
    (tmp_path / "l.csv").write_text("label,a,b\n0,1,2\n5,0,1\n")
    r = cli("calibrate", "-i", str(tmp_path / "l.csv"), "--target-column", "label")
    assert r.code == 2 and "row 2" in r.err and "not a class index" in r.err
    (tmp_path / "m.csv").write_text("label,a,b\n1,1,-inf\n0,0,1\n")
    r = cli("calibrate", "-i", str(tmp_path / "m.csv"), "--target-column", "label", "--probs")
    assert r.code == 2


def test_the_ends_of_the_temperature_range_end_to_end(cli):
    # every label its row's strict argmax: T -> 0, said in a warning, no NaN
    r = cli("calibrate", "--target", "0", "-o", "jsonl", "2", "0")
    before, after = map(json.loads, r.lines())
    assert r.code == 0 and after["temperature"] == 0.0 and "T -> 0" in r.err and "RuntimeWarning" not in r.err
    assert after["nll"] == 0.0 and after["accuracy"] == 1.0
    # p = 0 for every other class: the NLL is 0 at every T; whichever end is reported, nothing is NaN
    r = cli("calibrate", "--target", "0", "--probs", "-o", "jsonl", "1", "0")
    assert r.code == 0 and "nan" not in r.out and "RuntimeWarning" not in r.err
    # a label the model ranks last: T = ∞, p uniform; a tie among the maxima counts half, not as the first class
    r = cli("calibrate", "--target", "0", "--probs", "-o", "jsonl", "0.3", "0.7")
    _, after = map(json.loads, r.lines())
    assert after["temperature"] is None and after["nonfinite"]["temperature"] == "inf"
    assert after["accuracy"] == 0.5 and after["confidence"] == 0.5 and "infinite" in r.err
