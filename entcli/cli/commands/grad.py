"""``entcli grad``: gradients with respect to logits of entropy, cross-entropy, distillation; softmax Jacobian."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Optional

import typer

from entcli.cli.options import Explain, Input, Output, Temperature, Units, choices, command
from entcli.core.vocabulary import OBJECTIVES

HELP = """Gradient with respect to the logits z (p = softmax(z)) of:

  --of entropy (default): dH/dz_m = -p_m (log p_m + H); it sums to 0.

  --of xent --target SRC: dH(y, p)/dz = p - y (y a class index or a distribution).

  --of kd --teacher SRC -T T: (1/T)(softmax(z/T) - softmax(v/T)) for teacher logits v; --t2 multiplies
  by T^2, as distillation losses do so that the gradient's scale does not shrink as 1/T^2 with T.

  --of softmax: the Jacobian dp_k/dz_m = diag(p) - p p^T (a K x K matrix per row).

Values are logits (--probs: probabilities, z = log p). Units: nats by default (--bits scales H and the
gradient by 1/ln 2). --check compares with central finite differences (exit 1 above --check-tol);
--lr e takes one step z - e * grad and reports z_next and entropy_next.

Examples:

\b
  entcli grad 1.0 0.8 0.5
  entcli grad --of xent --target 0 2 1 0 --check
  entcli grad --of softmax -o json 1 2 3
"""


#: --of: an objective of the core's registry, or the softmax Jacobian.
OF_CHOICES = (*OBJECTIVES, "softmax")


def grad(
    source: Input,
    temperature: Temperature,
    units: Units,
    output: Output,
    explain: Explain,
    of: Annotated[str, typer.Option("--of", click_type=choices(OF_CHOICES), help="What to differentiate.")]
    = "entropy",
    probs: Annotated[bool, typer.Option("--probs", help="The values are probabilities: use z = log p.")] = False,
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="SRC", help="For --of xent: a class index or a distribution (per row, or one).")] = None,
    target_column: Annotated[Optional[str], typer.Option(
        "--target-column", metavar="NAME", help="For --of xent: class labels from this column of the -i file (0-based "
        "indices or outcome names).")] = None,
    teacher: Annotated[Optional[str], typer.Option(
        "--teacher", metavar="SRC", help="For --of kd: the teacher's logits (per row, or one row).")] = None,
    t2: Annotated[bool, typer.Option("--t2", help="For --of kd: multiply the gradient and loss by T^2.")] = False,
    check: Annotated[bool, typer.Option("--check", help="Compare with central finite differences.")] = False,
    check_tol: Annotated[float, typer.Option("--check-tol", help="Largest |analytic - finite difference|.")] = 1e-6,
    lr: Annotated[Optional[float], typer.Option("--lr", metavar="ETA", help="Take one step z - ETA * grad.")] = None,
) -> None:
    import numpy as np

    from entcli.cli import engine
    from entcli.cli.explain import unit_text
    from entcli.cli.objectives import side_inputs
    from entcli.core.gradients import entropy_of_logits, fd_gradient, softmax_jacobian
    from entcli.core.logits import softmax
    from entcli.core.shannon import safe_log
    from entcli.errors import InputError

    scale, t = units.scale, temperature.temperature
    if t != 1.0 and of != "kd":
        raise InputError("-T/--temperature applies to --of kd", "drop -T, or use --of kd")
    if lr is not None and of == "softmax":
        raise InputError("--lr needs a scalar objective", "use --of entropy, xent or kd")
    if lr is not None and not np.isfinite(lr):
        raise InputError(f"--lr must be a finite number, got {lr}", "e.g. --lr 0.1")
    if not (check_tol >= 0 and np.isfinite(check_tol)):
        raise InputError(f"--check-tol must be finite and >= 0, got {check_tol}")
    source = dataclasses.replace(source, files=source.files.wanting(target_column))
    sides = side_inputs("entropy" if of == "softmax" else of, target, teacher, source.files, source.path, t, t2,
                        target_column)
    explain(
        {"entropy": "dH/dz_m = -p_m (log p_m + H), p = softmax(z); sums to 0",
         "xent": "dH(y, softmax(z))/dz = softmax(z) - y (y one-hot from a class index, or a distribution)",
         "kd": "d/dz H(softmax(v/T), softmax(z/T)) = (1/T)(softmax(z/T) - softmax(v/T)), "
               f"T = {t:g}" + (", times T^2 (--t2)" if t2 else "") + "; loss and grad at T, p and entropy of "
               "softmax(z) at T = 1",
         "softmax": "dp_k/dz_m = p_m (delta_km - p_k): diag(p) - p p^T"}[of],
        "input: probabilities, z = log p" if probs else "input: logits z",
        "check: central differences (f(z + h e_m) - f(z - h e_m)) / 2h, h = eps^(1/3) max(1, |z_m|)" if check else "",
        f"step: z_next = z - {lr:g} * grad" if lr is not None else "", unit_text(units.base))
    primary = "jacobian" if of == "softmax" else "grad"
    run = engine.Run(output, primary, units.title(f"Gradient of {of} w.r.t. logits"),
                     skip_invalid=source.skip_invalid, explain=explain)

    def compute(p: engine.Array, block: engine.Block) -> engine.Columns:
        z = safe_log(p) if probs else block.values
        f = sides.bind(block, z.shape[-1], run.names)
        p, h, g = f.value_and_grad(z)
        if of == "kd":
            p = softmax(z)  # p and entropy are the student's at T = 1; only the loss and its gradient are at T
        columns: dict[str, engine.Column] = {"p": p, "entropy": entropy_of_logits(z) * scale}
        if of == "softmax":
            columns["jacobian"] = jacobian = softmax_jacobian(p)
        else:
            if of != "entropy":
                columns["loss"] = h * scale
            columns["grad"] = g * scale
        if check:
            if of == "softmax":
                fd = fd_gradient(softmax, z).swapaxes(-1, -2)
                err = np.abs(fd - jacobian).reshape(len(z), -1).max(axis=-1)
            else:
                fd = fd_gradient(f.value, z, of_rows=lambda rows, times: f.of_rows(rows, times).value)
                err = np.abs(fd * scale - g * scale).max(axis=-1)
            columns["fd_max_abs_error"] = err
            run.fail(f"|grad - finite differences| > {check_tol:g}", ~(err <= check_tol), block)
        if lr is not None:
            z_next = z - lr * g * scale
            columns["z_next"] = z_next
            columns["entropy_next"] = entropy_of_logits(z_next) * scale
        return columns

    reading = engine.Reading("probs" if probs else "logits", 1.0)
    raise typer.Exit(engine.stream(source, reading, run, compute))


def register(app: typer.Typer) -> None:
    app.command("grad", help=HELP, short_help="Gradients w.r.t. logits; softmax Jacobian; --check.")(command(grad))
