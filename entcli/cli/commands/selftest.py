"""``entcli selftest``: published reference values replayed through the commands themselves."""

from __future__ import annotations

import math
import sys
from types import SimpleNamespace
from typing import Annotated

import typer

from entcli.cli.options import OUTPUT, shared

HELP = """Replay published reference values through the same code paths the commands use.

Each case runs an entcli command line in-process and compares its output with a value from a cited
source (scipy's documented examples, Cover & Thomas, Wikipedia, MATH.md). Prints expected, got and
pass/fail; exits 1 if any case fails. Your answer to "can I trust this against my reference library?".

Examples:

\b
  entcli selftest
  entcli selftest -o json
"""

LOG2_3 = math.log2(3)
SCIPY_ENTROPY = "scipy.stats.entropy docs"
SCIPY_JS = "scipy.spatial.distance.jensenshannon docs"
SCIPY_SPECIAL = "scipy.special docs"
COVER = "Cover & Thomas, Elements of Information Theory (2006)"
MATH = "MATH.md"
WIKI_KL = "Wikipedia, Kullback-Leibler divergence (basic example)"

#: (what, source, command line, expected values, absolute tolerance)
CASES: list[tuple[str, str, list[str], list[float], float]] = [
    ("H(1/2, 1/2) in bits", SCIPY_ENTROPY, ["entropy", "--bits", "0.5", "0.5"], [1.0], 1e-15),
    ("H(9/10, 1/10) in bits", SCIPY_ENTROPY, ["entropy", "--bits", "0.9", "0.1"], [0.46899559358928117], 1e-15),
    ("KL((1/2, 1/2) || (9/10, 1/10)) nats", SCIPY_ENTROPY, ["kl", "-p", "0.5,0.5", "-q", "0.9,0.1"],
     [0.5108256237659907], 1e-15),
    ("JS distance (1,0,0) vs (0,1,0), base 2", SCIPY_JS,
     ["kl", "--js-distance", "--bits", "-p", "1,0,0", "-q", "0,1,0"], [1.0], 1e-15),
    ("JS distance (1,0) vs (1/2,1/2)", SCIPY_JS, ["kl", "--js-distance", "-p", "1,0", "-q", "0.5,0.5"],
     [0.46450140402245893], 1e-15),
    ("JS distance (1,0,0) vs itself", SCIPY_JS, ["kl", "--js-distance", "-p", "1,0,0", "-q", "1,0,0"], [0.0], 0.0),
    ("logsumexp(0..9) via log_softmax of z_0", SCIPY_SPECIAL, ["softmax", "--log", "-o", "json", *map(str, range(10))],
     [-9.45862974442671], 1e-13),
    ("log_softmax(0, 1)", SCIPY_SPECIAL, ["softmax", "--log", "-o", "json", "0", "1"],
     [-1.3132616875182228, -0.31326168751822286], 1e-15),
    ("softmax(1, 2, 3)", MATH, ["softmax", "1", "2", "3"], [0.0900, 0.2447, 0.6652], 5e-5),
    ("H(0.33, 0.33, 0.34) nats", MATH, ["entropy", "0.33", "0.33", "0.34"], [1.0985], 5e-5),
    ("H(0.15, 0.7, 0.15) nats", MATH, ["entropy", "0.15", "0.7", "0.15"], [0.8188], 5e-5),
    ("H(1/4, 1/4, 1/4, 1/4) bits", MATH, ["entropy", "--bits", "0.25", "0.25", "0.25", "0.25"], [2.0], 1e-15),
    ("H(0.1, 0.1, 0.1, 0.7) bits", MATH, ["entropy", "--bits", "0.1", "0.1", "0.1", "0.7"], [1.3568], 5e-5),
    ("H(0.99, 0.01) bits", MATH, ["entropy", "--bits", "0.99", "0.01"], [0.0808], 5e-5),
    ("H(onehot, q) = -log 0.4", MATH, ["xent", "-p", "1,0,0,0,0", "-q", "0.4,0.3,0.05,0.05,0.2"], [0.916], 5e-4),
    ("KL(onehot || q with zeros)", MATH, ["kl", "-p", "1,0,0,0,0", "-q", "0.98,0.01,0,0,0.01"], [0.0202], 5e-5),
    ("entropy minimisation, final H", MATH, ["simulate"], [0.228], 5e-4),
    ("entropy minimisation, final p", MATH, ["simulate", "-o", "csv", "--every", "20"], [0.951, 0.029, 0.019], 6e-4),
    ("H(1/2, 1/4, 1/8, 1/8) = 1.75 bits", COVER + ", Example 2.1.2",
     ["entropy", "--bits", "0.5", "0.25", "0.125", "0.125"], [1.75], 1e-15),
    ("D(p||q), p = (1/2, 1/2), q = (3/4, 1/4)", COVER + ", Example 2.3.1",
     ["kl", "--bits", "-p", "0.5,0.5", "-q", "0.75,0.25"], [1 - 0.5 * LOG2_3], 1e-15),
    ("D(q||p), p = (1/2, 1/2), q = (3/4, 1/4)", COVER + ", Example 2.3.1",
     ["kl", "--reverse", "--bits", "-p", "0.5,0.5", "-q", "0.75,0.25"], [0.75 * LOG2_3 - 1], 1e-15),
    ("H of a fair die = log2 6 bits", COVER + ", Chapter 2", ["entropy", "--bits", *["0.16666666666666666"] * 5,
                                                                 "0.16666666666666674"], [math.log2(6)], 1e-14),
    ("D_KL(P || Q), P = (9,12,4)/25, Q uniform", WIKI_KL, ["kl", "--counts", "-p", "9,12,4", "-q", "1,1,1"],
     [0.0852996], 5e-8),
    ("D_KL(Q || P), P = (9,12,4)/25, Q uniform", WIKI_KL, ["kl", "--counts", "--reverse", "-p", "9,12,4",
                                                            "-q", "1,1,1"], [0.097455], 5e-7),
    ("perplexity of a uniform 4-way choice", "definition, b^H", ["entropy", "-o", "json", "0.25", "0.25", "0.25",
                                                                 "0.25"], [4.0], 1e-15),
    ("cross-entropy gradient softmax(z) - onehot", MATH, ["grad", "--of", "xent", "--target", "0", "1", "2", "3"],
     [0.09003057317038046 - 1, 0.24472847105479767, 0.6652409557748219], 1e-15),
    ("entropy gradient sums to zero", MATH, ["grad", "-o", "json", "1.0", "0.8", "0.5"], [0.0], 1e-15),
    ("power transform p=(0.8,0.2) to H((.64,.04)/.68): gamma 2", "hand derivation",
     ["normalize", "-o", "json", "--target", repr(-(0.64 / 0.68) * math.log(0.64 / 0.68)
                                                 - (0.04 / 0.68) * math.log(0.04 / 0.68)), "0.8", "0.2"], [2.0], 1e-9),
]


def _extract(case_args: list[str], out: str) -> list[float]:
    """The numbers a case compares, from its command's output."""
    import json

    text = out.strip()
    if "-o" in case_args and case_args[case_args.index("-o") + 1] == "json":
        obj = json.loads(text)[0]
        if case_args[0] == "softmax":
            return [obj["log_p"][0]] if len(obj["log_p"]) == 10 else obj["log_p"]
        if case_args[0] == "entropy":
            return [obj["perplexity"]]
        if case_args[0] == "grad":
            return [sum(obj["grad"])]
        return [obj["gamma"]]
    if "-o" in case_args and case_args[case_args.index("-o") + 1] == "csv":
        last = text.splitlines()[-1].split(",")
        return [float(x) for x in last[4:7]]
    last_line = text.splitlines()[-1]
    return [float(x) for x in last_line.split(",")]


def selftest(opts: SimpleNamespace,
             verbose: Annotated[bool, typer.Option("--verbose", help="Show each case's command line.")] = False
             ) -> None:
    import contextlib
    import io

    import numpy as np

    from entcli.cli import pipeline
    from entcli.cli.app import run
    from entcli.io.render import Writer

    rows = []
    for what, source, args, expected, tol in CASES:
        buf, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            code = run([*args, "-o", "plain"] if "-o" not in args else list(args))
        try:
            got = _extract(args, buf.getvalue()) if code == 0 else []
        except (ValueError, KeyError, IndexError):
            got = []
        ok = len(got) == len(expected) and all(abs(g - e) <= tol for g, e in zip(got, expected, strict=True))
        rows.append((what, source, " ".join(["entcli", *args]), expected, got, tol, ok))
    fmt = pipeline.output_format(opts)
    width = max(len(r[3]) for r in rows)

    def pad(values: list[float]) -> np.ndarray:
        return np.array([list(v) + [np.nan] * (width - len(v)) for v in values], dtype=np.float64)

    columns = {"case": np.arange(1, len(rows) + 1), "expected": pad([r[3] for r in rows]),
               "got": pad([r[4] if r[4] else [np.nan] for r in rows]), "tolerance": np.array([r[5] for r in rows]),
               "passed": np.array([r[6] for r in rows], dtype=np.int64)}
    with pipeline.output_stream(opts.output) as out:
        if fmt == "table":
            _table(out, rows, pipeline.use_color(opts), verbose)
        else:
            writer = Writer(fmt, out, "passed", digits=opts.digits, title="selftest")
            writer.write(columns)
            writer.close()
            for i, r in enumerate(rows, 1):
                print(f"case {i}: {r[0]} [{r[1]}]" + (f": {r[2]}" if verbose else ""), file=sys.stderr)
    failed = sum(not r[6] for r in rows)
    print(f"selftest: {len(rows) - failed} passed, {failed} failed", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


def _table(out, rows, color: bool, verbose: bool) -> None:  # type: ignore[no-untyped-def]
    from rich.table import Table

    from entcli.io.tables import console

    table = Table(title="entcli selftest: published reference values", title_justify="left")
    for name in ("#", "case", "source", "expected", "got", "result"):
        table.add_column(name, overflow="fold")
    for i, (what, source, cmd, expected, got, _tol, ok) in enumerate(rows, 1):
        table.add_row(str(i), what + (f"\n{cmd}" if verbose else ""), source,
                      ", ".join(f"{v:.10g}" for v in expected), ", ".join(f"{v:.10g}" for v in got) or "-",
                      "pass" if ok else "FAIL")
    console(out, color).print(table)


def register(app: typer.Typer) -> None:
    app.command("selftest", help=HELP, short_help="Replay published reference values; exit 1 on a mismatch.")(
        shared(OUTPUT)(selftest)
    )
