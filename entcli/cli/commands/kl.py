"""``entcli kl``: KL(p‖q) and its relatives (reverse, symmetric, Jensen–Shannon), row by row or pairwise."""

from __future__ import annotations

from typing import Annotated

import typer

from entcli.cli.options import Checks, Explain, Files, Output, PairReading, Units, check_order, choices, command
from entcli.core.vocabulary import KL_FIELDS, MEASURES

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

FIELDS = KL_FIELDS
#: Why a primary result is infinite (the end-of-run warning's hint); the bounded measures (JS, TV, Hellinger) never
#: are, and the inputs are checked finite, so these are the only causes.
_Q_ZERO = " (p > 0 where q = 0); --epsilon E smooths q"
NONFINITE = {
    "kl": _Q_ZERO, "cross_entropy": _Q_ZERO, "chi2_pearson": _Q_ZERO,
    "renyi_divergence": " (p > 0 where q = 0, for alpha >= 1; disjoint supports, for alpha < 1); --epsilon E smooths q",
    "symmetric_kl": " (p > 0 where q = 0, or q > 0 where p = 0)",
    "reverse_kl": " (q > 0 where p = 0: the reverse direction); --epsilon smooths q, not p",
    "chi2_neyman": " (q > 0 where p = 0: Neyman's divides by p)",
    "bhattacharyya_distance": " (p and q have disjoint supports)",
}
#: --measure: the KL family (every field of FIELDS), one measure of the catalogue, or all of them.
MEASURE_CHOICES = ("kl", *MEASURES, "all")

TITLES = {
    "kl": "KL(p‖q)",
    "reverse_kl": "KL(q‖p)",
    "symmetric_kl": "KL(p‖q) + KL(q‖p)",
    "js_divergence": "JS(p, q)",
    "js_distance": "JS distance",
}


def kl(
    files: Files,
    reading: PairReading,
    units: Units,
    output: Output,
    explain: Explain,
    checks: Checks,
    p: Annotated[str, typer.Option("-p", "--p", metavar="SRC", help="The reference distribution(s) p.")],
    q: Annotated[str, typer.Option("-q", "--q", metavar="SRC", help="The model distribution(s) q.")],
    reverse: Annotated[bool, typer.Option("--reverse", help="Primary result KL(q||p).")] = False,
    symmetric: Annotated[bool, typer.Option("--symmetric", help="Primary result KL(p||q) + KL(q||p).")] = False,
    js: Annotated[bool, typer.Option("--js", help="Primary result the Jensen-Shannon divergence.")] = False,
    js_distance: Annotated[bool, typer.Option("--js-distance", help="Primary result sqrt(JS).")] = False,
    detail: Annotated[bool, typer.Option("--detail", help="Add per-outcome terms p log(p/q) and -p log q.")] = False,
    measure: Annotated[str, typer.Option(
        "--measure", click_type=choices(MEASURE_CHOICES), help="kl (the KL family, default), tv, hellinger, "
        "bhattacharyya, bhattacharyya-coefficient, pearson, neyman, renyi (order --alpha), or all.")] = "kl",
    alpha: Annotated[float, typer.Option("--alpha", help="Order of the Renyi divergence (>= 0, or inf).")] = 0.5,
) -> None:
    import numpy as np

    from entcli.cli import engine
    from entcli.cli.explain import reading_text, unit_text
    from entcli.core.divergence import cross_entropy_terms, divergence_summary, relative_entropy_terms
    from entcli.core.losses import smooth_q
    from entcli.core.measures import measure as compute_measure
    from entcli.errors import InputError

    chosen = [name for name, flag in (("reverse_kl", reverse), ("symmetric_kl", symmetric), ("js_divergence", js),
                                      ("js_distance", js_distance)) if flag]
    if len(chosen) > 1:
        raise InputError("choose at most one of --reverse, --symmetric, --js, --js-distance")
    if measure not in ("kl", "all") and (chosen or detail):
        raise InputError(f"--measure {measure} has one result", "--reverse/--js.../--detail go with --measure kl")
    if reading.pairwise and detail:
        raise InputError("--detail does not combine with --pairwise", "drop one of them")
    order = check_order(alpha, "--alpha")
    single = MEASURES.get(measure)
    primary = single or (chosen[0] if chosen else "kl")
    extra = list(MEASURES) if measure == "all" else [measure] if single else []
    base, unit, epsilon, kinds = units.base, units.unit, reading.epsilon, reading.kinds
    engine.one_stdin(p, q)
    explain(
        "direction: KL(p||q) = sum_i p_i log(p_i / q_i): p the reference (-p), q the model (-q); "
        "0 log(0/q) = 0; p_i > 0 = q_i gives +inf",
        "reverse_kl = KL(q||p); symmetric_kl = KL(p||q) + KL(q||p); js_divergence = KL(p||m)/2 + KL(q||m)/2, "
        "m = (p+q)/2; js_distance = sqrt(js_divergence); cross_entropy = -sum p log q = H(p) + KL(p||q)",
        f"primary result (plain output, --max/--min): {primary}",
        f"q smoothed: q' = (q + {epsilon:g}) / (1 + K * {epsilon:g})" if epsilon is not None else "",
        "pairs: every p row with every q row (--pairwise)" if reading.pairwise else
        "pairs: row i of p with row i of q; a single row pairs with every row of the other",
        unit_text(base), reading_text(kinds[0], reading.temperature, reading.tol, "p"),
        reading_text(kinds[1], reading.temperature, reading.tol, "q"))
    run = engine.Run(output, primary, units.title(TITLES.get(primary, primary.replace("_", " "))), checks,
                     files.skip_invalid, nonfinite_hint=NONFINITE.get(primary, ""))
    files = engine.pair_files(files, reading)
    a, b = files.open_src(p, "-p"), files.open_src(q, "-q")
    pairs, note = engine.pair_up(a, b, files, reading, run, kinds)
    run.names = a.names or b.names
    explain(note, f"rows paired by key: {', '.join(reading.on)}" if reading.on else "", *a.notes, *b.notes)

    # Plain output prints the primary result only (and --max/--min test it): the other fields are not computed.
    only = {primary} if output.format == "plain" else None

    def compute(sp: engine.Side, sq: engine.Side) -> engine.Columns:
        qp, log_q = (sq.p, sq.log_p) if epsilon is None else (smooth_q(sq.p, epsilon), None)
        columns: dict[str, engine.Column] = {}
        if not single and (only is None or primary in FIELDS):
            columns.update(divergence_summary(sp.p, qp, base, sp.log_p, log_q,
                                              None if only is None else only & set(FIELDS)))
        for name in extra:
            if only is not None and MEASURES[name] not in only:
                continue
            columns[MEASURES[name]] = compute_measure(name, sp.p, qp, base, order)
            if name == "renyi":
                columns["alpha"] = np.full_like(columns[MEASURES[name]], order)
        columns["unit"] = unit
        if epsilon is not None:
            columns["epsilon"] = np.full_like(columns[primary], epsilon)
        if detail:
            columns["kl_terms"] = relative_entropy_terms(sp.p, qp, sp.log_p, log_q) * units.scale
            columns["xent_terms"] = cross_entropy_terms(sp.p, qp, log_q) * units.scale
        return columns

    if reading.pairwise:
        results = engine.pairwise(a, b, kinds, reading, run, compute)
    else:
        results = ((compute(sp, sq), rows) for sp, sq, rows in engine.checked_pairs(a, b, kinds, reading, run, pairs))
    raise typer.Exit(engine.emit(run, results))


def register(app: typer.Typer) -> None:
    app.command("kl", help=HELP, short_help="KL(p||q), reverse, symmetric, Jensen-Shannon.")(command(kl))
