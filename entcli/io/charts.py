"""Charts drawn in the terminal with block characters: one line per series, at most 80 columns wide.

Pure text (no rich, no curses), so it works in any terminal, a pager, or a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import IO, Any

import numpy as np
from numpy.typing import ArrayLike

from entcli.io.grid import cut, folded

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
    label_w = min(max(len(label) for label, *_ in series), max(7, width // 4))  # a long name is cut, not the chart
    num_w = digits + 3
    room = max(10, width - label_w - 2 * num_w - 4)
    lines = []
    for label, values, low, high in series:
        v = np.asarray(values, dtype=np.float64)
        first, last = f"{v[0]:.{digits}g}", f"{v[-1]:.{digits}g}"
        shown = cut(label, label_w)
        lines.append(f"{shown:<{label_w}} {first:>{num_w}} {sparkline(v, low, high, room)} {last}")
    return lines


#: At most this many class probabilities are charted under a simulation.
CHARTED_CLASSES = 12


def print_history_charts(stream: IO[str], title: str, steps: ArrayLike, entropy: ArrayLike, p: ArrayLike,
                         max_entropy: float, names: Sequence[str], width: int, color: bool) -> None:
    """Sparklines of a simulation's first row under its table: the entropy (0 .. log K) and each class's p."""
    steps = np.asarray(steps)
    p = np.asarray(p, dtype=np.float64)
    k = p.shape[-1]
    series: list[tuple[str, ArrayLike, float, float]] = [("entropy", entropy, 0.0, max_entropy)]
    series += [(names[j], p[:, j], 0.0, 1.0) for j in range(min(k, CHARTED_CLASSES))]
    lines = ["\n" + folded(f"{title}: first row, steps {steps[0]}..{steps[-1]}", width),
             *chart_lines(series, width=width)]
    if k > CHARTED_CLASSES:
        lines.append(f"({k - CHARTED_CLASSES} more classes not charted)")
    stream.write("\n".join(lines) + "\n")


def print_drift_bars(stream: IO[str], column: str, labels: Sequence[str], p: Sequence[float], q: Sequence[float],
                     screen: int = 80) -> None:
    """Side-by-side text bars of a column's baseline (p) and current (q) proportions, one line per category,
    within ``screen`` columns (the bars take what the labels and numbers leave, 30 at most)."""
    top = max(max(p, default=0.0), max(q, default=0.0)) or 1.0
    label_width = min(24, max((len(s) for s in labels), default=1), max(4, screen // 4))
    width = max(3, min(30, (screen - label_width - 20) // 2))
    stream.write(f"{column}: baseline (p) | current (q)\n")
    for label, a, b in zip(labels, p, q, strict=True):
        bar_a = "█" * round(width * a / top)
        bar_b = "█" * round(width * b / top)
        shown = cut(label, label_width)
        stream.write(f"  {shown:<{label_width}} {bar_a:<{width}} {a:6.3f} | {bar_b:<{width}} {b:6.3f}\n")


def print_reliability(stream: IO[str], before: Any, after: Any, temperature: float, screen: int = 80) -> None:
    """A reliability diagram in text: per confidence bin, its count and accuracy against confidence, before
    (T = 1) and after (T fitted). A calibrated bin has accuracy = confidence (the bars end at the mark).
    Side by side when ``screen`` has room for bars of 8 or more, else before above after."""
    bins = len(before.bin_count)
    side_by_side = screen >= 54 + 2 * 8
    width = min(24, (screen - 54) // 2) if side_by_side else max(4, min(24, screen - 35))
    stream.write(folded(f"reliability (accuracy vs confidence per bin; after: T = {temperature:.4g})", screen) + "\n")

    def cell(r: Any, b: int) -> str:
        n = int(r.bin_count[b])
        if not n:
            return f"{0:>6} {'':<{width}} {'-':>11}"
        acc, conf = float(r.bin_accuracy[b]), float(r.bin_confidence[b])
        return f"{n:>6} {'█' * round(width * acc):<{width}} {acc:5.3f}/{conf:5.3f}"

    def edges(b: int) -> str:
        return f"[{b / bins:.2f},{(b + 1) / bins:.2f})"

    if side_by_side:
        stream.write(f"  {'bin':<11} {'n':>6} {'before: acc / conf':<{width + 16}} {'n':>6} after: acc / conf\n")
        for b in range(bins):
            stream.write(f"  {edges(b)} {cell(before, b)}  {cell(after, b)}\n")
        return
    for label, report in (("before (T = 1)", before), (f"after (T = {temperature:.4g})", after)):
        stream.write(f"  {label}: bin, n, acc / conf\n")
        for b in range(bins):
            stream.write(f"  {edges(b)} {cell(report, b)}\n")
