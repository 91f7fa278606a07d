"""``entcli entropy``: H(p), surprisal, perplexity and normalised entropy, one row per distribution."""

from __future__ import annotations

from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Optional

import typer

from entcli.cli.options import CHECKS, EXPLAIN, INPUT, OUTPUT, READ, UNITS, VALUES, shared

HELP = """Shannon entropy H(p) = -sum_i p_i log p_i of each distribution.

Also the number of outcomes k, the support (#p_i > 0), the maximum log k, the normalised entropy
H / log k and the perplexity e^H (the effective number of outcomes). Units: nats by default;
--bits, --dits or --base B. With --detail, per outcome: p, the surprisal -log p and the
contribution -p log p.

Examples:

\b
  entcli entropy --bits 0.5 0.5            # 1.0
  entcli entropy --detail 0.1 0.1 0.1 0.7  # where the entropy comes from
  entcli entropy --counts 4 2 3 0 2        # counts, divided by their sum
  entcli entropy -i model.csv --max 0.5    # exit 1 naming the rows above 0.5 nats
"""


class Estimator(str, Enum):
    plugin = "plugin"
    miller_madow = "miller-madow"
    jeffreys = "jeffreys"
    laplace = "laplace"
    perks = "perks"
    minimax = "minimax"
    dirichlet = "dirichlet"
    chao_shen = "chao-shen"
    james_stein = "james-stein"


def entropy(
    opts: SimpleNamespace,
    detail: Annotated[bool, typer.Option("--detail", help="Add p, surprisal and contribution per outcome.")] = False,
    renyi: Annotated[Optional[float], typer.Option(
        "--renyi", metavar="ALPHA", help="Add the Renyi entropy of order ALPHA >= 0 (inf: min-entropy); it becomes "
        "the primary result.")] = None,
    tsallis: Annotated[Optional[float], typer.Option(
        "--tsallis", metavar="Q", help="Add the Tsallis entropy of index Q (no unit; Q = 1 is Shannon in nats); it "
        "becomes the primary result.")] = None,
    estimator: Annotated[Optional[Estimator], typer.Option(
        "--estimator", help="With --counts: estimate H from counts (plugin, miller-madow, jeffreys, laplace, perks, "
        "minimax, dirichlet with --pseudocount, chao-shen, james-stein).")] = None,
    pseudocount: Annotated[Optional[float], typer.Option(
        "--pseudocount", metavar="A", help="The Dirichlet pseudocount for --estimator dirichlet.")] = None,
) -> None:
    import math

    import numpy as np

    from entcli.cli import pipeline
    from entcli.core.estimators import estimate
    from entcli.core.generalized import renyi_entropy, tsallis_entropy
    from entcli.core.shannon import contribution, entropy_summary, surprisal
    from entcli.core.units import nats_to, unit_name
    from entcli.errors import InputError

    base = pipeline.base_of(opts)
    kind = pipeline.kind_of(opts)
    unit = unit_name(base)
    alpha = pipeline.check_order(renyi, "--renyi") if renyi is not None else 1.0
    if renyi is not None and tsallis is not None:
        raise InputError("give one of --renyi and --tsallis", "each is the primary result of its run")
    if tsallis is not None and base != math.e:
        raise InputError("the Tsallis entropy has no logarithm base", "drop --bits/--dits/--base with --tsallis")
    if estimator is not None and kind != "counts":
        raise InputError("--estimator works on counts", "add --counts (the numbers are observed counts)")
    if (pseudocount is not None) != (estimator == Estimator.dirichlet):
        raise InputError("--pseudocount goes with --estimator dirichlet (and it needs one)")
    primary = "renyi" if renyi is not None else "tsallis" if tsallis is not None else "entropy"
    pipeline.explain(
        opts, f"estimator: {estimator.value} (see the entcli.core.estimators docstring for its formula)"
        if estimator is not None else "",
        f"Renyi: H_alpha = log(sum p_i^alpha) / (1 - alpha), alpha = {alpha:g}" if renyi is not None else "",
        f"Tsallis: S_q = (1 - sum p_i^q) / (q - 1), q = {tsallis:g}, no unit" if tsallis is not None else "",
        "H(p) = -sum_i p_i log p_i over the last axis, with 0 log 0 = 0",
        "max_entropy = log K (K = number of outcomes); normalized = H / log K (0 when K = 1); "
        "perplexity = exp(H in nats); support = number of p_i > 0",
        "surprisal = -log p_i (inf for p_i = 0); contribution = -p_i log p_i" if detail else "",
        pipeline.unit_text(base), pipeline.reading_text(kind, opts.temperature, opts.tol))

    def compute(p, block):  # type: ignore[no-untyped-def]
        s = entropy_summary(p, base)
        if estimator is not None:
            h, shrink = estimate(estimator.value, block.values, base, pseudocount)
            s.update(entropy=h, normalized=np.where(s["max_entropy"] > 0, h / np.where(s["max_entropy"] > 0,
                     s["max_entropy"], 1.0), 0.0), perplexity=np.exp(h / nats_to(base)))
        columns = {"entropy": s["entropy"], "unit": unit, **{k: v for k, v in s.items() if k != "entropy"}}
        if estimator is not None:
            columns["estimator"] = estimator.value
            if shrink is not None:
                columns["shrinkage"] = shrink
        if renyi is not None:
            columns.update(renyi=renyi_entropy(p, alpha, base), alpha=np.full(len(p), alpha))
        if tsallis is not None:
            columns.update(tsallis=tsallis_entropy(p, tsallis), q=np.full(len(p), tsallis))
        if detail:
            columns.update(p=p, surprisal=surprisal(p, base), contribution=contribution(p, base))
        return columns

    table = _detail_table if detail else None
    title = {"entropy": "Entropy", "renyi": f"Renyi entropy, alpha = {alpha:g}",
             "tsallis": f"Tsallis entropy, q = {tsallis}"}[primary]
    code = pipeline.stream(opts, compute, primary=primary, title=pipeline.unit_title(title, base), kind=kind,
                           table=table)
    raise typer.Exit(code)


def _detail_table(out, columns, run) -> None:  # type: ignore[no-untyped-def]
    """Outcome-by-outcome tables: the worked example of H = sum of -p log p, one per row."""
    from entcli.cli.pipeline import use_color
    from entcli.io.render import format_numbers
    from entcli.io.tables import TABLE_DIGITS, print_outcomes

    digits = run.opts.digits or TABLE_DIGITS
    unit = columns["unit"]
    for i in range(len(columns["entropy"])):
        h, norm, ppl = (format_numbers(columns[f][i:i + 1], digits)[0] for f in ("entropy", "normalized", "perplexity"))
        title = f"H = {h} {unit}  (normalised {norm}, perplexity {ppl})"
        per = {f: columns[f][i] for f in ("p", "surprisal", "contribution")}
        total = {"p": format_numbers(per["p"].sum(keepdims=True), digits)[0], "contribution": h}
        print_outcomes(out, title, per, run.names, run.opts.digits, use_color(run.opts), total)


def register(app: typer.Typer) -> None:
    app.command("entropy", help=HELP, short_help="Entropy H(p), perplexity, surprisal.")(
        shared(VALUES, INPUT, READ, UNITS, OUTPUT, EXPLAIN, CHECKS)(entropy)
    )
