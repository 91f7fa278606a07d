"""Side inputs of the gradient commands: ``--target`` and ``--teacher`` read once, paired with each block of logits
by row, and bound into a :class:`~entcli.core.objectives.Objective` (which holds every formula)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from entcli.cli import engine
from entcli.cli.options import Files
from entcli.core.errors import DomainError
from entcli.core.objectives import Objective, as_target, check_teacher
from entcli.errors import InputError
from entcli.io.blocks import Block
from entcli.io.readers import looks_named, looks_numeric
from entcli.io.roles import class_indices


@dataclass(frozen=True)
class SideInputs:
    """An objective's name, its side rows as read (one row, or one per input row) with the outcome names they
    carry, T and the T² flag; or the labels by outcome name (``--target cat``) or by column (--target-column)."""

    name: str
    target_rows: engine.Array | None
    teacher_rows: engine.Array | None
    temperature: float
    t2: bool
    target_names: list[str] | None = None
    teacher_names: list[str] | None = None
    label_tokens: tuple[str, ...] | None = None
    target_column: str | None = None
    fill: bool = False

    def bind(self, block: Block, k: int, names: list[str] | None = None) -> Objective:
        """The objective for ``block``'s rows (K logits each, outcomes ``names``), its targets or teacher checked."""
        target = teacher = None
        try:
            if self.target_column is not None:
                if not block.fields or self.target_column not in block.fields:
                    raise InputError(f"--target-column {self.target_column}: the input has no such column",
                                     "give the logits as a file (or stdin) with a header that names it")
                labels = class_indices(block.fields[self.target_column], names)
                target = as_target(labels[:, None], k)
            elif self.label_tokens is not None:
                if not names or not all(t in names for t in self.label_tokens):
                    raise InputError(f"--target {','.join(self.label_tokens)}: not a file, a number or an outcome "
                                     "name of the input", "give a class index, a distribution, a file, or a name "
                                     "from the input's header")
                target = as_target(np.array([[names.index(t)] for t in self.label_tokens], dtype=float), k)
            elif self.target_rows is not None:
                rows = engine.by_name_rows(self.target_rows, self.target_names, names, "--target", self.fill)
                target = as_target(engine.rows_for(rows, block, "--target"), k)
            if self.teacher_rows is not None:
                rows = engine.by_name_rows(self.teacher_rows, self.teacher_names, names, "--teacher", self.fill,
                                           -np.inf)
                teacher = check_teacher(engine.rows_for(rows, block, "--teacher"), k)
        except DomainError as e:
            label = "--teacher" if self.teacher_rows is not None else \
                f"--target-column {self.target_column}" if self.target_column else "--target"
            where = f": {block.where(e.row)}" if e.row is not None and len(block.values) > 1 else ""
            raise InputError(f"{label}{where}: {e.message}",
                             "the teacher's logits, one row or one per input row" if label == "--teacher"
                             else "a class index (0-based), an outcome name or a distribution per row") from None
        return Objective(self.name, target, teacher, self.temperature, self.t2)


def side_inputs(of: str, target: str | None, teacher: str | None, files: Files, input_path: str | None,
                temperature: float, t2: bool, target_column: str | None = None, option: str = "--of"
                ) -> SideInputs:
    """Check which side inputs objective ``of`` needs, and read them; ``option`` is how the command names the
    objective in its messages (``--of`` in grad, ``--objective`` in simulate)."""
    if target is not None and target_column is not None:
        raise InputError("give --target or --target-column, not both")
    if of == "xent" and target is None and target_column is None:
        raise InputError(f"{option} xent needs --target", "a class index (e.g. --target 0), a distribution, or "
                         "--target-column NAME")
    if of == "kd" and teacher is None:
        raise InputError(f"{option} kd needs --teacher", "the teacher's logits, e.g. --teacher 2,1,0")
    if (target is not None or target_column is not None) and of != "xent":
        raise InputError(f"--target applies to {option} xent")
    if teacher is not None and of != "kd":
        raise InputError(f"--teacher applies to {option} kd")
    if t2 and of != "kd":
        raise InputError("--t2 applies to --of kd")
    engine.one_stdin(input_path, target, teacher)
    tokens = None
    target_rows = target_names = None
    if target is not None:
        words = tuple(t for t in target.replace(",", " ").split() if t)
        if target != "-" and words and not looks_numeric(target) and not looks_named(target) \
                and not os.path.exists(target):
            tokens = words  # outcome names, mapped through the input's header when the rows arrive
        else:
            target_rows, target_names = engine.load_side(files, target, "--target")
    teacher_rows, teacher_names = engine.load_side(files, teacher, "--teacher") if teacher is not None else (None, None)
    return SideInputs(of, target_rows, teacher_rows, temperature, t2, target_names, teacher_names, tokens,
                      target_column, files.roles.fill)
