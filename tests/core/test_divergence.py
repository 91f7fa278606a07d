"""Cross-entropy, KL and Jensen–Shannon against scipy, MATH.md and the identities that tie them together."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import spatial, special, stats

from entcli.core import cross_entropy, divergence_summary, js_distance, js_divergence, kl_divergence
from entcli.core.divergence import relative_entropy_terms
from tests.helpers import distributions


def test_math_md_one_hot_examples():
    p = np.array([1.0, 0, 0, 0, 0])
    # One-hot p: H(p) = 0 so H(p, q) = KL(p||q) = -log q_0.
    assert cross_entropy(p, [0.4, 0.3, 0.05, 0.05, 0.2]) == pytest.approx(-math.log(0.4), rel=1e-15)
    assert round(float(cross_entropy(p, [0.4, 0.3, 0.05, 0.05, 0.2])), 3) == 0.916
    # q has zeros where p is zero: those terms are 0, not NaN.
    assert kl_divergence(p, [0.98, 0.01, 0, 0, 0.01]) == pytest.approx(-math.log(0.98), rel=1e-15)
    assert round(float(kl_divergence(p, [0.98, 0.01, 0, 0, 0.01])), 4) == 0.0202


def test_infinite_where_q_misses_p():
    assert kl_divergence([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert cross_entropy([0.5, 0.5], [1.0, 0.0]) == np.inf
    js = js_divergence([0.5, 0.5], [1.0, 0.0])
    assert np.isfinite(js) and 0 < js <= math.log(2)
    # Disjoint supports reach the maximum, log 2, and never NaN.
    assert js_divergence([1.0, 0.0], [0.0, 1.0]) == pytest.approx(math.log(2), rel=1e-15)


def random_pairs(rng, n, k, zeros=True):
    p = rng.dirichlet(np.full(k, 0.5), size=n)
    q = rng.dirichlet(np.full(k, 0.5), size=n)
    if zeros:
        p[::3, 0] = 0.0
        p /= p.sum(axis=1, keepdims=True)
    return p, q


@pytest.mark.parametrize("k", [2, 5, 50])
def test_against_scipy(k):
    rng = np.random.default_rng(k)
    p, q = random_pairs(rng, 300, k)
    for base in (math.e, 2.0):
        # scipy renormalises p and q and takes log(p/q) directly; for near-equal rows it is off by ~2e-16
        # absolute (ours agrees with mpmath there: test_kl_matches_mpmath_where_scipy_drifts), hence the atol.
        np.testing.assert_allclose(kl_divergence(p, q, base), stats.entropy(p, q, base=base, axis=1), rtol=1e-12,
                                   atol=1e-15)
        # scipy's JS distance drifts by ~1e-14 absolute for near-equal rows (see the mpmath test below).
        np.testing.assert_allclose(js_distance(p, q, base), spatial.distance.jensenshannon(p, q, base=base, axis=1),
                                   rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(relative_entropy_terms(p, q), special.rel_entr(p, q), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(cross_entropy(p, q), -np.sum(special.xlogy(p, q), axis=1), rtol=1e-12)


def test_kl_matches_mpmath_where_scipy_drifts():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    p, q = random_pairs(np.random.default_rng(2), 300, 2)
    for i in (167, 251):  # rows where scipy's value is 7e-12 (relative) away from the exact one
        exact = sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b))
                    for a, b in zip(p[i].tolist(), q[i].tolist(), strict=True) if a > 0)
        assert kl_divergence(p[i], q[i]) == pytest.approx(float(exact), rel=1e-13)
        pm, qm = [mpmath.mpf(x) for x in p[i].tolist()], [mpmath.mpf(x) for x in q[i].tolist()]
        mm = [(a + b) / 2 for a, b in zip(pm, qm, strict=True)]
        js = sum(a * mpmath.log(a / c) / 2 + b * mpmath.log(b / c) / 2 for a, b, c in zip(pm, qm, mm, strict=True))
        assert js_distance(p[i], q[i]) == pytest.approx(float(mpmath.sqrt(js)), rel=1e-13)


def test_logits_are_used_in_log_space():
    z = np.array([[0.0, -800.0]])
    q = special.softmax(z, axis=1)  # q[1] underflows to 0 ...
    log_q = special.log_softmax(z, axis=1)
    p = np.array([[0.5, 0.5]])
    s = divergence_summary(p, q, log_q=log_q)
    # ... but with log q from log-softmax the cross-entropy is finite: -(0.5 log 1 + 0.5 (-800)) = 400.
    assert s["cross_entropy"][0] == pytest.approx(400.0, rel=1e-12)
    assert s["kl"][0] == pytest.approx(400.0 - math.log(2), rel=1e-12)


def test_close_distributions_keep_relative_accuracy():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    p = np.array([0.5 + 1e-9, 0.5 - 1e-9])
    q = np.array([0.5, 0.5])
    exact = sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) for a, b in zip(p, q, strict=True))
    assert kl_divergence(p, q) == pytest.approx(float(exact), rel=1e-13)


def test_broadcasting_one_row_against_many():
    rng = np.random.default_rng(0)
    p, q = random_pairs(rng, 10, 4)
    np.testing.assert_allclose(kl_divergence(p[:1], q), [kl_divergence(p[0], row) for row in q], rtol=1e-15)


@given(distributions(min_k=2, max_k=10), st.data())
def test_cross_entropy_is_entropy_plus_kl_and_gibbs(p, data):
    weights = data.draw(st.lists(st.floats(1e-3, 10), min_size=len(p), max_size=len(p)))
    q = np.asarray(weights) / np.sum(weights)
    s = divergence_summary(p, q)
    assert s["kl"] >= 0  # Gibbs' inequality
    assert s["cross_entropy"] == pytest.approx(s["entropy_p"] + s["kl"], rel=1e-9, abs=1e-12)
    assert s["reverse_kl"] == pytest.approx(kl_divergence(q, p), rel=1e-12) if np.all(p > 0) else True
    assert 0 <= s["js_divergence"] <= math.log(2) + 1e-15
    assert s["js_divergence"] == pytest.approx(js_divergence(q, p), rel=1e-9, abs=1e-15)  # symmetric
    assert kl_divergence(p, p) == 0.0
