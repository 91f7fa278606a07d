"""Options shared by commands: each group is defined once here, as its Typer options and a frozen dataclass.

A command declares the groups it takes as parameters annotated with a group class (``units: Units``) beside
its own options; :func:`command` puts the groups' options into the signature Typer reads and, on each call,
builds every group from the parsed values, validating it once, on construction. So ``--input``, ``--base``,
``--format`` ... are spelt, documented, parsed and checked identically in every command, and a command body
sees typed values (``units.base`` a float, ``output.format`` the format actually used), never raw flags.

Importing this module loads Typer but not NumPy: the group classes are built before any number is read.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Optional, TypeVar

import typer

from entcli.cli.context import current_collector, current_plan
from entcli.cli.environment import Environment
from entcli.core.tolerances import DEFAULT_TOL
from entcli.errors import InputError
from entcli.io.formats import INPUT_FORMATS, OUTPUT_FORMATS, delimiter_of

if TYPE_CHECKING:
    from entcli.core.distributions import Kind
    from entcli.io.blocks import BadRowHandler, Source
    from entcli.io.roles import Roles

PANEL_INPUT = "Input"
PANEL_READ = "What the numbers are"
PANEL_UNITS = "Units"
PANEL_OUTPUT = "Output"
PANEL_CHECKS = "Checks for scripts"
PANEL_ENGINE = "Engine"
#: Where a dataset's rows are computed (--engine).
ENGINES = ("local", "dask")

COLORS = ("auto", "always", "never")
KIND_FLAGS = ("counts", "logits", "renormalize")


def choices(values: Iterable[str]) -> Any:
    """A choice of ``values`` (the registry a command offers), for ``typer.Option(click_type=...)``: the type
    Typer itself builds for an Enum or a Literal annotation."""
    from typer._types import TyperChoice

    return TyperChoice(list(values))


def _opt(name: str, annotation: Any, default: Any, *decls: str, panel: str, **kw: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, typer.Option(*decls, rich_help_panel=panel, **kw)],
    )


G = TypeVar("G", bound="Group")


class Group:
    """A group of shared options: ``PARAMS`` are its Typer parameters, :meth:`build` makes it from their values."""

    PARAMS: ClassVar[tuple[inspect.Parameter, ...]] = ()

    @classmethod
    def build(cls: type[G], args: Mapping[str, Any], env: Environment) -> G:
        raise NotImplementedError


# --------------------------------------------------------------------------- input


def _roles(**kw: Any) -> Roles:
    from entcli.io.roles import Roles

    return Roles(**kw)


_VALUES = inspect.Parameter(
    "values",
    inspect.Parameter.POSITIONAL_OR_KEYWORD,
    default=None,
    annotation=Annotated[
        Optional[list[str]],
        typer.Argument(
            help="One distribution: numbers separated by spaces or commas (negative numbers need no --).",
            show_default=False,
        ),
    ],
)

_PATH = _opt("input", Optional[str], None, "-i", "--input", panel=PANEL_INPUT, metavar="PATH",
             help="Read many distributions, one per row, from PATH (- for stdin). Piped stdin is read when no "
                  "values are given.")

@dataclass(frozen=True)
class Files(Group):
    """How files are read: format, separator, header, column roles, what to do with bad rows; where stdin is."""

    format: str | None = None
    delimiter: str | None = None
    header: bool | None = None
    roles: Roles = field(default_factory=lambda: _roles())
    skip_invalid: bool = False
    row_number: bool = False
    unbuffered: bool = False
    env: Environment = field(default_factory=Environment)
    engine: str = "local"
    #: the longest line (or JSON element) a reader takes, in bytes
    max_line: int = 64 << 20

    PARAMS = (
        _opt("input_format", Optional[str], None, "--input-format", panel=PANEL_INPUT,
             click_type=choices(INPUT_FORMATS), help="Input format; default: from the file extension, else sniffed."),
        _opt("delimiter", Optional[str], None, "-d", "--delimiter", panel=PANEL_INPUT,
             help="Field separator of text input (e.g. ',' ';' tab space); default: from the format, else sniffed."),
        _opt("header", Optional[bool], None, "--header/--no-header", panel=PANEL_INPUT, show_default=False,
             help="Force or forbid a header row; default: a first row with a non-numeric field is a header."),
        _opt("columns", Optional[str], None, "--columns", panel=PANEL_INPUT, metavar="SPEC",
             help="The outcome columns, in this order: names, 1-based numbers, ranges (2-11), globs ('p_*'); #N is "
                  "always a number, =NAME always a name."),
        _opt("exclude", Optional[str], None, "--exclude", panel=PANEL_INPUT, metavar="SPEC",
             help="Columns that are not outcomes (same SPEC as --columns); they are not read."),
        _opt("keep", Optional[str], None, "--keep", panel=PANEL_INPUT, metavar="SPEC|all|none",
             help="Non-outcome columns carried to the output before the results; default: the columns with text "
                  "(ids)."),
        _opt("row_number", bool, False, "--row-number", panel=PANEL_INPUT,
             help="Add the 1-based input row number as the first output field, row."),
        _opt("field", Optional[str], None, "--field", panel=PANEL_INPUT, metavar="PATH",
             help="JSON: the distribution is this field of each object (dotted path, e.g. output.probs); default: "
                  "p, probs, probabilities or logits, else the object's numbers."),
        _opt("fill", Optional[str], None, "--fill", panel=PANEL_INPUT, metavar="0",
             help="Outcomes named on one side only are probability 0 (sparse and top-k rows) instead of an error."),
        _opt("skip_invalid", bool, False, "--skip-invalid", panel=PANEL_INPUT,
             help="Skip rows that cannot be read or checked, report them on stderr, and exit 1 at the end."),
        _opt("unbuffered", bool, False, "--unbuffered", panel=PANEL_INPUT,
             help="From a pipe, compute and write each row as soon as it arrives (default: rows wait up to 0.2 s "
                  "for more input, then go)."),
        _opt("max_line_mib", int, 64, "--max-line-mib", panel=PANEL_INPUT, metavar="N", min=1, max=1 << 20,
             help="The longest line (or JSON element) read, in MiB: a stream with no line end stops there with an "
                  "error, instead of filling memory."),
        _opt("engine", str, "local", "--engine", panel=PANEL_ENGINE, click_type=choices(ENGINES),
             help="Where the rows of a dataset (-i DIR, a glob, a URL) are computed: local (this process, "
                  "streaming) or dask (a task per partition on a Dask cluster; needs the dask extra)."),
        _opt("scheduler", Optional[str], None, "--scheduler", panel=PANEL_ENGINE, metavar="ADDRESS",
             help="The Dask scheduler of --engine dask (tcp://HOST:8786); default: DASK_SCHEDULER_ADDRESS, else a "
                  "local cluster of one worker per core."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Files:
        from entcli.io.roles import KEEP_WORDS, parse_spec

        delimiter = args["delimiter"]
        if delimiter is not None:
            delimiter_of(delimiter)  # checked now, before any input is opened
        keep = args["keep"]
        if keep is not None:
            keep = keep.strip() if keep.strip() in KEEP_WORDS else parse_spec(keep, "--keep")
        fill = args["fill"]
        if fill is not None and fill.strip() not in ("0", "0.0"):
            raise InputError(f"--fill takes 0 (a missing outcome has probability 0), got {fill!r}", "--fill 0")
        field_path = args["field"]
        if field_path is not None and (not field_path.strip() or any(not part for part in field_path.split("."))):
            raise InputError(f"--field: {field_path!r} is not a dotted path", "e.g. --field probs or output.logits")
        roles = _roles(
            columns=parse_spec(args["columns"], "--columns") if args["columns"] is not None else None,
            exclude=parse_spec(args["exclude"], "--exclude") if args["exclude"] is not None else (),
            keep=keep, field=field_path, fill=fill is not None)
        if args["scheduler"] is not None and args["engine"] != "dask":
            raise InputError("--scheduler is the Dask scheduler of --engine dask", "add --engine dask")
        if args["engine"] == "dask":  # the distributed engine is imported only when asked for
            from entcli.cli.distributed import plan_for

            plan_for(args["scheduler"], env.fast_reader)
        return cls(args["input_format"], delimiter, args["header"], roles, args["skip_invalid"], args["row_number"],
                   args["unbuffered"], env, args["engine"], args["max_line_mib"] << 20)

    def wanting(self, *columns: str | None) -> Files:
        """These options, also reading ``columns`` by name (e.g. a --target-column) as text."""
        wanted = tuple(c for c in columns if c)
        return dataclasses.replace(self, roles=dataclasses.replace(self.roles, wanted=wanted)) if wanted else self

    def open(self, path: str, on_bad: BadRowHandler | None = None) -> Source:
        """The rows of the file ``path`` (``-``: stdin) read with these options."""
        from entcli.io.readers import open_source

        def opened(part: str) -> Source:
            return open_source(part, self.format, self.delimiter, self.header, on_bad=on_bad, roles=self.roles,
                               stdin=self.env.stdin, fast=self.env.fast_reader,
                               wait=0.0 if self.unbuffered else None, max_line=self.max_line)

        collector, plan = current_collector(), current_plan()
        if collector is not None:  # a task of a distributed run: its partition of a dataset; a library call
            return collector.open(path, opened)
        if path == "-" and self.env.stdin is None:
            raise InputError("stdin is closed", "give a file with -i, or values")
        if plan is not None:  # a distributed run: a dataset is read by the tasks
            remote = plan.open(path, opened)
            if remote is not None:
                return remote
        return opened(path)

    def open_src(self, src: str, label: str) -> Source:
        """A SRC of a two-input command or a side input: numbers (one row), ``-`` (stdin) or a path.

        Rows that cannot be parsed are always errors here: skipping one on one side would pair every later
        row with the wrong partner. (``--skip-invalid`` still skips pairs whose numbers fail the checks.)
        """
        from entcli.io.readers import looks_named, looks_numeric, named_values_source, values_source

        if src != "-" and looks_named(src) and not os.path.exists(src):
            return named_values_source(src, label)
        if src != "-" and looks_numeric(src):
            source = values_source([src])
            source.name = f"{label} values"
            return source
        return self.open(src)


@dataclass(frozen=True)
class Input(Group):
    """Where one command's rows come from: ``values`` (one distribution), ``path`` (-i), else piped stdin."""

    values: tuple[str, ...] | None = None
    path: str | None = None
    files: Files = field(default_factory=Files)

    PARAMS = (_VALUES, _PATH, *Files.PARAMS)

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Input:
        values = tuple(args["values"]) if args["values"] else None
        if values and args["input"] is not None:
            raise InputError("give values or --input, not both", "values on the command line form one distribution")
        return cls(values, args["input"], Files.build(args, env))

    @property
    def skip_invalid(self) -> bool:
        return self.files.skip_invalid

    def open(self, on_bad: BadRowHandler | None = None) -> Source:
        """The rows to read: the values, else --input, else piped stdin."""
        if self.values:
            from entcli.io.readers import looks_named, named_values_source, values_source

            named = ",".join(v.strip(" ,") for v in self.values)
            if looks_named(named):  # entcli entropy cat=0.5 dog=0.5: the names label the outcomes
                source = named_values_source(named, "values")
                source.name = "arguments"
                return source
            return values_source(list(self.values))
        if self.path is None:
            env = self.files.env
            if env.stdin is None or env.stdin_isatty:
                raise InputError("no input", "give values (entcli entropy 0.5 0.5), -i FILE, or pipe rows into stdin")
            return self.files.open("-", on_bad)
        return self.files.open(self.path, on_bad)


# --------------------------------------------------------------------------- what the numbers are


_TEMPERATURE = _opt("temperature", float, 1.0, "-T", "--temperature", panel=PANEL_READ,
                    help="Softmax temperature T for logits (T > 0; large T flattens, small T sharpens).")
_TOL = _opt("tol", float, DEFAULT_TOL, "--tol", panel=PANEL_READ, help="Tolerance on |sum of p - 1| for probabilities.")
_KINDS = (
    _opt("counts", bool, False, "--counts", panel=PANEL_READ,
         help="The numbers are counts: divide each row by its sum."),
    _opt("logits", bool, False, "--logits", panel=PANEL_READ,
         help="The numbers are logits: p = softmax(z / T), computed stably (-inf is p = 0)."),
    _opt("renormalize", bool, False, "--renormalize", panel=PANEL_READ,
         help="The numbers are probabilities whose sum may be off: divide each row by its sum."),
)


def check_temperature(temperature: float) -> float:
    if not (temperature > 0 and math.isfinite(temperature)):
        raise InputError(f"-T/--temperature must be finite and > 0, got {temperature}", "try -T 1")
    return temperature


def check_tol(tol: float) -> float:
    if not (0 <= tol < 1):
        raise InputError(f"--tol must be >= 0 and < 1, got {tol}",
                         "the default is 1e-6; a tolerance of 1 or more would take rows summing to 0 or 2 as "
                         "distributions: --renormalize divides each row by its sum")
    return tol


def check_order(value: float, option: str) -> float:
    """A Renyi order (``--renyi``, ``--alpha``): a number >= 0, or inf."""
    if not value >= 0:
        raise InputError(f"{option} must be >= 0 (or inf), got {value}", f"e.g. {option} 2 or {option} inf")
    return value


def _one_kind(flags: Iterable[str], what: str) -> Kind:
    chosen = list(dict.fromkeys(flags))
    if len(chosen) > 1:
        raise InputError(f"conflicting options{what}: --{' and --'.join(chosen)}",
                         "the numbers are one of these, not both")
    return chosen[0] if chosen else "probs"  # type: ignore[return-value]


@dataclass(frozen=True)
class Temperature(Group):
    """-T/--temperature alone (commands whose numbers are always logits)."""

    temperature: float = 1.0

    PARAMS = (_TEMPERATURE,)

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Temperature:
        return cls(check_temperature(args["temperature"]))


@dataclass(frozen=True)
class Reading(Group):
    """What the numbers of one input are: ``kind``, the softmax ``temperature``, the sum tolerance ``tol``.

    ``flags`` are the reading options the command offers, so that advice names only options that exist.
    """

    kind: Kind = "probs"
    temperature: float = 1.0
    tol: float = DEFAULT_TOL
    flags: frozenset[str] = frozenset()

    PARAMS = (_TEMPERATURE, *_KINDS, _TOL)
    FLAGS: ClassVar[frozenset[str]] = frozenset({"--counts", "--logits", "--renormalize", "--tol"})

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Reading:
        kind = _one_kind((k for k in KIND_FLAGS if args[k]), "")
        temperature = check_temperature(args["temperature"])
        if temperature != 1.0 and kind != "logits":
            raise InputError("-T/--temperature applies to logits", "add --logits, or drop -T")
        return cls(kind, temperature, check_tol(args["tol"]), cls.FLAGS)


@dataclass(frozen=True)
class PairReading(Group):
    """What the numbers of p and q are (``kinds``), T, ``tol``, the smoothing ``epsilon`` of q, and ``pairwise``.

    ``--counts``/``--logits``/``--renormalize`` apply to both sides here (``kl``); :class:`TargetReading` is the
    same group where they apply to q, the prediction, only (``xent``).
    """

    kinds: tuple[Kind, Kind] = ("probs", "probs")
    temperature: float = 1.0
    tol: float = DEFAULT_TOL
    epsilon: float | None = None
    pairwise: bool = False
    flags: frozenset[str] = frozenset()
    on: tuple[str, ...] | None = None

    SHARED_TO_P: ClassVar[bool] = True
    PARAMS = (_TEMPERATURE, *_KINDS) + tuple(
        _opt(f"{side}_{kind}", bool, False, f"--{side}-{kind}", panel=PANEL_READ, help=text.format(side=side))
        for side in ("p", "q")
        for kind, text in (
            ("counts", "{side} is counts: divide each row by its sum."),
            ("logits", "{side} is logits: log-softmax(z / T), used in log space."),
            ("renormalize", "{side} is probabilities whose sum may be off: divide by it."),
        )
    ) + (
        _TOL,
        _opt("epsilon", Optional[float], None, "--epsilon", panel=PANEL_READ, metavar="E",
             help="Smooth q: add E to every q_i and renormalise (only when asked; the output says so)."),
        _opt("pairwise", bool, False, "--pairwise", panel=PANEL_INPUT,
             help="Every p row against every q row (an N x M matrix, like scipy's cdist); long form in csv/json."),
        _opt("on", Optional[str], None, "--on", panel=PANEL_INPUT, metavar="KEY[,KEY]",
             help="Pair p and q rows by these key columns instead of by position (q is read into memory)."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> PairReading:
        shared = [k for k in KIND_FLAGS if args[k]]
        kinds = tuple(
            _one_kind([k for k in KIND_FLAGS if args[f"{side}_{k}"]] + (shared if side == "q" or cls.SHARED_TO_P
                                                                        else []), f" for {side}")
            for side in ("p", "q"))
        epsilon = args["epsilon"]
        if epsilon is not None and not (epsilon >= 0 and math.isfinite(epsilon)):
            raise InputError(f"--epsilon must be finite and >= 0, got {epsilon}", "e.g. --epsilon 1e-9")
        flags = frozenset({"--tol"} | {f"--{side}-{k}" for side in "pq" for k in KIND_FLAGS})
        on = tuple(k.strip() for k in args["on"].split(",") if k.strip()) if args["on"] is not None else None
        if on is not None and not on:
            raise InputError("--on names no key column", "e.g. --on id")
        if on and args["pairwise"]:
            raise InputError("--on pairs rows by key; --pairwise pairs every row with every row", "give one of them")
        return cls(kinds, check_temperature(args["temperature"]), check_tol(args["tol"]),  # type: ignore[arg-type]
                   epsilon, args["pairwise"], flags, on)


class TargetReading(PairReading):
    """:class:`PairReading` for a target and a prediction: the shared kind flags describe q only."""

    SHARED_TO_P = False


# --------------------------------------------------------------------------- units, output, checks


@dataclass(frozen=True)
class Units(Group):
    """The logarithm base of every result (e by default): from --base/--bits/--nats/--dits, at most one."""

    base: float = math.e

    PARAMS = (
        _opt("base", Optional[str], None, "--base", panel=PANEL_UNITS, metavar="2|e|10|B",
             help="Logarithm base: 2 (bits), e (nats, the default), 10 (dits) or any number > 1."),
        _opt("bits", bool, False, "--bits", panel=PANEL_UNITS, help="Same as --base 2."),
        _opt("nats", bool, False, "--nats", panel=PANEL_UNITS, help="Same as --base e (the default)."),
        _opt("dits", bool, False, "--dits", panel=PANEL_UNITS, help="Same as --base 10 (hartleys)."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Units:
        from entcli.core.errors import DomainError
        from entcli.core.units import parse_base

        chosen = [name for name in ("bits", "nats", "dits") if args[name]]
        if args["base"] is not None:
            chosen.append("base")
        if len(chosen) > 1:
            raise InputError(f"conflicting units: --{' and --'.join(chosen)}",
                             "choose one of --base, --bits, --nats, --dits")
        if args["bits"]:
            return cls(2.0)
        if args["dits"]:
            return cls(10.0)
        if args["base"] is None or args["nats"]:
            return cls(math.e)
        try:
            return cls(parse_base(args["base"]))
        except DomainError as e:
            raise InputError(f"--base: {e.message}") from None

    @property
    def unit(self) -> str:
        """The unit's name: bits, nats, dits or base-B."""
        from entcli.core.units import unit_name

        return unit_name(self.base)

    @property
    def scale(self) -> float:
        """The factor that turns nats into this unit (1 / ln base)."""
        from entcli.core.units import nats_to

        return nats_to(self.base)

    def title(self, what: str) -> str:
        return f"{what} ({self.unit})"


#: Rows a table shows on a terminal by default (the first 20 and the last 5).
TERMINAL_ROWS = 25


@dataclass(frozen=True)
class Output(Group):
    """Where and how results are written: ``format`` (as asked, else table on a terminal, plain otherwise),
    ``digits``, ``color`` (resolved from --color, NO_COLOR and the terminal), ``path`` (-O)."""

    format: str = "plain"
    digits: int | None = None
    color: bool = False
    path: str | None = None
    width: int = 80
    max_rows: int | None = None
    #: the progress line on stderr: False never, None after a second, True at once
    progress: bool | None = False
    #: results go to a terminal (stdout, no -O)
    terminal: bool = False

    PARAMS = (
        _opt("format", Optional[str], None, "-o", "--format", panel=PANEL_OUTPUT,
             click_type=choices(OUTPUT_FORMATS), help="Output format; default: table on a terminal, plain otherwise.",
             show_default=False),
        _opt("digits", Optional[int], None, "--digits", panel=PANEL_OUTPUT, min=1, max=17,
             help="Significant digits; default: shortest round-trip repr of each float64 (6 in tables)."),
        _opt("color", str, "auto", "--color", panel=PANEL_OUTPUT, click_type=choices(COLORS),
             help="Colour in tables: auto (a terminal without NO_COLOR), always or never."),
        _opt("output", Optional[str], None, "-O", "--output", panel=PANEL_OUTPUT, metavar="PATH",
             help="Write to PATH (atomically: a failed run leaves no partial file) instead of stdout."),
        _opt("max_rows", Optional[str], None, "--max-rows", panel=PANEL_OUTPUT, metavar="N|all",
             help=f"Rows a table shows: the first and last of N (default {TERMINAL_ROWS} on a terminal, all "
                  "elsewhere); all: every row."),
        _opt("progress", Optional[bool], None, "--progress/--no-progress", panel=PANEL_OUTPUT, show_default=False,
             help="A progress line on stderr (rows, bytes, rate, time left); default: when stderr is a terminal "
                  "and the run lasts over a second; --progress: from the start."),
        _opt("quiet", bool, False, "--quiet", panel=PANEL_OUTPUT, help="No progress line."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Output:
        path = args["output"]
        terminal = (path is None or path == "-") and env.stdout_isatty
        fmt = args["format"] or ("table" if terminal else "plain")

        collector = current_collector()
        if collector is not None:  # a task computes the fields its client writes
            fmt = collector.format
        color = args["color"] == "always" or (args["color"] == "auto" and not env.no_color and terminal)
        text = (args["max_rows"] or "").strip().lower()
        if not text:
            max_rows = TERMINAL_ROWS if terminal else None
        elif text == "all":
            max_rows = None
        elif text.isdigit() and text.isascii() and int(text) > 0:
            max_rows = int(text)
        else:
            raise InputError(f"--max-rows takes a number of rows >= 1 or all, got {args['max_rows']!r}",
                             "e.g. --max-rows 50 or --max-rows all")
        progress = None if args["progress"] is None else bool(args["progress"])
        if args["quiet"] or not env.stderr_isatty:
            progress = False
        return cls(fmt, args["digits"], color, path, env.width, max_rows, progress, terminal)


@dataclass(frozen=True)
class Explain(Group):
    """--explain: print the formula and conventions of the run to stderr."""

    enabled: bool = False

    PARAMS = (
        _opt("explain", bool, False, "--explain", panel=PANEL_OUTPUT,
             help="Print the exact formula and conventions of this run (unit, direction, how input was read) to "
                  "stderr, so a result can be checked by hand."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Explain:

        return cls(args["explain"] and current_collector() is None)  # a task leaves it to its client

    def __call__(self, *lines: str) -> None:
        """With --explain, print each non-empty line to stderr as ``explain: <line>``."""
        if self.enabled:
            from entcli.cli.explain import show

            show(lines)


@dataclass(frozen=True)
class Checks(Group):
    """--max X / --min X on the primary result of every row."""

    max: float | None = None
    min: float | None = None

    PARAMS = (
        _opt("max", Optional[float], None, "--max", panel=PANEL_CHECKS, metavar="X",
             help="Exit 1 if the primary result of any row is above X (rows named on stderr)."),
        _opt("min", Optional[float], None, "--min", panel=PANEL_CHECKS, metavar="X",
             help="Exit 1 if the primary result of any row is below X (rows named on stderr)."),
    )

    @classmethod
    def build(cls, args: Mapping[str, Any], env: Environment) -> Checks:
        for name in ("max", "min"):
            if args[name] is not None and not math.isfinite(args[name]):
                raise InputError(f"--{name} must be a finite number, got {args[name]}", f"e.g. --{name} 0.5")
        return cls(args["max"], args["min"])


# --------------------------------------------------------------------------- attaching groups to commands


def current_environment() -> Environment:
    """The environment the app was run with (``run(argv, env=...)``), else this process's."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    while ctx is not None:
        if isinstance(ctx.obj, Environment):
            return ctx.obj
        ctx = ctx.parent
    return Environment.from_process()


def _group_of(annotation: Any) -> type[Group] | None:
    return annotation if isinstance(annotation, type) and issubclass(annotation, Group) else None


def command(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Give Typer ``fn`` with its group parameters replaced by the groups' options; build the groups per call.

    Positional parameters come first (the shared VALUES argument), then the groups' options in the order the
    command declares its groups, then the command's own options.
    """
    sig = inspect.signature(fn, eval_str=True)
    groups = {p.name: g for p in sig.parameters.values() if (g := _group_of(p.annotation)) is not None}
    extra = [param for g in groups.values() for param in g.PARAMS]
    own = [p for p in sig.parameters.values() if p.name not in groups]
    params = sorted(extra + own, key=lambda p: p.kind != inspect.Parameter.POSITIONAL_OR_KEYWORD)
    params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind != inspect.Parameter.POSITIONAL_OR_KEYWORD
              else p for p in params]
    names = {p.name for p in extra}

    @functools.wraps(fn)
    def typer_command(**kwargs: Any) -> Any:
        from entcli.errors import ClosedPipe

        env = current_environment()
        args = {k: kwargs.pop(k) for k in list(kwargs) if k in names}
        built = {name: g.build(args, env) for name, g in groups.items()}
        try:
            return fn(**built, **kwargs)
        except BrokenPipeError:
            raise ClosedPipe() from None

    typer_command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined,unused-ignore]
    typer_command.__annotations__ = {p.name: p.annotation for p in params}
    del typer_command.__wrapped__
    return typer_command
