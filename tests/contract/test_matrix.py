"""Issue 14's matrix: every command x every input route x every input fault, run in-process. Whatever the input,
the answer is a result (exit 0 or 1) or `entcli: error:` with a hint (exit 2): never exit 70, never a traceback,
never an empty stderr on failure, and the rows before a bad row are written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

#: Input faults: (name, bytes). Each is tried through every route that reads bytes.
FAULTS = {
    "empty": b"",
    "blank lines only": b"\n\n  \n",
    "comments only": b"# a\n# b\n",
    "header only": b"a,b\n",
    "no final newline": b"0.5,0.5\n0.25,0.75",
    "CRLF": b"0.5,0.5\r\n0.25,0.75\r\n",
    "CR only": b"0.5,0.5\r0.25,0.75\r",
    "BOM": b"\xef\xbb\xbf0.5,0.5\n0.25,0.75\n",
    "invalid UTF-8 late": b"0.5,0.5\n0.25,0.75\n\xff\xfe,1\n",
    "NUL bytes": b"0.5,0.5\n\x00\x00\n",
    "ragged rows": b"0.5,0.5\n0.2,0.3,0.5\n",
    "nan": b"0.5,0.5\nnan,0.5\n",
    "inf": b"0.5,0.5\ninf,1\n",
    "negative": b"0.5,0.5\n-0.5,1.5\n",
    "huge": b"0.5,0.5\n1e308,1e308\n",
    "huge integer": b"0.5,0.5\n" + b"9" * 400 + b",1\n",
    "text in a number column": b"a,b\n0.5,0.5\nx,0.5\n",
    "semicolons": b"0.5;0.5\n",
    "quoted": b'"0.5","0.5"\n',
    "one column": b"1\n1\n",
    "json array": b"[[0.5, 0.5], [0.25, 0.75]]\n",
    "json lines mixed": b'{"p": [0.5, 0.5]}\n[0.5, 0.5]\n',
    "json deep": b"[" * 2000 + b"]" * 2000 + b"\n",
    "json object keys": b'{"cat": 0.5, "dog": 0.5}\n{"cat": 1}\n',
    "npy magic only": b"\x93NUMPY",
    "binary noise": bytes(range(256)) * 4,
    "very long line": b"0.5," * 20000 + b"0.5\n",
}

#: Commands and how each reads its input: "stdin" (the input on stdin), "p" (as -p -, with -q given), "q".
ROUTES = {
    "entropy": [["entropy"], ["entropy", "--counts"], ["entropy", "--logits", "--detail", "-o", "json"]],
    "softmax": [["softmax", "-i", "-"], ["softmax", "-i", "-", "-T", "0.5", "-o", "csv"]],
    "xent": [["xent", "-p", "-", "-q", "0.5,0.5"], ["xent", "-p", "0.5,0.5", "-q", "-", "--q-logits"],
             ["xent", "-q", "-", "--target", "0", "--reduction", "mean"]],
    "kl": [["kl", "-p", "-", "-q", "0.5,0.5"], ["kl", "-p", "0.5,0.5", "-q", "-", "--measure", "all", "-o", "jsonl"],
           ["kl", "-p", "-", "-q", "0.5,0.5", "--pairwise"]],
    "drift": [["drift", "-p", "-", "-q", "{base}"], ["drift", "-p", "{base}", "-q", "-", "--rows"]],
    "normalize": [["normalize", "--ratio", "0.5"], ["normalize", "--target", "0.3", "--logits"]],
    "calibrate": [["calibrate", "-i", "-", "--target", "0"]],
    "grad": [["grad", "-i", "-"], ["grad", "--of", "xent", "--target", "0", "-i", "-", "--check"]],
    "simulate": [["simulate", "-i", "-", "--steps", "3"], ["simulate", "-i", "-", "--probs", "--steps", "2",
                                                           "--objective", "xent", "--target", "0"]],
}
CASES = [(cmd, i, fault) for cmd, routes in ROUTES.items() for i in range(len(routes)) for fault in FAULTS]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    path = tmp_path_factory.mktemp("matrix") / "base.csv"
    path.write_text("0.5,0.5\n0.25,0.75\n")
    return str(path)


@pytest.mark.parametrize(("command", "route", "fault"), CASES, ids=[f"{c}-{r}-{f}" for c, r, f in CASES])
def test_every_command_route_and_fault_is_answered(cli, base, command, route, fault):
    args = [a.format(base=base) for a in ROUTES[command][route]]
    r = cli(*args, stdin=FAULTS[fault])
    assert r.code in (0, 1, 2), f"exit {r.code}: {r.err[-800:]}"
    assert "Traceback" not in r.err and "internal error" not in r.err, r.err[-800:]
    if r.code == 2:
        assert r.err.startswith("entcli: error: "), r.err[-800:]
        assert "entcli: hint: " in r.err, r.err[-800:]
    if r.code == 1:
        assert r.err.strip(), "exit 1 says why"


@pytest.mark.parametrize("command", [c for c in ROUTES if c != "drift"])  # drift reads tables with a header
def test_the_rows_before_a_late_bad_row_are_written(cli, base, command):
    # Two good rows, then a bad one: the good rows' results come out before the error (for row-wise commands;
    # calibrate fits one temperature to all rows, so it writes nothing).
    args = [a.format(base=base) for a in ROUTES[command][0]]
    r = cli(*args, "-o", "jsonl", stdin=b"0.2,0.8\n0.3,0.7\nbad,1\n")
    assert r.code == 2 and "line 3" in r.err, r.err
    if command != "calibrate":
        assert len(r.lines()) >= 2, (r.out, r.err)


#: A command line per command that writes a result from arguments alone (no stdin).
WRITERS = {
    "entropy": "entcli entropy 0.5 0.5 -o csv", "softmax": "entcli softmax 1 2 3",
    "xent": "entcli xent -p 1,0 -q 0.5,0.5",
    "kl": "entcli kl -p 0.5,0.5 -q 0.9,0.1 -o json", "normalize": "entcli normalize --ratio 0.5 0.2 0.8",
    "grad": "entcli grad 1 2 3", "simulate": "entcli simulate --steps 3", "selftest": "entcli selftest",
    "drift": "entcli drift -p {base} -q {base} --rows",
}


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", list(WRITERS))
@pytest.mark.parametrize("fault", ["> /dev/full", ">&-", "-O /dev/full", "-O /nonexistent-dir/out.csv"])
def test_every_command_reports_an_output_fault(command, fault, base):
    line = WRITERS[command].format(base=base).replace("entcli ", f"{sys.executable} -m entcli ", 1)
    proc = subprocess.run(["sh", "-c", f"{line} {fault}"], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1"})
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-500:])
    assert proc.stderr.startswith("entcli: error: ") and "Traceback" not in proc.stderr, proc.stderr[-500:]
