"""Side inputs of the gradient commands: ``--target`` and ``--teacher`` read once, paired with each block of logits
by row, and bound into a :class:`~entcli.core.objectives.Objective` (which holds every formula)."""

from __future__ import annotations

from dataclasses import dataclass

from entcli.cli import engine
from entcli.cli.options import Files
from entcli.core.errors import DomainError
from entcli.core.objectives import Objective, as_target, check_teacher
from entcli.errors import InputError
from entcli.io.blocks import Block


@dataclass(frozen=True)
class SideInputs:
    """An objective's name, its side rows as read (one row, or one per input row), T and the T² flag."""

    name: str
    target_rows: engine.Array | None
    teacher_rows: engine.Array | None
    temperature: float
    t2: bool

    def bind(self, block: Block, k: int) -> Objective:
        """The objective for ``block``'s rows (K logits each), with their targets or teacher rows checked."""
        target = teacher = None
        try:
            if self.target_rows is not None:
                target = as_target(engine.rows_for(self.target_rows, block, "--target"), k)
            if self.teacher_rows is not None:
                teacher = check_teacher(engine.rows_for(self.teacher_rows, block, "--teacher"), k)
        except DomainError as e:
            label = "--target" if self.target_rows is not None else "--teacher"
            where = f": {block.where(e.row)}" if e.row is not None and len(block.values) > 1 else ""
            raise InputError(f"{label}{where}: {e.message}",
                             "a class index (0-based) or a distribution per row" if label == "--target"
                             else "the teacher's logits, one row or one per input row") from None
        return Objective(self.name, target, teacher, self.temperature, self.t2)


def side_inputs(of: str, target: str | None, teacher: str | None, files: Files, input_path: str | None,
                temperature: float, t2: bool) -> SideInputs:
    """Check which side inputs objective ``of`` needs, and read them."""
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
    engine.one_stdin(input_path, target, teacher)
    return SideInputs(
        of,
        engine.load_rows(files, target, "--target") if target is not None else None,
        engine.load_rows(files, teacher, "--teacher") if teacher is not None else None,
        temperature,
        t2,
    )
