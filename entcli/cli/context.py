"""The run's context (CLI layer): what a distributed run or a library call changes about where results go.

Context variables only, so that an ordinary run (a one-liner) reads them without importing the distributed
engine (:mod:`entcli.cli.distributed`, which defines the plan and the collectors they hold).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from entcli.cli.distributed import Collector, Plan

#: The plan of the distributed run being set up in this process (the client), if any.
PLAN: ContextVar[Plan | None] = ContextVar("entcli_plan", default=None)
#: The collector of this run's results (a task's partition, a library call), if any.
COLLECTOR: ContextVar[Collector | None] = ContextVar("entcli_collector", default=None)
#: The command line of the run (what a task runs again).
ARGV: ContextVar[list[str] | None] = ContextVar("entcli_argv", default=None)


def current_plan() -> Plan | None:
    """The distributed run this process is the client of, if any."""
    return PLAN.get()


def current_collector() -> Collector | None:
    """Where this run's results go instead of its output, if anywhere."""
    return COLLECTOR.get()


def in_partition() -> bool:
    """Whether this run is a task of a distributed run (one partition of its datasets)."""
    collector = COLLECTOR.get()
    return collector is not None and collector.partition

