"""The drift measures of a 2 x K table against scipy and identities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from entcli.core.drift import (
    bin_counts,
    chi2_sf,
    drift_measures,
    g_test,
    psi_level,
    quantile_edges,
    uniform_edges,
)

counts = st.integers(1, 8).flatmap(lambda k: st.tuples(
    st.lists(st.integers(0, 500), min_size=k, max_size=k).filter(lambda c: sum(c) > 0),
    st.lists(st.integers(0, 500), min_size=k, max_size=k).filter(lambda c: sum(c) > 0)))


@given(counts)
@settings(max_examples=200, deadline=None)
def test_g_test_and_pearson_match_scipy_chi2_contingency(pq):
    cp, cq = pq
    table = np.array([cp, cq], dtype=float)
    table = table[:, table.sum(axis=0) > 0]
    g, gp, x2, xp, dof = g_test(cp, cq)
    if table.shape[1] < 2:
        assert (g, gp, x2, xp, dof) == (0.0, 1.0, 0.0, 1.0, 0)
        return
    lr = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    pearson = stats.chi2_contingency(table, correction=False)
    assert g == pytest.approx(lr[0], rel=1e-10, abs=1e-12)
    assert x2 == pytest.approx(pearson[0], rel=1e-10, abs=1e-12)
    assert dof == lr[2] == table.shape[1] - 1
    assert gp == pytest.approx(lr[1], rel=1e-10, abs=1e-300)
    assert xp == pytest.approx(pearson[1], rel=1e-10, abs=1e-300)


@given(counts)
@settings(max_examples=200, deadline=None)
def test_identities(pq):
    cp, cq = np.array(pq[0], float), np.array(pq[1], float)
    m = drift_measures(cp, cq)
    p, q = cp / cp.sum(), cq / cq.sum()
    # PSI = KL(p||q) + KL(q||p) = sum (q - p) ln(q/p)
    assert m["psi"] == m["kl"] + m["reverse_kl"]
    if np.all((p > 0) == (q > 0)):
        both = p > 0
        assert m["psi"] == pytest.approx(np.sum((q[both] - p[both]) * np.log(q[both] / p[both])), rel=1e-9,
                                         abs=1e-15)
    assert 0 <= m["js_divergence"] <= math.log(2) + 1e-15
    assert m["js_distance"] == pytest.approx(math.sqrt(m["js_divergence"]), rel=1e-15)
    assert 0 <= m["total_variation"] <= 1 and 0 <= m["hellinger"] <= 1
    # G = 2 N I(sample; category): the mutual information of the joint table in nats.
    joint = np.array([cp, cq]) / (cp.sum() + cq.sum())
    rows, cols = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        mi = np.sum(np.where(joint > 0, joint * np.log(joint / (rows * cols)), 0.0))
    assert g_test(cp, cq)[0] == pytest.approx(2 * (cp.sum() + cq.sum()) * mi, rel=1e-9, abs=1e-9)


def test_hand_derived_table():
    # p = (1/2, 1/2), q = (1/4, 3/4): PSI = (1/4 - 1/2) ln(1/2) + (3/4 - 1/2) ln(3/2) = (ln 2 + ln 1.5)/4 = ln 3 / 4
    m = drift_measures([50, 50], [25, 75])
    assert m["psi"] == pytest.approx(math.log(3) / 4, rel=1e-15)
    assert m["total_variation"] == 0.25
    assert m["kl"] == pytest.approx(0.5 * math.log(2) + 0.5 * math.log(2 / 3), rel=1e-15)
    # A category on one side only: PSI and KL infinite; smoothing makes them finite.
    assert drift_measures([5, 5, 0], [4, 4, 2])["psi"] == math.inf
    smooth = drift_measures([5, 5, 0], [4, 4, 2], epsilon=1e-3)
    assert math.isfinite(smooth["psi"]) and smooth["psi"] > 0


@pytest.mark.parametrize("dof", [1, 2, 3, 7, 30, 200])
@pytest.mark.parametrize("x", [1e-6, 0.3, 1.0, 4.0, 25.0, 120.0, 900.0])
def test_chi2_sf_matches_scipy(dof, x):
    assert chi2_sf(x, dof) == pytest.approx(stats.chi2.sf(x, dof), rel=1e-12, abs=1e-300)


def test_psi_levels():
    assert [psi_level(x) for x in (0.0, 0.099, 0.1, 0.25, 0.2501, math.inf)] == \
        ["stable", "stable", "moderate", "moderate", "significant", "significant"]


def test_edges_and_open_outer_bins():
    v = np.random.default_rng(0).normal(size=1001)
    np.testing.assert_array_equal(quantile_edges(v, 10), np.quantile(v, np.linspace(0, 1, 11)[1:-1]))
    np.testing.assert_array_equal(uniform_edges(v, 4), np.linspace(v.min(), v.max(), 5)[1:-1])
    e = np.array([0.0, 1.0])
    # (-inf, 0), [0, 1), [1, inf): values outside the baseline's range fall in the open outer bins
    np.testing.assert_array_equal(bin_counts([-100, -0.1, 0, 0.5, 1, 1e9], e), [2, 2, 2])
    assert len(quantile_edges(np.zeros(50), 10)) == 1  # ties merge the edges
