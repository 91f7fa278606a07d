"""``entcli entropy``: H(p), surprisal, perplexity and normalised entropy, one row per distribution."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

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


def entropy(
    opts: SimpleNamespace,
    detail: Annotated[bool, typer.Option("--detail", help="Add p, surprisal and contribution per outcome.")] = False,
) -> None:
    from entcli.cli import pipeline
    from entcli.core.shannon import contribution, entropy_summary, surprisal
    from entcli.core.units import unit_name

    base = pipeline.base_of(opts)
    kind = pipeline.kind_of(opts)
    unit = unit_name(base)
    pipeline.explain(
        opts, "H(p) = -sum_i p_i log p_i over the last axis, with 0 log 0 = 0",
        "max_entropy = log K (K = number of outcomes); normalized = H / log K (0 when K = 1); "
        "perplexity = exp(H in nats); support = number of p_i > 0",
        "surprisal = -log p_i (inf for p_i = 0); contribution = -p_i log p_i" if detail else "",
        pipeline.unit_text(base), pipeline.reading_text(kind, opts.temperature, opts.tol))

    def compute(p, block):  # type: ignore[no-untyped-def]
        s = entropy_summary(p, base)
        columns = {"entropy": s["entropy"], "unit": unit, **{k: v for k, v in s.items() if k != "entropy"}}
        if detail:
            columns.update(p=p, surprisal=surprisal(p, base), contribution=contribution(p, base))
        return columns

    table = _detail_table if detail else None
    code = pipeline.stream(opts, compute, primary="entropy", title=pipeline.unit_title("Entropy", base), kind=kind,
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
