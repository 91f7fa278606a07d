"""Temperature scaling and calibration metrics against scipy, finite differences and hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import optimize, special

from entcli.core.calibration import calibration, fit_temperature, nll_and_derivatives


def sample(seed: int, n: int = 400, k: int = 4, margin: float = 1.5, scale: float = 3.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    z = rng.normal(size=(n, k)) * scale
    z[np.arange(n), y] += margin
    return z, y


def nll(z, y, t):
    return -np.mean(special.log_softmax(z / t, axis=1)[np.arange(len(y)), y])


@pytest.mark.parametrize("seed", range(5))
def test_temperature_against_scipy(seed):
    z, y = sample(seed)
    fit = fit_temperature(z, y)
    # A derivative-free minimiser finds a flat minimum to ~sqrt(eps) in T: compared at 1e-7.
    brent = optimize.minimize_scalar(lambda t: nll(z, y, t), bounds=(1e-3, 1e3), method="bounded",
                                     options={"xatol": 1e-12})
    assert fit.temperature == pytest.approx(brent.x, rel=1e-7)
    assert fit.nll_after == pytest.approx(brent.fun, rel=1e-12)

    # The root of the derivative, written independently (E_p[z] - z_y with scipy's softmax), to 1e-10.
    def derivative(beta):
        p = special.softmax(beta * z, axis=1)
        return np.mean(np.sum(p * z, axis=1) - z[np.arange(len(y)), y])

    beta = optimize.brentq(derivative, 1e-6, 1e3, xtol=1e-15, rtol=1e-15)
    assert fit.beta == pytest.approx(beta, rel=1e-10)
    assert abs(fit.gradient) <= 1e-12


@pytest.mark.parametrize("beta", [0.05, 0.7, 1.0, 3.0])
def test_derivatives_against_finite_differences(beta):
    z, y = sample(9)
    f, g, h = nll_and_derivatives(z, y, beta)
    eps = 1e-5
    f_plus, g_plus, _ = nll_and_derivatives(z, y, beta + eps)
    f_minus, g_minus, _ = nll_and_derivatives(z, y, beta - eps)
    assert g == pytest.approx((f_plus - f_minus) / (2 * eps), rel=1e-7, abs=1e-9)
    assert h == pytest.approx((g_plus - g_minus) / (2 * eps), rel=1e-6, abs=1e-9)
    assert f == pytest.approx(nll(z, y, 1 / beta), rel=1e-13)


def test_invariances_and_the_optimum_identity():
    z, y = sample(3)
    fit = fit_temperature(z, y)
    # Scaling every logit by c scales the fitted temperature by c.
    assert fit_temperature(3.5 * z, y).temperature == pytest.approx(3.5 * fit.temperature, rel=1e-10)
    # At the optimum NLL' = 0, i.e. mean E_p[z] = mean z_y, so NLL = mean H(p): the mean entropy.
    p = special.softmax(z / fit.temperature, axis=1)
    assert fit.nll_after == pytest.approx(np.mean(-np.sum(p * np.log(p), axis=1)), rel=1e-10)
    # T = 1 changes nothing: the metrics of softmax(z / 1) are those of softmax(z).
    a = calibration(special.softmax(z, axis=1), y)
    b = calibration(special.softmax(z / 1.0, axis=1), y)
    assert (a.ece, a.adaptive_ece, a.mce, a.nll, a.brier, a.entropy) == (b.ece, b.adaptive_ece, b.mce, b.nll, b.brier,
                                                                       b.entropy)


def test_the_ends_of_the_range_are_reported():
    z = np.array([[2.0, 0.0], [0.0, 3.0]])
    fit = fit_temperature(z, np.array([0, 1]))  # every label its row's strict argmax: NLL falls as T -> 0
    assert fit.temperature == 0.0 and "T -> 0" in fit.note
    fit = fit_temperature(z, np.array([1, 0]))  # every label the row's minimum: no better than uniform
    assert fit.temperature == math.inf and "infinite" in fit.note


def test_binary_against_scipy():
    rng = np.random.default_rng(4)
    z = rng.normal(size=600) * 3
    y = (rng.random(600) < special.expit(z / 2)).astype(int)
    fit = fit_temperature(z, y, binary=True)

    def derivative(beta):
        return np.mean((special.expit(beta * z) - y) * z)

    assert fit.beta == pytest.approx(optimize.brentq(derivative, 1e-6, 1e3, xtol=1e-15, rtol=1e-15), rel=1e-10)


def reference_ece(p, y, bins):
    """Plain ECE: for each equal-width bin of the confidence c = max p (the last bin closed at 1), the share of
    rows in it times |accuracy - mean confidence| of those rows, summed."""
    conf = p.max(axis=1)
    correct = p.argmax(axis=1) == y
    total, worst = 0.0, 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = (conf >= lo) & ((conf < hi) if b < bins - 1 else (conf <= hi))
        if inside.any():
            gap = abs(correct[inside].mean() - conf[inside].mean())
            total += inside.mean() * gap
            worst = max(worst, gap)
    return total, worst


def test_metrics_on_hand_made_cases():
    # Four rows, two bins: confidences 0.9, 0.9 (bin [0.5, 1]) and 0.6, 0.6, labels making bin accuracies known.
    p = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.6, 0.4]])
    y = np.array([0, 1, 1, 1])
    c = calibration(p, y, bins=2)
    # every confidence is in [0.5, 1]: one bin, accuracy 2/4 (rows 1 and 3 right), mean confidence 0.75
    assert c.accuracy == 0.5 and c.confidence == pytest.approx(0.75)
    assert c.ece == pytest.approx(0.25) and c.mce == pytest.approx(0.25)
    # Brier: (0.1² + 0.1²) + (0.9² + 0.9²) + (0.4² + 0.4²) + (0.6² + 0.6²) over 4 = (0.02 + 1.62 + 0.32 + 0.72)/4
    assert c.brier == pytest.approx(2.68 / 4)
    # adaptive, 2 equal-mass bins: sorted confidences (0.6, 0.6 | 0.9, 0.9): acc (0.5 | 0.5), conf (0.6 | 0.9)
    assert c.adaptive_ece == pytest.approx(0.5 * 0.1 + 0.5 * 0.4)
    assert c.nll == pytest.approx(-np.mean(np.log([0.9, 0.1, 0.6, 0.4])))
    z, y = sample(6)
    for bins in (1, 5, 15):
        p = special.softmax(z, axis=1)
        ece, mce = reference_ece(p, y, bins)
        got = calibration(p, y, bins=bins)
        assert got.ece == pytest.approx(ece, rel=1e-12) and got.mce == pytest.approx(mce, rel=1e-12)
