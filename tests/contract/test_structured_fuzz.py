"""Fuzzing structured inputs: generated CSV, TSV, whitespace text, JSON, JSON Lines and .npy tables, corrupted at a
random row in one of many ways, read by both readers through -i or stdin, by a random command with random option
values (nan, inf, negative, huge among them). The contract: exit 0, 1 or 2; never a traceback; exit 2 with an
`entcli: error:` and a hint; and for `entropy -o plain`, a corrupted row that is an error keeps every row before it
(one output line each), while a benign one (a blank or comment line, CRLF, a BOM) changes nothing.

CI runs a bounded number of examples per reader;
`ENTCLI_FUZZ_EXAMPLES=4000 pytest tests/contract/test_structured_fuzz.py` runs longer.
"""

from __future__ import annotations

import io
import json
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.usefixtures("both_readers")

EXAMPLES = int(os.environ.get("ENTCLI_FUZZ_EXAMPLES", "60"))
FORMATS = ["csv", "tsv", "txt", "json", "jsonl", "npy"]
#: Corruptions that make the row an error, and those that must change nothing.
ERRORS = ["word", "empty field", "extra field", "missing field", "nan", "inf", "negative", "huge", "sum off",
          "bad utf-8", "zeros"]
BENIGN = ["blank line", "comment", "crlf", "bom", None]
HUGE = ["nan", "inf", "-inf", "-1", "0", "1e308", "1e-320", "3"]
OPTIONS = st.lists(st.sampled_from([
    ["--tol", "nan"], ["--tol", "1e308"], ["--tol", "-1"], ["-T", "inf"], ["-T", "1e-320"], ["-T", "2"],
    ["--digits", "17"], ["--digits", "1"], ["--max", "nan"], ["--max", "-1"], ["--min", "inf"], ["--bits"],
    ["--base", "0.5"], ["--base", "1e308"], ["--skip-invalid"], ["--renormalize"], ["--counts"], ["--logits"],
    ["-o", "csv"], ["-o", "jsonl"], ["-o", "json"], ["-o", "table"], ["--row-number"], ["--explain"],
]), max_size=3)
COMMANDS = {
    "entropy": [], "softmax": ["--logits"], "normalize": ["--ratio", "0.5"], "grad": [],
    "simulate": ["--steps", "2"], "kl": ["-q", "{uniform}"], "xent": ["--target", "0"],
}


def table(rows: np.ndarray, fmt: str, header: bool, ids: bool, bad: int, corruption: str | None) -> bytes:
    """The rows as a file of ``fmt``, with ``corruption`` at row ``bad`` (0-based)."""
    k = rows.shape[1]
    names = [f"c{j}" for j in range(k)]
    if fmt == "npy":
        values = rows.copy()
        if corruption in ("nan", "inf", "negative", "huge", "sum off", "zeros"):
            values[bad] = {"nan": np.nan, "inf": np.inf, "negative": -0.5, "huge": 1e308, "sum off": 0.7,
                           "zeros": 0.0}[corruption]
        buf = io.BytesIO()
        np.save(buf, values)
        data = buf.getvalue()
        return data[: len(data) - 4] if corruption == "word" else data  # "word": a truncated file
    cells = [[repr(float(v)) for v in row] for row in rows]
    text_bad = {"word": "abc", "nan": "nan", "inf": "inf", "negative": "-0.5", "huge": "1e308"}
    if corruption in text_bad:
        cells[bad][0] = text_bad[corruption]
    elif corruption == "empty field":
        cells[bad][0] = ""
    elif corruption == "extra field":
        cells[bad].append("0.5")
    elif corruption == "missing field" and k > 1:
        cells[bad].pop()
    elif corruption == "sum off":
        cells[bad] = [repr(0.7 / k)] * k
    elif corruption == "zeros":
        cells[bad] = ["0"] * k
    if fmt in ("json", "jsonl"):
        def value(c: str) -> object:
            try:
                return json.loads(c) if c not in ("nan", "inf") else {"nan": float("nan"), "inf": float("inf")}[c]
            except ValueError:
                return c
        items: list[object] = [[value(c) for c in r] for r in cells]
        if header or ids:
            items = [{**({"id": f"r{i}"} if ids else {}), "p": dict(zip(names, row, strict=False))}
                     for i, row in enumerate(items)]  # type: ignore[call-overload]
        lines = [json.dumps(item) for item in items]
        if fmt == "json":
            body = "[" + ",\n".join(lines) + "]\n"
            return (b"\xef\xbb\xbf" if corruption == "bom" else b"") + body.encode()
    else:
        sep = {"csv": ",", "tsv": "\t", "txt": " "}[fmt]
        lines = [sep.join(([f"r{i}"] if ids else []) + r) for i, r in enumerate(cells)]
        if header:
            lines.insert(0, sep.join((["id"] if ids else []) + names))
    offset = 1 if header and fmt not in ("json", "jsonl") else 0
    where = bad + offset
    if corruption == "blank line":
        lines.insert(where, "")
    elif corruption == "comment" and fmt != "jsonl" or corruption == "comment" and fmt == "jsonl":
        lines.insert(where, "# a comment")
    encoded = [ln.encode() for ln in lines]
    if corruption == "bad utf-8":  # in that line (not the first line that looks the same)
        encoded[where] = encoded[where][:1] + b"\xff" + encoded[where][1:]
    raw = (b"\r\n" if corruption == "crlf" else b"\n").join(encoded) + (b"\r\n" if corruption == "crlf" else b"\n")
    if corruption == "bom":
        raw = b"\xef\xbb\xbf" + raw
    return raw


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(fmt=st.sampled_from(FORMATS), n=st.integers(1, 25), k=st.integers(1, 4), bad=st.integers(0, 24),
       header=st.booleans(), ids=st.booleans(), corruption=st.sampled_from(ERRORS + BENIGN),
       command=st.sampled_from(sorted(COMMANDS)), options=OPTIONS, stdin=st.booleans(), seed=st.integers(0, 2**31))
def test_structured_inputs_keep_the_contract(cli, tmp_path_factory, fmt, n, k, bad, header, ids, corruption, command,
                                             options, stdin, seed):
    bad = min(bad, n - 1)
    if fmt in ("npy",):
        header = ids = False
    header = header or ids  # a text id column without a header reads as one (a header is how ids are told apart)
    if fmt == "txt" and corruption == "empty field":
        corruption = "word"  # whitespace text has no empty fields
    rows = np.random.default_rng(seed).dirichlet(np.ones(k), n)
    data = table(rows, fmt, header, ids, bad, corruption)
    path = tmp_path_factory.mktemp("fuzz") / f"t.{fmt}"
    path.write_bytes(data)
    extra = [a.replace("{uniform}", ",".join([repr(1 / k)] * k)) for a in COMMANDS[command]]
    source = ["-p" if command == "kl" else "-q" if command == "xent" else "-i", "-" if stdin else str(path)]
    args = [command, *source, *extra, *[a for o in options for a in o]]
    if fmt != "npy" and fmt not in ("csv", "tsv", "json", "jsonl") and not stdin:
        args += ["--input-format", "txt"]
    r = cli(*args, stdin=data if stdin else b"")
    assert r.code in (0, 1, 2), (args, r.err)
    assert "Traceback" not in r.err and "internal error" not in r.err, (args, r.err)
    if r.code == 2:
        assert "entcli: error: " in r.err and "entcli: hint: " in r.err, (args, r.err)
    if command == "entropy" and not options and corruption is not None:
        lines = r.out.splitlines()
        if corruption in BENIGN:
            assert (r.code, len(lines)) == (0, n), (args, corruption, r.err)
        elif r.code == 2 and fmt != "npy" and not (corruption == "missing field" and k == 1):
            assert len(lines) == bad, (args, corruption, r.err)  # every row before the bad one was written
