"""The one-liner's short way (entcli.cli.quick) against the full app: the same bytes wherever it answers, and
every other command line left to the app (issue 20: the one-liner within 1.3x of `import numpy`)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from entcli.cli.quick import answer

TOKENS = ["0.5", "0.25", ".5", "5.", "1", "0", "1e-1", "2.5E-1", "0.125", "0.375", "0.1", "0.2", "0.7", "1e-300",
          "-0.5", "0.5,0.5", "nan", "inf", "0x1", "½", "1_0", "0.6", "0.3", " 0.5", "0.5 ", "+0.5", "00.5", "1e"]
FLAGS = ["--bits", "--nats", "--dits", "--base", "2", "-o", "csv", "--counts", "--detail", "--tol", "1e-3",
         "--logits", "--max", "0.1", "-i", "-"]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=6), st.lists(st.sampled_from(FLAGS), max_size=2),
       st.integers(0, 6))
def test_the_short_way_answers_as_the_app_does(cli, tokens, flags, at):
    """Wherever the short way answers, the full app (run in-process) writes the same bytes, exits 0 and says
    nothing on stderr; where it declines, nothing is lost: the app answers (an error, a table of fields...)."""
    args = ["entropy", *tokens[:at], *flags, *tokens[at:]]
    quick = answer(args, stdout_is_terminal=False)
    if quick is None:
        return
    full = cli(*args)
    assert (full.code, full.out, full.err) == (0, quick, ""), args


def _spelled(x: float, how: int) -> str:
    text = [repr(x), f"{x:.17g}", f"{x:e}", f"{x:.3E}", repr(x).lstrip("0") or "0"][how]
    return text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(0, 9), min_size=1, max_size=8).filter(any), st.lists(st.integers(0, 4), min_size=8,
       max_size=8), st.sampled_from([[], ["--bits"], ["--nats"], ["--dits"]]))
def test_distributions_spelled_many_ways_are_answered_as_the_app_does(cli, weights, spellings, unit):
    """Distributions (weights over their sum, written as repr, %.17g, exponent forms, no leading 0): the short way
    answers every one the probability check accepts, with the app's bytes."""
    p = [w / sum(weights) for w in weights]
    args = ["entropy", *unit, *(_spelled(x, how) for x, how in zip(p, spellings, strict=False))]
    full = cli(*args)
    quick = answer(args, stdout_is_terminal=False)
    if full.code == 0:
        assert quick == full.out and full.err == "", args
    else:
        assert quick is None, args


def test_what_the_short_way_leaves_to_the_app():
    assert answer(["entropy", "--bits", "0.5", "0.5"], stdout_is_terminal=False) == "1.0\n"
    assert answer(["entropy", "--bits", "0.5", "0.5"], stdout_is_terminal=True) is None  # a terminal gets a table
    assert answer(["entropy", "0.5", "0.4"], stdout_is_terminal=False) is None  # fails the check: the app says why
    assert answer(["entropy", "--bits", "--nats", "0.5", "0.5"], stdout_is_terminal=False) is None  # the app refuses
    assert answer(["entropy", "-o", "csv", "0.5", "0.5"], stdout_is_terminal=False) is None
    assert answer(["entropy"], stdout_is_terminal=False) is None  # stdin is read
    assert answer(["kl", "0.5", "0.5"], stdout_is_terminal=False) is None


def test_the_entry_point_answers_without_typer_and_writes_errors_as_the_app():
    code = ("import sys; from entcli.cli.entry import main\n"
            "try:\n    main()\nfinally:\n"
            "    print('typer' in sys.modules or 'pyarrow' in sys.modules, file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", code, "entropy", "--bits", "0.5", "0.5"], capture_output=True)
    assert (r.returncode, r.stdout, r.stderr) == (0, b"1.0\n", b"False\n")
    r = subprocess.run([sys.executable, "-c", code, "entropy", "0.5", "0.4"], capture_output=True)
    assert r.returncode == 2 and b"entcli: error: " in r.stderr and r.stderr.endswith(b"True\n")  # the app's message


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_failed_write_is_reported_by_the_app():
    with open("/dev/full", "wb") as full:
        r = subprocess.run([sys.executable, "-c", "from entcli.cli.entry import main; main()", "entropy", "--bits",
                            "0.5", "0.5"], stdout=full, stderr=subprocess.PIPE)
    assert r.returncode == 2 and b"cannot write" in r.stderr and b"Traceback" not in r.stderr, r.stderr
