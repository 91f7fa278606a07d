"""The NumPy core of entcli: pure functions over the last axis (one distribution per row), float64.

No I/O, no printing, no Typer or rich. Names are loaded lazily, so importing a light submodule
(``entcli.core.tolerances``) does not load NumPy.
"""

from __future__ import annotations

#: public name -> submodule that defines it
EXPORTS: dict[str, str] = {
    "softmax": "logits",
    "log_softmax": "logits",
    "logsumexp": "logits",
    "entropy": "shannon",
    "xlogx": "shannon",
    "surprisal": "shannon",
    "contribution": "shannon",
    "perplexity": "shannon",
    "entropy_summary": "shannon",
    "cross_entropy": "divergence",
    "kl_divergence": "divergence",
    "js_divergence": "divergence",
    "js_distance": "divergence",
    "relative_entropy_terms": "divergence",
    "cross_entropy_terms": "divergence",
    "divergence_summary": "divergence",
    "to_probabilities": "distributions",
    "normalize_entropy": "normalize",
    "normalize_entropy_published": "normalize",
    "entropy_range": "normalize",
    "entropy_grad": "gradients",
    "softmax_jacobian": "gradients",
    "xent_grad": "gradients",
    "kd_grad": "gradients",
    "fd_gradient": "gradients",
    "simulate": "dynamics",
    "renyi_entropy": "generalized",
    "tsallis_entropy": "generalized",
    "total_variation": "measures",
    "hellinger": "measures",
    "bhattacharyya_coefficient": "measures",
    "bhattacharyya_distance": "measures",
    "chi2_pearson": "measures",
    "chi2_neyman": "measures",
    "renyi_divergence": "measures",
    "estimate_entropy": "estimators",
    "binary_cross_entropy": "losses",
    "parse_base": "units",
    "unit_name": "units",
    "DEFAULT_TOL": "tolerances",
    "DomainError": "errors",
}

__all__ = sorted(EXPORTS)


def __getattr__(name: str) -> object:
    module = EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'entcli.core' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"entcli.core.{module}"), name)


def __dir__() -> list[str]:
    return __all__
