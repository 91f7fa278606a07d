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
    "parse_base": "units",
    "unit_name": "units",
    "DEFAULT_TOL": "tolerances",
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
