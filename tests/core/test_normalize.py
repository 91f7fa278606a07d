"""Entropy normalisation: the robust solver converges on every reachable target; the published one fails."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from entcli.core.normalize import entropy_range, normalize_entropy, normalize_entropy_published
from entcli.core.shannon import entropy


@st.composite
def rows_and_targets(draw):
    k = draw(st.integers(2, 1000))
    alpha = draw(st.floats(0.05, 5))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(k, alpha))
    if draw(st.booleans()) and k > 2:  # exact zeros
        p[rng.choice(k, size=k // 3, replace=False)] = 0.0
    if draw(st.booleans()) and k > 3:  # ties, including at the maximum
        p[1:3] = p[0]
    if p.sum() == 0:
        p[0] = 1.0
    p = p / p.sum()
    lo, hi = entropy_range(p)
    frac = draw(st.one_of(st.floats(0, 1), st.sampled_from([0.0, 1.0, 1e-9, 1 - 1e-9])))
    return p, float(lo[0] + frac * (hi[0] - lo[0]))



@given(rows_and_targets())
@settings(max_examples=300, deadline=None)
def test_converges_preserving_order_zeros_and_ties(case):
    p, target = case
    r = normalize_entropy(p, target)
    lo, hi = entropy_range(p)
    if hi[0] == lo[0]:
        return  # nothing can move (uniform over the support); covered by test_uniform_row
    assert r.reachable[0] and r.converged[0]
    assert abs(r.entropy[0] - target) <= 1e-10
    assert abs(entropy(r.p[0]) - target) <= 1e-10
    assert r.gamma[0] >= 0
    q = r.p[0]
    assert np.all(q[p == 0] == 0)
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= -1e-300)  # order kept (non-decreasing along p's order)
    ties = p[1:] == p[:-1]
    assert np.all(q[1:][ties] == q[:-1][ties])
    assert q.sum() == pytest.approx(1.0, abs=1e-12)



def test_vectorised_rows_together():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(20), size=1000)
    lo, hi = entropy_range(p)
    t = lo + rng.uniform(size=1000) * (hi - lo)
    r = normalize_entropy(p, t)
    assert r.converged.all() and np.max(np.abs(r.entropy - t)) <= 1e-12
    assert r.iterations.max() < 60



def test_hand_derived_two_outcomes():
    # p = (0.8, 0.2); the target H = ln 2 is reached only at γ = 0 (uniform).
    r = normalize_entropy([0.8, 0.2], math.log(2))
    assert r.gamma[0] == 0.0 and np.allclose(r.p, 0.5)
    # Target 0 (one tie at the max): γ = inf, one-hot.
    r = normalize_entropy([0.8, 0.2], 0.0)
    assert r.gamma[0] == np.inf and r.p[0].tolist() == [1.0, 0.0]
    # γ = 2 gives (0.64, 0.04)/0.68: its entropy is the target, so γ must come back as 2.
    q = np.array([0.64, 0.04]) / 0.68
    r = normalize_entropy([0.8, 0.2], float(entropy(q)))
    assert r.gamma[0] == pytest.approx(2.0, rel=1e-10)



def test_unreachable_and_uniform_rows():
    r = normalize_entropy([0.5, 0.3, 0.2], 2.0)
    assert not r.reachable[0] and np.isnan(r.gamma[0])
    r = normalize_entropy([0.25, 0.25, 0.5, 0.0], math.log(2))  # m = 1, s = 3: ln 2 reachable
    assert r.converged[0]
    r = normalize_entropy([0.5, 0.5, 0.0], 0.1)
    assert not r.reachable[0]



def test_logits_give_inverse_temperature():
    z = np.array([1.0, 2.0, 3.0])
    from scipy import special

    log_p = special.log_softmax(z)
    target = 0.5
    r = normalize_entropy(np.exp(log_p), target, log_p=log_p)
    np.testing.assert_allclose(r.p[0], special.softmax(r.gamma[0] * z), rtol=1e-12)



def test_published_iteration_fails_where_ours_converges():
    p, target = [0.004, 0.443, 0.107, 0.446], 1.27
    pub = normalize_entropy_published(p, target)
    assert not pub.converged[0]  # its first step is gamma < 0
    ours = normalize_entropy(p, target)
    assert ours.converged[0] and abs(ours.entropy[0] - target) < 1e-12



def test_published_failure_rate_is_real():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.full(10, 0.3), size=2000)
    lo, hi = entropy_range(p)
    t = lo + rng.uniform(size=2000) * (hi - lo)
    pub = normalize_entropy_published(p, t, tol=1e-10)
    rate = 1 - pub.converged.mean()
    assert 0.005 <= rate <= 0.49  # MATH.md: 0.5 % to 49 % of cases
    assert normalize_entropy(p, t).converged.all()


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(1e-300, 1.0), min_size=2, max_size=12), st.floats(1e-3, 1e3))
@example([1.0, 0.9999999999999999, 0.125], 28.0)  # near-tie: Var_q(b) 1e-25, off by 4e-34 (CI found it)
def test_the_full_support_evaluation_against_mpmath(weights, gamma):
    """Issue 20: with every outcome in the support and γ finite, (q, H, Var_q(b)) come from fewer passes
    (q = exp(γb)/Σ, H = ln Σ − γ E_q[b]); mpmath at 50 digits is the judge of all three, and the dispatcher
    must take that path (the general one is judged by the solver's tests, rows with zeros)."""
    import mpmath

    from entcli.core.normalize import _evaluate, _evaluate_full, _prepare

    p = np.array(weights) / sum(weights)
    _, b, support = _prepare(p[None, :], None)
    q, h, var = _evaluate_full(b, np.array([gamma]))
    with mpmath.workdps(50):
        logs = [mpmath.log(mpmath.mpf(float(x))) for x in p]
        top = max(logs)
        bs = [x - top for x in logs]
        w = [mpmath.exp(mpmath.mpf(gamma) * x) for x in bs]
        total = mpmath.fsum(w)
        qs = [x / total for x in w]
        want_h = -mpmath.fsum(x * mpmath.log(x) for x in qs if x > 0)
        mean = mpmath.fsum(x * y for x, y in zip(qs, bs, strict=True))
        want_var = mpmath.fsum(x * (y - mean) ** 2 for x, y in zip(qs, bs, strict=True))
    # exp(γb) turns the absolute error of γb into relative error: b = ln p_i − ln p_max is off by the roundings of
    # both logs (|ln p_i| + |ln p_max| ulps of 1) and of itself, times γ; 4 ulps more for the sum and the division
    want = np.array([float(x) for x in qs])
    logs_p = np.abs(np.log(p))
    bound = (gamma * (logs_p + logs_p.min() + np.abs(b[0])) + 4) * 4.5e-16 * want + 1e-300
    assert np.all(np.abs(q[0] - want) <= bound), (q[0], want)
    assert h[0] == pytest.approx(float(want_h), rel=1e-12, abs=1e-13)
    # Var_q(b) inherits the roundings of b too: near-ties (b ~ 1e-16 off 0) add ~q (δb)² absolutely
    assert var[0] == pytest.approx(float(want_var), rel=1e-9, abs=(8 * 2.3e-16 * (1 + logs_p.max())) ** 2)
    np.testing.assert_array_equal(_evaluate(b, support, np.array([gamma]))[0], q)
