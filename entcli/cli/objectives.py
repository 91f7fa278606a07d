"""The objective a gradient command differentiates: entropy, cross-entropy with a target, distillation with a
teacher. Side inputs (--target, --teacher) are read once and paired with each block of logits by row."""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
from numpy.typing import NDArray

from entcli.cli import pairs
from entcli.core.distributions import bad_rows, describe_problem
from entcli.core.gradients import entropy_grad, entropy_of_logits, kd_grad, xent_grad
from entcli.core.logits import log_softmax
from entcli.core.losses import one_hot
from entcli.errors import InputError
from entcli.io.readers import Block

Array = NDArray[np.float64]


@dataclass
class Bound:
    """An objective for one block: f(z) per row and (p, f, ∇f), in nats."""

    name: str
    target: Array | None = None
    teacher: Array | None = None
    temperature: float = 1.0
    t2: bool = False

    def value_and_grad(self, z: Array) -> tuple[Array, Array, Array]:
        if self.name == "xent":
            return xent_grad(z, self.target)  # type: ignore[arg-type]
        if self.name == "kd":
            return kd_grad(z, self.teacher, self.temperature, self.t2)  # type: ignore[arg-type]
        return entropy_grad(z)

    def value(self, z: Array) -> Array:
        if self.name == "xent":
            with np.errstate(invalid="ignore"):
                return -np.sum(np.where(self.target > 0, self.target * log_softmax(z), 0.0), axis=-1)  # type: ignore
        if self.name == "kd":
            return kd_grad(z, self.teacher, self.temperature, self.t2)[1]
        return entropy_of_logits(z)


@dataclass
class Objective:
    name: str
    target_rows: Array | None
    teacher_rows: Array | None
    temperature: float
    t2: bool

    def bind(self, block: Block, k: int) -> Bound:
        """The objective for ``block``'s rows (K outcomes), with its targets or teacher rows checked."""
        target = teacher = None
        if self.target_rows is not None:
            rows = pairs.rows_for(self.target_rows, block, "--target")
            target = _as_target(rows, k, block)
        if self.teacher_rows is not None:
            teacher = pairs.rows_for(self.teacher_rows, block, "--teacher")
            if teacher.shape[-1] != k:
                raise InputError(f"--teacher has {teacher.shape[-1]} logits per row but the input has {k}")
            if bad_rows(teacher, "logits").any():
                raise InputError("--teacher: logits must be finite or -inf")
        return Bound(self.name, target, teacher, self.temperature, self.t2)


def _as_target(rows: Array, k: int, block: Block) -> Array:
    """Class indices (one column) become one-hot rows; K columns are checked as distributions."""
    if rows.shape[-1] == 1 and k != 1:
        labels = rows[:, 0]
        bad = ~((labels >= 0) & (labels < k) & (labels == np.floor(labels)))
        if bad.any():
            raise InputError(f"--target: label {labels[int(np.argmax(bad))]!r} is not a class index in 0 .. {k - 1}",
                             "labels are 0-based class indices")
        return one_hot(labels, k)
    if rows.shape[-1] != k:
        raise InputError(f"--target has {rows.shape[-1]} values per row but the input has {k} outcomes",
                         "give a class index or a distribution over the same outcomes")
    bad = bad_rows(rows, "probs")
    if bad.any():
        problem = describe_problem(rows[int(np.argmax(bad))], "probs")
        raise InputError(f"--target: {problem.message}", problem.hint)
    return rows


def objective_for(of: str, target: str | None, teacher: str | None, opts: SimpleNamespace, t2: bool) -> Objective:
    """Check which side inputs ``of`` needs, and read them."""
    if of == "xent" and target is None:
        raise InputError("--of xent needs --target", "a class index (e.g. --target 0) or a distribution")
    if of == "kd" and teacher is None:
        raise InputError("--of kd needs --teacher", "the teacher's logits, e.g. --teacher 2,1,0")
    if target is not None and of != "xent":
        raise InputError("--target applies to --of xent (or --objective xent)")
    if teacher is not None and of != "kd":
        raise InputError("--teacher applies to --of kd (or --objective kd)")
    if t2 and of != "kd":
        raise InputError("--t2 applies to --of kd")
    pairs.one_stdin(getattr(opts, "input", None), target, teacher)
    return Objective(
        of,
        pairs.load_rows(target, "--target", opts) if target is not None else None,
        pairs.load_rows(teacher, "--teacher", opts) if teacher is not None else None,
        opts.temperature,
        t2,
    )
