"""``entcli simulate``: gradient descent (or ascent) on logits, step by step, with charts and a figure."""

from __future__ import annotations

from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Optional

import typer

from entcli.cli.options import EXPLAIN, FILES, INPUT_PATH, OUTPUT, TEMPERATURE, UNITS, VALUES, shared

HELP = """Gradient descent on logits, step by step: z <- z - lr * grad f(z), from step 0 (the start).

f is the entropy H(softmax(z)) by default: entropy minimisation, z <- z + lr p (log p + H), which grows
the dominant class and drives H toward 0 (semi-supervised learning, domain adaptation, test-time
adaptation; Grandvalet & Bengio 2004). --maximize climbs instead and flattens p toward uniform (log K).
--objective xent --target SRC descends the cross-entropy to a target; --objective kd --teacher SRC -T T
the distillation loss. With no start logits it runs the reference case z0 = (1.0, 0.8, 0.5), lr 0.5,
20 steps (final p ~ (0.951, 0.029, 0.019), H ~ 0.228 nats); stdin is read only with -i -.

Each history row has step, entropy, max_p, grad_norm, p and z (and loss for xent/kd; row when many
start rows run side by side). On a terminal, charts of the entropy and of each class probability follow
the table; --plot FILE.png|.svg|.pdf writes a four-panel figure (needs the plot extra).

Examples:

\b
  entcli simulate
  entcli simulate --maximize --steps 50 2 0 -1
  entcli simulate -o csv --every 5 --until 0.1 --plot run.png
"""


class ObjectiveName(str, Enum):
    entropy = "entropy"
    xent = "xent"
    kd = "kd"


def simulate(
    opts: SimpleNamespace,
    logits: Annotated[Optional[str], typer.Option(
        "--logits", metavar="SRC", help="Start logits (numbers or a file), as an alternative to VALUES/-i.")] = None,
    probs: Annotated[bool, typer.Option("--probs", help="The start values are probabilities: z = log p.")] = False,
    lr: Annotated[float, typer.Option("--lr", metavar="ETA", help="Learning rate (>= 0).")] = 0.5,
    steps: Annotated[int, typer.Option("--steps", help="Number of updates (>= 0).")] = 20,
    maximize: Annotated[bool, typer.Option("--maximize", help="Gradient ascent instead of descent.")] = False,
    objective: Annotated[ObjectiveName, typer.Option("--objective", help="What to descend.")] = ObjectiveName.entropy,
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="SRC", help="For --objective xent: a class index or a distribution.")] = None,
    teacher: Annotated[Optional[str], typer.Option(
        "--teacher", metavar="SRC", help="For --objective kd: the teacher's logits.")] = None,
    until: Annotated[Optional[float], typer.Option(
        "--until", metavar="H", help="Stop a row when its entropy crosses H (in the chosen unit).")] = None,
    every: Annotated[int, typer.Option("--every", metavar="N", help="Print every N-th step (the last always).")] = 1,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE", help="Write the four-panel figure (.png, .svg, .pdf) of the first row.")] = None,
) -> None:
    import sys

    import numpy as np

    from entcli.cli import pipeline
    from entcli.cli.objectives import objective_for
    from entcli.core.dynamics import REFERENCE_LOGITS
    from entcli.core.dynamics import simulate as run_simulation
    from entcli.core.shannon import safe_log
    from entcli.core.units import nats_to, unit_name
    from entcli.errors import InputError

    if steps < 0:
        raise InputError(f"--steps must be >= 0, got {steps}")
    if not (lr >= 0 and np.isfinite(lr)):
        raise InputError(f"--lr must be finite and >= 0, got {lr}")
    if every < 1:
        raise InputError(f"--every must be >= 1, got {every}")
    if plot is not None:
        from entcli.io.plots import check_plot_target

        check_plot_target(plot)
    if opts.temperature != 1.0 and objective != ObjectiveName.kd:
        raise InputError("-T/--temperature applies to --objective kd")
    if logits is not None:
        if opts.values or opts.input is not None:
            raise InputError("give the start logits once: --logits, VALUES or -i")
        # --logits SRC: numbers are the start values; a path or - is read like -i.
        opts.values = [logits] if _numeric(logits) else None
        opts.input = None if opts.values else logits
    if not opts.values and opts.input is None:
        opts.values = [",".join(map(str, REFERENCE_LOGITS))]
    base = pipeline.base_of(opts)
    scale = nats_to(base)
    goal = objective_for(objective.value, target, teacher, opts, False)
    until_nats = until / scale if until is not None else None
    sign = "+" if maximize else "-"
    pipeline.explain(
        opts, f"update: z <- z {sign} {lr:g} * grad f(z), {steps} steps; step 0 is the start",
        {"entropy": "f = H(softmax(z)), grad = -p (log p + H)" + (" (descent: z + lr p (log p + H))" if not maximize
                                                                    else ""),
         "xent": "f = H(y, softmax(z)), grad = softmax(z) - y",
         "kd": f"f = H(softmax(v/T), softmax(z/T)), grad = (1/T)(softmax(z/T) - softmax(v/T)), T = {opts.temperature:g}"
         }[objective.value],
        f"stop a row when its entropy {'>=' if maximize else '<='} {until:g}" if until is not None else "",
        "grad_norm = |grad f(z)|_2 at that step", pipeline.unit_text(base))
    shown: dict = {}

    def compute(p, block):  # type: ignore[no-untyped-def]
        z0 = safe_log(p) if probs else block.values
        bound = goal.bind(block, z0.shape[-1])
        h = run_simulation(z0, lr, steps, objective=objective.value, maximize=maximize, target=bound.target,
                           teacher=bound.teacher, temperature=opts.temperature, until=until_nats)
        n_steps, n_rows = h.entropy.shape
        grid = np.arange(n_steps)[None, :]
        keep = (grid <= h.last[:, None]) & ((grid % every == 0) | (grid == h.last[:, None]))
        rows, when = np.nonzero(keep)
        columns = {}
        if len(block.values) > 1 or block.start > 0 or opts.input is not None:
            columns["row"] = block.row_numbers()[rows]
        columns["step"] = when
        columns["entropy"] = h.entropy[when, rows] * scale
        if objective != ObjectiveName.entropy:
            columns["loss"] = h.objective[when, rows] * scale
        columns.update(max_p=h.max_p[when, rows], grad_norm=h.grad_norm[when, rows] * scale, p=h.p[when, rows],
                       z=h.z[when, rows])
        if not shown:
            first = np.arange(h.last[0] + 1)
            shown.update(steps=first, p=h.p[first, 0], entropy=h.entropy[first, 0] * scale, z=h.z[first, 0],
                         k=z0.shape[-1])
        return columns

    run_title = pipeline.unit_title(("Entropy maximisation" if maximize else "Entropy minimisation")
                                    if objective == ObjectiveName.entropy else f"Descent on {objective.value}", base)
    fmt = pipeline.output_format(opts)
    code = pipeline.stream(opts, compute, primary="entropy", title=f"{run_title}, lr = {lr:g}",
                           kind="probs" if probs else "logits")
    if shown and fmt == "table":
        _charts(shown, run_title, base, pipeline.use_color(opts))
    if plot is not None and shown:
        from entcli.io.plots import plot_history

        names = _names(opts, shown["k"])
        plot_history(plot, shown["steps"], shown["p"], shown["entropy"], shown["z"], names,
                     f"{run_title}, lr = {lr:g}", unit_name(base), float(np.log(shown["k"]) * scale))
        print(f"wrote {plot}", file=sys.stderr)
    raise typer.Exit(code)


def _numeric(text: str) -> bool:
    from entcli.io.readers import looks_numeric

    return looks_numeric(text)


def _names(opts: SimpleNamespace, k: int) -> list[str]:
    return [f"p{j + 1}" for j in range(k)]


def _charts(shown: dict, title: str, base: float, color: bool) -> None:
    import math
    import shutil
    import sys

    from entcli.io.charts import chart_lines
    from entcli.io.tables import console

    width = min(100, shutil.get_terminal_size((80, 24)).columns)
    k = shown["k"]
    series = [("entropy", shown["entropy"], 0.0, math.log(k) / math.log(base) if k > 1 else 1.0)]
    series += [(f"p{j + 1}", shown["p"][:, j], 0.0, 1.0) for j in range(min(k, 12))]
    out = console(sys.stdout, color)
    out.print(f"\n{title}: first row, steps {shown['steps'][0]}..{shown['steps'][-1]}", highlight=False)
    for line in chart_lines(series, width=width):
        out.print(line, highlight=False, markup=False)
    if k > 12:
        out.print(f"({k - 12} more classes not charted)")


def register(app: typer.Typer) -> None:
    app.command("simulate", help=HELP, short_help="Entropy minimisation by gradient descent, step by step.")(
        shared(VALUES, INPUT_PATH, FILES, TEMPERATURE, UNITS, OUTPUT, EXPLAIN)(simulate)
    )
