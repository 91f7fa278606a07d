"""Charts drawn in the terminal with block characters: one line per series, at most 80 columns wide.

Pure text (no rich, no curses), so it works in any terminal, a pager, or a test.
"""

from __future__ import annotations

from collections.abc import Sequence

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
