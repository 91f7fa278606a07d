"""Helpers shared by the tests: results of a CLI run, running the installed entcli, hypothesis strategies.

Test modules import from here (or get fixtures from conftest.py), never from one another.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st


@dataclass
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return self.out.splitlines()

    def floats(self) -> list[float]:
        return [float(x) for x in self.out.split()]


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


def distributions(min_k: int = 1, max_k: int = 30) -> st.SearchStrategy[np.ndarray]:
    """Random distributions, some with exact zeros, built from non-negative weights."""
    weights = st.lists(st.one_of(st.just(0.0), st.floats(1e-6, 1e3)), min_size=min_k, max_size=max_k)
    return weights.filter(lambda w: sum(w) > 0).map(lambda w: np.asarray(w) / np.sum(w))


#: The largest relative error seen per quantity against its exact (mpmath) value in this test run; an entry
#: "name [lib]" is an independent library's error on the same input, for comparison. Printed at the end.
ACCURACY: dict[str, float] = {}


def record(name: str, relative_error: float) -> None:
    """Note a relative error of ``name`` against its exact value (the summary keeps the largest)."""
    ACCURACY[name] = max(ACCURACY.get(name, 0.0), relative_error)
