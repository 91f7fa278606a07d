"""``entcli selftest``: published reference values replayed through the commands themselves."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Annotated

import typer

from entcli.cli.options import Output, command

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

# H = ln 3 - (2/3) ln 2 for z = (0, ln 2), p = (1/3, 2/3); dH/dz_m = -p_m (ln p_m + H) (MATH.md).
_H = math.log(3) - 2 / 3 * math.log(2)
_GAMMA2_TARGET = -(0.64 / 0.68) * math.log(0.64 / 0.68) - (0.04 / 0.68) * math.log(0.04 / 0.68)


@dataclass(frozen=True)
class Case:
    """One reference value: the command line, the output field (of its last JSON Lines object) and what to expect.

    ``index`` picks one element of a vector field; ``tol`` is the largest absolute difference accepted.
    """

    what: str
    source: str
    args: tuple[str, ...]
    field: str
    expected: tuple[float, ...]
    tol: float
    index: int | None = None


def case(what: str, source: str, command: str, field: str, expected: float | tuple[float, ...], tol: float,
         index: int | None = None) -> Case:
    return Case(what, source, tuple(command.split()), field,
                expected if isinstance(expected, tuple) else (expected,), tol, index)


CASES: list[Case] = [
    case("H(1/2, 1/2) in bits", SCIPY_ENTROPY, "entropy --bits 0.5 0.5", "entropy", 1.0, 1e-15),
    case("H(9/10, 1/10) in bits", SCIPY_ENTROPY, "entropy --bits 0.9 0.1", "entropy", 0.46899559358928117, 1e-15),
    case("KL((1/2, 1/2) || (9/10, 1/10)) nats", SCIPY_ENTROPY, "kl -p 0.5,0.5 -q 0.9,0.1", "kl",
         0.5108256237659907, 1e-15),
    case("JS distance (1,0,0) vs (0,1,0), base 2", SCIPY_JS, "kl --bits -p 1,0,0 -q 0,1,0", "js_distance", 1.0,
         1e-15),
    case("JS distance (1,0) vs (1/2,1/2)", SCIPY_JS, "kl -p 1,0 -q 0.5,0.5", "js_distance", 0.46450140402245893,
         1e-15),
    case("JS distance (1,0,0) vs itself", SCIPY_JS, "kl -p 1,0,0 -q 1,0,0", "js_distance", 0.0, 0.0),
    case("logsumexp(0..9) = -log_softmax(0..9)[0]", SCIPY_SPECIAL, "softmax --log 0 1 2 3 4 5 6 7 8 9", "log_p",
         -9.45862974442671, 1e-13, index=0),
    case("log_softmax(0, 1)", SCIPY_SPECIAL, "softmax --log 0 1", "log_p",
         (-1.3132616875182228, -0.31326168751822286), 1e-15),
    case("softmax(1, 2, 3)", MATH, "softmax 1 2 3", "p", (0.0900, 0.2447, 0.6652), 5e-5),
    case("H(0.33, 0.33, 0.34) nats", MATH, "entropy 0.33 0.33 0.34", "entropy", 1.0985, 5e-5),
    case("H(0.15, 0.7, 0.15) nats", MATH, "entropy 0.15 0.7 0.15", "entropy", 0.8188, 5e-5),
    case("H(1/4, 1/4, 1/4, 1/4) bits", MATH, "entropy --bits 0.25 0.25 0.25 0.25", "entropy", 2.0, 1e-15),
    case("H(0.1, 0.1, 0.1, 0.7) bits", MATH, "entropy --bits 0.1 0.1 0.1 0.7", "entropy", 1.3568, 5e-5),
    case("H(0.99, 0.01) bits", MATH, "entropy --bits 0.99 0.01", "entropy", 0.0808, 5e-5),
    case("H(onehot, q) = -log 0.4", MATH, "xent -p 1,0,0,0,0 -q 0.4,0.3,0.05,0.05,0.2", "cross_entropy", 0.916,
         5e-4),
    case("KL(onehot || q with zeros)", MATH, "kl -p 1,0,0,0,0 -q 0.98,0.01,0,0,0.01", "kl", 0.0202, 5e-5),
    case("entropy minimisation, final H", MATH, "simulate", "entropy", 0.228, 5e-4),
    case("entropy minimisation, final p", MATH, "simulate", "p", (0.951, 0.029, 0.019), 6e-4),
    case("H(1/2, 1/4, 1/8, 1/8) = 1.75 bits", COVER + ", Example 2.1.2", "entropy --bits 0.5 0.25 0.125 0.125",
         "entropy", 1.75, 1e-15),
    case("D(p||q), p = (1/2, 1/2), q = (3/4, 1/4)", COVER + ", Example 2.3.1", "kl --bits -p 0.5,0.5 -q 0.75,0.25",
         "kl", 1 - 0.5 * LOG2_3, 1e-15),
    case("D(q||p), p = (1/2, 1/2), q = (3/4, 1/4)", COVER + ", Example 2.3.1", "kl --bits -p 0.5,0.5 -q 0.75,0.25",
         "reverse_kl", 0.75 * LOG2_3 - 1, 1e-15),
    case("H of a fair die = log2 6 bits", COVER + ", Chapter 2", "entropy --bits --counts 1 1 1 1 1 1", "entropy",
         math.log2(6), 1e-15),
    case("D_KL(P || Q), P = (9,12,4)/25, Q uniform", WIKI_KL, "kl --counts -p 9,12,4 -q 1,1,1", "kl", 0.0852996,
         5e-8),
    case("D_KL(Q || P), P = (9,12,4)/25, Q uniform", WIKI_KL, "kl --counts -p 9,12,4 -q 1,1,1", "reverse_kl",
         0.097455, 5e-7),
    case("perplexity of a uniform 4-way choice", "definition, b^H", "entropy 0.25 0.25 0.25 0.25", "perplexity", 4.0,
         1e-15),
    case("cross-entropy gradient softmax(z) - onehot", MATH, "grad --of xent --target 0 1 2 3", "grad",
         (0.09003057317038046 - 1, 0.24472847105479767, 0.6652409557748219), 1e-15),
    case("entropy gradient -p(log p + H) at z = (0, ln 2)", MATH, f"grad 0 {math.log(2)!r}", "grad",
         (-(1 / 3) * (math.log(1 / 3) + _H), -(2 / 3) * (math.log(2 / 3) + _H)), 1e-15),
    case("power transform p=(0.8,0.2) to H((.64,.04)/.68): gamma 2", "hand derivation",
         f"normalize --target {_GAMMA2_TARGET!r} 0.8 0.2", "gamma", 2.0, 1e-9),
]


def _extract(c: Case, out: str) -> list[float]:
    """The numbers a case compares: its field in the last JSON Lines object of the command's output."""
    import json

    value = json.loads(out.strip().splitlines()[-1])[c.field]
    if c.index is not None:
        value = value[c.index]
    return [float(v) for v in value] if isinstance(value, list) else [float(value)]


def selftest(output: Output,
             verbose: Annotated[bool, typer.Option("--verbose", help="Show each case's command line.")] = False
             ) -> None:
    import contextlib
    import dataclasses
    import io

    import numpy as np

    from entcli.cli.app import run
    from entcli.cli.options import current_environment
    from entcli.io.output import output_stream

    env = dataclasses.replace(current_environment(), stdin=None, stdin_isatty=False, stdout_isatty=False)
    rows = []
    for c in CASES:
        buf, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(err):
            code = run([*c.args, "-o", "jsonl"], env=env)
        try:
            got = _extract(c, buf.getvalue()) if code == 0 else []
        except (ValueError, KeyError, IndexError, TypeError):
            got = []
        ok = len(got) == len(c.expected) and all(abs(g - e) <= c.tol for g, e in zip(got, c.expected, strict=True))
        rows.append((c.what, c.source, " ".join(["entcli", *c.args]), list(c.expected), got, ok))
    failed = sum(not r[-1] for r in rows)
    if output.format == "table":
        from entcli.io.tables import print_selftest

        with output_stream(output.path) as out:
            print_selftest(out, rows, output.color, verbose, output.width)
    elif output.format == "plain":  # one line per case, to read: number, verdict, case, expected and got
        with output_stream(output.path) as out:
            for i, (what, _, cmd, expected, got, ok) in enumerate(rows, 1):
                out.write(f"{i}\t{'pass' if ok else 'FAIL'}\t{what}\texpected {','.join(map(repr, expected))}\t"
                          f"got {','.join(map(repr, got)) or '-'}" + (f"\t{cmd}" if verbose else "") + "\n")
    else:
        from entcli.cli import engine

        width = max(len(r[3]) for r in rows)

        def pad(values: list[list[float]]) -> np.ndarray:
            return np.array([list(v) + [np.nan] * (width - len(v)) for v in values], dtype=np.float64)

        columns: dict[str, engine.Column] = {
            "number": np.arange(1, len(rows) + 1), "case": np.array([r[0] for r in rows], dtype=object),
            "source": np.array([r[1] for r in rows], dtype=object)}
        if verbose:
            columns["command"] = np.array([r[2] for r in rows], dtype=object)
        columns.update(expected=pad([r[3] for r in rows]), got=pad([r[4] if r[4] else [np.nan] for r in rows]),
                       tolerance=np.array([c.tol for c in CASES]),
                       passed=np.array([r[-1] for r in rows], dtype=np.int64))
        engine.emit(engine.Run(output, "passed", "selftest"), engine.single(columns))
    print(f"selftest: {len(rows) - failed} passed, {failed} failed", file=sys.stderr)
    raise typer.Exit(1 if failed else 0)


def register(app: typer.Typer) -> None:
    app.command("selftest", help=HELP, short_help="Replay published reference values; exit 1 on a mismatch.")(
        command(selftest))
