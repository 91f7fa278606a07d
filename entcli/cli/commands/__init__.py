"""The entcli commands, one module each. Modules import NumPy and the core inside command bodies only."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add every command to ``app``, in the order ``entcli --help`` lists them."""
    from entcli.cli.commands import entropy, grad, kl, normalize, selftest, simulate, softmax, xent

    for module in (entropy, softmax, xent, kl, normalize, grad, simulate, selftest):
        module.register(app)
