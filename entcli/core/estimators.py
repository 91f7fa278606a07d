"""Estimators of the Shannon entropy from observed counts y (one row of K bins each; n = Σ y).

All return nats unless a ``base`` is given. The plug-in estimate underestimates H for small samples; the
others correct it in different ways:

- ``plugin`` (maximum likelihood): H(y / n).
- ``miller-madow``: H_ML + (m − 1)/(2n), m = number of bins with y_k > 0.
  Miller, G. (1955). Note on the bias of information estimates. In Information Theory in Psychology, 95–100.
- Dirichlet pseudocounts a (``jeffreys`` a = ½, ``laplace`` a = 1, ``perks`` a = 1/K — also called
  Schürmann–Grassberger —, ``minimax`` a = √n / K, or any a with ``--pseudocount``): the plug-in entropy of
  (y_k + a)/(n + K a). Krichevsky & Trofimov (1981); Schürmann & Grassberger (1996), Chaos 6:414;
  Trybula (1958) for the minimax choice; as collected by Hausser & Strimmer (2009), JMLR 10:1469–1484.
- ``chao-shen``: coverage C = 1 − f1/n (f1 = number of singletons; f1 = n is taken as n − 1),
  p_a = C y/n, H = −Σ p_a ln p_a / (1 − (1 − p_a)^n). Chao, A. & Shen, T.-J. (2003), Environ. Ecol.
  Stat. 10:429–443.
- ``james-stein`` (shrinkage): p = λ/K + (1 − λ) y/n with
  λ = (1 − Σ (y_k/n)²) / ((n − 1) Σ (1/K − y_k/n)²), clipped to [0, 1] (λ = 1 when n ≤ 1 or y/n is uniform).
  Hausser, J. & Strimmer, K. (2009), JMLR 10:1469–1484. The intensity λ is reported.

Each formula follows the R package `entropy` (Hausser & Strimmer), whose documented example the tests use.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.shannon import entropy, xlogx
from entcli.core.units import nats_to
from entcli.core.vocabulary import ESTIMATORS, PSEUDOCOUNT_ESTIMATORS

Array = NDArray[np.float64]



def _counts(y: ArrayLike) -> tuple[Array, Array]:
    y = np.atleast_2d(np.asarray(y, dtype=np.float64))
    if not (np.isfinite(y).all() and (y >= 0).all()):
        raise DomainError("counts must be finite and >= 0")
    n = np.sum(y, axis=-1)
    if not (n > 0).all():
        raise DomainError("every row needs a positive total count")
    return y, n


def plugin(y: ArrayLike, base: float = math.e) -> Array:
    """Plug-in (maximum-likelihood) estimate H(y/n)."""
    y, n = _counts(y)
    return entropy(y / n[:, None], base)


def miller_madow(y: ArrayLike, base: float = math.e) -> Array:
    """Miller–Madow: H_ML + (m − 1)/(2n) nats, m = number of nonzero bins."""
    y, n = _counts(y)
    m = np.count_nonzero(y > 0, axis=-1)
    return (entropy(y / n[:, None]) + (m - 1) / (2 * n)) * nats_to(base)


def pseudocount_for(name: str, y: ArrayLike, a: float | None = None) -> Array:
    """The Dirichlet pseudocount per row for ``name`` (``dirichlet`` takes ``a``)."""
    y, n = _counts(y)
    k = y.shape[-1]
    table = {"jeffreys": np.full(len(n), 0.5), "laplace": np.ones(len(n)), "perks": np.full(len(n), 1 / k),
             "minimax": np.sqrt(n) / k}
    if name == "dirichlet":
        if a is None or not (a >= 0 and math.isfinite(a)):
            raise DomainError(f"the Dirichlet pseudocount must be finite and >= 0, got {a}")
        return np.full(len(n), float(a))
    return table[name]


def dirichlet(y: ArrayLike, a: ArrayLike, base: float = math.e) -> Array:
    """Plug-in entropy of the Dirichlet posterior mean (y_k + a)/(n + K a)."""
    y, n = _counts(y)
    a = np.broadcast_to(np.asarray(a, dtype=np.float64), n.shape)
    p = (y + a[:, None]) / (n + y.shape[-1] * a)[:, None]
    return entropy(p, base)


def chao_shen(y: ArrayLike, base: float = math.e) -> Array:
    """Chao–Shen: −Σ p_a ln p_a / (1 − (1 − p_a)^n), p_a = C y/n, C = 1 − f1/n."""
    y, n = _counts(y)
    f1 = np.count_nonzero(y == 1, axis=-1).astype(np.float64)
    f1 = np.where(f1 == n, n - 1, f1)
    coverage = 1 - f1 / n
    pa = coverage[:, None] * y / n[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        la = 1 - (1 - pa) ** n[:, None]
        terms = np.where(y > 0, -xlogx(pa) / np.where(la > 0, la, 1.0), 0.0)
    return np.sum(terms, axis=-1) * nats_to(base)


def shrinkage_intensity(y: ArrayLike) -> Array:
    """James–Stein shrinkage intensity λ toward the uniform target 1/K, clipped to [0, 1]."""
    y, n = _counts(y)
    u = y / n[:, None]
    target = 1 / y.shape[-1]
    msp = np.sum((u - target) ** 2, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = (1 - np.sum(u**2, axis=-1)) / ((n - 1) * msp)
    lam = np.where((n <= 1) | (msp == 0), 1.0, lam)
    return np.clip(lam, 0.0, 1.0)


def james_stein(y: ArrayLike, base: float = math.e) -> tuple[Array, Array]:
    """(H of the shrunk frequencies λ/K + (1 − λ) y/n, λ)."""
    y, n = _counts(y)
    lam = shrinkage_intensity(y)
    p = lam[:, None] / y.shape[-1] + (1 - lam[:, None]) * y / n[:, None]
    return entropy(p, base), lam


def estimate_entropy(
    name: str, y: ArrayLike, base: float = math.e, pseudocount: float | None = None
) -> tuple[Array, Array | None]:
    """(entropy estimate, shrinkage λ or None) by the estimator ``name`` (one of :data:`ESTIMATORS`)."""
    if name == "plugin":
        return plugin(y, base), None
    if name == "miller-madow":
        return miller_madow(y, base), None
    if name in PSEUDOCOUNT_ESTIMATORS:
        return dirichlet(y, pseudocount_for(name, y, pseudocount), base), None
    if name == "chao-shen":
        return chao_shen(y, base), None
    if name == "james-stein":
        return james_stein(y, base)
    raise DomainError(f"unknown estimator {name!r}; choose one of {', '.join(ESTIMATORS)}")


#: Short alias used by the command line.
estimate = estimate_entropy
