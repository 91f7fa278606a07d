"""``entcli softmax``: probabilities (and log-probabilities) from logits."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

import typer

from entcli.cli.options import EXPLAIN, INPUT, OUTPUT, TEMPERATURE, VALUES, shared

HELP = """Softmax p_j = exp(z_j/T) / sum_k exp(z_k/T) of logits z, computed stably.

The row maximum is subtracted first, so no finite logit overflows; a logit of -inf is a probability
of 0. --log adds the log-softmax z/T - logsumexp(z/T) (nats), computed directly, not as log(p).

Examples:

\b
  entcli softmax 1 2 3           # 0.0900..., 0.2447..., 0.6652...
  entcli softmax -1 0 2.5 -T 2   # softer: temperature 2
  entcli softmax --log -o json -i logits.csv
"""


def softmax(
    opts: SimpleNamespace,
    log: Annotated[bool, typer.Option("--log", help="Add log_p, the log-softmax (nats).")] = False,
) -> None:
    from entcli.cli import pipeline
    from entcli.core.logits import log_softmax

    pipeline.explain(opts, f"p_j = exp(z_j/T - logsumexp(z/T)) with T = {opts.temperature:g}; "
                     "logsumexp(x) = m + log sum exp(x - m), m = max x (no overflow); -inf is p = 0",
                     "log_p = z/T - logsumexp(z/T) (nats), not log(p)" if log else "")

    def compute(p, block):  # type: ignore[no-untyped-def]
        columns = {"p": p}
        if log:
            columns["log_p"] = log_softmax(block.values, opts.temperature)
        return columns

    code = pipeline.stream(opts, compute, primary="p", title=f"Softmax (T = {opts.temperature:g})", kind="logits")
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("softmax", help=HELP, short_help="Probabilities from logits: softmax, log-softmax.")(
        shared(VALUES, INPUT, TEMPERATURE, OUTPUT, EXPLAIN)(softmax)
    )
