"""entcli: entropy, cross-entropy, KL divergence and their gradients for discrete distributions.

The command line is ``entcli`` (see ``entcli --help``); the NumPy core is importable from here::

    from entcli import entropy, kl_divergence, softmax

Names load lazily, so ``entcli --version`` and shell completion never import NumPy.
"""

from __future__ import annotations

from entcli.core import EXPORTS

#: The library's public names (each loads lazily from :mod:`entcli.core`; a test checks this list against it).
__all__ = [
    "DEFAULT_TOL", "DomainError", "bhattacharyya_coefficient", "bhattacharyya_distance", "binary_cross_entropy",
    "chi2_neyman",
    "chi2_pearson", "contribution", "cross_entropy", "cross_entropy_terms", "divergence_summary", "entropy",
    "entropy_grad", "entropy_range", "entropy_summary", "estimate_entropy", "fd_gradient", "hellinger",
    "js_distance", "js_divergence", "kd_grad", "kl_divergence", "log_softmax", "logsumexp", "normalize_entropy",
    "normalize_entropy_published", "parse_base", "perplexity", "relative_entropy_terms", "renyi_divergence",
    "renyi_entropy", "simulate", "softmax", "softmax_jacobian", "surprisal", "to_probabilities", "total_variation",
    "tsallis_entropy", "unit_name", "xent_grad", "xlogx",
]


def __getattr__(name: str) -> object:
    import entcli.core

    if name in EXPORTS:
        return getattr(entcli.core, name)
    raise AttributeError(f"module 'entcli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
