"""`entcli softmax` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy import special


def test_negative_numbers_without_double_dash(cli):
    r = cli("softmax", "-1", "0", "2.5")
    assert r.code == 0, r.err
    p = [float(x) for x in r.out.strip().split(",")]
    np.testing.assert_allclose(p, special.softmax([-1, 0, 2.5]), rtol=1e-15)
    r = cli("softmax", "-0.5,1,2")
    np.testing.assert_allclose([float(x) for x in r.out.strip().split(",")], special.softmax([-0.5, 1, 2]), rtol=1e-15)


def test_temperature_and_log(cli):
    r = cli("softmax", "--log", "-T", "2", "-o", "json", "1", "2", "3")
    (obj,) = json.loads(r.out)
    np.testing.assert_allclose(obj["p"], special.softmax(np.array([1, 2, 3]) / 2), rtol=1e-15)
    np.testing.assert_allclose(obj["log_p"], special.log_softmax(np.array([1, 2, 3]) / 2), rtol=1e-15)


def test_minus_inf_logit(cli):
    r = cli("softmax", "0", "-inf", "0")
    assert r.out == "0.5,0.0,0.5\n"


def test_many_rows_from_stdin(cli):
    r = cli("softmax", "-o", "csv", stdin="a,b\n0,0\n0,-inf\n")
    assert r.lines() == ["p_a,p_b", "0.5,0.5", "1.0,0.0"]


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_bad_logits(cli, value):
    r = cli("softmax", "0", value)
    assert r.code == 2 and "column 2" in r.err and "error:" in r.err


def test_zero_temperature_is_an_error(cli):
    r = cli("softmax", "-T", "0", "1", "2")
    assert r.code == 2 and "temperature" in r.err
