"""Gradient descent (or ascent) on logits, step by step: entropy minimisation and its relatives.

Update z ← z − η ∇f(z) for descent (z ← z + η ∇f(z) with ``maximize``), where f is the entropy H(σ(z)),
the cross-entropy H(y, σ(z)) with a target y, or the distillation loss H(σ(v/T), σ(z/T)) with teacher
logits v. For the entropy, descent is entropy minimisation: z ← z + η p ⊙ (log p + H), which grows the
dominant class and drives H toward 0 (Grandvalet & Bengio 2004); ascent flattens p toward uniform.
Every row of z is simulated side by side (vectorised over rows).
"""

from __future__ import annotations

from collections.abc import Iterator
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
#: The first piece of a history yielded in pieces has at most this many steps (see :func:`simulate_pieces`).
FIRST_PIECE = 64


@dataclass
class History:
    """A simulation's history: arrays indexed [step, row, ...] for steps 0 (the start) .. last.

    ``last[r]`` is the final step of row r (rows stopped by ``until`` end early; later entries repeat it).
    ``objective`` is f(z) at each step, ``grad_norm`` |∇f(z)|₂; ``p``, ``max_p`` and ``entropy`` (in nats) are of
    the model's own distribution σ(z), at T = 1, for every objective (for ``kd`` only the loss is at T).
    A piece of a history (:func:`simulate_pieces`) starts at step ``first``; there ``last[r]`` is the step row r
    stopped at if it has, else the run's final step so far (``steps``).
    """

    z: Array
    p: Array
    entropy: Array
    objective: Array
    max_p: Array
    grad_norm: Array
    last: NDArray[np.intp]
    first: int = 0

    @property
    def steps(self) -> NDArray[np.intp]:
        """The step number of each entry."""
        return np.arange(self.first, self.first + len(self.z))


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
    if isinstance(objective, str):
        objective = Objective(
            objective, None if target is None else np.asarray(target, dtype=np.float64),
            None if teacher is None else np.asarray(teacher, dtype=np.float64), temperature)
    pieces = list(simulate_pieces(z0, lr, steps, objective, maximize=maximize, until=until))
    total = sum(len(piece.z) for piece in pieces)

    def joined(name: str) -> Array:
        return np.concatenate([getattr(piece, name) for piece in pieces])

    return History(z=joined("z"), p=joined("p"), entropy=joined("entropy"), objective=joined("objective"),
                   max_p=joined("max_p"), grad_norm=joined("grad_norm"),
                   last=np.minimum(pieces[-1].last, total - 1))


def simulate_pieces(z0: ArrayLike, lr: float, steps: int, objective: Objective, *, maximize: bool = False,
                    until: float | None = None, piece_steps: int | None = None) -> Iterator[History]:
    """:func:`simulate` with an ``objective`` bound already, its history yielded in pieces of at most
    ``piece_steps`` steps (default: all), so that a run of any number of steps needs memory for one piece only.
    Pieces follow each other (``first``); the last piece's ``last`` is the whole run's. With ``piece_steps``, the
    first piece has at most :data:`FIRST_PIECE` steps and each next one twice as many, up to ``piece_steps``: the
    first results of a long run come at once."""
    z = np.atleast_2d(np.asarray(z0, dtype=np.float64)).copy()
    if lr < 0 or not np.isfinite(lr):
        raise DomainError(f"learning rate must be finite and >= 0, got {lr}")
    if steps < 0:
        raise DomainError(f"steps must be >= 0, got {steps}")
    if piece_steps is not None and piece_steps < 1:
        raise DomainError(f"piece_steps must be >= 1, got {piece_steps}")
    size = min(piece_steps, FIRST_PIECE) if piece_steps else steps + 1
    sign = 1.0 if maximize else -1.0
    n = z.shape[0]
    active = np.ones(n, dtype=bool)
    last = np.full(n, steps, dtype=np.intp)
    first = 0
    zs: list[Array] = []
    ps: list[Array] = []
    hs: list[Array] = []
    fs: list[Array] = []
    gs: list[Array] = []

    def piece() -> History:
        p = np.array(ps)
        return History(z=np.array(zs), p=p, entropy=np.array(hs), objective=np.array(fs), max_p=p.max(axis=-1),
                       grad_norm=np.array(gs), last=last.copy(), first=first)

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
        if len(zs) == size:
            yield piece()
            first = step + 1
            zs, ps, hs, fs, gs = [], [], [], [], []
            size = min(2 * size, piece_steps or size)
        z = np.where(active[:, None], z + sign * lr * g, z)
    yield piece()
