"""``entcli simulate``: gradient descent (or ascent) on logits, step by step, with charts and a figure."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Optional

import typer

from entcli.cli.options import Explain, Input, Output, Temperature, Units, choices, command
from entcli.core.vocabulary import OBJECTIVES

HELP = """Gradient descent on logits, step by step: z <- z - lr * grad f(z), from step 0 (the start).

f is the entropy H(softmax(z)) by default: entropy minimisation, z <- z + lr p (log p + H), which grows
the dominant class and drives H toward 0 (semi-supervised learning, domain adaptation, test-time
adaptation; Grandvalet & Bengio 2004). --maximize climbs instead and flattens p toward uniform (log K).
--objective xent --target SRC descends the cross-entropy to a target; --objective kd --teacher SRC -T T
the distillation loss. With no start logits it runs the reference case z0 = (1.0, 0.8, 0.5), lr 0.5,
20 steps (final p ~ (0.951, 0.029, 0.019), H ~ 0.228 nats); stdin is read only with -i -.

Each history row has step, entropy, max_p, grad_norm, p and z (and loss for xent/kd; row when many
start rows run side by side). entropy, max_p and p are of softmax(z) at T = 1 for every objective; with
kd only the loss (and the gradient followed) is at T. On a terminal, charts of the entropy and of each
class probability follow the table; --plot FILE.png|.svg|.pdf writes a four-panel figure (needs the plot extra).

Examples:

\b
  entcli simulate
  entcli simulate --maximize --steps 50 2 0 -1
  entcli simulate -o csv --every 5 --until 0.1 --plot run.png
"""


#: A piece of a simulation holds at most this many numbers per array (z, p): memory is bounded however many
#: rows and steps are run (10k rows x 100 steps x 10 classes: ~80 pieces). Measured (issue 20): 1 << 18 took
#: 264 MiB on 500k rows x 5 steps -o csv (a piece's texts), 1 << 17 182 MiB, for +0.25 s on 10k rows x 100 steps.
SIMULATED_CELLS = 1 << 17
#: The first row's history kept for the charts and the figure: at most this many steps (every 2nd, 4th, ... of a
#: longer run, the last always).
SHOWN_STEPS = 4096


class _FirstRow:
    """The history of the first input row, for the charts under the table and ``--plot``: bounded by
    :data:`SHOWN_STEPS` (halved to every other step whenever it is full), so a run of any length can be drawn."""

    def __init__(self) -> None:
        self.k = 0
        self.stride = 1
        self.steps: Any = None
        self.entropy: Any = None
        self.p: Any = None
        self.z: Any = None

    def add(self, h: Any, k: int) -> None:
        import numpy as np

        upto = int(min(h.last[0], h.first + len(h.z) - 1))
        if upto < h.first:
            return  # the first row stopped in an earlier piece
        at = np.arange(h.first, upto + 1)
        pick = (at % self.stride == 0) | (at == h.last[0])
        idx = at[pick] - h.first
        if not self.k:
            self.k, self.steps, self.entropy = k, np.zeros(0, dtype=np.intp), np.zeros(0)
            self.p, self.z = np.zeros((0, k)), np.zeros((0, k))
        self.steps = np.concatenate([self.steps, at[pick]])
        self.entropy = np.concatenate([self.entropy, h.entropy[idx, 0]])
        self.p = np.concatenate([self.p, h.p[idx, 0]])
        self.z = np.concatenate([self.z, h.z[idx, 0]])
        while len(self.steps) > SHOWN_STEPS:
            self.stride *= 2
            keep = (self.steps % self.stride == 0) | (np.arange(len(self.steps)) == len(self.steps) - 1)
            self.steps, self.entropy, self.p, self.z = (self.steps[keep], self.entropy[keep], self.p[keep],
                                                        self.z[keep])


def simulate(
    source: Input,
    temperature: Temperature,
    units: Units,
    output: Output,
    explain: Explain,
    logits: Annotated[Optional[str], typer.Option(
        "--logits", metavar="SRC", help="Start logits (numbers or a file), as an alternative to VALUES/-i.")] = None,
    probs: Annotated[bool, typer.Option("--probs", help="The start values are probabilities: z = log p.")] = False,
    lr: Annotated[float, typer.Option("--lr", metavar="ETA", help="Learning rate (>= 0).")] = 0.5,
    steps: Annotated[int, typer.Option("--steps", help="Number of updates (>= 0).")] = 20,
    maximize: Annotated[bool, typer.Option("--maximize", help="Gradient ascent instead of descent.")] = False,
    objective: Annotated[str, typer.Option("--objective", click_type=choices(OBJECTIVES), help="What to descend.")]
    = "entropy",
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="SRC", help="For --objective xent: a class index or a distribution.")] = None,
    target_column: Annotated[Optional[str], typer.Option(
        "--target-column", metavar="NAME", help="For --objective xent: class labels from this column of the -i file "
        "(0-based indices or outcome names).")] = None,
    teacher: Annotated[Optional[str], typer.Option(
        "--teacher", metavar="SRC", help="For --objective kd: the teacher's logits.")] = None,
    until: Annotated[Optional[float], typer.Option(
        "--until", metavar="H", help="Stop a row when its entropy crosses H (in the chosen unit).")] = None,
    every: Annotated[int, typer.Option("--every", metavar="N", help="Print every N-th step (the last always).")] = 1,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE", help="Write the four-panel figure (.png, .svg, .pdf) of the first row.")] = None,
) -> None:
    import dataclasses
    import math
    import sys

    import numpy as np

    from entcli.cli import engine
    from entcli.cli.explain import unit_text
    from entcli.cli.objectives import side_inputs
    from entcli.core.dynamics import REFERENCE_LOGITS, simulate_pieces
    from entcli.core.shannon import safe_log
    from entcli.errors import InputError
    from entcli.io.readers import looks_numeric

    if steps < 0:
        raise InputError(f"--steps must be >= 0, got {steps}")
    if not (lr >= 0 and np.isfinite(lr)):
        raise InputError(f"--lr must be finite and >= 0, got {lr}")
    if every < 1:
        raise InputError(f"--every must be >= 1, got {every}")
    if until is not None and math.isnan(until):
        raise InputError("--until must be a number, got nan")
    if plot is not None:
        from entcli.io.plots import check_plot_target

        check_plot_target(plot)
    t = temperature.temperature
    if t != 1.0 and objective != "kd":
        raise InputError("-T/--temperature applies to --objective kd")
    if logits is not None:
        if source.values or source.path is not None:
            raise InputError("give the start logits once: --logits, VALUES or -i")
        # --logits SRC: numbers are the start values; a path or - is read like -i.
        numeric = looks_numeric(logits)
        source = dataclasses.replace(source, values=(logits,) if numeric else None, path=None if numeric else logits)
    from_file = source.path is not None
    if not source.values and source.path is None:
        source = dataclasses.replace(source, values=(",".join(map(str, REFERENCE_LOGITS)),))
    scale = units.scale
    source = dataclasses.replace(source, files=source.files.wanting(target_column))
    goal = side_inputs(objective, target, teacher, source.files, source.path, t, False, target_column,
                       "--objective")
    until_nats = until / scale if until is not None else None
    sign = "+" if maximize else "-"
    explain(
        f"update: z <- z {sign} {lr:g} * grad f(z), {steps} steps; step 0 is the start",
        OBJECTIVES[objective] + (" (descent: z + lr p (log p + H))" if objective == "entropy" and not maximize
                                 else "") + (f", T = {t:g}" if objective == "kd" else ""),
        f"stop a row when its entropy {'>=' if maximize else '<='} {until:g}" if until is not None else "",
        "grad_norm = |grad f(z)|_2 at that step", unit_text(units.base))
    shown = _FirstRow()

    def compute(p: engine.Array, block: engine.Block) -> Iterator[tuple[engine.Columns, engine.Block]]:
        """The history of a block's rows, in pieces of at most SIMULATED_CELLS numbers per array: a group of rows
        whose whole history fits, or one row a run of steps at a time. Rows come one after another (row-major)."""
        z_all = safe_log(p) if probs else block.values
        k = z_all.shape[-1]
        group = max(1, SIMULATED_CELLS // ((steps + 1) * k))
        for a in range(0, len(z_all), group):
            part = block.take(slice(a, a + group))
            z0 = z_all[a:a + group]
            # A group's whole history fits: one piece, so rows come one after another whatever the piece size (in
            # pieces of a few steps, a group's rows would interleave: row 1 steps 0-63, row 2 steps 0-63, ...).
            fits = (steps + 1) * len(z0) * k <= SIMULATED_CELLS
            pieces = simulate_pieces(z0, lr, steps, goal.bind(part, k, run.names), maximize=maximize,
                                     until=until_nats,
                                     piece_steps=None if fits else max(1, SIMULATED_CELLS // (len(z0) * k)))
            for h in pieces:
                grid = h.steps[None, :]
                keep = (grid <= h.last[:, None]) & ((grid % every == 0) | (grid == h.last[:, None]))
                rows, at = np.nonzero(keep)  # the input row (of the group) and the entry of the piece
                columns: dict[str, engine.Column] = {}
                out = part.take(rows)  # the input row of every history row: its row number and keys
                if len(block.values) > 1 or block.start > 0 or from_file:
                    columns["row"] = out.row_numbers()
                fields = out.fields or {}
                columns.update({key: fields[key] for key in run.keys if key in fields})
                columns["step"] = h.steps[at]
                columns["entropy"] = h.entropy[at, rows] * scale
                if objective != "entropy":
                    columns["loss"] = h.objective[at, rows] * scale
                columns.update(max_p=h.max_p[at, rows], grad_norm=h.grad_norm[at, rows] * scale, p=h.p[at, rows],
                               z=h.z[at, rows])
                if a == 0 and block.start == 0:
                    shown.add(h, k)
                yield columns, out

    what = ("Entropy maximisation" if maximize else "Entropy minimisation") if objective == "entropy" \
        else f"Descent on {objective}"
    run_title = units.title(what)
    run = engine.Run(output, "entropy", f"{run_title}, lr = {lr:g}", skip_invalid=source.skip_invalid, own_keys=True,
                     explain=explain)
    code = engine.stream(source, engine.Reading("probs" if probs else "logits"), run, pieces=compute)
    first = engine.gathered("first row", shown if shown.k else None)  # with --engine dask, partition 0's
    if first is not None:
        shown = first
        k = shown.k
        names = run.names if run.names and len(run.names) == k else [f"p{j + 1}" for j in range(k)]
        max_entropy = math.log(k) * scale
        if output.format == "table" and output.path in (None, "-"):  # under the table on stdout (not beside a -O file)
            from entcli.io.charts import print_history_charts

            print_history_charts(sys.stdout, run_title, shown.steps, shown.entropy, shown.p,
                                 max_entropy if k > 1 else 1.0, names, min(100, output.width), output.color)
        if plot is not None:
            from entcli.io.plots import plot_history

            plot_history(plot, shown.steps, shown.p, shown.entropy, shown.z, names,
                         f"{run_title}, lr = {lr:g}", units.unit, max_entropy)
            print(f"wrote {plot}", file=sys.stderr)
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("simulate", help=HELP, short_help="Entropy minimisation by gradient descent, step by step.")(
        command(simulate))
