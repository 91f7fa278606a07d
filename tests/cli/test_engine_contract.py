"""Regression tests of the argv -> output path: typed option groups, the core's DomainError at the one
boundary, the injected environment, the run engine's tallies and the -O file (issue: one clear path)."""

from __future__ import annotations

import io
import math
import os
import re
import stat

import numpy as np
import pytest

from entcli.cli.app import run
from entcli.cli.environment import Environment
from entcli.core.errors import DomainError
from entcli.errors import ExitCode


def test_exit_codes_are_one_enum():
    assert [int(c) for c in ExitCode] == [0, 1, 2, 70, 130]


def test_grad_probs_uses_the_default_tolerance(cli):
    # Was "tolerance 0" with a hint naming --tol, an option grad does not have.
    r = cli("grad", "--probs", "0.7", "0.2", "0.1", "-o", "csv")
    assert r.code == 0, r.err
    p = np.array([0.7, 0.2, 0.1])
    h = -np.sum(p * np.log(p))
    grad = [float(x) for x in r.lines()[1].split(",")[4:7]]  # p1..p3, entropy, grad1..grad3
    np.testing.assert_allclose(grad, -p * (np.log(p) + h), rtol=1e-12)


def test_a_hint_names_only_options_the_command_has(cli):
    r = cli("grad", "--probs", "0.7", "0.2", "0.2")
    assert r.code == 2 and "tolerance 1e-06" in r.err
    assert "--tol" not in r.err and "--renormalize" not in r.err
    r = cli("entropy", "0.7", "0.2", "0.2")
    assert r.code == 2 and "--renormalize" in r.err and "--tol" in r.err
    r = cli("kl", "-p", "0.5,0.5", "-q", "0.7,0.7")
    assert r.code == 2 and "--q-renormalize" in r.err and "--q-counts" in r.err


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_a_bad_pseudocount_is_exit_2(cli, value):
    r = cli("entropy", "--counts", "--estimator", "dirichlet", "--pseudocount", value, "1", "2")
    assert r.code == 2 and r.err.startswith("entcli: error: --pseudocount must be finite and >= 0"), r.err


@pytest.mark.parametrize("call", [
    lambda: __import__("entcli.core.divergence", fromlist=["x"]).kl_divergence([0.5, 0.5], [0.2, 0.3, 0.5]),
    lambda: __import__("entcli.core.generalized", fromlist=["x"]).renyi_entropy([0.5, 0.5], -1.0),
    lambda: __import__("entcli.core.estimators", fromlist=["x"]).estimate_entropy("dirichlet", [[1, 2]], math.e, -1.0),
    lambda: __import__("entcli.core.objectives", fromlist=["x"]).Objective("xent"),
    lambda: __import__("entcli.core.losses", fromlist=["x"]).BatchTotals().reduce("mean"),
    lambda: __import__("entcli.core.losses", fromlist=["x"]).smooth_q([0.5, 0.5], -1.0),
])
def test_the_core_raises_its_own_error_type_without_flags(call):
    with pytest.raises(DomainError) as info:
        call()
    assert isinstance(info.value, ValueError) and "--" not in info.value.message


def test_a_mean_over_no_weight_is_exit_2(cli):
    # Both labels are ignored: the mean has no denominator (was exit 70).
    r = cli("xent", "--target", "1,1", "-q", "0.5,0.5", "--ignore-index", "1", "--reduction", "mean")
    assert r.code == 2 and "mean loss is undefined" in r.err


@pytest.mark.parametrize("delimiter", ["", "ab", "#", "1", "."])
def test_an_unusable_delimiter_is_exit_2(cli, delimiter):
    r = cli("entropy", "-d", delimiter, stdin="0.5,0.5\n")
    assert r.code == 2 and "cannot separate fields" in r.err


def test_grad_check_with_per_row_targets_and_teachers(cli, tmp_path):
    # The finite-difference check evaluates K perturbed copies of each row: per-row side inputs must follow.
    (tmp_path / "z.csv").write_text("1,0.5,-1\n0,2,1\n")
    (tmp_path / "y.txt").write_text("0\n2\n")
    (tmp_path / "v.csv").write_text("0,0,1\n3,1,0\n")
    r = cli("grad", "--of", "xent", "--target", str(tmp_path / "y.txt"), "-i", str(tmp_path / "z.csv"), "--check",
            "-o", "jsonl")
    assert r.code == 0, r.err
    import json

    rows = [json.loads(line) for line in r.lines()]
    z = np.array([[1, 0.5, -1], [0, 2, 1]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose([row["grad"] for row in rows], p - np.eye(3)[[0, 2]], atol=1e-15)
    assert all(row["fd_max_abs_error"] < 1e-8 for row in rows)
    r = cli("grad", "--of", "kd", "--teacher", str(tmp_path / "v.csv"), "-T", "2", "-i", str(tmp_path / "z.csv"),
            "--check")
    assert r.code == 0, r.err


def _run(args, **env):
    import contextlib

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args, env=Environment(**env))
    return code, out.getvalue(), err.getvalue()


def test_the_environment_is_injected_not_read():
    code, out, _ = _run(["entropy", "0.5", "0.5"], stdout_isatty=True, no_color=True)
    assert code == 0 and "┃" not in out and "entropy" in out and "│" in out  # a table: the terminal says so
    code, out, _ = _run(["entropy", "0.5", "0.5"], stdout_isatty=False)
    assert code == 0 and out == f"{math.log(2)!r}\n"
    code, out, _ = _run(["entropy", "--bits"], stdin=io.BytesIO(b"0.5,0.5\n1,0\n"))
    assert code == 0 and out == "1.0\n0.0\n"
    code, _, err = _run(["entropy"], stdin=io.BytesIO(b"0.5,0.5\n"), stdin_isatty=True)
    assert code == 2 and "no input" in err
    code, out, _ = _run(["entropy", "-o", "table", "--color", "auto", "0.5", "0.5"], stdout_isatty=True)
    assert "\x1b[" in out  # colour on a terminal without NO_COLOR
    code, out, _ = _run(["entropy", "-o", "table", "--color", "auto", "0.5", "0.5"], stdout_isatty=True,
                        no_color=True)
    assert "\x1b[" not in out


def test_the_numpy_reader_is_chosen_by_the_environment(monkeypatch):
    from entcli.io import text

    monkeypatch.setattr(text, "CHUNK_BYTES", 16)
    calls = []
    import entcli.io.arrow as arrow

    real = arrow.chunk_parser
    monkeypatch.setattr(arrow, "chunk_parser", lambda d, width=None: calls.append(d) or real(d, width))
    data = b"".join(b"0.25,0.75\n" for _ in range(50))
    assert _run(["entropy"], stdin=io.BytesIO(data), fast_reader=False)[0] == 0
    assert calls == []
    assert _run(["entropy"], stdin=io.BytesIO(data), fast_reader=True)[0] == 0
    assert calls == [","]


def test_normalize_non_convergence_is_tallied_with_the_checks(cli):
    r = cli("normalize", "--target", "1.27", "--method", "published", "0.004,0.443,0.107,0.446")
    assert r.code == 1 and r.err.strip().endswith("or did not converge in row 1")


def test_output_keeps_the_mode_and_writes_through_a_symlink(cli, tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old\n")
    os.chmod(target, 0o664)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    r = cli("entropy", "--bits", "0.5", "0.5", "-O", str(link))
    assert r.code == 0, r.err
    assert link.is_symlink() and target.read_text() == "1.0\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o664
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.txt", "real.txt"]  # no temporary file left


def test_output_to_a_fifo_is_written_in_place(cli, tmp_path):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    r = cli("entropy", "--bits", "0.5", "0.5", "-O", str(fifo))
    reader.join(timeout=10)
    assert r.code == 0 and got == ["1.0\n"] and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_skipped_rows_are_reported_in_line_order(cli, both_readers):
    # Issue 14: rows that cannot be parsed were reported while the chunk was read, before the rows of the same
    # chunk that failed a check: the order of the reports is now the order of the lines.
    text = "0.5,0.5\n0.9,0.2\nabc,1\n0.5,x\n0.3,0.3\n0.5,0.5\n"
    r = cli("entropy", "--skip-invalid", stdin=text)
    assert r.code == 1 and r.lines() == [repr(math.log(2))] * 2
    lines = [int(re.search(r"line (\d+)", line).group(1)) for line in r.err.splitlines() if "skipped: " in line]
    assert lines == [2, 3, 4, 5]
    assert r.err.splitlines()[-1] == "entcli: skipped 4 invalid row(s)"
