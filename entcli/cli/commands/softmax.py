"""``entcli softmax``: probabilities (and log-probabilities) from logits."""

from __future__ import annotations

from typing import Annotated

import typer

from entcli.cli.options import Explain, Input, Output, Temperature, command

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
    source: Input,
    temperature: Temperature,
    output: Output,
    explain: Explain,
    log: Annotated[bool, typer.Option("--log", help="Add log_p, the log-softmax (nats).")] = False,
) -> None:
    from entcli.cli import engine
    from entcli.core.logits import log_softmax

    t = temperature.temperature
    explain(f"p_j = exp(z_j/T - logsumexp(z/T)) with T = {t:g}; "
            "logsumexp(x) = m + log sum exp(x - m), m = max x (no overflow); -inf is p = 0",
            "log_p = z/T - logsumexp(z/T) (nats), not log(p)" if log else "")

    def compute(p: engine.Array, block: engine.Block) -> engine.Columns:
        columns: dict[str, engine.Column] = {"p": p}
        if log:
            columns["log_p"] = log_softmax(block.values, t)
        return columns

    run = engine.Run(output, "p", f"Softmax (T = {t:g})", skip_invalid=source.skip_invalid, explain=explain)
    raise typer.Exit(engine.stream(source, engine.Reading("logits", t), run, compute))


def register(app: typer.Typer) -> None:
    app.command("softmax", help=HELP, short_help="Probabilities from logits: softmax, log-softmax.")(command(softmax))
