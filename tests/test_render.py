"""Formatting numbers: round-trip repr, digits, and the Arrow fast path that must agree with repr."""

from __future__ import annotations

import numpy as np
import pytest

from entcli.io import render


def test_repr_and_digits():
    assert render.format_numbers(np.array([1.0, 0.1, 1e-5, np.inf, np.nan, -0.0])) == \
        ["1.0", "0.1", "1e-05", "inf", "nan", "-0.0"]
    assert render.format_numbers(np.array([1 / 3]), 3) == ["0.333"]
    assert render.format_numbers(np.array([3, 4])) == ["3", "4"]


def test_arrow_formatting_equals_repr(monkeypatch):
    pytest.importorskip("pyarrow")
    import pyarrow  # noqa: F401  (the fast path is used once pyarrow is loaded)

    rng = np.random.default_rng(0)
    values = np.concatenate([
        rng.random(100_000), 10 ** rng.uniform(-8, 20, 100_000), -(10 ** rng.uniform(-8, 20, 50_000)),
        rng.integers(-1000, 1000, 1000).astype(float), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-4, 1e9, 5e-324,
                                                        1.7976931348623157e308, 0.1, 1 / 3, 2 / 3],
    ])
    monkeypatch.setattr(render, "FAST_FORMAT_SIZE", 1)
    assert render.format_numbers(values) == list(map(repr, values.tolist()))
