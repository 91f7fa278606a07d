"""The ``entcli`` Typer application and :func:`run`, with the one error handler at the top.

Start-up is kept light: command modules import NumPy and the core inside their bodies, and a call builds
only the command it runs; ``--version`` and TAB completion are answered before this module is imported
(:mod:`entcli.cli.entry`).
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, Optional

import typer
from typer.core import TyperGroup

from entcli.cli.environment import Environment
from entcli.cli.messages import tell
from entcli.core.errors import DomainError
from entcli.errors import ClosedPipe, EntcliError, ExitCode, Stop

# Typer vendors its own Click: these are the classes its parser raises (not the `click` package's).
from typer._click.exceptions import ClickException, NoArgsIsHelpError  # noqa: E402  isort: skip

#: A token that is a negative number (or a list of numbers starting with one): "-1", "-0.5,1,2", "-inf".
NEGATIVE_NUMBER = re.compile(r"^-(\d|\.\d|inf\b|infinity\b|nan\b)", re.IGNORECASE)


def protect_negative_numbers(args: list[str]) -> list[str]:
    """Let ``entcli softmax -1 0 2.5`` work without ``--``: prefix negative numbers with a space.

    The parser treats a token as an option only when it starts with '-', so " -1" is a value; every
    reader of numbers (Python's float, our value parser) ignores the leading space. No option of entcli
    is spelt with a digit, so nothing that starts with "-<digit>" was ever an option.
    """
    return [" " + a if NEGATIVE_NUMBER.match(a) else a for a in args]


class EntcliGroup(TyperGroup):
    """Typer's group, with negative numbers protected before any parsing."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        return super().parse_args(ctx, protect_negative_numbers(args))


def make_app(only: str | None = None) -> typer.Typer:
    """The Typer app with every command, or with just ``only`` (what a one-liner needs: it saves building
    the other commands on every call)."""
    app = typer.Typer(
        cls=EntcliGroup,
        name="entcli",
        help="Entropy, cross-entropy, KL divergence and their gradients, for discrete distributions.\n\n"
        "Give one distribution as numbers (entcli entropy 0.2 0.3 0.5), or many, one per row, from a file "
        "(-i FILE) or piped stdin (CSV, TSV, whitespace, JSON, JSON Lines, .npy).",
        no_args_is_help=True,
        add_completion=True,
        pretty_exceptions_enable=False,
        rich_markup_mode=None,
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    app.callback()(_root)
    from entcli.cli.commands import register

    register(app, only)
    return app


def _version(value: bool) -> None:
    if value:
        from entcli._version import __version__

        typer.echo(f"entcli {__version__}")
        raise typer.Exit()


def _root(
    version: Optional[bool] = typer.Option(
        None, "-V", "--version", callback=_version, is_eager=True, help="Print 'entcli X.Y.Z' and exit."
    ),
) -> None:
    """Entropy, cross-entropy, KL divergence and their gradients, for discrete distributions."""


def __getattr__(name: str) -> typer.Typer:
    """``app``: the full app, built on first use (for tests, scripts and documentation)."""
    if name == "app":
        globals()["app"] = full = make_app()
        return full
    raise AttributeError(name)


def _error(message: str, hint: str | None = None) -> None:
    tell(f"error: {message}")
    if hint:
        tell(f"hint: {hint}")


SHELLS = ("bash", "zsh", "fish")


def show_completion(shell: str | None) -> int:
    """Print the completion script for ``shell`` (bash, zsh or fish; default: the login shell's name)."""
    from typer._completion_shared import get_completion_script

    shell = shell or os.path.basename(os.environ.get("SHELL", "bash"))
    if shell not in SHELLS:
        _error(f"no completion script for shell {shell!r}", f"choose one of {', '.join(SHELLS)}")
        return 2
    print(get_completion_script(prog_name="entcli", complete_var="_ENTCLI_COMPLETE", shell=shell))
    return 0


def run(argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Run entcli and return its exit code; every error becomes ``error: …`` on stderr, never a traceback.

    ``env`` is what the run sees of its process (terminal, NO_COLOR, stdin, reader); default: this process's.
    This is the one boundary where errors become exit codes: an :class:`~entcli.errors.EntcliError` (bad input
    or options) and a :class:`~entcli.core.errors.DomainError` (a precondition of the core's formulas) are
    ``error:`` and exit 2; anything else is a bug, exit 70.
    """
    args = sys.argv[1:] if argv is None else list(argv)
    env = env if env is not None else Environment.from_process()
    if args[:1] == ["--show-completion"] and len(args) <= 2:
        # `entcli --show-completion zsh` names the shell (Typer's flag only detects the current one).
        return show_completion(args[1] if len(args) == 2 else None)
    from entcli.cli.commands import NAMES

    first = next((a for a in args if not a.startswith("-")), None)
    only = first if first in NAMES and "_ENTCLI_COMPLETE" not in os.environ else None
    from entcli.cli.context import ARGV, PLAN

    token = ARGV.set(list(args))  # what the tasks of a distributed run run again
    plan = PLAN.set(None)  # a run's plan is its own (tests and scripts call run() many times in one process)
    try:
        command = typer.main.get_command(make_app(only))
        if only is not None:
            args = joined_values(command.commands[only], args)  # type: ignore[attr-defined]
        result = command.main(args=args, prog_name="entcli", standalone_mode=False, obj=env)
        return int(result) if isinstance(result, int) else ExitCode.OK
    except EntcliError as e:
        # Every error has a hint: the command's help where the error names no fix of its own.
        _error(e.message, e.hint or (f"see 'entcli {only} --help'" if only else "see 'entcli --help'"))
        return e.exit_code
    except DomainError as e:
        _error(e.message, f"see 'entcli {only} --help'" if only else "see 'entcli --help'")
        return ExitCode.USAGE
    except NoArgsIsHelpError as e:
        print(e.ctx.get_help() if e.ctx else "", file=sys.stderr)
        return ExitCode.USAGE
    except ClickException as e:
        ctx = getattr(e, "ctx", None)
        where = f"entcli {ctx.info_name}" if ctx is not None and ctx.info_name != "entcli" else "entcli"
        _error(e.format_message(), f"see '{where} --help'")
        return ExitCode.USAGE
    except Stop as e:
        return e.code
    except typer.Abort:
        return ExitCode.INTERRUPTED
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except (BrokenPipeError, ClosedPipe):
        return _closed_pipe()
    except MemoryError:  # the machine's limit (ulimit -v, a container), not a bug: say so
        _error("out of memory (the process may not grow any further)",
               "give it more memory (ulimit -v, the container's limit), or narrower rows; a stream needs ~200 MiB")
        return ExitCode.USAGE
    except Exception as e:  # the one guard at the top: a bug, not the user's fault
        if env.debug:
            raise
        _error(
            f"internal error ({type(e).__name__}: {e})",
            "this is a bug in entcli: please report it with the command that caused it "
            "(ENTCLI_DEBUG=1 shows the traceback)",
        )
        return ExitCode.INTERNAL
    finally:
        ARGV.reset(token)
        PLAN.reset(plan)


def joined_values(command: Any, args: list[str]) -> list[str]:
    """``-p 0.5 0.5 -q 0.9 0.1`` read as ``-p 0.5,0.5 -q 0.9,0.1`` where that is unambiguous: the command takes
    no values of its own (kl, xent), the option takes a SRC, its value is a number and so are the words after it.
    A command with values (grad, simulate) keeps its reading: there the words after ``--target 0`` are logits."""
    if any(p.param_type_name == "argument" for p in command.params):
        return args
    from entcli.io.readers import looks_numeric

    sources = {o for p in command.params if p.param_type_name == "option" and p.metavar == "SRC" for o in p.opts}
    out: list[str] = []
    i = 0
    while i < len(args):
        word = args[i]
        out.append(word)
        i += 1
        if word == "--":
            return out + args[i:]
        if word in sources:
            end = i
            while end < len(args) and looks_numeric(args[end]):
                end += 1
            if end > i:
                out.append(",".join(v.strip(" ,") for v in args[i:end]))
                i = end
    return out


def _closed_pipe() -> int:
    """The reader of stdout went away (e.g. `| head -1`): stop quietly, with nothing more to flush."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    return ExitCode.OK
