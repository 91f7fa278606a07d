"""Shell completion without importing Typer, NumPy or rich: a TAB costs little more than starting Python.

The completion scripts in ``completions/`` are Typer's: on every TAB they run ``entcli`` with
``_ENTCLI_COMPLETE=complete_{bash,zsh,fish}``. This module answers such a request from
:mod:`entcli.cli.completion_table`, a snapshot of the command tree (commands, options, flags, choices,
help) written by ``scripts/gen_completions.py`` from the real Typer app, and follows the same steps as
Click's ``shell_completion`` (resolve the command, then complete an option name, an option's value or a
command name). A test compares its answers with Typer's for many command lines and every shell; a test
also fails when the snapshot is stale. Anything it does not model (``--`` handling aside from the basics)
falls back to Typer by returning None. One deliberate difference: Typer renders zsh and fish help text
through rich, which wraps it at the terminal width (a line break inside an item); here each help stays on
one line.
"""

from __future__ import annotations

import os
import re
import shlex

# No `typing` import at run time: it costs 4 ms, a tenth of a TAB. An option entry is a plain dict.
MYPY = False
if MYPY:  # read by the type checker only
    from typing import Any


def split_arg_string(string: str) -> list[str]:
    """Click's ``split_arg_string``: shell-like splitting that keeps an unfinished last token."""
    lex = shlex.shlex(string, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""
    out: list[str] = []
    try:
        for token in lex:
            out.append(token)
    except ValueError:
        out.append(lex.token)
    return out


def _options_used(options: list[dict[str, Any]], args: list[str]) -> set[str] | None:
    """Names of the options given in ``args`` (None where the parse is beyond this model)."""
    by_opt = {o: entry for entry in options for o in (*entry["opts"], *entry["secondary"])}
    used: set[str] = set()
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--":
            break
        if not token.startswith("-") or len(token) == 1 or _NEGATIVE.match(token):
            continue
        if token.startswith("--"):
            name = token.split("=", 1)[0]
            entry = by_opt.get(name)
            if entry is None:
                continue
            used.add(entry["name"])
            if entry["takes_value"] and "=" not in token:
                i += 1
            continue
        entry = by_opt.get(token[:2])
        if entry is None or (not entry["takes_value"] and len(token) > 2):
            return None  # combined short flags: leave it to Click
        used.add(entry["name"])
        if entry["takes_value"] and len(token) == 2:
            i += 1
    return used


_WHITESPACE = re.compile(r"\s")
_NEGATIVE = re.compile(r"^-(\d|\.\d|inf\b|infinity\b|nan\b)", re.IGNORECASE)


def completions(args: list[str], incomplete: str) -> list[tuple[str, str | None]] | None:
    """(value, help) items for a command line ``args`` and the word being completed, as Click would give."""
    from entcli.cli.completion_table import COMMANDS, OPTIONS, ROOT

    # Resolve the command: root options are all flags, so the first other word names it.
    root: dict[str, Any] = ROOT
    level: dict[str, Any] = root
    rest: list[str] = []
    for i, token in enumerate(args):
        if token == "--" or not token.startswith("-") or _NEGATIVE.match(token):
            if token in COMMANDS:
                level, rest = COMMANDS[token], args[i + 1:]
            elif token != "--" and not token.startswith("-"):
                return None  # an unknown command: Click's error handling, not modelled
            break
    options: list[dict[str, Any]] = [OPTIONS[i] for i in level["options"]]
    used = _options_used(options, rest if level is not ROOT else args)
    if used is None:
        return None
    args = list(args)
    if incomplete == "=":
        incomplete = ""
    elif "=" in incomplete and incomplete.startswith("-"):
        name, _, incomplete = incomplete.partition("=")
        args.append(name)
    if "--" not in args and incomplete.startswith("-"):
        return _option_names(options, used, incomplete)
    if args and args[-1].startswith("-"):
        for entry in options:
            if entry["typer"] and entry["takes_value"] and args[-1] in entry["opts"]:
                return [(c, None) for c in entry["choices"] if c.startswith(incomplete)]
    if level is not ROOT:
        if level["has_argument"]:
            return []
        return _option_names(options, used, incomplete) if incomplete and not incomplete[0].isalnum() else []
    items = [(name, help_) for name, help_ in root["commands"] if name.startswith(incomplete)]
    if incomplete and not incomplete[0].isalnum():
        items += _option_names(options, used, incomplete)
    return items


def _option_names(options: list[dict[str, Any]], used: set[str], incomplete: str) -> list[tuple[str, str | None]]:
    items = []
    if incomplete and not incomplete[0].isalnum():
        for entry in options:
            if not entry["typer"] or entry["hidden"] or (not entry["multiple"] and entry["name"] in used):
                continue
            items += [(o, entry["help"]) for o in (*entry["opts"], *entry["secondary"]) if o.startswith(incomplete)]
    return items


def _args_from_line(line: str) -> tuple[list[str], str]:
    words = split_arg_string(line)
    args = words[1:]
    if args and not line.endswith(" "):
        return args[:-1], args[-1]
    return args, ""


def _zsh_escape(s: str) -> str:
    return s.replace('"', '""').replace("'", "''").replace("$", "\\$").replace("`", "\\`").replace(":", r"\\:")


def respond(instruction: str, env: dict[str, str] | os._Environ[str]) -> tuple[str, int] | None:
    """The text and exit code Typer would give for ``_ENTCLI_COMPLETE=instruction``, or None to defer."""
    if instruction == "complete_bash":
        words = split_arg_string(env.get("COMP_WORDS", ""))
        cword = int(env.get("COMP_CWORD", "0"))
        args, incomplete = words[1:cword], (words[cword] if cword < len(words) else "")
        items = completions(args, incomplete)
        return None if items is None else ("\n".join(value for value, _ in items), 0)
    if instruction == "complete_zsh":
        items = completions(*_args_from_line(env.get("_TYPER_COMPLETE_ARGS", "")))
        if items is None:
            return None
        if not items:
            return "_files", 0
        lines = [f'"{_zsh_escape(v)}":"{_zsh_escape(h)}"' if h else f'"{_zsh_escape(v)}"' for v, h in items]
        return "_arguments '*: :((" + "\n".join(lines) + "))'", 0
    if instruction == "complete_fish":
        items = completions(*_args_from_line(env.get("_TYPER_COMPLETE_ARGS", "")))
        if items is None:
            return None
        action = env.get("_TYPER_COMPLETE_FISH_ACTION", "")
        if action == "is-args":
            return "", 0 if items else 1
        if action == "get-args" and items:
            return "\n".join(f"{v}\t{_WHITESPACE.sub(' ', h)}" if h else v for v, h in items), 0
        return "", 0
    return None
