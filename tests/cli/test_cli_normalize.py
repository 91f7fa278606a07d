"""normalize through the command line: targets, unreachable rows, the trace, many rows."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from entcli.core.shannon import entropy


def test_cli_fields_and_units(cli):
    r = cli("normalize", "--target", "1", "--bits", "0.7", "0.2", "0.1", "-o", "json")
    (obj,) = json.loads(r.out)
    assert list(obj) == ["p", "gamma", "temperature", "entropy", "target", "iterations", "unit"]
    assert obj["entropy"] == pytest.approx(1.0, abs=1e-11) and obj["unit"] == "bits"
    assert obj["temperature"] == pytest.approx(1 / obj["gamma"], rel=1e-15)
    assert entropy(np.array(obj["p"]), 2) == pytest.approx(1.0, abs=1e-11)



def test_cli_ratio_perplexity_logits(cli):
    (obj,) = json.loads(cli("normalize", "--ratio", "0.5", "0.5", "0.3", "0.2", "-o", "json").out)
    assert obj["entropy"] == pytest.approx(0.5 * math.log(3), abs=1e-12)
    (obj,) = json.loads(cli("normalize", "--perplexity", "2", "--logits", "-T", "2", "1", "2", "3",
                            "-o", "json").out)
    assert math.exp(obj["entropy"]) == pytest.approx(2.0, rel=1e-11)
    assert obj["temperature"] == pytest.approx(2 / obj["gamma"], rel=1e-15)



def test_cli_unreachable_target_states_range(cli):
    r = cli("normalize", "--target", "2", "0.5", "0.3", "0.2")
    assert r.code == 2 and "out of reach" in r.err and "[0, 1.09861]" in r.err
    r = cli("normalize", "--target", "0.1", "0.5", "0.5")
    assert r.code == 2 and "cannot move" in r.err



def test_cli_trace_and_published(cli):
    r = cli("normalize", "--target", "1.27", "--trace", "0.004", "0.443", "0.107", "0.446")
    assert r.code == 0 and "newton" in r.err and "trace (robust)" in r.err
    r = cli("normalize", "--target", "1.27", "--method", "published", "--trace", "0.004", "0.443", "0.107", "0.446")
    assert r.code == 1 and "gamma <= 0" in r.err and "warning" in r.err



def test_cli_many_rows(cli):
    r = cli("normalize", "--ratio", "0.3", "-o", "csv", stdin="a,b,c\n0.5,0.3,0.2\n0.1,0.1,0.8\n")
    lines = r.lines()
    assert lines[0].startswith("p_a,p_b,p_c,gamma") and len(lines) == 3
