"""Options shared by commands, each defined once here and attached to commands by :func:`shared`.

A command declares only its own parameters and an ``opts`` parameter; ``@shared(INPUT, UNITS, ...)``
adds the groups' options to the signature Typer reads, and passes their values to the command as one
``opts`` namespace. So ``--input``, ``--base``, ``--format`` … are spelt, documented and parsed
identically in every command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from enum import Enum
from types import SimpleNamespace
from typing import Annotated, Any, Optional

import typer

from entcli.core.tolerances import DEFAULT_TOL

PANEL_INPUT = "Input"
PANEL_READ = "What the numbers are"
PANEL_UNITS = "Units"
PANEL_OUTPUT = "Output"
PANEL_CHECKS = "Checks for scripts"


class OutputFormat(str, Enum):
    table = "table"
    plain = "plain"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    jsonl = "jsonl"


class InputFormat(str, Enum):
    csv = "csv"
    tsv = "tsv"
    txt = "txt"
    json = "json"
    jsonl = "jsonl"
    npy = "npy"
    parquet = "parquet"
    arrow = "arrow"


class Color(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


def _opt(name: str, annotation: Any, default: Any, *decls: str, panel: str, **kw: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, typer.Option(*decls, rich_help_panel=panel, **kw)],
    )


VALUES = [
    inspect.Parameter(
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
]

INPUT_PATH = [
    _opt("input", Optional[str], None, "-i", "--input", panel=PANEL_INPUT, metavar="PATH",
         help="Read many distributions, one per row, from PATH (- for stdin). Piped stdin is read when no "
              "values are given."),
]

FILES = [
    _opt("input_format", Optional[InputFormat], None, "--input-format", panel=PANEL_INPUT,
         help="Input format; default: from the file extension, else sniffed."),
    _opt("delimiter", Optional[str], None, "-d", "--delimiter", panel=PANEL_INPUT,
         help="Field separator of text input (e.g. ',' ';' tab space); default: from the format, else sniffed."),
    _opt("header", Optional[bool], None, "--header/--no-header", panel=PANEL_INPUT, show_default=False,
         help="Force or forbid a header row; default: a first row with a non-numeric field is a header."),
    _opt("columns", Optional[str], None, "--columns", panel=PANEL_INPUT, metavar="A,B,...",
         help="Use only these columns (header names or 1-based numbers), e.g. the probability columns of a "
              "Parquet file."),
    _opt("skip_invalid", bool, False, "--skip-invalid", panel=PANEL_INPUT,
         help="Skip rows that cannot be read or checked, report them on stderr, and exit 1 at the end."),
]

TEMPERATURE = [
    _opt("temperature", float, 1.0, "-T", "--temperature", panel=PANEL_READ,
         help="Softmax temperature T for logits (T > 0; large T flattens, small T sharpens)."),
]

INPUT = INPUT_PATH + FILES

TOL = [
    _opt("tol", float, DEFAULT_TOL, "--tol", panel=PANEL_READ, help="Tolerance on |sum of p - 1| for probabilities."),
]

KIND = [
    _opt("counts", bool, False, "--counts", panel=PANEL_READ,
         help="The numbers are counts: divide each row by its sum."),
    _opt("logits", bool, False, "--logits", panel=PANEL_READ,
         help="The numbers are logits: p = softmax(z / T), computed stably (-inf is p = 0)."),
    _opt("renormalize", bool, False, "--renormalize", panel=PANEL_READ,
         help="The numbers are probabilities whose sum may be off: divide each row by its sum."),
]

READ = TEMPERATURE + KIND + TOL

UNITS = [
    _opt("base", Optional[str], None, "--base", panel=PANEL_UNITS, metavar="2|e|10|B",
         help="Logarithm base: 2 (bits), e (nats, the default), 10 (dits) or any number > 0 other than 1."),
    _opt("bits", bool, False, "--bits", panel=PANEL_UNITS, help="Same as --base 2."),
    _opt("nats", bool, False, "--nats", panel=PANEL_UNITS, help="Same as --base e (the default)."),
    _opt("dits", bool, False, "--dits", panel=PANEL_UNITS, help="Same as --base 10 (hartleys)."),
]

OUTPUT = [
    _opt("format", Optional[OutputFormat], None, "-o", "--format", panel=PANEL_OUTPUT,
         help="Output format; default: table on a terminal, plain otherwise.", show_default=False),
    _opt("digits", Optional[int], None, "--digits", panel=PANEL_OUTPUT, min=1, max=17,
         help="Significant digits; default: shortest round-trip repr of each float64 (6 in tables)."),
    _opt("color", Color, Color.auto, "--color", panel=PANEL_OUTPUT,
         help="Colour in tables: auto (a terminal without NO_COLOR), always or never."),
    _opt("output", Optional[str], None, "-O", "--output", panel=PANEL_OUTPUT, metavar="PATH",
         help="Write to PATH (atomically: a failed run leaves no partial file) instead of stdout."),
]

PAIR_READ = TEMPERATURE + KIND + [
    _opt(f"{side}_{kind}", bool, False, f"--{side}-{kind}", panel=PANEL_READ, help=text.format(side=side))
    for side in ("p", "q")
    for kind, text in (
        ("counts", "{side} is counts: divide each row by its sum."),
        ("logits", "{side} is logits: log-softmax(z / T), used in log space."),
        ("renormalize", "{side} is probabilities whose sum may be off: divide by it."),
    )
] + TOL + [
    _opt("epsilon", Optional[float], None, "--epsilon", panel=PANEL_READ, metavar="E",
         help="Smooth q: add E to every q_i and renormalise (only when asked; the output says so)."),
    _opt("pairwise", bool, False, "--pairwise", panel=PANEL_INPUT,
         help="Every p row against every q row (an N x M matrix, like scipy's cdist); long form in csv/json."),
]

EXPLAIN = [
    _opt("explain", bool, False, "--explain", panel=PANEL_OUTPUT,
         help="Print the exact formula and conventions of this run (unit, direction, how input was read) to "
              "stderr, so a result can be checked by hand."),
]

CHECKS = [
    _opt("max", Optional[float], None, "--max", panel=PANEL_CHECKS, metavar="X",
         help="Exit 1 if the primary result of any row is above X (rows named on stderr)."),
    _opt("min", Optional[float], None, "--min", panel=PANEL_CHECKS, metavar="X",
         help="Exit 1 if the primary result of any row is below X (rows named on stderr)."),
]


def shared(*groups: list[inspect.Parameter]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the options of ``groups`` to a command; their values reach it as ``opts`` (a namespace)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(fn, eval_str=True)
        own = [p for p in sig.parameters.values() if p.name != "opts"]
        extra = [p for group in groups for p in group]
        names = {p.name for p in extra}
        # Positional parameters first (the shared VALUES argument before a command's own), then options.
        params = sorted(extra + own, key=lambda p: p.kind != inspect.Parameter.POSITIONAL_OR_KEYWORD)
        params = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) if p.kind != inspect.Parameter.POSITIONAL_OR_KEYWORD
                  else p for p in params]

        @functools.wraps(fn)
        def command(**kwargs: Any) -> Any:
            opts = SimpleNamespace(**{k: kwargs.pop(k) for k in list(kwargs) if k in names})
            return fn(opts=opts, **kwargs)

        command.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        command.__annotations__ = {p.name: p.annotation for p in params}
        del command.__wrapped__  # type: ignore[attr-defined]
        return command

    return decorate
