"""``entcli calibrate``: the temperature that fits the labels (temperature scaling), and how calibrated a model is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from entcli.cli.messages import tell
from entcli.cli.options import Explain, Files, Input, Output, Units, command

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from entcli.core.calibration import Calibration
    from entcli.io.blocks import Source

HELP = """Temperature scaling: the T > 0 minimising the mean NLL of the labels under softmax(z / T).

The input rows are logits z (--probs: probabilities, z = log p), one per example; the labels come
from a column of the same file (--target-column NAME: indices or outcome names) or from --target
SRC (one 0-based index per row). NLL(1/T) is convex in beta = 1/T: a bracketed Newton iteration
(closed-form derivative and curvature) solves NLL' = 0 to 1e-12. The rows are read into memory
(8 bytes per logit) because every iteration needs all of them.

Two rows are written, before (T = 1) and after (T fitted): nll, accuracy, confidence (mean max p),
ece (equal-width bins, --bins, default 15), adaptive_ece (equal-mass bins), mce, brier, entropy
(mean predictive entropy); with temperature and iterations. On a terminal a reliability diagram
follows; --plot FILE draws it. --apply T (a number, or fitted) writes softmax(z / T) row by row
instead, keys carried, so a pipeline fits on one file and applies to another. --binary: one logit
(or probability) per row and 0/1 labels. --max-ece X exits 1 when the calibrated ECE (--before:
the uncalibrated one) is above X.

Examples:

\\b
  entcli calibrate -i val.csv --target-column label
  entcli calibrate -i test.csv --apply 1.7 -o csv > calibrated.csv
  entcli calibrate -i val.csv --target-column label --max-ece 0.05 || alert
"""


def calibrate(
    source: Input,
    units: Units,
    output: Output,
    explain: Explain,
    target_column: Annotated[Optional[str], typer.Option(
        "--target-column", metavar="NAME", help="The labels: this column of the input (indices or outcome names).")]
    = None,
    target: Annotated[Optional[str], typer.Option(
        "--target", metavar="SRC", help="The labels: one 0-based class index per row (numbers, a file or -).")] = None,
    probs: Annotated[bool, typer.Option("--probs", help="The rows are probabilities: z = log p.")] = False,
    binary: Annotated[bool, typer.Option(
        "--binary", help="One logit (or, with --probs, probability) per row; labels 0/1.")] = False,
    bins: Annotated[int, typer.Option("--bins", min=1, help="Confidence bins of ECE, MCE and the diagram.")] = 15,
    apply: Annotated[Optional[str], typer.Option(
        "--apply", metavar="T|fitted", help="Write the calibrated probabilities softmax(z / T), row by row.")] = None,
    max_ece: Annotated[Optional[float], typer.Option(
        "--max-ece", metavar="X", help="Exit 1 if the calibrated ECE is above X.")] = None,
    before: Annotated[bool, typer.Option("--before", help="--max-ece tests the uncalibrated ECE.")] = False,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE", help="Draw the reliability diagram before and after (.png, .svg, .pdf).")] = None,
) -> None:
    from entcli.cli.distributed import refuse

    refuse('calibrate (it fits one temperature to every row)')
    import math

    from entcli.errors import InputError

    if target is not None and target_column is not None:
        raise InputError("give --target or --target-column, not both")
    fixed = None
    if apply is not None and apply != "fitted":
        try:
            fixed = float(apply)
        except ValueError:
            raise InputError(f"--apply takes a temperature or 'fitted', got {apply!r}", "e.g. --apply 1.5") from None
        if not (fixed > 0 and math.isfinite(fixed)):
            raise InputError(f"--apply: the temperature must be finite and > 0, got {apply}", "e.g. --apply 1.5")
    labelled = target is not None or target_column is not None
    if not labelled and (fixed is None or max_ece is not None or plot is not None):
        raise InputError("calibrate needs labels to fit or to measure",
                         "give --target-column NAME or --target SRC (or --apply T to only rescale)")
    if max_ece is not None and not math.isfinite(max_ece):
        raise InputError(f"--max-ece must be a finite number, got {max_ece}")
    if plot is not None:
        from entcli.io.plots import check_plot_target

        check_plot_target(plot)
    explain(
        "fit: beta = 1/T minimising NLL(beta) = mean_n [logsumexp(beta z_n) - beta z_(n,y_n)] (convex); "
        "NLL' = mean (E_p[z] - z_y), NLL'' = mean Var_p(z); bracketed Newton to |NLL'| <= 1e-12"
        if fixed is None else f"temperature given: T = {fixed:g}",
        f"ece: sum_b (n_b/N) |acc_b - conf_b| over {bins} equal-width confidence bins; adaptive_ece over {bins} "
        "equal-mass bins; mce = max_b |acc_b - conf_b|; brier = mean sum_k (p_k - onehot_k)^2",
        "input: probabilities, z = log p" if probs else "input: logits z",
        "binary: p = sigmoid(z / T), NLL the binary cross-entropy" if binary else "")
    z, labels, blocks, src, files = _read(source, target, target_column, probs, binary)
    _run(z, labels, blocks, src, files, units, output, explain, binary, bins, fixed, apply, max_ece, before, plot)


def _read(source: Input, target: str | None, column: str | None, probs: bool, binary: bool
          ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None, list[Any], Source, Files]:
    """All the rows (as logits), their labels (or None) and the blocks as read (for --apply's row numbers and keys)."""
    import dataclasses

    import numpy as np

    from entcli.cli import engine
    from entcli.core.losses import number_text
    from entcli.core.shannon import safe_log
    from entcli.errors import InputError
    from entcli.io.blocks import iter_blocks
    from entcli.io.roles import class_indices

    if column is not None:
        source = dataclasses.replace(source, files=source.files.wanting(column))
    engine.one_stdin(source.path, target)
    src = source.open()
    blocks = list(iter_blocks(src))
    values = np.concatenate([b.values for b in blocks])
    if binary and values.shape[1] != 1:
        raise InputError(f"--binary takes one logit or probability per row, got {values.shape[1]} columns",
                         "give one column (or pick it with --columns)")
    if not np.isfinite(values).all() and not probs:
        bad = np.flatnonzero(~np.isfinite(values).all(axis=1))[0]
        raise InputError(f"{src.name}: row {bad + 1}: logits must be finite", "give finite logits (or --probs)")
    if probs:
        if (values < 0).any() or (not binary and np.any(np.abs(values.sum(axis=1) - 1) > 1e-6)):
            raise InputError(f"{src.name}: --probs rows must be probabilities (>= 0, summing to 1)")
        if binary:
            p = values[:, 0]
            with np.errstate(divide="ignore"):
                values = (np.log(p) - np.log1p(-p))[:, None]  # the logit of P(y = 1)
        else:
            values = safe_log(values)
    labels = None
    if column is not None:
        raw = np.concatenate([b.fields[column] for b in blocks if b.fields])
        labels = class_indices(raw, src.names)
    elif target is not None:
        rows = engine.load_side(source.files, target, "--target")[0].reshape(-1)
        if len(rows) != len(values):
            raise InputError(f"--target has {len(rows)} labels but the input has {len(values)} rows",
                             "give one label per row")
        labels = rows
    if labels is not None:
        k = 2 if binary else values.shape[1]
        bad = ~((labels >= 0) & (labels < k) & (labels == np.floor(labels)))
        if bad.any():
            i = int(np.argmax(bad))
            raise InputError(f"labels: row {i + 1}: {number_text(labels[i])} is not a class index 0 .. {k - 1}",
                             "labels are 0-based indices (or outcome names with --target-column)")
    return values, labels, blocks, src, source.files


def _run(z: Any, labels: Any, blocks: list[Any], src: Source, files: Files, units: Units, output: Output,
         explain: Explain, binary: bool, bins: int, fixed: float | None, apply: str | None, max_ece: float | None,
         before: bool, plot: str | None) -> None:
    import sys

    import numpy as np

    from entcli.core.calibration import calibration, fit_temperature, scaled
    from entcli.errors import ExitCode

    iterations = 0
    if fixed is not None:
        temperature = fixed
    else:
        assert labels is not None
        fit = fit_temperature(z[:, 0] if binary else z, labels.astype(np.intp), binary)  # DomainError: exit 2
        temperature, iterations = fit.temperature, fit.iterations
        if fit.note:
            tell(f"warning: {fit.note}")
        explain(f"fitted: T = {temperature!r} (beta = {fit.beta!r}) in {iterations} iterations, "
                f"NLL' = {fit.gradient:.1e}")

    def predict(t: float) -> tuple[Any, Any]:
        return scaled(z, t, binary)

    reports = []
    if labels is not None:
        y = labels.astype(np.intp)
        for t in (1.0, temperature):
            p, lp = predict(t)
            reports.append(calibration(p, y, bins, lp))
    if apply is not None:
        _write_applied(blocks, src, files, predict(temperature)[0], output, binary)
        if reports:
            b, a = reports
            print(f"calibrate: T = {temperature!r}; ece {b.ece:.4g} -> {a.ece:.4g}, nll {b.nll * units.scale:.6g} -> "
                  f"{a.nll * units.scale:.6g} {units.unit}", file=sys.stderr)
    else:
        _write_report(reports, temperature, iterations, units, output, bins)
    if plot is not None:
        from entcli.io.plots import plot_reliability

        plot_reliability(plot, reports[0], reports[1], temperature)
    code = ExitCode.OK
    if max_ece is not None:
        ece = reports[0 if before else 1].ece
        if not ece <= max_ece:
            tell(f"check failed: ece {'before calibration ' if before else ''}{ece!r} > {max_ece:g}")
            code = ExitCode.CHECK_FAILED
    raise typer.Exit(code)


def _write_report(reports: list[Calibration], temperature: float, iterations: int, units: Units, output: Output,
                  bins: int) -> None:
    import numpy as np

    from entcli.cli import engine

    scale = units.scale
    columns: dict[str, Any] = {
        "stage": np.array(["before", "after"], dtype=object),
        "temperature": np.array([1.0, temperature]),
        "iterations": np.array([0, iterations]),
        "nll": np.array([r.nll * scale for r in reports]),
        "unit": units.unit,
    }
    for name in ("accuracy", "confidence", "ece", "adaptive_ece", "mce", "brier"):
        columns[name] = np.array([getattr(r, name) for r in reports])
    columns["entropy"] = np.array([r.entropy * scale for r in reports])
    columns["bins"] = np.array([bins, bins])
    def diagram(stream: Any) -> None:
        from entcli.io.charts import print_reliability

        print_reliability(stream, reports[0], reports[1], temperature, output.width)

    engine.write_report(output, "ece", f"Temperature scaling: T = {temperature:.6g}", columns, diagram)


def _write_applied(blocks: list[Any], src: Source, files: Files, p: Any, output: Output, binary: bool) -> None:
    """The calibrated probabilities, one row per input row, with the keys and row numbers of the input."""
    import numpy as np

    from entcli.cli import engine

    run = engine.Run(output, "p", "Calibrated probabilities", names=None if binary else src.names)
    run.carry(src, files)

    def results() -> Any:
        start = 0
        for block in blocks:
            part = p[start:start + len(block.values)]
            start += len(block.values)
            confidence = np.maximum(part, 1 - part) if binary else part.max(axis=-1)
            yield {"p": part, "confidence": confidence}, block

    engine.emit(run, results())


def register(app: typer.Typer) -> None:
    app.command("calibrate", help=HELP, short_help="Temperature scaling: fit T to labels; ECE, NLL, Brier.")(
        command(calibrate))
