"""``entcli normalize``: the power transform p^γ / Σ p^γ with a chosen entropy, solved for every row."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from entcli.cli.options import Explain, Input, Output, Reading, Units, choices, command
from entcli.core.vocabulary import NORMALIZE_METHODS

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

HELP = """Entropy normalisation: find gamma > 0 so that p^gamma / sum p^gamma has the target entropy.

The power keeps zeros at zero, ties tied and the order of the outcomes. For logits it is
softmax(gamma z): gamma is an inverse temperature, and temperature = T / gamma is the temperature
that gives the target. The target is --target H (in the chosen unit), --ratio r (a fraction of the
maximum log K) or --perplexity P (e^H). Reachable targets lie in [log m, log s] (m = ties at the
maximum, s = the support); outside that range is an error stating it; at its ends the result is the
limit (gamma = inf: uniform over the maxima; gamma = 0: uniform over the support).

The solver works in log space and keeps gamma inside a bracket where H(gamma) - H* changes sign,
taking Newton steps (dH/dgamma = -gamma Var_q(log p)) and bisecting whenever a step would leave the
bracket or converge too slowly; it converges to |H - H*| <= --solve-tol (1e-12 nats). --method
published runs the plain published iteration for comparison, and says when it fails.

Examples:

\b
  entcli normalize --target 1 --bits 0.7 0.2 0.1
  entcli normalize --ratio 0.5 --trace 0.5 0.3 0.15 0.05
  entcli normalize --logits --perplexity 2 -i logits.csv -o csv
"""


def normalize(
    source: Input,
    reading: Reading,
    units: Units,
    output: Output,
    explain: Explain,
    target: Annotated[Optional[float], typer.Option("--target", metavar="H", help="Target entropy (chosen unit).")]
    = None,
    ratio: Annotated[Optional[float], typer.Option(
        "--ratio", metavar="R", help="Target entropy as a fraction of log K (0 < R < 1).")] = None,
    perplexity: Annotated[Optional[float], typer.Option(
        "--perplexity", metavar="P", help="Target perplexity e^H (1 <= P <= K).")] = None,
    solve_tol: Annotated[float, typer.Option(
        "--solve-tol", help="Stop when |H - target| <= this (nats). (--tol is the input sum check.)")] = 1e-12,
    max_iter: Annotated[int, typer.Option("--max-iter", help="Hard cap on solver iterations.")] = 200,
    trace: Annotated[bool, typer.Option("--trace", help="Print each iteration for the first row (stderr).")] = False,
    method: Annotated[str, typer.Option("--method", click_type=choices(NORMALIZE_METHODS),
                                        help="robust (ours) or published (for comparison).")] = "robust",
) -> None:
    import math

    import numpy as np

    from entcli.cli import engine
    from entcli.cli.explain import reading_text, unit_text
    from entcli.core.logits import log_softmax
    from entcli.core.normalize import entropy_range, normalize_entropy, normalize_entropy_published
    from entcli.core.shannon import entropy
    from entcli.errors import InputError

    given = [name for name, v in (("--target", target), ("--ratio", ratio), ("--perplexity", perplexity))
             if v is not None]
    if len(given) != 1:
        raise InputError("give exactly one of --target, --ratio, --perplexity", "e.g. --target 1 --bits")
    if ratio is not None and not 0 <= ratio <= 1:
        raise InputError(f"--ratio must be in [0, 1], got {ratio}")
    if perplexity is not None and not perplexity >= 1:
        raise InputError(f"--perplexity must be >= 1, got {perplexity}")
    if not solve_tol > 0 or max_iter < 1:
        raise InputError("--solve-tol must be > 0 and --max-iter >= 1")
    scale, unit, kind = units.scale, units.unit, reading.kind

    explain(
        "p' = p^gamma / sum p^gamma over the support, computed as softmax(gamma (log p - max log p))",
        f"target: {given[0]} " + ("H* in the chosen unit" if target is not None else
                                  "r: H* = r log K" if ratio is not None else "P: H* = log P"),
        "solver: " + ("bracketed Newton on gamma (dH/dgamma = -gamma Var_q(log p)) with bisection fallback, "
                      f"to |H - H*| <= {solve_tol:g} nats, at most {max_iter} iterations" if method == "robust"
                      else "the published iteration gamma <- 1 + (H* - H)/(H^2 - sum p (log p)^2), unguarded"),
        "temperature = " + ("T / gamma (for the logits)" if kind == "logits" else "1 / gamma"),
        unit_text(units.base), reading_text(kind, reading.temperature, reading.tol))

    def targets(p: engine.Array) -> engine.Array:
        """The target in nats for each row."""
        if target is not None:
            return np.full(len(p), target / scale)
        if perplexity is not None:
            return np.full(len(p), math.log(perplexity))
        assert ratio is not None
        return np.full(len(p), ratio * math.log(p.shape[-1]))

    def logs(block: engine.Block) -> engine.Array | None:
        return log_softmax(block.values, reading.temperature) if kind == "logits" else None

    def reachable(p: engine.Array, block: engine.Block) -> tuple[NDArray[np.bool_], Callable[[int], tuple[str, str]]]:
        ok = np.asarray(~np.isnan(p).any(axis=-1))
        h_min, h_max = entropy_range(np.where(ok[:, None], p, 1.0), None)
        h_min, h_max = np.asarray(h_min), np.asarray(h_max)
        t = targets(p)
        tol = max(solve_tol, 1e-15)
        h_now = entropy(np.where(ok[:, None], p, 1.0))
        fixed = (h_max - h_min <= 0) & ~(np.abs(t - h_now) <= tol)
        bad = ok & (~((t >= h_min - tol) & (t <= h_max + tol)) | fixed)

        def explain(i: int) -> tuple[str, str]:
            lo, hi = h_min[i] * scale, h_max[i] * scale
            if fixed[i]:
                return (f"every nonzero p is equal, so p^gamma cannot move its entropy from {hi:.6g} {unit}",
                        "a uniform row has one entropy; drop the row or change the target")
            return (f"target {t[i] * scale:.6g} {unit} is out of reach: this row's range is "
                    f"[{lo:.6g}, {hi:.6g}] {unit}", "choose a target inside the range")

        return bad, explain

    run = engine.Run(output, "p", units.title("Entropy normalisation"), skip_invalid=source.skip_invalid,
                     explain=explain)
    traced = False  # the trace is of the first row

    def compute(p: engine.Array, block: engine.Block) -> engine.Columns:
        nonlocal traced
        t = targets(p)
        if method == "published":
            r = normalize_entropy_published(p, t, tol=solve_tol, max_iter=max_iter, trace=trace)
        else:
            r = normalize_entropy(p, t, log_p=logs(block), tol=solve_tol, max_iter=max_iter, trace=trace)
        if trace and not traced:
            traced = True
            _print_trace(r.trace, t[0], scale, unit, method)
        why = "the published iteration failed (gamma <= 0, NaN or overflow) or did not converge" \
            if method == "published" else f"not converged within --max-iter {max_iter}"
        run.fail(why, ~r.converged, block, prefix="warning")
        with np.errstate(divide="ignore"):
            temperature = (reading.temperature if kind == "logits" else 1.0) / r.gamma
        return {"p": r.p, "gamma": r.gamma, "temperature": temperature, "entropy": r.entropy * scale,
                "target": t * scale, "iterations": r.iterations, "unit": unit}

    raise typer.Exit(engine.stream(source, reading, run, compute, check=reachable if method == "robust" else None))


def _print_trace(steps: list[tuple[int, float, float, str]], target: float, scale: float, unit: str,
                 method: str) -> None:
    print(f"trace ({method}), row 1, target H* = {target * scale:.12g} {unit}", file=sys.stderr)
    print(f"{'iter':>4}  {'gamma':>22}  {'H (' + unit + ')':>22}  {'H - H*':>10}  step", file=sys.stderr)
    for it, gamma, h, kind in steps:
        print(f"{it:>4}  {gamma:>22.16g}  {h * scale:>22.16g}  {(h - target) * scale:>10.2e}  {kind}", file=sys.stderr)


def register(app: typer.Typer) -> None:
    app.command("normalize", help=HELP, short_help="Power transform p^gamma to a target entropy.")(
        command(normalize))
