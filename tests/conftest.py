"""Shared test helpers: run the CLI in-process or as a subprocess, isolated from the developer's terminal."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from entcli.cli.app import run

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


@dataclass
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return self.out.splitlines()

    def floats(self) -> list[float]:
        return [float(x) for x in self.out.split()]


class _Stdin(io.TextIOWrapper):
    def __init__(self, data: bytes, tty: bool) -> None:
        super().__init__(io.BytesIO(data), encoding="utf-8")
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    """cli("entropy", "0.5", "0.5", stdin=b"...") runs entcli in-process and returns a Result."""

    def invoke(*args: str, stdin: bytes | str | None = None, tty: bool = False) -> Result:
        data = stdin.encode() if isinstance(stdin, str) else (stdin or b"")
        monkeypatch.setattr(sys, "stdin", _Stdin(data, tty=stdin is None and tty))
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def run_process(*args: str, stdin: bytes | str | None = None, env: dict[str, str] | None = None) -> Result:
    """Run the installed ``entcli`` as a real process (pipes, exit codes, signals)."""
    data = stdin.encode() if isinstance(stdin, str) else stdin
    environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-m", "entcli", *args],
        input=data if data is not None else b"",
        capture_output=True,
        env=environment,
        timeout=120,
    )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode())


@pytest.fixture(params=["numpy", "fast"])
def both_readers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the NumPy-only text reader and with pyarrow's (the `fast` extra), when installed."""
    if request.param == "fast":
        pytest.importorskip("pyarrow")
        monkeypatch.delenv("ENTCLI_READER", raising=False)
        # pyarrow is used only for chunks of at least CHUNK_BYTES: make every chunk one.
        from entcli.io import text

        monkeypatch.setattr(text, "CHUNK_BYTES", 16)
    else:
        monkeypatch.setenv("ENTCLI_READER", "numpy")
    return request.param
