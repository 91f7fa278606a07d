"""entcli: entropy, cross-entropy, KL divergence and their gradients for discrete distributions.

The command line is ``entcli`` (see ``entcli --help``); the NumPy core is importable from here::

    from entcli import entropy, kl_divergence, softmax

Names load lazily, so ``entcli --version`` and shell completion never import NumPy.
"""

from __future__ import annotations

from entcli.core import EXPORTS

__all__ = sorted(EXPORTS)


def __getattr__(name: str) -> object:
    import entcli.core

    if name in EXPORTS:
        return getattr(entcli.core, name)
    raise AttributeError(f"module 'entcli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
