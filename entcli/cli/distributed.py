"""``--engine dask``: one command over the partitions of a dataset, a task per partition on a Dask cluster.

No formula and no command is written twice. The command runs here as it always does, except that each dataset
it opens is registered in the run's :class:`Plan` and opens as a source with no rows (its names and keys
only). :func:`entcli.cli.engine.emit` then asks the plan for its results: one task per partition, each of them
:func:`run_partition` on a worker, which runs the **same command line** with the dataset reading only its
partition and with ``emit`` collecting the result columns instead of writing them (:class:`Partition`).
This process writes the results in input order through its own writer and tallies them in its own
:class:`~entcli.cli.engine.Run` (row numbers through the dataset, ``--max``/``--min``, non-finite results);
each task's skipped rows, failures and batch totals (``xent --reduction``) are merged in partition order and
its messages are repeated. A task's error is raised here after the rows before it are written, as in one
process. At most ``2 × workers`` partitions are in flight, so memory is bounded by the window, not the dataset.

Inputs that are not datasets (a reference row ``-q 0.5,0.5``, class weights) are read whole by every task; one
paired row by row with the dataset must be a dataset partitioned like it (checked in the task).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import itertools
import os
import sys
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from entcli.cli.context import ARGV, COLLECTOR, PLAN, in_partition
from entcli.errors import EntcliError, InputError, MissingExtraError, Stop

if TYPE_CHECKING:
    from entcli.cli.engine import RowTally, Run
    from entcli.io.blocks import Block, Source
    from entcli.io.numbers import Columns

#: Partitions in flight per worker (submitted, not yet written).
WINDOW_PER_WORKER = 2
#: Seconds to wait for a scheduler given by address.
CONNECT_TIMEOUT = 10


class Later:
    """Result columns that can only be made once every partition is merged (a batch reduction's row)."""

    def __init__(self, make: Callable[[], Columns]) -> None:
        self.make = make

    def __call__(self) -> Columns:
        return self.make()


@dataclass
class Dataset:
    """A dataset input of a distributed run: its path as given, its partitions, the first one's names and keys."""

    path: str
    parts: list[str]
    names: list[str] | None
    keys: list[str]


@dataclass
class PartResult:
    """What a task sends back: the result blocks of its partition (rows without their input numbers), the rows
    of each dataset as read, its tallies, its stderr, and the error that stopped it (message, hint, exit code)."""

    blocks: list[tuple[Columns, Block]]
    rows: dict[str, int]
    skipped: int
    failed: dict[str, RowTally]
    totals: Any
    stderr: str
    code: int
    error: tuple[str, str | None, int] | None = None
    #: what the command kept for its client (simulate: the first row's history, for the charts and --plot)
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass
class Collector:
    """A run whose results are collected instead of written (``emit`` hands them over): the result blocks with
    their rows (not the input numbers), the run for its tallies, and the error that stopped it. ``format``: the
    output format the results are for (a command computes the fields it prints)."""

    format: str
    blocks: list[tuple[Columns, Block]] = field(default_factory=list)
    run: Run | None = None
    error: tuple[str, str | None, int] | None = None
    #: keep a batch reduction's one row (a library call); a partition's task leaves it to its client
    batch_row: bool = True
    #: what the command kept for its client (:func:`entcli.cli.engine.gathered`)
    extras: dict[str, Any] = field(default_factory=dict)
    #: whether this is a task's partition of a distributed run (:func:`entcli.cli.context.in_partition`)
    partition: bool = False

    def collect(self, run: Run, results: Iterator[tuple[Columns, Block]]) -> int:
        """``emit`` of a collected run: keep every block's result columns; an error is kept, not raised."""
        import numpy as np

        from entcli.cli.engine import is_batch_row
        from entcli.core.errors import DomainError

        self.run = run
        try:
            for columns, block in results:
                if self.batch_row or not is_batch_row(block):
                    lite = dataclasses.replace(block, values=np.empty((len(block.values), 0)), line_of=None)
                    self.blocks.append((columns, lite))
        except EntcliError as e:
            self.error = (e.message, e.hint, int(e.exit_code))
        except DomainError as e:
            self.error = (e.message, None, 2)
        run.flush()
        return 0

    def open(self, path: str, open_part: Callable[[str], Source]) -> Source:
        """The input at ``path``, opened by ``open_part``."""
        return open_part(path)


@dataclass
class Partition(Collector):
    """The partition a task runs (in the worker's process): ``index`` of each dataset."""

    index: int = 0
    datasets: dict[str, Dataset] = field(default_factory=dict)
    rows: dict[str, list[int]] = field(default_factory=dict)
    batch_row: bool = False
    partition: bool = True

    def open(self, path: str, open_part: Callable[[str], Source]) -> Source:
        """The partition of the dataset ``path`` this task reads, or the whole file ``path`` when it is not one of
        the datasets (:meth:`whole`)."""
        from entcli.io.dataset import dataset_source

        data = self.datasets.get(path)
        if data is None:
            return self.whole(path, open_part(path))
        counts = self.rows.setdefault(path, [])
        return dataset_source(path, [data.parts[self.index]], open_part, expected=(data.names, data.keys),
                              counts=counts)

    def whole(self, path: str, source: Source) -> Source:
        """A file that is not one of the datasets, read whole by the task: one row (a reference, weights), since
        more rows would be paired by position with the partition's."""
        from entcli.io.blocks import Source, iter_blocks

        inner = iter_blocks(Source(source.name, source.blocks))

        def blocks() -> Iterator[Block]:
            rows = 0
            for block in inner:
                rows += len(block.values)
                if rows > 1:
                    raise InputError(f"{path}: more than one row, read whole by every task of --engine dask",
                                     "an input paired row by row with a dataset must be a dataset partitioned "
                                     "like it (or one row, used for every row)")
                yield block

        source.blocks = blocks()
        return source


@dataclass
class Plan:
    """A distributed run in the making: the scheduler to use and the datasets its command opened."""

    scheduler: str | None
    fast_reader: bool
    argv: list[str]
    datasets: dict[str, Dataset] = field(default_factory=dict)
    #: what the tasks kept for this process, the first partition's of each (in partition order)
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str | None:
        """The scheduler's address: --scheduler, else DASK_SCHEDULER_ADDRESS; None for a local cluster."""
        return self.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None

    def open(self, path: str, open_part: Callable[[str], Source]) -> Source | None:
        """The input ``path`` as this process sees it in a distributed run: a dataset is registered and opens as
        a source with no rows (its first partition's names and keys: the tasks read it); None for any other input
        (read here as always). stdin cannot be sent to the tasks: an error."""
        from entcli.io.dataset import dataset_parts, empty_like, first_rows, no_rows

        if path == "-":
            raise InputError("--engine dask reads datasets, not stdin", "give -i DIR, a glob or a URL")
        parts = dataset_parts(path)
        if parts is None:
            return None
        found = first_rows(parts, open_part)
        if found is None:
            raise no_rows(path, parts)
        first = found[1]
        for other in self.datasets.values():  # partition k of each dataset go together
            if len(other.parts) != len(parts):
                raise InputError(f"--engine dask: {path} has {len(parts)} partition(s), {other.path} "
                                 f"{len(other.parts)}", "datasets paired row by row are partitioned alike")
        self.datasets[path] = Dataset(path, parts, first.names, list(first.keys))
        source = empty_like(first, name=path)
        source.notes.insert(0, f"dataset: {len(parts)} partition(s), from {parts[0]} to {parts[-1]}; --engine dask: "
                               f"a task each on {self.address or 'a local cluster'}, results written here in order")
        return source

    def prime(self, run: Run, local: Iterator[tuple[Columns, Block]]) -> Iterator[tuple[Columns, Block]]:
        """The results to write: ``local`` (the command run here) is started, which opens its inputs (a command
        may open them lazily); with no dataset among them it is the whole run, else the partitions' tasks run."""
        first = next(local, None)
        started = itertools.chain([first] if first is not None else [], local)
        return self.results(run, started) if self.datasets else started

    def results(self, run: Run, local: Iterator[tuple[Columns, Block]]) -> Iterator[tuple[Columns, Block]]:
        """The results of every partition, in order, tallied into ``run``; then ``local``'s (this process's
        run of the command over no rows: the batch row of a reduction, from the merged totals)."""
        import numpy as np

        from entcli.io.arrow import available

        available()  # loads pyarrow where installed: the results are formatted by Arrow, as the local engine's are
        owner = {part: path for path, data in self.datasets.items() for part in data.parts}
        base = dict.fromkeys(self.datasets, 0)
        for result in self.outcomes(run.output.format):
            main = next((owner[b.origin] for _, b in result.blocks if b.origin in owner), next(iter(self.datasets)))
            for columns, block in result.blocks:
                shift = base[owner[block.origin]] if block.origin in owner else 0
                row = columns.get("row")
                if shift and isinstance(row, np.ndarray):  # a command's own row numbers (simulate)
                    columns = {**columns, "row": row + shift}
                yield columns, dataclasses.replace(block, start=block.start + shift, offset=block.offset + shift)
            _merge(run, result, base[main])
            for path, rows in result.rows.items():
                base[path] += rows
            _stop_at(result)
        for path, rows in base.items():
            if not rows:  # as the local engine's dataset says once its last partition is read
                from entcli.io.dataset import no_rows

                raise no_rows(path, self.datasets[path].parts)
        for columns, block in local:  # a reduction's batch row, now that every partition's totals are in
            yield (columns() if isinstance(columns, Later) else columns), block

    def fold(self, key: str, add: Callable[[Any, Any], Any]) -> Any:
        """What every partition's task kept under ``key`` (:func:`entcli.cli.engine.summed`), added up in partition
        order with ``add``; their messages repeated, a task's error raised."""
        total: Any = None
        for result in self.outcomes("plain"):
            _retell(result)
            _stop_at(result)
            value = result.extras.get(key)
            if value is not None:
                total = value if total is None else add(total, value)
        return total

    def outcomes(self, fmt: str) -> Iterator[PartResult]:
        """Each partition's task result, in partition order, with at most WINDOW_PER_WORKER per worker in flight
        (the tasks of partitions not yet asked for are cancelled when the caller stops)."""
        parts = len(next(iter(self.datasets.values())).parts)
        with self._client() as client:
            workers = max(1, len(client.scheduler_info(n_workers=-1)["workers"]))
            window = WINDOW_PER_WORKER * workers
            pending: deque[Any] = deque()
            submitted = 0
            try:
                for k in range(parts):
                    while submitted < parts and len(pending) < window:
                        pending.append(client.submit(run_partition, self.argv, submitted, self.datasets, fmt,
                                                     self.fast_reader, pure=False))
                        submitted += 1
                    result: PartResult = _result(pending.popleft(), self.datasets, k)
                    for key, value in result.extras.items():
                        self.extras.setdefault(key, value)
                    yield result
            finally:
                for future in pending:
                    future.cancel()

    @contextlib.contextmanager
    def _client(self) -> Iterator[Any]:
        try:
            import distributed as module
        except ImportError:
            raise MissingExtraError("distributed", "dask", "--engine dask") from None
        distributed: Any = module  # untyped calls
        address = self.address
        if address is not None:
            started: list[Any] = []

            class Client(distributed.Client):  # type: ignore[misc]
                def start(self, **kwargs: Any) -> Any:
                    started.append(self)
                    return super().start(**kwargs)

            try:
                _reachable(address)
                client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            except (OSError, TimeoutError, ValueError, MemoryError) as e:
                for failed in started:  # closed now: left to __del__ it waits 20 s and prints a traceback at exit
                    with contextlib.suppress(Exception):
                        failed.close(timeout=1)
                why = "it does not answer as a Dask scheduler" if isinstance(e, MemoryError) else str(e)
                raise InputError(f"--engine dask: cannot reach the scheduler at {address} ({why})",
                                 "check the address (tcp://HOST:8786), or leave out --scheduler and "
                                 "DASK_SCHEDULER_ADDRESS for a local cluster") from None
            with client:
                yield client
            return
        import logging

        with distributed.LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, \
                distributed.Client(cluster, set_as_default=False) as client:
            yield client


def _reachable(address: str) -> None:
    """Connect to a tcp:// scheduler address once (OSError, or ValueError for an address that is not one); other
    protocols are left to distributed."""
    import socket

    from distributed.comm.addressing import parse_address

    scheme, location = parse_address(address)
    if scheme != "tcp":
        return
    host, _, port = location.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"{address!r} is not HOST:PORT")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT):
        pass


def _result(future: Any, datasets: dict[str, Dataset], k: int) -> PartResult:
    """The result of partition ``k``'s task; a worker that died is an error naming the partition."""
    from distributed import KilledWorker

    try:
        return future.result()  # type: ignore[no-any-return]
    except KilledWorker:
        parts = ", ".join(d.parts[k] for d in datasets.values())
        raise InputError(f"--engine dask: the workers running partition {parts} died",
                         "a worker may have run out of memory: give the workers more, or split the partition") \
            from None


def error_of(kept: tuple[str, str | None, int]) -> EntcliError:
    """The error a collected run kept (message, hint, exit code), to raise again."""
    from entcli.errors import ExitCode

    message, hint, code = kept
    error = EntcliError(message, hint)
    error.exit_code = ExitCode(code)
    return error


def _stop_at(result: PartResult) -> None:
    """Raise the error that stopped a task (its messages are out already), as this process would have."""
    if result.error is not None:
        raise error_of(result.error)
    if result.code not in (0, 1):
        raise Stop(result.code)


def _retell(result: PartResult) -> None:
    """Repeat a task's messages on this process's stderr."""
    if result.stderr:
        sys.stderr.write(result.stderr)
        sys.stderr.flush()


@contextlib.contextmanager
def here() -> Iterator[None]:
    """Inputs opened in this block are read whole, here (and in every task): a baseline that every partition is
    compared with."""
    plan, collector = PLAN.set(None), COLLECTOR.set(None)
    try:
        yield
    finally:
        PLAN.reset(plan)
        COLLECTOR.reset(collector)


def _merge(run: Run, result: PartResult, shift: int) -> None:
    """Add a task's tallies to the client's run: its messages, skipped rows, failures (row numbers moved by the
    rows of the partitions before it) and batch totals."""
    import numpy as np

    from entcli.cli.engine import RowTally

    _retell(result)
    run.skipped += result.skipped
    for what, tally in result.failed.items():
        mine = run.failed.setdefault(what, RowTally())
        mine.add(np.asarray(tally.rows, dtype=np.intp) + shift)
        mine.count += tally.count - len(tally.rows)
    if result.totals is not None:
        if run.totals is None:
            run.totals = result.totals
        else:
            run.totals.merge(result.totals)


def run_partition(argv: list[str], index: int, datasets: dict[str, Dataset], fmt: str,
                  fast_reader: bool) -> PartResult:
    """A task: run the command line ``argv`` on partition ``index`` of ``datasets`` and return its results."""
    from entcli.cli.app import run
    from entcli.cli.environment import Environment

    partition = Partition(fmt, index=index, datasets=datasets)
    token = COLLECTOR.set(partition)
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            code = run(argv, Environment(stdin=None, fast_reader=fast_reader))
    finally:
        COLLECTOR.reset(token)
    task = partition.run
    return PartResult(partition.blocks, {path: sum(counts) for path, counts in partition.rows.items()},
                      task.skipped if task else 0, task.failed if task else {}, task.totals if task else None,
                      stderr.getvalue(), code, partition.error, partition.extras)


def plan_for(scheduler: str | None, fast_reader: bool) -> None:
    """Start the plan of a distributed run in this process (``--engine dask``), unless one is under way or this
    process is a task."""
    if COLLECTOR.get() is not None or PLAN.get() is not None:
        return
    PLAN.set(Plan(scheduler, fast_reader, list(ARGV.get() or [])))


def refuse(what: str) -> None:
    """An InputError when a distributed run (or one of its tasks) reaches ``what``, which needs every row in one
    process."""
    if PLAN.get() is not None or in_partition():
        raise InputError(f"--engine dask does not run {what}: it needs every row in one process",
                         "drop --engine dask (it runs here, streaming)")
