"""Renyi/Tsallis entropies, the divergence catalogue and the estimators from counts (the core)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import spatial

from entcli.core import entropy, kl_divergence
from entcli.core import estimators as est
from entcli.core.generalized import renyi_entropy, tsallis_entropy
from entcli.core.measures import (
    bhattacharyya_coefficient,
    bhattacharyya_distance,
    chi2_neyman,
    chi2_pearson,
    hellinger,
    renyi_divergence,
    total_variation,
)
from tests.helpers import distributions

P = np.array([0.5, 0.25, 0.125, 0.125])



PQ = (np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.5, 0.25]))



Y = np.array([4, 2, 3, 0, 2, 4, 0, 0, 2, 1, 1], dtype=float)  # R package `entropy`, documented example



def plug(p):
    return -sum(x * math.log(x) for x in p if x > 0)



@pytest.mark.parametrize("alpha", [0, 0.5, 1, 2, 5, math.inf])
@pytest.mark.parametrize("k", [1, 2, 7])
def test_every_renyi_order_of_a_uniform_is_log_k(alpha, k):
    assert renyi_entropy(np.full(k, 1 / k), alpha) == pytest.approx(math.log(k), rel=1e-12, abs=1e-15)



def test_renyi_special_orders_by_hand():
    # Hartley: log2 |support| = log2 4 = 2 bits; collision: -log2(1/4 + 1/16 + 1/64 + 1/64) = -log2(11/32);
    # min-entropy: -log2(1/2) = 1 bit; alpha = 1: Shannon 1.75 bits (Cover & Thomas Example 2.1.2).
    assert renyi_entropy(P, 0, 2) == 2.0
    assert renyi_entropy(P, 2, 2) == pytest.approx(-math.log2(11 / 32), rel=1e-15)
    assert renyi_entropy(P, math.inf, 2) == 1.0
    assert renyi_entropy(P, 1, 2) == pytest.approx(1.75, rel=1e-15)
    # alpha = 3: log2(sum p^3) / (1 - 3) = log2(1/8 + 1/64 + 2/512) / -2
    assert renyi_entropy(P, 3, 2) == pytest.approx(math.log2(1 / 8 + 1 / 64 + 2 / 512) / -2, rel=1e-14)



@pytest.mark.parametrize("delta", [1e-3, 1e-5, 1e-7, 1e-9])
def test_renyi_tends_to_shannon(delta):
    h = entropy(P)
    for alpha in (1 - delta, 1 + delta):
        assert renyi_entropy(P, alpha) == pytest.approx(h, abs=delta)  # |H_a - H| ~ |a - 1| Var / 2



@given(distributions(min_k=2, max_k=12), st.floats(0, 10), st.floats(0, 10))
@settings(max_examples=150)
def test_renyi_is_non_increasing_in_alpha(p, a, b):
    lo, hi = sorted((a, b))
    assert renyi_entropy(p, hi) <= renyi_entropy(p, lo) + 1e-9



def test_tsallis_by_hand_and_limit():
    assert tsallis_entropy(P, 2) == pytest.approx(1 - (1 / 4 + 1 / 16 + 1 / 64 + 1 / 64), rel=1e-15)
    assert tsallis_entropy(P, 0) == pytest.approx(3.0)  # support - 1
    assert tsallis_entropy(P, 1) == entropy(P)
    for q in (1 - 1e-9, 1 + 1e-9):
        assert tsallis_entropy(P, q) == pytest.approx(entropy(P), rel=1e-8)
    # q = 3: (1 - sum p^3) / 2
    assert tsallis_entropy(P, 3) == pytest.approx((1 - (1 / 8 + 1 / 64 + 2 / 512)) / 2, rel=1e-15)



def test_measures_by_hand():
    p, q = PQ
    assert total_variation(p, q) == 0.25  # (1/4 + 0 + 1/4) / 2
    bc = math.sqrt(0.125) + 0.5  # sqrt(1/2 * 1/4) + sqrt(1/4) + 0
    assert bhattacharyya_coefficient(p, q) == pytest.approx(bc, rel=1e-15)
    assert bhattacharyya_distance(p, q) == pytest.approx(-math.log(bc), rel=1e-15)
    assert hellinger(p, q) == pytest.approx(math.sqrt(1 - bc), rel=1e-14)
    assert chi2_pearson(p, q) == pytest.approx(0.0625 / 0.25 + 0 + 0.0625 / 0.25, rel=1e-15)
    assert chi2_neyman(p, q) == np.inf  # p_3 = 0 < q_3
    assert chi2_neyman(q, p) == chi2_pearson(p, q) == 0.5  # Neyman(q||p) is Pearson(p||q)
    assert renyi_divergence(p, q, 0.5) == pytest.approx(-2 * math.log(bc), rel=1e-14)
    assert renyi_divergence(p, q, 1) == pytest.approx(kl_divergence(p, q), rel=1e-15)
    assert renyi_divergence(p, q, math.inf) == pytest.approx(math.log(2), rel=1e-15)  # max p/q = 0.5/0.25
    assert renyi_divergence(p, q, 0) == pytest.approx(-math.log(0.75), rel=1e-15)  # q mass on p's support
    assert renyi_divergence(q, p, 2) == np.inf  # q_3 > 0 = p_3
    assert np.isfinite(renyi_divergence(q, p, 0.5))



def test_total_variation_matches_scipy_cityblock():
    rng = np.random.default_rng(8)
    p, q = rng.dirichlet(np.ones(6), size=100), rng.dirichlet(np.ones(6), size=100)
    expected = [spatial.distance.cityblock(a, b) / 2 for a, b in zip(p, q, strict=True)]
    np.testing.assert_allclose(total_variation(p, q), expected, rtol=1e-14)



@given(distributions(min_k=3, max_k=8), st.data())
@settings(max_examples=200)
def test_inequalities_and_never_nan(p, data):
    q = np.asarray(data.draw(st.lists(st.one_of(st.just(0.0), st.floats(1e-3, 10)), min_size=len(p),
                                      max_size=len(p)).filter(lambda w: sum(w) > 0)))
    q = q / q.sum()
    kl = kl_divergence(p, q)
    tv, h = total_variation(p, q), hellinger(p, q)
    assert tv <= math.sqrt(kl / 2) + 1e-12  # Pinsker (nats)
    assert h**2 <= tv + 1e-12 and tv <= h * math.sqrt(2 - h**2) + 1e-12
    values = [kl, tv, h, bhattacharyya_coefficient(p, q), bhattacharyya_distance(p, q), chi2_pearson(p, q),
              chi2_neyman(p, q), *(renyi_divergence(p, q, a) for a in (0, 0.5, 1, 2, math.inf))]
    assert not any(np.isnan(values))
    orders = [renyi_divergence(p, q, a) for a in (0, 0.25, 0.5, 0.999, 1, 1.5, 3, math.inf)]
    assert all(a <= b + 1e-9 for a, b in zip(orders, orders[1:], strict=False))  # non-decreasing in alpha
    assert kl <= math.log1p(chi2_pearson(p, q)) + 1e-9  # KL <= log(1 + chi^2)



def test_r_entropy_example_by_the_published_formulas():
    n, k = Y.sum(), len(Y)  # n = 19, K = 11, 8 bins observed
    assert (n, k) == (19, 11)
    ml = plug(Y / n)
    assert est.plugin(Y)[0] == pytest.approx(ml, rel=1e-15)
    # Miller-Madow: + (m - 1) / (2n) = 7/38
    assert est.miller_madow(Y)[0] == pytest.approx(ml + 7 / 38, rel=1e-15)
    # Dirichlet: plug-in of (y + a) / (n + K a)
    for name, a in (("jeffreys", 0.5), ("laplace", 1.0), ("perks", 1 / 11), ("minimax", math.sqrt(19) / 11)):
        h, _ = est.estimate(name, Y)
        assert h[0] == pytest.approx(plug((Y + a) / (n + k * a)), rel=1e-14), name
    # Chao-Shen: two singletons, C = 1 - 2/19; p_a = C y/n; H = -sum p_a ln p_a / (1 - (1 - p_a)^n)
    c = 1 - 2 / 19
    pa = [c * y / n for y in Y if y > 0]
    assert est.chao_shen(Y)[0] == pytest.approx(sum(-x * math.log(x) / (1 - (1 - x) ** 19) for x in pa), rel=1e-14)
    # James-Stein: lambda = (1 - sum u^2) / ((n - 1) sum (1/K - u)^2), u = y/n
    u = Y / n
    lam = (1 - sum(u**2)) / (18 * sum((1 / 11 - u) ** 2))
    h, shrink = est.james_stein(Y)
    assert shrink[0] == pytest.approx(lam, rel=1e-14) and 0 < lam < 1
    assert h[0] == pytest.approx(plug(lam / 11 + (1 - lam) * u), rel=1e-14)



def test_estimators_equal_plugin_when_the_correction_vanishes():
    one_bin = np.array([0, 7, 0.0])
    assert est.miller_madow(one_bin)[0] == est.plugin(one_bin)[0] == 0.0  # m = 1
    assert est.dirichlet(Y, 0.0)[0] == pytest.approx(est.plugin(Y)[0], rel=1e-15)  # a = 0
    h, lam = est.james_stein(one_bin)  # 1 - sum u^2 = 0 -> lambda = 0 -> the plug-in frequencies
    assert lam[0] == 0.0 and h[0] == 0.0
    many = np.array([1000.0, 2000.0, 3000.0])  # no singletons and huge n: Chao-Shen -> plug-in
    assert est.chao_shen(many)[0] == pytest.approx(est.plugin(many)[0], rel=1e-12)



def test_estimators_are_vectorised_over_rows():
    rows = np.vstack([Y, Y[::-1], Y + 1])
    for name in est.ESTIMATORS:
        h, _ = est.estimate(name, rows, pseudocount=0.3)
        assert h.shape == (3,) and h[0] == pytest.approx(h[1], rel=1e-14)  # a permutation
