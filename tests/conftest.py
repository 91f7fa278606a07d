"""Shared test helpers: run the CLI in-process or as a subprocess, isolated from the developer's terminal."""

from __future__ import annotations

import dataclasses
import io
import os

import pytest
from hypothesis import settings

from entcli.cli.app import run
from entcli.cli.environment import Environment
from tests.helpers import Result

# Property tests: a CI run must give the same verdict on every machine, so by default hypothesis draws the same
# examples each run (derandomize) and keeps no database. `HYPOTHESIS_PROFILE=explore` draws fresh random examples
# on each run: the search for new failures, whose finds are pinned with @example (see README, Tests).
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TERMINAL_VARIABLES = ("FORCE_COLOR", "GITHUB_ACTIONS", "PY_COLORS", "CLICOLOR_FORCE", "TERM_PROGRAM", "CI")


@pytest.fixture(autouse=True)
def isolated_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no colour forcing, a fixed width and NO_COLOR, whatever terminal runs them."""
    for name in list(os.environ):
        if name in TERMINAL_VARIABLES or name.startswith("TTY_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("ENTCLI_DEBUG", raising=False)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]):
    """cli("entropy", "0.5", "0.5", stdin=b"...") runs entcli in-process and returns a Result."""

    def invoke(*args: str, stdin: bytes | str | None = None, tty: bool = False) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else (stdin or b"")
        # What the run sees of the process is injected, not patched: stdin's bytes, whether it is a terminal.
        env = dataclasses.replace(Environment.from_process(), stdin=io.BytesIO(data),
                                  stdin_isatty=stdin is None and tty, stdout_isatty=False)
        capsys.readouterr()
        code = run(list(args), env=env)
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


@pytest.fixture(params=["numpy", "fast"])
def both_readers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the NumPy-only text reader and with pyarrow's (the `fast` extra), when installed."""
    if request.param == "fast":
        pytest.importorskip("pyarrow")
        monkeypatch.delenv("ENTCLI_READER", raising=False)
        # pyarrow is used only for chunks of at least CHUNK_BYTES (JSON Lines: FAST_JSON_BYTES): make every chunk one.
        from entcli.io import jsonrows, text

        monkeypatch.setattr(text, "CHUNK_BYTES", 16)
        monkeypatch.setattr(jsonrows, "FAST_JSON_BYTES", 1)
    else:
        monkeypatch.setenv("ENTCLI_READER", "numpy")
    return request.param


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The accuracy table: the largest relative error against mpmath (50 digits) per quantity in this run."""
    from tests.helpers import ACCURACY

    if not ACCURACY:
        return
    terminalreporter.section("accuracy against mpmath (largest relative error seen)")
    for name in sorted(ACCURACY):
        terminalreporter.write_line(f"  {name:<28} {ACCURACY[name]:9.1e}")
