"""Gradients against finite differences and closed forms; simulate against MATH.md's reference run."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import special

from entcli.core.dynamics import simulate
from entcli.core.gradients import (
    entropy_grad,
    entropy_of_logits,
    fd_gradient,
    kd_grad,
    softmax_jacobian,
    xent_grad,
)

logit_rows = arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(2, 8)), elements=st.floats(-8, 8))



@given(logit_rows)
@settings(max_examples=60)
def test_entropy_grad_matches_finite_differences_and_sums_to_zero(z):
    p, h, g = entropy_grad(z)
    np.testing.assert_allclose(g, fd_gradient(entropy_of_logits, z), atol=1e-8)
    np.testing.assert_allclose(g.sum(axis=-1), 0.0, atol=1e-15)
    np.testing.assert_allclose(h, -np.sum(special.xlogy(p, p), axis=-1), rtol=1e-12, atol=1e-15)



@given(logit_rows, st.data())
@settings(max_examples=60)
def test_xent_grad_is_p_minus_y(z, data):
    k = z.shape[1]
    y = special.softmax(data.draw(arrays(np.float64, z.shape, elements=st.floats(-3, 3))), axis=1)
    p, loss, g = xent_grad(z, y)
    np.testing.assert_array_equal(g, p - y)
    f = lambda zz: -np.sum(np.repeat(y, k, axis=0) * special.log_softmax(zz, axis=1), axis=1)  # noqa: E731
    np.testing.assert_allclose(g, fd_gradient(f, z), atol=1e-8)



@pytest.mark.parametrize("cells", [1, 7, 40, 1 << 22])
def test_finite_differences_in_pieces_are_the_same_numbers(monkeypatch, cells):
    """Perturbed copies are evaluated FD_CELLS numbers at a time (rows in groups, a wide row's coordinates in
    runs); each piece's f is told which rows it gets (a target per row): every piece size gives the one-shot
    numbers exactly, for a scalar f with a target per row and for a vector f (the softmax Jacobian)."""
    from entcli.core import gradients
    from entcli.core.objectives import Objective

    rng = np.random.default_rng(cells)
    z = rng.normal(size=(5, 6)) * 3
    z[1, 2] = -np.inf  # an unperturbed coordinate: gradient 0
    y = special.softmax(rng.normal(size=(5, 6)), axis=1)
    y[1, 2] = 0.0  # no target mass where the logit is -inf (else the loss is inf)
    y /= y.sum(axis=1, keepdims=True)
    xent = Objective("xent", target=y)
    want = xent_grad(np.where(np.isfinite(z), z, -50.0), y)[2]
    monkeypatch.setattr(gradients, "FD_CELLS", cells)
    fd = fd_gradient(xent.value, z, of_rows=lambda rows, t: xent.of_rows(rows, t).value)
    np.testing.assert_allclose(fd, want, atol=1e-8)
    assert fd[1, 2] == 0.0
    jac = fd_gradient(lambda zz: special.softmax(zz, axis=1), z[:, :4]).swapaxes(-1, -2)
    np.testing.assert_allclose(jac, softmax_jacobian(special.softmax(z[:, :4], axis=1)), atol=1e-8)
    monkeypatch.setattr(gradients, "FD_CELLS", 1 << 22)
    assert np.array_equal(fd, fd_gradient(xent.value, z, of_rows=lambda rows, t: xent.of_rows(rows, t).value))


def test_finite_differences_of_a_wide_row_in_bounded_memory():
    """Issue 20 (found by the contract matrix taking 15 GB): grad --check of one row of 20,001 logits made K² copies
    at once; in pieces it stays within a few FD_CELLS (tracemalloc counts NumPy's allocations)."""
    import tracemalloc

    from entcli.core import gradients

    z = np.linspace(-1, 1, 20_001)[None, :]
    tracemalloc.start()
    try:
        fd = fd_gradient(entropy_of_logits, z)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(fd, entropy_grad(z)[2], atol=1e-8)
    assert peak < 8 * 8 * gradients.FD_CELLS, f"{peak / 2**20:.0f} MiB"


@given(logit_rows, st.floats(0.5, 20))
@settings(max_examples=60)
def test_kd_grad_matches_finite_differences(z, temperature):
    v = z[::-1, ::-1].copy()
    _, _, g = kd_grad(z, v, temperature)
    np.testing.assert_allclose(g, (special.softmax(z / temperature, axis=1) - special.softmax(v / temperature, axis=1))
                               / temperature, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g, fd_gradient(lambda zz: kd_grad(zz, np.repeat(v, z.shape[1], axis=0), temperature)[1],
                                              z), atol=1e-8)
    _, _, g2 = kd_grad(z, v, temperature, t2=True)
    np.testing.assert_allclose(g2, g * temperature**2, rtol=1e-15)



def test_kd_high_temperature_limit():
    # For zero-mean logits and large T, (1/T)(σ(z/T) − σ(v/T)) → (z − v)/(K T²).
    z = np.array([1.0, -0.5, -0.5])
    v = np.array([-1.0, 0.5, 0.5])
    t = 1e3
    _, _, g = kd_grad(z, v, t)
    np.testing.assert_allclose(g, (z - v) / (3 * t**2), rtol=1e-3)



def test_softmax_jacobian_closed_form_and_fd():
    z = np.array([[1.0, 2.0, 3.0], [0.0, -1.0, 4.0]])
    p = special.softmax(z, axis=1)
    jac = softmax_jacobian(p)
    for n in range(2):
        np.testing.assert_allclose(jac[n], np.diag(p[n]) - np.outer(p[n], p[n]), rtol=1e-15)
    fd = fd_gradient(lambda zz: special.softmax(zz, axis=1), z).swapaxes(-1, -2)
    np.testing.assert_allclose(jac, fd, atol=1e-9)
    np.testing.assert_allclose(jac.sum(axis=-1), 0.0, atol=1e-16)



def test_entropy_grad_with_minus_inf_logit():
    p, h, g = entropy_grad(np.array([0.0, -np.inf, 0.0]))
    assert g[1] == 0.0 and h == pytest.approx(math.log(2)) and np.all(np.isfinite(g))



def test_reference_run():
    h = simulate()
    np.testing.assert_allclose(h.p[-1, 0], [0.951, 0.029, 0.019], atol=6e-4)
    assert h.entropy[-1, 0] == pytest.approx(0.228, abs=5e-4)
    assert np.all(np.diff(h.entropy[:, 0]) <= 0)  # never rises under descent
    # Step 1 by hand: z1 = z0 + 0.5 p (log p + H).
    z0 = np.array([1.0, 0.8, 0.5])
    p0 = special.softmax(z0)
    h0 = -np.sum(p0 * np.log(p0))
    np.testing.assert_allclose(h.z[1, 0], z0 + 0.5 * p0 * (np.log(p0) + h0), rtol=1e-15)



def test_maximize_reaches_log_k():
    h = simulate([3.0, 0.0, -2.0, 1.0], lr=1.0, steps=400, maximize=True)
    assert h.entropy[-1, 0] == pytest.approx(math.log(4), rel=1e-9)
    assert np.all(np.diff(h.entropy[:, 0]) >= -1e-15)



@given(arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(2, 6)), elements=st.floats(-3, 3)))
@settings(max_examples=40)
def test_small_steps_never_raise_entropy(z0):
    h = simulate(z0, lr=0.05, steps=30)
    assert np.all(np.diff(h.entropy, axis=0) <= 1e-12)



def test_until_stops_each_row():
    h = simulate([[1.0, 0.8, 0.5], [3.0, 0.0, 0.0]], lr=0.5, steps=50, until=0.5)
    assert h.entropy[h.last[0], 0] <= 0.5 < h.entropy[h.last[0] - 1, 0]
    assert h.last[1] == 0  # already below 0.5 at the start
