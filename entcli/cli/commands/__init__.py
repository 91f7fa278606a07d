"""The entcli commands, one module each. Modules import NumPy and the core inside command bodies only."""

from __future__ import annotations

import typer

#: The commands, in the order ``entcli --help`` lists them; each is the module of the same name.
NAMES = ("entropy", "softmax", "xent", "kl", "drift", "normalize", "calibrate", "grad", "simulate", "selftest")


def register(app: typer.Typer, only: str | None = None) -> None:
    """Add every command to ``app`` (or just ``only``)."""
    import importlib

    for name in NAMES if only is None else (only,):
        importlib.import_module(f"entcli.cli.commands.{name}").register(app)
