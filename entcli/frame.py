"""The library face of entcli: the commands over tables in memory, with the command line's exact semantics.

Each function takes a table — a pyarrow ``Table`` or ``RecordBatch``, a pandas or polars ``DataFrame``, or
anything with the Arrow C stream interface (a DuckDB relation) — and returns the command's result fields as a
table of the same kind (a DuckDB relation comes back as a pyarrow Table), one row per input row, the carried
key columns first, named as the CSV output names them. Options are the command's own, spelt as keywords:
``entropy(df, columns="p_*", keep="id", bits=True)`` is ``entcli entropy --columns 'p_*' --keep id --bits``
(an underscore is a dash; ``True`` gives the flag; ``None`` and ``False`` leave it out).

No formula is written twice: the table is read by the same reader as an Arrow file, and the command runs
through the same engine with its results collected instead of written (:class:`entcli.cli.distributed.Collector`).
So a Dask ``map_partitions``, a Spark ``mapInArrow`` or a DuckDB/Polars user gets what the command line would
print. Bad input raises :class:`entcli.errors.EntcliError` with the command line's message (the row named);
with ``skip_invalid=True`` the bad rows are left out and each is reported as an :class:`EntcliWarning`.

Example::

    import pandas as pd, entcli.frame as ef
    df = pd.DataFrame({"id": ["a", "b"], "x": [0.5, 0.9], "y": [0.5, 0.1]})
    ef.entropy(df, bits=True)          # id, entropy, unit, k, support, max_entropy, normalized, perplexity
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Iterator
from typing import Any

from entcli.errors import EntcliError, ExitCode

__all__ = ["EntcliWarning", "entropy", "grad", "kl", "normalize", "run", "simulate", "softmax", "xent"]

_NAMES = itertools.count()


class EntcliWarning(UserWarning):
    """A row skipped under ``skip_invalid=True``, or another warning of the command."""


def _arrow() -> Any:
    try:
        import pyarrow as pa
    except ImportError:
        from entcli.errors import MissingExtraError

        raise MissingExtraError("pyarrow", "fast", "entcli.frame") from None
    return pa


def _table(data: Any) -> tuple[Any, str]:
    """``data`` as a pyarrow Table, and the kind to give back (arrow, batch, pandas, polars)."""
    pa = _arrow()
    if isinstance(data, pa.Table):
        return data, "arrow"
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data]), "batch"
    module = type(data).__module__.split(".")[0]
    if module == "pandas":
        return pa.Table.from_pandas(data, preserve_index=False), "pandas"
    if module == "polars":
        return data.to_arrow(), "polars"
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return pa.table(data), "arrow"
    raise TypeError(f"entcli.frame takes a pyarrow Table or RecordBatch, a pandas or polars DataFrame, or an "
                    f"Arrow stream, not {type(data).__name__}")


def _give_back(table: Any, kind: str) -> Any:
    if kind == "pandas":
        return table.to_pandas()
    if kind == "polars":
        import polars

        return polars.from_arrow(table)
    if kind == "batch":
        return table.combine_chunks().to_batches()[0] if table.num_rows else \
            _arrow().RecordBatch.from_pylist([], schema=table.schema)
    return table


def _flags(options: dict[str, Any]) -> list[str]:
    """Keyword options as command-line words: ``bits=True`` -> ``--bits``, ``base=2`` -> ``--base 2``."""
    words: list[str] = []
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            words.append(flag)
        elif isinstance(value, (list, tuple)):
            words += [flag, ",".join(map(str, value))]
        else:
            words += [flag, str(value)]
    return words


def _source(value: Any, table: Any, registered: dict[str, str], label: str) -> str:
    """The SRC word of an input: numbers as a comma list, a column name as it is, its ``table`` (``value`` as
    Arrow) registered and named ``label`` in messages."""
    from entcli.io.arrow import TABLE_PREFIX, TABLES

    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
        return ",".join(map(repr, map(float, value)))
    if table is None:
        table, _ = _table(value)  # raises the TypeError for what is neither
    if table.num_rows == 0:
        table = _stand_in(table)
    name = f"{TABLE_PREFIX}{next(_NAMES)}.arrow"  # no key is the start of another
    TABLES[name] = table
    registered[name] = label
    return name


def _stand_in(table: Any) -> Any:
    """One row with the columns of the empty ``table``, to learn the result's columns from: each float column
    1 / (their number) (a uniform distribution, a logit), each integer column 0 (a label), each text ''."""
    pa = _arrow()
    floats = sum(pa.types.is_floating(t) for t in table.schema.types) or 1
    row = [1.0 / floats if pa.types.is_floating(t) else 0 if pa.types.is_integer(t) else "" if
           pa.types.is_string(t) or pa.types.is_large_string(t) else None for t in table.schema.types]
    return pa.Table.from_pylist([dict(zip(table.column_names, row, strict=True))], schema=table.schema)


def run(command: str, data: Any = None, *, sources: dict[str, Any] | None = None, **options: Any) -> Any:
    """Run ``command`` (entropy, softmax, kl, xent, normalize, grad, simulate) with ``data`` as its input
    (``-i``) and ``sources`` as its SRC options (``{"q": table}`` is ``-q``; a list of numbers is one row),
    and return the result fields as a table of ``data``'s kind (else of the first source's)."""
    from entcli.cli.app import run as run_cli
    from entcli.cli.context import COLLECTOR
    from entcli.cli.distributed import Collector
    from entcli.cli.environment import Environment
    from entcli.cli.messages import KEPT
    from entcli.io.arrow import TABLES

    inputs = ([("-i", "data", data)] if data is not None else []) + \
        [("--" + name.replace("_", "-"), name, value) for name, value in (sources or {}).items()]
    # Each table converted to Arrow once (a pandas frame is copied by the conversion).
    tables = {label: _table(value) for _, label, value in inputs if not isinstance(value, (str, list, tuple))}
    empty = any(table.num_rows == 0 for table, _ in tables.values())
    kind = next((kind for _, kind in tables.values()), "arrow")
    registered: dict[str, str] = {}
    argv = [command]
    try:
        for flag, label, value in inputs:
            argv += [flag, _source(value, tables[label][0] if label in tables else None, registered, label)]
        argv += _flags(options)
        collector = Collector("csv")
        messages: list[str] = []
        token, kept = COLLECTOR.set(collector), KEPT.set(messages)
        try:
            code = run_cli(argv, Environment(stdin=None))
        finally:
            COLLECTOR.reset(token)
            KEPT.reset(kept)
    finally:
        for name in registered:
            TABLES.pop(name, None)
    for key, label in registered.items():  # messages name the table as the call does, not by its key
        messages = [m.replace(key, label) for m in messages]
        if collector.error is not None:
            collector.error = (collector.error[0].replace(key, label), *collector.error[1:])
    if empty:  # an empty table: the columns of the result of a stand-in row, and no rows
        if collector.error is not None or not collector.blocks:
            raise EntcliError("the table has no rows, and its columns do not make a row the command takes",
                              "give a table with rows")
        return _give_back(_results(collector).slice(0, 0), kind)
    _raise_for(collector, code, messages)
    return _give_back(_results(collector), kind)


def _raise_for(collector: Any, code: int, messages: list[str]) -> None:
    """Raise the run's error as an EntcliError (its message and hint); warn of the rest."""
    errors = [m[len("error: "):] for m in messages if m.startswith("error: ")]
    hints = [m[len("hint: "):] for m in messages if m.startswith("hint: ")]
    for message in messages:
        if not message.startswith(("error: ", "hint: ")):
            warnings.warn(message, EntcliWarning, stacklevel=3)
    if collector.error is not None:
        from entcli.cli.distributed import error_of

        raise error_of(collector.error)
    if code not in (ExitCode.OK, ExitCode.CHECK_FAILED) or errors:
        raise EntcliError(errors[0] if errors else f"the command ended with exit code {code}",
                          hints[0] if hints else None)


def _results(collector: Any) -> Any:
    """The collected result blocks as one Arrow table: keys first, fields as CSV names them."""
    pa = _arrow()
    from entcli.io.render import flat_header

    run = collector.run
    batches = []
    for columns, block in collector.blocks:
        carried = run.carried(columns, block) if run is not None else columns
        n = len(block.values)
        names: list[str] = []
        arrays: list[Any] = []
        for name, column in carried.items():
            for label, values in _split(name, column, n, run.names if run is not None else None, flat_header):
                names.append(label)
                arrays.append(pa.array(values) if not isinstance(values, str) else pa.array([values] * n,
                                                                                           pa.string()))
        batches.append(pa.Table.from_arrays(arrays, names=names))
    if not batches:
        return pa.table({})
    return pa.concat_tables(batches, promote_options="permissive")


def _split(name: str, column: Any, n: int, outcome_names: list[str] | None, header: Any) -> Iterator[tuple[str, Any]]:
    """The table columns of one result field: itself, or one per element of a vector or matrix."""
    if isinstance(column, str) or column.ndim == 1:
        yield name, column
        return
    flat = column.reshape(n, -1)
    for j, label in enumerate(header(name, column, outcome_names)):
        yield label, flat[:, j]


def entropy(data: Any, **options: Any) -> Any:
    """``entcli entropy``: H(p) of each row (nats; ``bits=True``, ``base=...``), with k, support, max_entropy,
    normalized and perplexity; ``renyi=``, ``tsallis=``, ``estimator=`` as on the command line."""
    return run("entropy", data, **options)


def softmax(data: Any, **options: Any) -> Any:
    """``entcli softmax``: p = softmax(z / T) of each row of logits (``temperature=``), stable (logsumexp)."""
    return run("softmax", data, **options)


def normalize(data: Any, **options: Any) -> Any:
    """``entcli normalize``: each row's power transform p^gamma / sum p^gamma to the entropy ``target=``."""
    return run("normalize", data, **options)


def grad(data: Any, **options: Any) -> Any:
    """``entcli grad``: the gradient of an objective (``of="entropy"|"xent"|"kd"``) with respect to the logits."""
    return run("grad", data, **options)


def simulate(data: Any, **options: Any) -> Any:
    """``entcli simulate``: gradient descent on each row's logits, a result row per step (``steps=``, ``lr=``)."""
    return run("simulate", data, **options)


def kl(p: Any, q: Any, **options: Any) -> Any:
    """``entcli kl -p P -q Q``: KL(p || q) and its relatives per row pair; ``q`` may be a table (row by row, outcomes
    matched by name) or a list of numbers (one reference row for every p row)."""
    return run("kl", sources={"p": p, "q": q}, **options)


def xent(q: Any, p: Any = None, **options: Any) -> Any:
    """``entcli xent``: cross-entropy H(p, q) of predictions ``q`` against soft targets ``p`` (a table or a list of
    numbers), or against labels: ``target_column="label"`` (a column of ``q``) or ``target=[...]``."""
    sources = {"p": p} if p is not None else {}
    return run("xent", sources={**sources, "q": q}, **options)
