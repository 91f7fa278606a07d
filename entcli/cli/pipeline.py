"""The loop every command runs: open the input, read a block, check it, compute, write, repeat.

Memory stays bounded by a block; rows before a bad row are written before the error; checks
(``--max``/``--min``), skipped rows and non-finite results are tallied as the blocks pass and reported
on stderr at the end, with the exit code that says what happened (0 fine, 1 a check failed or rows
were skipped).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import IO

import numpy as np
from numpy.typing import NDArray

from entcli.core.distributions import Kind, describe_problem, to_probabilities
from entcli.core.units import parse_base, unit_name
from entcli.errors import InputError
from entcli.io.readers import Block, Source, iter_blocks, open_source, values_source
from entcli.io.render import Column, Writer

#: How many row numbers a message lists before it says "and N more".
LISTED_ROWS = 10

Compute = Callable[[NDArray[np.float64], Block], Mapping[str, Column]]


# --------------------------------------------------------------------------- options → settings


def base_of(opts: SimpleNamespace) -> float:
    """The logarithm base from --base/--bits/--nats/--dits (at most one); e by default."""
    chosen = [name for name in ("bits", "nats", "dits") if getattr(opts, name)]
    if opts.base is not None:
        chosen.append("base")
    if len(chosen) > 1:
        raise InputError(f"conflicting units: --{' and --'.join(chosen)}",
                         "choose one of --base, --bits, --nats, --dits")
    if opts.bits:
        return 2.0
    if opts.dits:
        return 10.0
    if opts.base is None or opts.nats:
        return math.e
    try:
        return parse_base(opts.base)
    except ValueError as e:
        raise InputError(f"--base: {e}") from None


def kind_of(opts: SimpleNamespace) -> Kind:
    """What the numbers are, from --counts/--logits/--renormalize (at most one)."""
    chosen = [name for name in ("counts", "logits", "renormalize") if getattr(opts, name)]
    if len(chosen) > 1:
        raise InputError(f"conflicting options: --{' and --'.join(chosen)}", "the numbers are one of these, not both")
    if opts.temperature != 1.0 and chosen != ["logits"]:
        raise InputError("-T/--temperature applies to logits", "add --logits, or drop -T")
    check_tol(opts.tol)
    return chosen[0] if chosen else "probs"  # type: ignore[return-value]


def check_tol(tol: float) -> float:
    """--tol: the tolerance on |sum of p - 1|, finite and >= 0."""
    if not (tol >= 0 and math.isfinite(tol)):
        raise InputError(f"--tol must be finite and >= 0, got {tol}", "the default is 1e-6")
    return tol


def open_input(opts: SimpleNamespace, on_bad: Callable[[str], None] | None = None) -> Source:
    """The rows to read: the positional values, else --input, else piped stdin."""
    if opts.values and opts.input is not None:
        raise InputError("give values or --input, not both", "values on the command line form one distribution")
    if opts.values:
        return values_source(opts.values)
    path = opts.input
    if path is None:
        if sys.stdin is None or sys.stdin.isatty():
            raise InputError("no input", "give values (entcli entropy 0.5 0.5), -i FILE, or pipe rows into stdin")
        path = "-"
    fmt = opts.input_format.value if opts.input_format is not None else None
    return open_source(path, fmt, opts.delimiter, opts.header, on_bad=on_bad, columns=column_list(opts))


def column_list(opts: SimpleNamespace) -> list[str] | None:
    """--columns as a list of names or numbers."""
    columns = getattr(opts, "columns", None)
    return [c.strip() for c in columns.split(",") if c.strip()] if columns else None


def output_format(opts: SimpleNamespace) -> str:
    """The output format: as asked, else a table on a terminal and plain otherwise."""
    if opts.format is not None:
        return opts.format.value
    if opts.output is None and sys.stdout.isatty():
        return "table"
    return "plain"


def use_color(opts: SimpleNamespace) -> bool:
    if opts.color.value == "always":
        return True
    if opts.color.value == "never" or os.environ.get("NO_COLOR"):
        return False
    return opts.output is None and sys.stdout.isatty()


@contextmanager
def output_stream(path: str | None) -> Iterator[IO[str]]:
    """stdout, or a temporary file beside ``path`` renamed over it only when the run succeeds."""
    if path is None or path == "-":
        yield sys.stdout
        return
    directory = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise InputError(f"-O {path}: is a directory", "give a file path")
    if not os.path.isdir(directory):
        raise InputError(f"-O {path}: directory {directory} does not exist", "create it first")
    import tempfile

    fd, tmp = tempfile.mkstemp(prefix=".entcli-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# --------------------------------------------------------------------------- tallies for stderr


@dataclass
class RowTally:
    """Row numbers (the first few) and a count, for one message at the end of a run."""

    rows: list[int] = field(default_factory=list)
    count: int = 0

    def add(self, numbers: NDArray[np.intp]) -> None:
        self.count += len(numbers)
        room = LISTED_ROWS - len(self.rows)
        if room > 0:
            self.rows += [int(r) for r in numbers[:room]]

    def text(self) -> str:
        listed = ", ".join(map(str, self.rows))
        more = f" and {self.count - len(self.rows)} more" if self.count > len(self.rows) else ""
        return f"row{'s' if self.count > 1 else ''} {listed}{more}"


def warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


@dataclass
class Run:
    """One command's run: where rows go, which checks apply, what to report at the end."""

    opts: SimpleNamespace
    primary: str
    title: str
    names: list[str] | None = None
    nonfinite_hint: str = ""
    skipped: list[str] = field(default_factory=list)
    nonfinite: RowTally = field(default_factory=RowTally)
    #: failed checks (e.g. "entropy > 0.5") and the rows that failed each
    failed: dict[str, RowTally] = field(default_factory=dict)

    def skip(self, message: str) -> None:
        """Report a skipped row now (stderr) and remember it for the exit code."""
        self.skipped.append(message)
        print(f"skipped: {message}", file=sys.stderr)

    def observe(self, column: NDArray, block: Block) -> None:
        """Tally the primary results of a block against --max/--min and for non-finite values."""
        values = np.asarray(column, dtype=np.float64)
        if values.ndim > 1:
            values = values.reshape(len(values), -1).max(axis=1)
        nonfinite = ~np.isfinite(values)
        if nonfinite.any():
            self.nonfinite.add(block.row_numbers()[nonfinite])
        high, low = getattr(self.opts, "max", None), getattr(self.opts, "min", None)
        if high is not None:
            self.fail(f"{self.primary} > {high}", ~(values <= high), block)
        if low is not None:
            self.fail(f"{self.primary} < {low}", ~(values >= low), block)

    def fail(self, check: str, mask: NDArray[np.bool_], block: Block) -> None:
        """Tally the rows of ``block`` where ``mask`` is set as failing ``check`` (exit 1, named at the end)."""
        if mask.any():  # row numbers only when some row has to be named
            self.failed.setdefault(check, RowTally()).add(block.row_numbers()[mask])

    def finish(self) -> int:
        """Print the end-of-run messages and return the exit code."""
        code = 0
        if self.nonfinite.count:
            warn(f"{self.primary} is not finite in {self.nonfinite.text()}{self.nonfinite_hint}")
        for check, tally in self.failed.items():
            print(f"check failed: {check} in {tally.text()}", file=sys.stderr)
            code = 1
        if self.skipped:
            print(f"skipped {len(self.skipped)} invalid row(s)", file=sys.stderr)
            code = 1
        return code


#: A command's own check of rows that passed the input checks: (mask of bad rows, row -> (message, hint)).
RowCheck = Callable[[NDArray[np.float64], Block], tuple[NDArray[np.bool_], Callable[[int], tuple[str, str]]]]


def checked(
    source: Source, kind: Kind, temperature: float, tol: float, run: Run, check: RowCheck | None = None
) -> Iterator[tuple[NDArray[np.float64], Block]]:
    """The blocks of ``source`` as distributions, with bad rows reported (or skipped with --skip-invalid).

    Rows before the first bad row are yielded before its error is raised, so they are written. ``check``
    adds a command's own condition on the rows (e.g. a reachable target).
    """
    for block in iter_blocks(source):
        p, bad = to_probabilities(block.values, kind, temperature, tol)
        own_bad = np.zeros_like(bad)
        explain = None
        if check is not None:
            own_bad, explain = check(p, block)
            own_bad &= ~bad
        bad = bad | own_bad
        if bad.any():
            first = int(np.argmax(bad))
            errors = (_own_error(source, block, i, explain) if own_bad[i] else row_error(source, block, i, kind, tol)
                      for i in np.flatnonzero(bad).tolist())
            if not run.opts.skip_invalid:
                if first:
                    yield p[:first], block.take(slice(0, first))
                raise next(errors)
            for error in errors:
                run.skip(error.message)
            keep = ~bad
            p, block = p[keep], block.take(keep)
            if not len(p):
                continue
        yield p, block


def _own_error(source: Source, block: Block, i: int, explain: Callable[[int], tuple[str, str]] | None) -> InputError:
    message, hint = explain(i) if explain is not None else ("invalid row", "")
    return InputError(f"{source.name}: {block.where(i)}: {message}", hint)


def row_error(source: Source, block: Block, i: int, kind: Kind, tol: float) -> InputError:
    """The error for row ``i`` of ``block``: where it is, what is wrong, what to try."""
    problem = describe_problem(block.values[i], kind, tol)
    column = ""
    if problem.column is not None:
        column = f", column {problem.column + 1}"
        if source.names and problem.column < len(source.names):
            column += f" ({source.names[problem.column]})"
    return InputError(f"{source.name}: {block.where(i)}{column}: {problem.message}", problem.hint)


def check_order(value: float, option: str) -> float:
    """A Renyi order (``--renyi``, ``--alpha``): a number >= 0, or inf."""
    if not value >= 0:
        raise InputError(f"{option} must be >= 0 (or inf), got {value}", f"e.g. {option} 2 or {option} inf")
    return value


def check_temperature(temperature: float) -> float:
    if not (temperature > 0 and math.isfinite(temperature)):
        raise InputError(f"-T/--temperature must be finite and > 0, got {temperature}", "try -T 1")
    return temperature


Table = Callable[[IO[str], Mapping[str, Column], "Run"], None]


def emit(opts: SimpleNamespace, run: Run, results: Iterator[tuple[Mapping[str, Column], Block]],
         table: Table | None = None) -> int:
    """Write each block of results as it comes, tally it for the end-of-run report; return the exit code.

    ``table`` draws a block itself when the output is a table (e.g. outcome by outcome for --detail).
    """
    fmt = output_format(opts)
    with output_stream(opts.output) as out:
        writer = Writer(fmt, out, run.primary, digits=opts.digits, names=run.names, title=run.title,
                        color=use_color(opts))
        try:
            for columns, block in results:
                if fmt == "table" and table is not None:
                    table(out, columns, run)
                else:
                    writer.write(columns)
                run.observe(columns[run.primary], block)  # type: ignore[arg-type]
        finally:
            writer.close()
    return run.finish()


def stream(
    opts: SimpleNamespace,
    compute: Compute,
    *,
    primary: str = "",
    title: str = "",
    kind: Kind = "probs",
    nonfinite_hint: str = "",
    table: Table | None = None,
    check: RowCheck | None = None,
    run: Run | None = None,
) -> int:
    """Run a one-input command: read rows, check them as ``kind`` (and ``check``), compute, write; return
    the exit code. A command whose ``compute`` tallies its own checks passes its ``run`` (and no primary/title)."""
    run = run or Run(opts, primary, title, nonfinite_hint=nonfinite_hint)
    source = open_input(opts, on_bad=run.skip if opts.skip_invalid else None)
    run.names = source.names
    tol = getattr(opts, "tol", 0.0)
    temperature = check_temperature(getattr(opts, "temperature", 1.0))
    rows = checked(source, kind, temperature, tol, run, check)
    return emit(opts, run, ((compute(p, block), block) for p, block in rows), table)


def explain(opts: SimpleNamespace, *lines: str) -> None:
    """With --explain, print the formula and conventions of this run to stderr, one ``explain:`` line each."""
    if getattr(opts, "explain", False):
        for line in lines:
            if line:
                print(f"explain: {line}", file=sys.stderr)


def unit_text(base: float) -> str:
    """The unit line of --explain."""
    if base == math.e:
        return "unit: nats (natural logarithm)"
    return (f"unit: {unit_name(base)}: log base {base:g}, i.e. a value in nats divided by "
            f"ln {base:g} = {math.log(base):.6g}")


def reading_text(kind: str, temperature: float = 1.0, tol: float = 0.0, what: str = "input") -> str:
    """How the numbers were read, for --explain."""
    return {
        "probs": f"{what}: probabilities, used as given; checked finite, >= 0 and |sum - 1| <= {tol:g}",
        "renormalize": f"{what}: probabilities divided by their row sum (--renormalize)",
        "counts": f"{what}: counts, p_i = c_i / sum_j c_j",
        "logits": f"{what}: logits, p = softmax(z / T) = exp(z/T - logsumexp(z/T)) with T = {temperature:g} "
                  "(log p taken as z/T - logsumexp, not log of p); a -inf logit is p = 0",
    }.get(kind, f"{what}: {kind}")


def unit_title(what: str, base: float) -> str:
    return f"{what} ({unit_name(base)})"
