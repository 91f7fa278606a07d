"""``entcli entropy``: H(p), surprisal, perplexity and normalised entropy, one row per distribution."""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Annotated, Optional

import typer

from entcli.cli.options import Checks, Explain, Input, Output, Reading, Units, check_order, choices, command
from entcli.core.vocabulary import ESTIMATORS

if TYPE_CHECKING:
    from entcli.cli.engine import Run
    from entcli.io.numbers import Columns

HELP = """Shannon entropy H(p) = -sum_i p_i log p_i of each distribution.

Also the number of outcomes k, the support (#p_i > 0), the maximum log k, the normalised entropy
H / log k and the perplexity e^H (the effective number of outcomes). Units: nats by default;
--bits, --dits or --base B. With --detail, per outcome: p, the surprisal -log p and the
contribution -p log p. With --estimator, entropy is the estimate of the source's entropy from the
counts, normalized = estimate / log k and perplexity = e^estimate: an estimator that accounts for
unseen outcomes may exceed log k, and then normalized > 1 and perplexity > k say exactly that.

Examples:

\b
  entcli entropy --bits 0.5 0.5            # 1.0
  entcli entropy --detail 0.1 0.1 0.1 0.7  # where the entropy comes from
  entcli entropy --counts 4 2 3 0 2        # counts, divided by their sum
  entcli entropy -i model.csv --max 0.5    # exit 1 naming the rows above 0.5 nats
"""


def entropy(
    source: Input,
    reading: Reading,
    units: Units,
    output: Output,
    explain: Explain,
    checks: Checks,
    detail: Annotated[bool, typer.Option("--detail", help="Add p, surprisal and contribution per outcome.")] = False,
    renyi: Annotated[Optional[float], typer.Option(
        "--renyi", metavar="ALPHA", help="Add the Renyi entropy of order ALPHA >= 0 (inf: min-entropy); it becomes "
        "the primary result.")] = None,
    tsallis: Annotated[Optional[float], typer.Option(
        "--tsallis", metavar="Q", help="Add the Tsallis entropy of index Q (no unit; Q = 1 is Shannon in nats); it "
        "becomes the primary result.")] = None,
    estimator: Annotated[Optional[str], typer.Option(
        "--estimator", click_type=choices(ESTIMATORS), help="With --counts: estimate H from counts (plugin, "
        "miller-madow, jeffreys, laplace, perks, minimax, dirichlet with --pseudocount, chao-shen, james-stein).")]
    = None,
    pseudocount: Annotated[Optional[float], typer.Option(
        "--pseudocount", metavar="A", help="The Dirichlet pseudocount for --estimator dirichlet.")] = None,
) -> None:
    import math

    import numpy as np

    from entcli.cli import engine
    from entcli.cli.explain import reading_text, unit_text
    from entcli.core.estimators import estimate
    from entcli.core.generalized import renyi_entropy, tsallis_entropy
    from entcli.core.shannon import contribution, entropy_summary, surprisal
    from entcli.errors import InputError

    base, unit, kind = units.base, units.unit, reading.kind
    alpha = check_order(renyi, "--renyi") if renyi is not None else 1.0
    if renyi is not None and tsallis is not None:
        raise InputError("give one of --renyi and --tsallis", "each is the primary result of its run")
    if tsallis is not None and not math.isfinite(tsallis):
        raise InputError(f"--tsallis must be a finite number, got {tsallis}", "e.g. --tsallis 2")
    if tsallis is not None and base != math.e:
        raise InputError("the Tsallis entropy has no logarithm base", "drop --bits/--dits/--base with --tsallis")
    if estimator is not None and kind != "counts":
        raise InputError("--estimator works on counts", "add --counts (the numbers are observed counts)")
    if (pseudocount is not None) != (estimator == "dirichlet"):
        raise InputError("--pseudocount goes with --estimator dirichlet (and it needs one)")
    if pseudocount is not None and not (pseudocount >= 0 and math.isfinite(pseudocount)):
        raise InputError(f"--pseudocount must be finite and >= 0, got {pseudocount}", "e.g. --pseudocount 0.5")
    primary = "renyi" if renyi is not None else "tsallis" if tsallis is not None else "entropy"
    explain(
        f"estimator: {estimator}: {ESTIMATORS[estimator]}" if estimator is not None else "",
        "with an estimator, normalized = estimate / log K and perplexity = exp(estimate); the estimate may exceed "
        "log K (unseen outcomes), so normalized > 1 and perplexity > K are possible" if estimator is not None
        else "",
        f"Renyi: H_alpha = log(sum p_i^alpha) / (1 - alpha), alpha = {alpha:g}" if renyi is not None else "",
        f"Tsallis: S_q = (1 - sum p_i^q) / (q - 1), q = {tsallis:g}, no unit" if tsallis is not None else "",
        "H(p) = -sum_i p_i log p_i over the last axis, with 0 log 0 = 0",
        "max_entropy = log K (K = number of outcomes); normalized = H / log K (0 when K = 1); "
        "perplexity = exp(H in nats); support = number of p_i > 0",
        "surprisal = -log p_i (inf for p_i = 0); contribution = -p_i log p_i" if detail else "",
        unit_text(base), reading_text(kind, reading.temperature, reading.tol))

    def compute(p: engine.Array, block: engine.Block) -> engine.Columns:
        s = entropy_summary(p, base)
        shrink = None
        if estimator is not None:
            h, shrink = estimate(estimator, block.values, base, pseudocount)
            top = s["max_entropy"]
            s.update(entropy=h, normalized=np.where(top > 0, h / np.where(top > 0, top, 1.0), 0.0),
                     perplexity=np.exp(h / units.scale))
        columns: dict[str, engine.Column] = {"entropy": s["entropy"], "unit": unit,
                                             **{k: v for k, v in s.items() if k != "entropy"}}
        if estimator is not None:
            columns["estimator"] = estimator
            if shrink is not None:
                columns["shrinkage"] = shrink
        if renyi is not None:
            columns.update(renyi=renyi_entropy(p, alpha, base), alpha=np.full(len(p), alpha))
        if tsallis is not None:
            columns.update(tsallis=tsallis_entropy(p, tsallis), q=np.full(len(p), tsallis))
        if detail:
            columns.update(p=p, surprisal=surprisal(p, base), contribution=contribution(p, base))
        return columns

    title = {"entropy": "Entropy", "renyi": f"Renyi entropy, alpha = {alpha:g}",
             "tsallis": f"Tsallis entropy, q = {tsallis}"}[primary]
    run = engine.Run(output, primary, units.title(title), checks, source.skip_invalid, explain=explain)
    raise typer.Exit(engine.stream(source, reading, run, compute, table=_detail_table if detail else None))


def _detail_table(out: IO[str], columns: Columns, run: Run) -> None:
    from entcli.io.tables import print_entropy_detail

    print_entropy_detail(out, columns, run.names, run.output.digits, run.output.color, run.output.width)


def register(app: typer.Typer) -> None:
    app.command("entropy", help=HELP, short_help="Entropy H(p), perplexity, surprisal.")(command(entropy))
