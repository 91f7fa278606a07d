"""Renyi/Tsallis entropies, the divergence catalogue and estimators, through the command line."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from entcli.core import estimators as est
from entcli.core.measures import (
    hellinger,
)

PQ = (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.5, 0.25]))



Y = np.array([4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1], dtype=float)  # R package `entropy`, documented example



def test_cli_generalised_entropies(cli):
    (obj,) = json.loads(cli("entropy", "--renyi", "2", "--bits", "-o", "json", "0.5", "0.25", "0.125", "0.125").out)
    assert obj["renyi"] == pytest.approx(-math.log2(11 / 32)) and obj["alpha"] == 2.0 and obj["unit"] == "bits"
    assert cli("entropy", "--renyi", "inf", "--bits", "0.5", "0.25", "0.25").floats() == [1.0]
    assert cli("entropy", "--tsallis", "2", "0.5", "0.5").floats() == [0.5]
    assert cli("entropy", "--tsallis", "2", "--bits", "0.5", "0.5").code == 2
    assert cli("entropy", "--renyi", "-1", "0.5", "0.5").code == 2
    r = cli("entropy", "--renyi", "0", "--max", "0.5", "0.5", "0.5")
    assert r.code == 1 and "renyi > 0.5" in r.err  # the measure is the primary result



def test_cli_estimators(cli):
    r = cli("entropy", "--counts", "--estimator", "james-stein", "-o", "json", *map(str, Y.astype(int)))
    (obj,) = json.loads(r.out)
    h, lam = est.james_stein(Y)
    assert obj["entropy"] == pytest.approx(h[0], rel=1e-15) and obj["shrinkage"] == pytest.approx(lam[0])
    assert obj["estimator"] == "james-stein"
    r = cli("entropy", "--counts", "--estimator", "dirichlet", "--pseudocount", "0.5", *map(str, Y.astype(int)))
    assert r.floats() == pytest.approx(est.estimate("jeffreys", Y)[0].tolist(), rel=1e-15)
    assert cli("entropy", "--estimator", "chao-shen", "0.5", "0.5").code == 2  # needs --counts
    assert cli("entropy", "--counts", "--estimator", "dirichlet", "1", "2").code == 2  # needs --pseudocount



def test_cli_measure_catalogue(cli):
    p, q = "0.5,0.5,0", "0.25,0.5,0.25"
    (obj,) = json.loads(cli("kl", "-p", p, "-q", q, "--measure", "all", "-o", "json").out)
    for field in ("kl", "js_divergence", "total_variation", "hellinger", "bhattacharyya_coefficient",
                  "bhattacharyya_distance", "chi2_pearson", "chi2_neyman", "renyi_divergence", "alpha"):
        assert field in obj
    assert obj["total_variation"] == 0.25
    # q has mass where p has none: Neyman chi^2 and KL(q||p) (so the symmetric KL too) are infinite.
    assert obj["chi2_neyman"] is None
    assert obj["nonfinite"] == {"reverse_kl": "inf", "symmetric_kl": "inf", "chi2_neyman": "inf"}
    assert cli("kl", "-p", p, "-q", q, "--measure", "hellinger").floats() == pytest.approx(
        [hellinger(*PQ)], rel=1e-15)
    r = cli("kl", "-p", p, "-q", q, "--measure", "renyi", "--alpha", "inf", "--bits")
    assert r.floats() == pytest.approx([1.0])
    assert cli("kl", "-p", p, "-q", q, "--measure", "tv", "--reverse").code == 2
