"""The bad-input matrix for every command, numerical edges against mpmath, signals and late errors."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from entcli.core import entropy, kl_divergence, log_softmax, softmax

# How each command reads rows from stdin, and whether its numbers are logits.
ONE_INPUT = {
    "entropy": (["entropy"], False),
    "softmax": (["softmax"], True),
    "normalize": (["normalize", "--ratio", "0.5"], False),
    "grad": (["grad"], True),
    "simulate": (["simulate", "-i", "-", "--steps", "2"], True),
    "kl": (["kl", "-p", "-", "-q", "0.5,0.5"], False),
    "xent": (["xent", "-p", "-", "-q", "0.5,0.5"], False),
}

BAD_FOR_ALL = [
    ("non-number", "0.3,0.7\n0.5,x\n", "line 2: column 2 ('x') is not a number"),
    ("header-like only line", "0.5,x\n", "taken as a header"),
    ("nan", "0.5,nan\n", "column 2"),
    ("empty", "", "no rows"),
    ("header only", "a,b\n", "no rows"),
    ("ragged", "0.3,0.7\n1\n", "line 2: has 1 fields"),
    ("binary garbage", b"\x00\x01\xff\xfe\x00garbage", "error:"),
    ("invalid utf-8", b"0.3,0.7\n0.3,\xff\n", "line 2 is not valid UTF-8"),  # row 1 is read first
]
BAD_FOR_PROBABILITIES = [
    ("negative", "-0.5,1.5\n", "probability -0.5 is negative"),
    ("sum off", "0.5,0.6\n", "sums to 1.1"),
    ("all zero", "0,0\n", "every probability is 0"),
    ("huge", "1e308,1e308\n", "row 1"),
    ("inf", "inf,0\n", "not finite"),
]


def cases():
    for name, (args, logits) in ONE_INPUT.items():
        for case in BAD_FOR_ALL + ([] if logits else BAD_FOR_PROBABILITIES):
            yield pytest.param(args, *case[1:], id=f"{name}-{case[0]}")


@pytest.mark.parametrize("args, stdin, message", list(cases()))
@pytest.mark.usefixtures("both_readers")
def test_bad_input_matrix(cli, args, stdin, message):
    r = cli(*args, stdin=stdin)
    assert r.code == 2, (r.out, r.err)
    assert r.err.startswith("entcli: error: ") and message in r.err, r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("name", list(ONE_INPUT))
def test_bom_crlf_and_edges_give_results(cli, name):
    args, logits = ONE_INPUT[name]
    r = cli(*args, stdin="\ufeff0.4,0.6\r\n0.25,0.75\r\n")
    assert r.code == 0 and "\r" not in r.out, r.err
    # Subnormal probabilities are probabilities: a result, finite.
    r = cli(*args, "-o", "json", stdin="1e-320,1\n")
    assert r.code == 0 and "nonfinite" not in r.out, r.err


@pytest.mark.parametrize("name", ["softmax", "grad"])
def test_logit_commands_accept_huge_and_minus_inf(cli, name):
    args, _ = ONE_INPUT[name]
    r = cli(*args, "-o", "json", stdin="1e300,-1e300,-inf\n")
    assert r.code == 0 and "null" not in r.out, r.out


@pytest.mark.parametrize("args, message", [
    (["entropy", "--base", "1", "0.5", "0.5"], "--base"),
    (["softmax", "-T", "0", "1", "2"], "temperature"),
    (["simulate", "--steps", "-1"], "--steps"),
    (["simulate", "--lr", "nan"], "--lr"),
    (["normalize", "--ratio", "2", "0.5", "0.5"], "--ratio"),
    (["normalize", "0.5", "0.5"], "exactly one of"),
    (["xent", "--label-smoothing", "2", "-p", "1,0", "-q", "0.5,0.5"], "label-smoothing"),
    (["kl", "--js", "--reverse", "-p", "1,0", "-q", "0.5,0.5"], "at most one"),
    (["grad", "--of", "softmax", "--lr", "1", "1", "2"], "scalar objective"),
    (["entropy", "--digits", "0", "0.5", "0.5"], "--digits"),
    (["kl", "-p", "1,0", "-q", "0.5,0.5", "--epsilon", "-1"], "--epsilon"),
])
def test_out_of_range_and_conflicting_options(cli, args, message):
    r = cli(*args)
    assert r.code == 2 and r.err.startswith("entcli: error: ") and message in r.err, r.err


def test_single_outcome_and_wide_rows(cli):
    assert cli("entropy", "-o", "json", "1").out.count('"entropy": 0.0') == 1
    k = 100_000
    row = ",".join(["1e-05"] * k)  # sums to 1 within rounding
    r = cli("entropy", stdin=row + "\n")
    assert r.code == 0 and float(r.out) == pytest.approx(math.log(k), rel=1e-12)


def test_float32_softmax_rows_pass_the_default_tolerance(cli):
    rng = np.random.default_rng(0)
    z = (rng.normal(size=100_000) * 3).astype(np.float32)
    e = np.exp(z - z.max())
    p = e / e.sum()
    text = ",".join(f"{v:.9g}" for v in p)
    assert cli("entropy", stdin=text + "\n").code == 0


def test_mpmath_hard_cases():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50

    def h_exact(row):
        return float(-sum(mpmath.mpf(x) * mpmath.log(mpmath.mpf(x)) for x in row if x > 0))

    for row in ([1e-320, 1.0], [1e-300, 1 - 1e-16], [0.5 - 1e-17, 0.5], [1e-12] * 3 + [1 - 3e-12]):
        assert entropy(np.array(row)) == pytest.approx(h_exact(row), rel=1e-13)
    p, q = np.array([0.3, 0.7]), np.array([0.3 + 1e-12, 0.7 - 1e-12])
    exact = sum(mpmath.mpf(a) * mpmath.log(mpmath.mpf(a) / mpmath.mpf(b)) for a, b in zip(p, q, strict=True))
    assert kl_divergence(p, q) == pytest.approx(float(exact), rel=1e-13)
    z = np.array([1e300, 0.0, -1e300])
    np.testing.assert_array_equal(softmax(z), [1.0, 0.0, 0.0])
    assert log_softmax(z)[1] == -1e300
    z = np.array([0.0, -745.0])  # exp(-745) is subnormal
    exact = -mpmath.log(1 + mpmath.exp(-745))
    assert log_softmax(z)[0] == pytest.approx(float(exact), rel=1e-15, abs=1e-320)
    big = np.full(1_000_000, 1e-6)
    assert entropy(big) == pytest.approx(math.log(1e6), rel=1e-12)


def test_skip_invalid_on_a_late_bad_row(cli):
    rows = "0.5,0.5\n" * 1000 + "0.5,0.6\n" + "1,0\n"
    r = cli("entropy", stdin=rows)
    assert r.code == 2 and len(r.lines()) == 1000 and "row 1001 (line 1001)" in r.err
    r = cli("entropy", "--skip-invalid", stdin=rows)
    assert r.code == 1 and len(r.lines()) == 1001 and "line 1001" in r.err


def test_input_file_is_never_modified(cli, tmp_path):
    path = tmp_path / "in.csv"
    path.write_text("0.5,0.5\n")
    before = path.stat().st_mtime_ns, path.read_bytes()
    cli("entropy", "-i", str(path), "-O", str(tmp_path / "out.txt"))
    assert (path.stat().st_mtime_ns, path.read_bytes()) == before


def test_ctrl_c_exits_130_without_traceback():
    proc = subprocess.Popen([sys.executable, "-m", "entcli", "entropy", "-i", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and b"Traceback" not in err


def test_debug_shows_traceback(monkeypatch, cli):
    import entcli.core.shannon as shannon

    monkeypatch.setattr(shannon, "entropy_summary", lambda *a, **k: 1 / 0)
    monkeypatch.setenv("ENTCLI_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli("entropy", "0.5", "0.5")


@pytest.mark.parametrize("stdin", ["[[]]\n", "{}\n", '{"p": []}\n'])
def test_empty_rows_are_named(cli, stdin):
    r = cli("entropy", stdin=stdin)
    assert r.code == 2 and "row 1" in r.err and "the row is empty" in r.err
