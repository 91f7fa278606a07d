"""Gradient descent (or ascent) on logits, step by step: entropy minimisation and its relatives.

Update z ← z − η ∇f(z) for descent (z ← z + η ∇f(z) with ``maximize``), where f is the entropy H(σ(z)),
the cross-entropy H(y, σ(z)) with a target y, or the distillation loss H(σ(v/T), σ(z/T)) with teacher
logits v. For the entropy, descent is entropy minimisation: z ← z + η p ⊙ (log p + H), which grows the
dominant class and drives H toward 0 (Grandvalet & Bengio 2004); ascent flattens p toward uniform.
Every row of z is simulated side by side (vectorised over rows).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from entcli.core.errors import DomainError
from entcli.core.gradients import entropy_of_logits
from entcli.core.logits import softmax
from entcli.core.objectives import Objective

Array = NDArray[np.float64]

#: The reference case of MATH.md: z0 = (1.0, 0.8, 0.5), η = 0.5, 20 steps → p ≈ (0.951, 0.029, 0.019).
REFERENCE_LOGITS = (1.0, 0.8, 0.5)
REFERENCE_LR = 0.5
REFERENCE_STEPS = 20


@dataclass
class History:
    """A simulation's history: arrays indexed [step, row, ...] for steps 0 (the start) .. last.

    ``last[r]`` is the final step of row r (rows stopped by ``until`` end early; later entries repeat it).
    ``objective`` is f(z) at each step, ``grad_norm`` |∇f(z)|₂; ``p``, ``max_p`` and ``entropy`` (in nats) are of
    the model's own distribution σ(z), at T = 1, for every objective (for ``kd`` only the loss is at T).
    """

    z: Array
    p: Array
    entropy: Array
    objective: Array
    max_p: Array
    grad_norm: Array
    last: NDArray[np.intp]


def simulate(
    z0: ArrayLike = REFERENCE_LOGITS,
    lr: float = REFERENCE_LR,
    steps: int = REFERENCE_STEPS,
    *,
    objective: str | Objective = "entropy",
    maximize: bool = False,
    target: ArrayLike | None = None,
    teacher: ArrayLike | None = None,
    temperature: float = 1.0,
    until: float | None = None,
) -> History:
    """Run ``steps`` updates z ← z ∓ η ∇f(z) from logits ``z0`` (rows side by side) and return the history.

    ``objective`` is a name of :data:`~entcli.core.objectives.OBJECTIVES` (with ``target``, ``teacher`` and
    ``temperature``) or an :class:`~entcli.core.objectives.Objective` already bound to them.
    With ``until`` (nats), a row stops at the first step whose entropy has crossed it (≤ for descent,
    ≥ for ascent); the run ends when every row has stopped or after ``steps``.
    """
    z = np.atleast_2d(np.asarray(z0, dtype=np.float64)).copy()
    if lr < 0 or not np.isfinite(lr):
        raise DomainError(f"learning rate must be finite and >= 0, got {lr}")
    if steps < 0:
        raise DomainError(f"steps must be >= 0, got {steps}")
    if isinstance(objective, str):
        objective = Objective(
            objective, None if target is None else np.asarray(target, dtype=np.float64),
            None if teacher is None else np.asarray(teacher, dtype=np.float64), temperature)
    sign = 1.0 if maximize else -1.0
    n = z.shape[0]
    zs, ps, hs, fs, gs = [], [], [], [], []
    active = np.ones(n, dtype=bool)
    last = np.full(n, steps, dtype=np.intp)
    for step in range(steps + 1):
        p, f, g = objective.value_and_grad(z)
        if objective.name == "kd":
            p = softmax(z)  # the student's distribution at T = 1, the one whose entropy is reported
        h = entropy_of_logits(z) if objective.name != "entropy" else f
        zs.append(z.copy())
        ps.append(p)
        hs.append(h)
        fs.append(f)
        gs.append(np.sqrt(np.sum(g * g, axis=-1)))
        if until is not None:
            crossed = active & ((h >= until) if maximize else (h <= until))
            last[crossed] = step
            active &= ~crossed
            if not active.any():
                break
        if step == steps:
            break
        z = np.where(active[:, None], z + sign * lr * g, z)
    return History(
        z=np.array(zs), p=np.array(ps), entropy=np.array(hs), objective=np.array(fs),
        max_p=np.array(ps).max(axis=-1), grad_norm=np.array(gs), last=np.minimum(last, len(zs) - 1),
    )
