"""A progress line on stderr for long runs: rows, bytes of the total, rate, time left.

One line, redrawn in place (carriage return, erase to the end of the line) at most :data:`REDRAW` times a
second, and only once the run has lasted :data:`GRACE` seconds (at once with ``--progress``). It is erased
before anything is written to the same terminal (a table's rows) and at the end, so it never mixes with
results. The caller decides whether it is shown at all (only when stderr is a terminal); nothing is imported.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import IO

from entcli.io.blocks import Bytes
from entcli.io.grid import cut

#: Seconds a run lasts before its progress is shown (without --progress).
GRACE = 1.0
#: Seconds between redraws at least.
REDRAW = 0.1
#: Cells of the bar, when the total size is known.
BAR = 12


def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if n < 1000 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    raise AssertionError("unreachable")  # pragma: no cover


def _duration(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


def status_text(rows: int, elapsed: float, read: Bytes | None) -> str:
    """The progress line's text: ``1,234 rows · 12.0 MB of 100.0 MB (12%) · 1,000 rows/s · 3.4 MB/s · 0:26 left``."""
    parts = [f"{rows:,} rows"]
    if read is not None and read.read:
        if read.total:
            done = min(1.0, read.read / read.total)
            filled = int(done * BAR)
            bar = "━" * filled + ("╸" if filled < BAR else "") + " " * max(0, BAR - filled - 1)
            parts.insert(0, bar)
            parts.append(f"{_size(read.read)} of {_size(read.total)} ({done:.0%})")
        else:
            parts.append(_size(read.read))
    if elapsed > 0:
        parts.append(f"{rows / elapsed:,.0f} rows/s")
        if read is not None and read.read:
            parts.append(f"{_size(read.read / elapsed)}/s")
            if read.total and read.read < read.total:
                parts.append(f"{_duration(elapsed * (read.total - read.read) / read.read)} left")
    return " · ".join(parts)


class Progress:
    """The progress line of one run on ``stream`` (a terminal), for the inputs ``sources`` read."""

    def __init__(self, stream: IO[str], inputs: Sequence[Bytes], *, at_once: bool, width: int) -> None:
        self.stream = stream
        self.inputs = list(inputs)
        self.at_once = at_once
        self.width = width
        self.start = time.monotonic()
        self.last = 0.0
        self.rows = 0
        self.shown = False
        self.off = False  # stderr went away

    def _read(self) -> Bytes | None:
        if not self.inputs:
            return None
        totals = [b.total for b in self.inputs]
        return Bytes(sum(b.read for b in self.inputs), None if None in totals else sum(t or 0 for t in totals))

    def update(self, rows: int) -> None:
        """``rows`` more rows are done; redraw if it is time to."""
        self.rows += rows
        now = time.monotonic()
        if self.off or (not self.at_once and now - self.start < GRACE) or now - self.last < REDRAW:
            return
        self.last = now
        text = status_text(self.rows, now - self.start, self._read())
        text = cut(text, max(2, self.width - 1))  # the last column stays free: no wrap on any terminal
        try:
            self.stream.write("\r" + text + "\x1b[K")
            self.stream.flush()
        except (OSError, ValueError):  # stderr went away: the run goes on without its progress line
            self.off = True
            return
        self.shown = True

    def clear(self) -> None:
        """Erase the line (before results are written to the same terminal, and at the end)."""
        if self.shown:
            self.shown = False
            try:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
            except (OSError, ValueError):  # stderr went away: there is no line to erase
                self.off = True
