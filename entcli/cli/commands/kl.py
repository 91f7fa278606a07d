"""``entcli kl``: KL(p‖q) and its relatives (reverse, symmetric, Jensen–Shannon), row by row or pairwise."""

from __future__ import annotations

from enum import Enum
from types import SimpleNamespace
from typing import Annotated

import typer

from entcli.cli.options import CHECKS, EXPLAIN, FILES, OUTPUT, PAIR_READ, UNITS, shared

HELP = """KL divergence KL(p||q) = sum_i p_i log(p_i / q_i) >= 0, and its relatives.

p is the reference ("true") distribution, q the model; the order matters. Every row also gets
reverse_kl KL(q||p), symmetric_kl KL(p||q) + KL(q||p), js_divergence JS = KL(p||m)/2 + KL(q||m)/2
with m = (p + q)/2 (always finite, <= log 2), js_distance sqrt(JS), cross_entropy H(p, q) and
entropy_p H(p). --reverse, --symmetric, --js or --js-distance choose which one plain output and
--max/--min use. p > 0 where q = 0 gives an infinite KL: reported as inf (null in JSON) with a
warning naming the rows; --epsilon E smooths q only when asked. Units: nats by default.

SRC is numbers (one distribution), a file (many rows) or - (stdin). Rows pair 1 with N, N with 1,
or N with N; --pairwise compares every p row with every q row. --logits/--counts apply to both
inputs; --p-logits, --q-counts ... to one.

Examples:

\b
  entcli kl -p 0.5,0.5 -q 0.9,0.1 --bits
  entcli kl -p baseline.csv -q today.csv --max 0.05 || alert
  entcli kl -p 1,0,0,0,0 -q 0.4,0.3,0.05,0.05,0.2    # 0.916 (= -log 0.4)
"""

FIELDS = ("kl", "reverse_kl", "symmetric_kl", "js_divergence", "js_distance", "cross_entropy", "entropy_p")
class Measure(str, Enum):
    kl = "kl"
    tv = "tv"
    hellinger = "hellinger"
    bhattacharyya = "bhattacharyya"
    bhattacharyya_coefficient = "bhattacharyya-coefficient"
    pearson = "pearson"
    neyman = "neyman"
    renyi = "renyi"
    all = "all"


TITLES = {
    "kl": "KL(p‖q)",
    "reverse_kl": "KL(q‖p)",
    "symmetric_kl": "KL(p‖q) + KL(q‖p)",
    "js_divergence": "JS(p, q)",
    "js_distance": "JS distance",
}


def kl(
    opts: SimpleNamespace,
    p: Annotated[str, typer.Option("-p", "--p", metavar="SRC", help="The reference distribution(s) p.")],
    q: Annotated[str, typer.Option("-q", "--q", metavar="SRC", help="The model distribution(s) q.")],
    reverse: Annotated[bool, typer.Option("--reverse", help="Primary result KL(q||p).")] = False,
    symmetric: Annotated[bool, typer.Option("--symmetric", help="Primary result KL(p||q) + KL(q||p).")] = False,
    js: Annotated[bool, typer.Option("--js", help="Primary result the Jensen-Shannon divergence.")] = False,
    js_distance: Annotated[bool, typer.Option("--js-distance", help="Primary result sqrt(JS).")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="Add per-outcome terms p log(p/q) and -p log q.")] = False,
    measure: Annotated[Measure, typer.Option(
        "--measure", help="kl (the KL family, default), tv, hellinger, bhattacharyya, bhattacharyya-coefficient, "
        "pearson, neyman, renyi (order --alpha), or all.")] = Measure.kl,
    alpha: Annotated[float, typer.Option("--alpha", help="Order of the Renyi divergence (>= 0, or inf).")] = 0.5,
) -> None:
    import numpy as np

    from entcli.cli import pairs, pipeline
    from entcli.core.divergence import cross_entropy_terms, divergence_summary, relative_entropy_terms
    from entcli.core.measures import MEASURES
    from entcli.core.measures import measure as compute_measure
    from entcli.core.units import nats_to, unit_name
    from entcli.errors import InputError

    chosen = [name for name, flag in (("reverse_kl", reverse), ("symmetric_kl", symmetric), ("js_divergence", js),
                                      ("js_distance", js_distance)) if flag]
    if len(chosen) > 1:
        raise InputError("choose at most one of --reverse, --symmetric, --js, --js-distance")
    if measure not in (Measure.kl, Measure.all) and (chosen or detail):
        raise InputError(f"--measure {measure.value} has one result", "--reverse/--js.../--detail go with --measure kl")
    order = pipeline.check_order(alpha, "--alpha")
    single = MEASURES.get(measure.value)
    primary = single or (chosen[0] if chosen else "kl")
    extra = list(MEASURES) if measure == Measure.all else [measure.value] if single else []
    base = pipeline.base_of(opts)
    unit = unit_name(base)
    kinds = (pairs.side_kind(opts, "p", True), pairs.side_kind(opts, "q", True))
    pairs.one_stdin(p, q)
    run = pipeline.Run(opts, primary, pipeline.unit_title(TITLES.get(primary, primary.replace("_", " ")), base),
                       nonfinite_hint=" (p > 0 where q = 0); --epsilon E smooths q")
    pipeline.explain(
        opts, "direction: KL(p||q) = sum_i p_i log(p_i / q_i): p the reference (-p), q the model (-q); "
        "0 log(0/q) = 0; p_i > 0 = q_i gives +inf",
        "reverse_kl = KL(q||p); symmetric_kl = KL(p||q) + KL(q||p); js_divergence = KL(p||m)/2 + KL(q||m)/2, "
        "m = (p+q)/2; js_distance = sqrt(js_divergence); cross_entropy = -sum p log q = H(p) + KL(p||q)",
        f"primary result (plain output, --max/--min): {primary}",
        f"q smoothed: q' = (q + {opts.epsilon:g}) / (1 + K * {opts.epsilon:g})" if opts.epsilon is not None else "",
        "pairs: every p row with every q row (--pairwise)" if opts.pairwise else
        "pairs: row i of p with row i of q; a single row pairs with every row of the other",
        pipeline.unit_text(base), pipeline.reading_text(kinds[0], opts.temperature, opts.tol, "p"),
        pipeline.reading_text(kinds[1], opts.temperature, opts.tol, "q"))
    a, b = pairs.open_src(p, "-p", opts), pairs.open_src(q, "-q", opts)
    run.names = a.names or b.names

    def compute(sp: pairs.Side, sq: pairs.Side) -> dict:
        qp, log_q = pairs.smoothed(sq, opts.epsilon)
        columns: dict = {}
        if not single:
            fields = divergence_summary(sp.p, qp, base, sp.log_p, log_q)
            columns.update({name: fields[name] for name in FIELDS})
        for name in extra:
            columns[MEASURES[name]] = compute_measure(name, sp.p, qp, base, order)
            if name == "renyi":
                columns["alpha"] = np.full_like(columns[MEASURES[name]], order)
        columns["unit"] = unit
        if opts.epsilon is not None:
            columns["epsilon"] = np.full_like(columns[primary], opts.epsilon)
        if detail:
            columns["kl_terms"] = relative_entropy_terms(sp.p, qp, sp.log_p, log_q) * nats_to(base)
            columns["xent_terms"] = cross_entropy_terms(sp.p, qp, log_q) * nats_to(base)
        return columns

    if opts.pairwise:
        if detail:
            raise InputError("--detail does not combine with --pairwise", "drop one of them")
        results = pairs.pairwise(a, b, kinds, opts, run, compute)
    else:
        results = ((compute(sp, sq), rows) for sp, sq, rows in pairs.checked_pairs(a, b, kinds, opts, run))
    raise typer.Exit(pipeline.emit(opts, run, results))


def register(app: typer.Typer) -> None:
    app.command("kl", help=HELP, short_help="KL(p||q), reverse, symmetric, Jensen-Shannon.")(
        shared(FILES, PAIR_READ, UNITS, OUTPUT, EXPLAIN, CHECKS)(kl)
    )
