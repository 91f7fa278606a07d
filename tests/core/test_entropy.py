"""The entropy core against scipy, MATH.md's reference values and the identities entropy obeys."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from entcli.core import contribution, entropy, entropy_summary, perplexity, surprisal, xlogx
from entcli.core.units import parse_base, unit_name
from tests.helpers import distributions


@pytest.mark.parametrize(
    "p, base, expected",
    [
        # MATH.md reference values.
        ([0.33, 0.33, 0.34], math.e, 1.0985),
        ([0.15, 0.7, 0.15], math.e, 0.8188),
        ([0.25, 0.25, 0.25, 0.25], 2, 2.0),
        ([0.1, 0.1, 0.1, 0.7], 2, 1.3568),
        ([0.99, 0.01], 2, 0.0808),
    ],
)
def test_math_md_reference_values(p, base, expected):
    assert entropy(np.array([p]), base)[0] == pytest.approx(expected, abs=5e-5)


def test_hand_derived_values():
    # H(1/2, 1/2) = ln 2 nats = 1 bit exactly; a one-hot row has H = 0 (0 · log 0 = 0).
    assert entropy([0.5, 0.5], 2) == 1.0
    assert entropy([[1.0, 0.0, 0.0]])[0] == 0.0
    assert math.copysign(1, entropy([[1.0, 0.0]])[0]) == 1.0  # not -0.0
    # H(1/4, 3/4) = -(1/4) log2(1/4) - (3/4) log2(3/4) = 0.5 + 0.75 (2 - log2 3)
    assert entropy([0.25, 0.75], 2) == pytest.approx(0.5 + 0.75 * (2 - math.log2(3)), rel=1e-15)


def test_against_scipy_on_random_batches():
    rng = np.random.default_rng(1)
    for k in (2, 3, 10, 1000):
        p = rng.dirichlet(np.full(k, 0.3), size=200)
        p[:, 0] = 0.0
        p /= p.sum(axis=1, keepdims=True)
        for base in (2.0, math.e, 10.0, 3.0):
            # scipy divides p by its sum again, which moves near-one-hot rows by ~1e-16 absolute (we do not:
            # the mpmath test below shows ours is the exact value of the given numbers), hence the atol.
            np.testing.assert_allclose(entropy(p, base), stats.entropy(p, base=base, axis=1), rtol=1e-12, atol=1e-15)


def test_against_mpmath_at_50_digits():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    rows = [[0.0, 1 - 1.12562132e-06, 1.12562132e-06], [1e-300, 1 - 1e-300], [0.5, 0.25, 0.125, 0.125],
            [1e-12] * 10 + [1 - 1e-11]]
    for row in rows:
        exact = -sum(mpmath.mpf(x) * mpmath.log(mpmath.mpf(x)) for x in row if x > 0)
        assert entropy(np.array(row)) == pytest.approx(float(exact), rel=1e-13)


def test_summary_fields():
    s = entropy_summary(np.array([[0.5, 0.5, 0.0, 0.0], [1, 0, 0, 0]]), base=2)
    np.testing.assert_array_equal(s["k"], [4, 4])
    np.testing.assert_array_equal(s["support"], [2, 1])
    np.testing.assert_allclose(s["max_entropy"], [2.0, 2.0])
    np.testing.assert_allclose(s["entropy"], [1.0, 0.0])
    np.testing.assert_allclose(s["normalized"], [0.5, 0.0])
    np.testing.assert_allclose(s["perplexity"], [2.0, 1.0])


def test_single_outcome_has_zero_normalised_entropy():
    s = entropy_summary(np.array([[1.0]]))
    assert s["entropy"][0] == 0.0 and s["normalized"][0] == 0.0 and s["max_entropy"][0] == 0.0


def test_surprisal_and_contribution():
    p = np.array([0.5, 0.25, 0.25, 0.0])
    np.testing.assert_array_equal(surprisal(p, 2), [1.0, 2.0, 2.0, np.inf])
    np.testing.assert_array_equal(contribution(p, 2), [0.5, 0.5, 0.5, 0.0])
    assert np.all(np.signbit(surprisal(np.array([1.0]))) == False)  # noqa: E712  (no -0.0)
    np.testing.assert_array_equal(xlogx(np.array([0.0, 1.0])), [0.0, 0.0])


@given(distributions())
def test_entropy_bounds(p):
    h = entropy(p)
    assert -1e-15 <= h <= math.log(len(p)) + 1e-12


@given(distributions(min_k=2), st.randoms(use_true_random=False))
def test_permutation_invariance(p, rnd):
    q = p.copy()
    rnd.shuffle(q)
    assert entropy(q) == pytest.approx(entropy(p), rel=1e-12, abs=1e-15)


@given(distributions(), st.sampled_from([2.0, 10.0, 3.0, 0.5]))
def test_units_convert_by_log_base(p, base):
    assert entropy(p, base) == pytest.approx(entropy(p) / math.log(base), rel=1e-12, abs=1e-15)


@given(distributions())
@settings(max_examples=50)
def test_perplexity_is_exp_entropy_and_between_1_and_support(p):
    ppl = perplexity(entropy(p))
    assert 1 - 1e-12 <= ppl <= np.count_nonzero(p) * (1 + 1e-12)


def test_uniform_is_maximal():
    for k in (1, 2, 7, 100):
        assert entropy(np.full(k, 1 / k)) == pytest.approx(math.log(k), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("text, base", [("2", 2.0), ("e", math.e), ("10", 10.0), ("bits", 2.0), ("3", 3.0)])
def test_parse_base(text, base):
    assert parse_base(text) == base


@pytest.mark.parametrize("text", ["1", "0", "-2", "inf", "nan", "x"])
def test_parse_base_rejects(text):
    with pytest.raises(ValueError):
        parse_base(text)


def test_unit_names():
    assert [unit_name(b) for b in (2.0, math.e, 10.0, 3.0)] == ["bits", "nats", "dits", "base-3"]


def test_public_core_names_import_from_entcli():
    import entcli
    from entcli.core import EXPORTS

    for name in EXPORTS:
        obj = getattr(entcli, name)
        assert obj is not None
        if callable(obj):
            assert obj.__doc__, f"{name} has no docstring"


def test_the_public_names_are_listed_literally_and_load():
    import entcli
    from entcli.core import EXPORTS

    assert entcli.__all__ == sorted(EXPORTS)
    assert all(callable(getattr(entcli, name)) or name == "DEFAULT_TOL" for name in entcli.__all__)
