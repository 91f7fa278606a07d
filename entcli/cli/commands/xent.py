"""``entcli xent``: cross-entropy H(p, q) from distributions, class labels, logits, or binary labels."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

from entcli.cli.options import Checks, Explain, Files, Output, TargetReading, Units, choices, command
from entcli.core.vocabulary import REDUCTIONS

HELP = """Cross-entropy H(p, q) = -sum_i p_i log q_i = H(p) + KL(p||q): the cost of coding p with a code for q.

Every row gets cross_entropy, entropy_p H(p) and kl KL(p||q). p is the target, q the model's
prediction. --target gives class labels (0-based, one per row) in place of p: then H(p) = 0 and the
result is -log q_y. --logits (or --q-logits) reads q as logits, used in log space (log-softmax).

Deep-learning loss semantics (as PyTorch's cross_entropy): --label-smoothing e uses
(1 - e) y + e/K as the target; --weight w gives loss_n = -sum_k w_k y_k log q_k, and with labels
the batch mean divides by the sum of w over the rows' true classes (with distributions, by N);
--ignore-index N drops rows labelled N (loss 0, not counted); --reduction mean|sum prints one object
for the whole batch. --binary: binary cross-entropy of one probability (or logit) per row against a
0/1 or soft label, -[w y log q + (1 - y) log(1 - q)] with w = --pos-weight; from logits via softplus.
No hidden clamping: q = 0 where the label is 1 is an infinite loss, reported as inf.

Examples:

\b
  entcli xent -p 1,0,0,0,0 -q 0.4,0.3,0.05,0.05,0.2         # 0.916 = -log 0.4
  entcli xent --target labels.txt -q logits.csv --logits --reduction mean
  entcli xent --binary --target 1,0,1 -q 0.9,0.2,0.7 --reduction mean
"""


def xent(
    files: Files,
    reading: TargetReading,
    units: Units,
    output: Output,
    explain: Explain,
    checks: Checks,
    q: Annotated[str, typer.Option("-q", "--q", metavar="SRC", help="The model's prediction(s) q.")],
    p: Annotated[Optional[str], typer.Option("-p", "--p", metavar="SRC", help="The target distribution(s) p.")] = None,
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="SRC", help="Class labels in place of -p: a 0-based index per row (0/1 with --binary).",
    )] = None,
    target_column: Annotated[Optional[str], typer.Option(
        "--target-column", metavar="NAME", help="Class labels from this column of the -q file: 0-based indices or "
        "outcome names from its header.")] = None,
    label_smoothing: Annotated[float, typer.Option(
        "--label-smoothing", metavar="E", help="Target (1 - E) y + E/K, as deep-learning losses do (0 <= E <= 1).",
    )] = 0.0,
    weight: Annotated[Optional[str], typer.Option(
        "--weight", metavar="SRC", help="Class weights w (K numbers >= 0): weighted loss and weighted mean.",
    )] = None,
    ignore_index: Annotated[Optional[int], typer.Option(
        "--ignore-index", metavar="N", help="Rows whose label is N have loss 0 and are not counted in the mean.",
    )] = None,
    reduction: Annotated[str, typer.Option(
        "--reduction", click_type=choices(REDUCTIONS), help="none: one result per row; mean or sum: one object for "
        "the batch.",
    )] = "none",
    binary: Annotated[bool, typer.Option(
        "--binary", help="Binary cross-entropy: one probability (or logit) and one label per row.",
    )] = False,
    pos_weight: Annotated[float, typer.Option(
        "--pos-weight", metavar="W", help="With --binary: weight of the positive term (w > 0).",
    )] = 1.0,
    detail: Annotated[bool, typer.Option("--detail", help="Add per-outcome terms -p log q.")] = False,
) -> None:
    from entcli.cli import engine
    from entcli.cli.crossentropy import XentSettings, results
    from entcli.cli.explain import reading_text, unit_text
    from entcli.errors import InputError

    if sum(x is not None for x in (p, target, target_column)) != 1:
        raise InputError("give exactly one of -p, --target and --target-column",
                         "-p for distributions, --target for class labels, --target-column for a label column of -q")
    if target_column is not None and (binary or reading.pairwise or reading.on):
        raise InputError("--target-column does not combine with --binary, --pairwise or --on",
                         "give the labels with --target")
    if not 0.0 <= label_smoothing <= 1.0:
        raise InputError(f"--label-smoothing must be in [0, 1], got {label_smoothing}")
    if not pos_weight > 0:
        raise InputError(f"--pos-weight must be > 0, got {pos_weight}")
    if binary and (weight is not None or label_smoothing or ignore_index is not None or reading.pairwise):
        raise InputError("--binary does not combine with --weight, --label-smoothing, --ignore-index or --pairwise")
    if ignore_index is not None and target is None and target_column is None:
        raise InputError("--ignore-index applies to --target labels")
    if reading.pairwise and (target is not None or reduction != "none"):
        raise InputError("--pairwise compares -p rows with -q rows, one result per pair",
                         "drop --target/--reduction, or --pairwise")
    settings = XentSettings(labels=target is not None or target_column is not None, binary=binary,
                            label_smoothing=label_smoothing,
                            ignore_index=ignore_index, reduction=reduction, pos_weight=pos_weight, detail=detail)
    explain(
        "binary: loss = -[w y log q + (1 - y) log(1 - q)], w = --pos-weight "
        f"{pos_weight:g}; from logits via softplus, no clamping" if binary else
        "H(p, q) = -sum_i p_i log q_i (p the target, q the prediction) = H(p) + KL(p||q); 0 log q = 0",
        "targets: class labels (--target), p = one-hot(label)" if settings.labels and not binary else "",
        f"label smoothing: p' = (1 - {label_smoothing:g}) p + {label_smoothing:g}/K" if label_smoothing else "",
        "class weights: loss_n = -sum_k w_k p_k log q_k; mean divides by sum_n w_(label n) for labels, by N for "
        "distributions" if weight is not None else "",
        f"ignore_index {ignore_index}: those rows have loss 0 and are not counted" if ignore_index is not None else "",
        f"reduction: {reduction}" + (" (one object for the batch)" if reduction != "none" else ""),
        unit_text(units.base), reading_text(reading.kinds[1], reading.temperature, reading.tol, "q"))
    engine.one_stdin(p, q, target, weight)
    run = engine.Run(output, "cross_entropy", units.title("Cross-entropy H(p, q)"), checks, files.skip_invalid,
                     nonfinite_hint=" (p > 0 where q = 0); --epsilon E smooths q", explain=explain)
    rows = results(files, reading, units, run, settings, target if target is not None else p, q, weight,
                   target_column)
    raise typer.Exit(engine.emit(run, rows))


def register(app: typer.Typer) -> None:
    app.command("xent", help=HELP, short_help="Cross-entropy H(p, q), from labels, logits, binary.")(command(xent))
