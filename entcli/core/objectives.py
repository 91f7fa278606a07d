"""The objectives that ``grad`` and ``simulate`` differentiate with respect to logits z, in nats.

- ``entropy``: f(z) = H(σ(z)), ∇f = −p ⊙ (log p + H);
- ``xent``: f(z) = H(y, σ(z)) for a target distribution y (one-hot from a class index), ∇f = σ(z) − y;
- ``kd``: f(z) = H(σ(v/T), σ(z/T)) for teacher logits v at temperature T, ∇f = (1/T)(σ(z/T) − σ(v/T)),
  both times T² with ``t2`` (as distillation losses scale them).

:func:`as_target` and :func:`check_teacher` turn the rows a user gives into those arguments, raising
:class:`~entcli.core.errors.DomainError` for rows that cannot be one.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.distributions import bad_rows, describe_problem
from entcli.core.errors import DomainError
from entcli.core.gradients import entropy_grad, entropy_of_logits, kd_grad, xent_grad
from entcli.core.logits import log_softmax
from entcli.core.losses import number_text, one_hot
from entcli.core.vocabulary import OBJECTIVES

Array = NDArray[np.float64]

@dataclass(frozen=True)
class Objective:
    """One objective f(z), bound to its target rows y (``xent``) or teacher logits v (``kd``), rows broadcasting."""

    name: str = "entropy"
    target: Array | None = None
    teacher: Array | None = None
    temperature: float = 1.0
    t2: bool = False

    def __post_init__(self) -> None:
        if self.name not in OBJECTIVES:
            raise DomainError(f"unknown objective {self.name!r}; choose one of {', '.join(OBJECTIVES)}")
        if self.name == "xent" and self.target is None:
            raise DomainError("the cross-entropy objective needs a target distribution")
        if self.name == "kd" and self.teacher is None:
            raise DomainError("the distillation objective needs teacher logits")
        if not (self.temperature > 0 and np.isfinite(self.temperature)):
            raise DomainError(f"temperature must be finite and > 0, got {self.temperature!r}")

    def value_and_grad(self, z: ArrayLike) -> tuple[Array, Array, Array]:
        """(p, f(z), ∇f(z)) per row, in nats; p = σ(z/T) for ``kd``, σ(z) otherwise."""
        if self.name == "xent":
            assert self.target is not None
            return xent_grad(z, self.target)
        if self.name == "kd":
            assert self.teacher is not None
            return kd_grad(z, self.teacher, self.temperature, self.t2)
        return entropy_grad(z)

    def value(self, z: ArrayLike) -> Array:
        """f(z) per row, in nats (what finite differences of the gradient are taken of)."""
        if self.name == "xent":
            y = self.target
            assert y is not None
            with np.errstate(invalid="ignore"):
                return -np.sum(np.where(y > 0, y * log_softmax(z), 0.0), axis=-1)
        if self.name == "kd":
            return self.value_and_grad(z)[1]
        return entropy_of_logits(z)


    def of_rows(self, rows: slice, times: int = 1) -> Objective:
        """The same objective for the logits' rows ``rows``, each repeated ``times`` in a row (as finite differences
        evaluate them: perturbed copies of every row, a piece at a time); a single target or teacher row still
        broadcasts."""
        def pick(values: Array | None) -> Array | None:
            return values if values is None or len(values) == 1 else np.repeat(values[rows], times, axis=0)

        return replace(self, target=pick(self.target), teacher=pick(self.teacher))


def as_target(rows: ArrayLike, k: int) -> Array:
    """Targets for K classes: one column of class indices becomes one-hot rows; K columns must be distributions."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    if rows.shape[-1] == 1 and k != 1:
        labels = rows[:, 0]
        bad = ~((labels >= 0) & (labels < k) & (labels == np.floor(labels)))
        if bad.any():
            i = int(np.argmax(bad))
            raise DomainError(f"label {number_text(labels[i])} is not a class index in 0 .. {k - 1}", row=i)
        return one_hot(labels, k)
    if rows.shape[-1] != k:
        raise DomainError(f"the target has {rows.shape[-1]} values per row but the logits have {k}")
    bad = bad_rows(rows, "probs")
    if bad.any():
        i = int(np.argmax(bad))
        raise DomainError(f"the target is not a distribution: {describe_problem(rows[i], 'probs').message}", row=i)
    return rows


def check_teacher(rows: ArrayLike, k: int) -> Array:
    """Teacher logits for K classes: finite or −inf, at least one finite per row."""
    rows = np.atleast_2d(np.asarray(rows, dtype=np.float64))
    if rows.shape[-1] != k:
        raise DomainError(f"the teacher has {rows.shape[-1]} logits per row but the student has {k}")
    bad = bad_rows(rows, "logits")
    if bad.any():
        i = int(np.argmax(bad))
        raise DomainError(f"teacher logits must be finite or -inf: {describe_problem(rows[i], 'logits').message}",
                          row=i)
    return rows
