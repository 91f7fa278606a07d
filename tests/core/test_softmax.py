"""Softmax, log-softmax and logsumexp against scipy and at the numerical edges."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from entcli.core import log_softmax, logsumexp, softmax


def test_math_md_example():
    np.testing.assert_allclose(softmax([1.0, 2.0, 3.0]), [0.0900, 0.2447, 0.6652], atol=5e-5)


def test_against_scipy():
    rng = np.random.default_rng(2)
    z = rng.normal(scale=5, size=(100, 17))
    np.testing.assert_allclose(softmax(z), special.softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(log_softmax(z), special.log_softmax(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(logsumexp(z), special.logsumexp(z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(softmax(z, temperature=2.5), special.softmax(z / 2.5, axis=1), rtol=1e-12)


def test_huge_logits_do_not_overflow():
    z = np.array([[1000.0, 999.0, -1e300], [1e300, 0.0, -1e300]])
    p = softmax(z)
    assert np.isfinite(p).all()
    # e^0 / (e^0 + e^-1) for the first row
    assert p[0, 0] == pytest.approx(1 / (1 + np.exp(-1.0)), rel=1e-15)
    np.testing.assert_array_equal(p[1], [1.0, 0.0, 0.0])
    assert log_softmax(z)[0, 1] == pytest.approx(-1 - np.log1p(np.exp(-1.0)), rel=1e-15)


def test_minus_inf_logit_is_probability_zero():
    p = softmax([0.0, -np.inf, 0.0])
    np.testing.assert_array_equal(p, [0.5, 0.0, 0.5])
    assert log_softmax([0.0, -np.inf])[1] == -np.inf


def test_log_softmax_keeps_tiny_probabilities():
    # log(softmax) would give log(0) = -inf; z - logsumexp(z) gives the exact -800.
    assert log_softmax([0.0, -800.0])[1] == pytest.approx(-800.0, rel=1e-15)


def test_temperature_must_be_positive():
    with pytest.raises(ValueError):
        softmax([1.0, 2.0], temperature=0.0)


@given(arrays(np.float64, st.integers(1, 20), elements=st.floats(-700, 700)))
def test_softmax_is_a_distribution_and_shift_invariant(z):
    p = softmax(z)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (p >= 0).all()
    np.testing.assert_allclose(softmax(z + 3.0), p, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(np.exp(log_softmax(z)), p, rtol=1e-9, atol=1e-300)
