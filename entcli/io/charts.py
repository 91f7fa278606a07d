"""Charts drawn in the terminal with block characters: one line per series, at most 80 columns wide.

Pure text (no rich, no curses), so it works in any terminal, a pager, or a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

BLOCKS = " ▁▂▃▄▅▆▇█"


def sparkline(values: ArrayLike, low: float, high: float, width: int) -> str:
    """``values`` resampled to ``width`` columns, each a block whose height is its place in [low, high]."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) > width:
        v = v[np.linspace(0, len(v) - 1, width).round().astype(int)]
    span = high - low
    frac = np.clip((v - low) / span, 0.0, 1.0) if span > 0 else np.full(len(v), 0.5)
    levels = np.where(np.isfinite(frac), (frac * (len(BLOCKS) - 2)).round().astype(int) + 1, 0)
    return "".join(BLOCKS[i] for i in levels)


def chart_lines(
    series: Sequence[tuple[str, ArrayLike, float, float]], width: int = 80, digits: int = 3
) -> list[str]:
    """Lines ``label first ▁▂▃… last`` for each (label, values, low, high), within ``width`` columns."""
    label_w = max(len(label) for label, *_ in series)
    num_w = digits + 3
    room = max(10, width - label_w - 2 * num_w - 4)
    lines = []
    for label, values, low, high in series:
        v = np.asarray(values, dtype=np.float64)
        first, last = f"{v[0]:.{digits}g}", f"{v[-1]:.{digits}g}"
        lines.append(f"{label:<{label_w}} {first:>{num_w}} {sparkline(v, low, high, room)} {last}")
    return lines


#: At most this many class probabilities are charted under a simulation.
CHARTED_CLASSES = 12


def print_history_charts(stream: IO[str], title: str, steps: ArrayLike, entropy: ArrayLike, p: ArrayLike,
                         max_entropy: float, names: Sequence[str], width: int, color: bool) -> None:
    """Sparklines of a simulation's first row under its table: the entropy (0 .. log K) and each class's p."""
    from entcli.io.tables import console

    steps = np.asarray(steps)
    p = np.asarray(p, dtype=np.float64)
    k = p.shape[-1]
    series: list[tuple[str, ArrayLike, float, float]] = [("entropy", entropy, 0.0, max_entropy)]
    series += [(names[j], p[:, j], 0.0, 1.0) for j in range(min(k, CHARTED_CLASSES))]
    out = console(stream, color)
    out.print(f"\n{title}: first row, steps {steps[0]}..{steps[-1]}", highlight=False)
    for line in chart_lines(series, width=width):
        out.print(line, highlight=False, markup=False)
    if k > CHARTED_CLASSES:
        out.print(f"({k - CHARTED_CLASSES} more classes not charted)")


def print_drift_bars(stream: IO[str], column: str, labels: Sequence[str], p: Sequence[float], q: Sequence[float],
                     width: int = 30) -> None:
    """Side-by-side text bars of a column's baseline (p) and current (q) proportions, one line per category."""
    top = max(max(p, default=0.0), max(q, default=0.0)) or 1.0
    label_width = min(24, max((len(s) for s in labels), default=1))
    stream.write(f"{column}: baseline (p) | current (q)\n")
    for label, a, b in zip(labels, p, q, strict=True):
        bar_a = "█" * round(width * a / top)
        bar_b = "█" * round(width * b / top)
        stream.write(f"  {label[:label_width]:<{label_width}} {bar_a:<{width}} {a:6.3f} | {bar_b:<{width}} {b:6.3f}\n")


def print_reliability(stream: IO[str], before: Any, after: Any, temperature: float, width: int = 24) -> None:
    """A reliability diagram in text: per confidence bin, its count and accuracy against confidence, before
    (T = 1) and after (T fitted). A calibrated bin has accuracy = confidence (the bars end at the mark)."""
    bins = len(before.bin_count)
    stream.write(f"reliability (accuracy vs confidence per bin; after: T = {temperature:.4g})\n")
    stream.write(f"  {'bin':<11} {'n':>6} {'before: acc / conf':<{width + 16}} {'n':>6} after: acc / conf\n")
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        cells = []
        for r in (before, after):
            n = int(r.bin_count[b])
            if n:
                acc, conf = float(r.bin_accuracy[b]), float(r.bin_confidence[b])
                bar = "█" * round(width * acc)
                cells.append(f"{n:>6} {bar:<{width}} {acc:5.3f}/{conf:5.3f}")
            else:
                cells.append(f"{0:>6} {'':<{width}} {'-':>11}")
        stream.write(f"  [{lo:.2f},{hi:.2f}) {cells[0]}  {cells[1]}\n")
