"""Every error path: `error:` on stderr naming what and where, a hint, exit 2, never a traceback."""

from __future__ import annotations

import pytest

from tests.helpers import run_process

CASES = [
    (["entropy", "0.5", "0.6"], "row sums to 1.1"),
    (["entropy", "0.5", "-0.5", "1"], "column 2: probability -0.5 is negative"),
    (["entropy", "0.5", "nan"], "column 2: value nan is not finite"),
    (["entropy", "abc"], "value 1 ('abc') is not a number"),
    (["entropy", "0", "0"], "every probability is 0"),
    (["entropy", "--counts", "0", "0"], "every value is 0"),
    (["entropy", "--base", "1", "0.5", "0.5"], "--base"),
    (["entropy", "--bits", "--dits", "0.5", "0.5"], "conflicting units"),
    (["entropy", "--counts", "--logits", "1", "2"], "conflicting options"),
    (["entropy", "-T", "2", "0.5", "0.5"], "applies to logits"),
    (["entropy", "-i", "/nonexistent.csv"], "no such file"),
    (["entropy", "-i", "/proc/self/fd"], "holds no data files"),  # a directory is a dataset: of none here
    (["entropy", "-i", "-", "0.5", "0.5"], "values or --input, not both"),
    (["entropy", "--nope"], "No such option"),
    (["entropy", "-o", "xml", "1"], "xml"),
    (["nosuchcommand"], "No such command"),
]


@pytest.mark.parametrize("args, message", CASES)
def test_error_contract(cli, args, message):
    r = cli(*args)
    assert r.code == 2
    assert r.err.startswith("entcli: error: "), r.err
    assert message in r.err
    assert "Traceback" not in r.err
    assert len(r.err.strip().splitlines()) <= 2


def test_sum_error_suggests_fixes(cli):
    r = cli("entropy", "0.5", "0.6")
    assert "--renormalize" in r.err and "--counts" in r.err


def test_no_input_on_a_terminal(cli):
    r = cli("entropy", tty=True)
    assert r.code == 2 and "no input" in r.err and "hint:" in r.err


def test_empty_stdin(cli):
    r = cli("entropy", stdin="")
    assert r.code == 2 and "no rows" in r.err


def test_internal_errors_exit_70(cli, monkeypatch):
    import entcli.core.shannon as shannon

    def broken(*a, **k):
        raise RuntimeError("boom")

    monkeypatch.setattr(shannon, "entropy_summary", broken)
    r = cli("entropy", "0.5", "0.5")
    assert r.code == 70 and "internal error" in r.err and "report" in r.err


def test_closed_pipe_is_quiet(tmp_path):
    import subprocess
    import sys

    big = tmp_path / "big.csv"
    big.write_text("0.5,0.5\n" * 200_000)
    proc = subprocess.run(
        f"{sys.executable} -m entcli entropy -i {big} | head -1", shell=True, capture_output=True, text=True,
        timeout=120,
    )
    assert proc.stdout == "0.6931471805599453\n"
    assert proc.stderr == ""


def test_version():
    r = run_process("--version")
    assert r.code == 0 and r.out.startswith("entcli ") and len(r.out.splitlines()) == 1
