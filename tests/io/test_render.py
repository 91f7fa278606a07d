"""Formatting numbers: round-trip repr, digits, and the Arrow fast path that must agree with repr."""

from __future__ import annotations

import numpy as np
import pytest

from entcli.io import numbers, render


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
    monkeypatch.setattr(numbers, "FAST_FORMAT_SIZE", 1)
    assert render.format_numbers(values) == list(map(repr, values.tolist()))


def _write(fmt, columns, names=None, digits=None):
    import io

    out = io.StringIO()
    writer = render.Writer(fmt, out, next(iter(columns)), names=names, digits=digits)
    writer.write(columns)
    writer.close()
    return out.getvalue()


def test_matrix_fields_in_every_format():
    jac = np.array([[[0.25, -0.25], [-0.25, 0.25]]])
    cols = {"jacobian": jac, "unit": "nats"}
    assert _write("plain", cols) == "0.25,-0.25;-0.25,0.25\n"
    assert _write("csv", cols).splitlines() == ["jacobian_1_1,jacobian_1_2,jacobian_2_1,jacobian_2_2,unit",
                                                "0.25,-0.25,-0.25,0.25,nats"]
    import json

    assert json.loads(_write("json", cols)) == [{"jacobian": [[0.25, -0.25], [-0.25, 0.25]], "unit": "nats"}]


def test_csv_header_names_are_quoted_and_nonfinite_are_written_as_such():
    cols = {"p": np.array([[0.5, np.inf]]), "entropy": np.array([np.nan])}
    lines = _write("csv", cols, names=["a,b", "c"]).splitlines()
    assert lines == ['"p_a,b",p_c,entropy', "0.5,inf,nan"]
    assert _write("tsv", cols).splitlines()[1] == "0.5\tinf\tnan"


def test_json_is_strict_and_names_nonfinite_values():
    import json

    cols = {"kl": np.array([np.inf, 0.5]), "p": np.array([[np.nan, 1.0], [0.5, 0.5]]), "unit": "bits"}
    text = _write("jsonl", cols)
    assert "Infinity" not in text and "NaN" not in text
    first, second = (json.loads(line) for line in text.splitlines())
    assert first == {"kl": None, "p": [None, 1.0], "unit": "bits", "nonfinite": {"kl": "inf", "p[0]": "nan"}}
    assert second == {"kl": 0.5, "p": [0.5, 0.5], "unit": "bits"}
    assert json.loads(_write("json", {"x": np.array([], dtype=float)})) == []


def test_digits_apply_to_every_machine_format():
    cols = {"h": np.array([1 / 3])}
    assert _write("plain", cols, digits=4) == "0.3333\n"
    assert _write("csv", cols, digits=2).splitlines()[1] == "0.33"
    assert _write("jsonl", cols, digits=3) == '{"h": 0.333}\n'
