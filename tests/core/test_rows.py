"""The row checks and reductions every command's rows go through (entcli/core/distributions.py, reductions.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from entcli.core.distributions import bad_rows
from entcli.core.reductions import EINSUM_WIDTH, row_sums
from entcli.core.shannon import xlogx


@pytest.mark.parametrize("k", [1, 3, 10, EINSUM_WIDTH, EINSUM_WIDTH + 1, 1000])
def test_row_sums_are_as_accurate_as_numpys(k):
    # Against math.fsum (exact, then rounded once): positive rows spanning 16 orders of magnitude.
    rng = np.random.default_rng(k)
    x = rng.random((4000, k)) * rng.choice([1.0, 1e-8, 1e8], (4000, k))
    exact = np.array([math.fsum(r) for r in x.tolist()])
    assert np.max(np.abs(row_sums(x) - exact) / exact) <= max(np.max(np.abs(x.sum(-1) - exact) / exact), 5e-16)


def test_row_sums_of_non_finite_and_other_shapes():
    x = np.array([[np.inf, 1.0], [np.inf, -np.inf], [np.nan, 0.0], [1e308, 1e308], [0.0, -0.0]])
    got = row_sums(x)
    assert got[0] == np.inf and np.isnan(got[1]) and np.isnan(got[2]) and got[3] == np.inf and got[4] == 0.0
    assert row_sums(np.array([0.25, 0.5])) == 0.75  # one row, 1-D
    assert row_sums(np.ones((2, 3, 4))).tolist() == [[4.0] * 3] * 2
    assert row_sums(np.zeros((0, 5))).shape == (0,)


cells = st.sampled_from([0.0, -0.0, 0.5, 0.25, 1.0, -0.25, 1.25, np.nan, np.inf, -np.inf, 1e-300])


@settings(max_examples=300, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)), elements=cells),
       st.sampled_from(["probs", "renormalize", "counts"]))
def test_bad_rows_against_the_rule_row_by_row(x, kind):
    # The rule, one row at a time: every value finite and >= 0, a positive finite sum, within 1e-9 of 1 for probs.
    # Blocks mix NaN rows with negative ones, where a flat min alone would miss the negative (min of a NaN is NaN).
    def bad(row: list[float]) -> bool:
        if not all(math.isfinite(v) and v >= 0 for v in row):
            return True
        total = math.fsum(row)
        return not total > 0 or (kind == "probs" and abs(total - 1.0) > 1e-9)

    assert bad_rows(x, kind, 1e-9).tolist() == [bad(r) for r in x.tolist()]


def test_a_negative_row_is_found_beside_a_nan_row():
    x = np.array([[np.nan, 1.0], [-0.5, 1.5], [0.5, 0.5]])
    assert bad_rows(x, "probs").tolist() == [True, True, False]


def test_xlogx_limits_and_what_is_not_a_probability():
    got = xlogx(np.array([0.0, -0.0, 1.0, 0.5, np.nan, -0.5, np.inf]))
    assert got[:3].tolist() == [0.0, 0.0, 0.0]
    assert got[3] == 0.5 * math.log(0.5)
    assert np.isnan(got[4]) and np.isnan(got[5]) and got[6] == np.inf  # never turned into 0


def test_support_counts_positive_outcomes_with_and_without_zeros():
    from entcli.core.shannon import support

    assert support(np.full((3, 4), 0.25)).tolist() == [4, 4, 4]  # the flat shortcut
    assert support(np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [np.nan, 0.5, 0.5]])).tolist() == [2, 1, 2]
    assert support(np.array([0.2, 0.8, 0.0])).tolist() == 2  # one row
    assert support(np.zeros((0, 3))).tolist() == []


def test_row_sums_depend_on_the_values_alone():
    # A row summed in a column-major block, a strided view, at another offset: the same bits (the partitioned
    # dataset test found a column-major block whose sums differed from the single file's in the last bit).
    rng = np.random.default_rng(1)
    rows = rng.random((500, 10)) * rng.choice([1.0, 1e-8, 1e8], (500, 10))
    want = row_sums(rows)
    assert np.array_equal(row_sums(np.asfortranarray(rows)), want)
    assert np.array_equal(row_sums(np.concatenate([rows, rows], axis=1)[:, :10]), want)
    assert np.array_equal(row_sums(rows[7:]), want[7:])
    assert np.array_equal(row_sums(rows[::-1])[::-1], want)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 20)),
              elements=st.sampled_from([0.0, -0.0, 1.5, -3.0, 700.0, -1e308, np.nan, np.inf, -np.inf])))
def test_row_max_and_logit_rows_against_the_rule(x):
    from entcli.core.reductions import row_max

    want = [max(r) if not any(math.isnan(v) for v in r) else math.nan for r in x.tolist()]
    got = row_max(x).tolist()
    assert [g == w or (math.isnan(g) and math.isnan(w)) for g, w in zip(got, want, strict=True)] == [True] * len(want)
    # A row of logits is bad with a NaN or +inf, or when every logit is -inf.
    rule = [any(math.isnan(v) or v == math.inf for v in r) or all(v == -math.inf for v in r) for r in x.tolist()]
    assert bad_rows(x, "logits").tolist() == rule


def test_what_is_not_a_distribution_gives_nan_never_zero():
    # The CLI drops such rows before computing; a library caller gets NaN, not a number that looks like a result.
    from entcli.core.divergence import js_divergence, kl_divergence
    from entcli.core.shannon import entropy

    ok = np.array([0.5, 0.5])
    for bad in (np.array([np.nan, 0.5]), np.array([-0.5, 1.5])):
        assert np.isnan(kl_divergence(bad, ok)) and np.isnan(js_divergence(bad, ok)) and np.isnan(entropy(bad))
        assert np.isnan(kl_divergence(ok, np.array([np.nan, 0.5])))
    assert kl_divergence(np.array([0.0, 1.0]), ok) == math.log(2.0)  # 0 ln 0 = 0 still
