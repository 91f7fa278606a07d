"""``entcli drift``: two samples compared column by column (PSI, KL, JS, Hellinger, TV, the G-test), for cron jobs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from entcli.cli.messages import tell
from entcli.cli.options import Explain, Files, Output, Units, choices, command
from entcli.core.vocabulary import DRIFT_MEASURES

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from entcli.io.blocks import Source

HELP = """Drift between a baseline sample (-p) and a current one (-q), column by column.

Each selected column of the two tables gets one output row: column, kind, bins, n_p, n_q, and
psi = sum (q - p) ln(q/p) (= KL(p||q) + KL(q||p)), kl, reverse_kl, js_divergence, js_distance,
hellinger, total_variation, the G-test of homogeneity (g_statistic = 2 sum O ln(O/E) = 2 N I(sample;
category), g_p_value on K - 1 degrees of freedom), Pearson's chi2_statistic and chi2_p_value, and the
PSI level (< 0.1 stable, 0.1-0.25 moderate, > 0.25 significant: a rule of thumb).

Text columns (or --categorical ones) are categorical: categories are counted and matched by name, a
category seen on one side only has count 0 on the other. Numeric columns are binned with edges from
the baseline: --bins N quantile bins (default 10), --binning uniform, or --edges a,b,c; the outer bins
are open, so current values outside the baseline's range still count. --rows compares the mean
distribution of two files of probability rows (as kl reads them). Empty bins make PSI and KL infinite,
reported as such; --epsilon E smooths the proportions, only when asked.

Checks: --max X on the primary measure (--measure, default psi), --min-p-value P on the G-test:
exit 1 naming the columns that drift.

Examples:

\\b
  entcli drift -p train.parquet -q today.csv --columns country,device,score --max 0.1 || alert
  entcli drift -p base.jsonl -q today.jsonl --rows --measure js_divergence
"""

#: Fields in nats (scaled by --base); js_distance is the root of js_divergence in the unit; the rest have no unit.
IN_UNITS = ("psi", "kl", "reverse_kl", "js_divergence")


def drift(
    files: Files,
    units: Units,
    output: Output,
    explain: Explain,
    p: Annotated[str, typer.Option("-p", "--p", metavar="SRC", help="The baseline sample (a table).")],
    q: Annotated[str, typer.Option("-q", "--q", metavar="SRC", help="The current sample (a table).")],
    categorical: Annotated[Optional[str], typer.Option(
        "--categorical", metavar="SPEC", help="Numeric columns to count by value instead of binning.")] = None,
    bins: Annotated[int, typer.Option("--bins", metavar="N", help="Bins for numeric columns.", min=1)] = 10,
    binning: Annotated[str, typer.Option(
        "--binning", click_type=choices(("quantile", "uniform")), help="Edges from the baseline's quantiles "
        "(equal mass) or its range (equal width).")] = "quantile",
    edges: Annotated[Optional[str], typer.Option(
        "--edges", metavar="A,B,...", help="The inner bin edges of every numeric column, increasing.")] = None,
    rows: Annotated[bool, typer.Option(
        "--rows", help="Each row is a distribution: compare the mean distribution of -p with that of -q.")] = False,
    measure: Annotated[str, typer.Option(
        "--measure", click_type=choices(DRIFT_MEASURES), help="The primary measure (--max, plain output).")] = "psi",
    epsilon: Annotated[Optional[float], typer.Option(
        "--epsilon", metavar="E", help="Smooth the proportions: (p + E)/(1 + K E), on both sides.")] = None,
    max_value: Annotated[Optional[float], typer.Option(
        "--max", metavar="X", help="Exit 1 if the primary measure of any column is above X.")] = None,
    min_p_value: Annotated[Optional[float], typer.Option(
        "--min-p-value", metavar="P", help="Exit 1 if the G-test p-value of any column is below P.")] = None,
    detail: Annotated[bool, typer.Option(
        "--detail", help="One row per category or bin: counts, proportions, PSI and KL terms (on a terminal, "
        "with bar charts of the two distributions).")] = False,
    plot: Annotated[Optional[str], typer.Option(
        "--plot", metavar="FILE", help="Draw the two distributions of every column side by side (.png, .svg, .pdf; "
        "the plot extra).")] = None,
) -> None:
    import math

    from entcli.cli.explain import unit_text
    from entcli.errors import InputError
    from entcli.io.roles import parse_spec

    if epsilon is not None and not (epsilon > 0 and math.isfinite(epsilon)):
        raise InputError(f"--epsilon must be finite and > 0, got {epsilon}", "e.g. --epsilon 1e-4")
    for name, value in (("--max", max_value), ("--min-p-value", min_p_value)):
        if value is not None and not math.isfinite(value):
            raise InputError(f"{name} must be a finite number, got {value}")
    inner = _edges(edges) if edges is not None else None
    if plot is not None:
        from entcli.io.plots import check_plot_target

        check_plot_target(plot)
    if rows and (categorical or edges is not None):
        raise InputError("--rows compares distributions; --categorical and --edges are for columns")
    explain(
        "psi = sum_k (q_k - p_k) ln(q_k / p_k) = KL(p||q) + KL(q||p); p the baseline (-p), q the current (-q) "
        "proportions",
        "G = 2 sum O ln(O/E) over the 2 x K table of counts (= 2 N I(sample; category)), E = row x column total / "
        "N; chi-square p-values on K - 1 degrees of freedom, K the categories seen on either side",
        f"proportions smoothed: (p + {epsilon:g}) / (1 + K {epsilon:g}); counts in the tests are unsmoothed"
        if epsilon is not None else "proportions unsmoothed: a category on one side only makes psi and kl infinite",
        "numeric columns: " + (f"the edges {inner.tolist()}" if inner is not None else
                               f"{bins} {binning} bins from the baseline") + ", outer bins open",
        unit_text(units.base))
    if rows:
        from entcli.cli.distributed import refuse

        refuse("drift --rows (its sums of probabilities would depend on the partitioning)")
        tables: list[Table] | None = [_row_tables(files, p, q, explain)]
    else:
        wanted = parse_spec(categorical, "--categorical") if categorical else ()
        tables = _column_tables(files, p, q, wanted, bins, binning, inner)
    if tables is None:
        return  # a task of --engine dask: its counts went to the client
    if plot is not None:
        from entcli.core.drift import proportions
        from entcli.io.plots import plot_drift

        plot_drift(plot, [(t.column, t.labels, proportions(t.counts_p, epsilon), proportions(t.counts_q, epsilon))
                          for t in tables], "Drift: baseline (-p) vs current (-q) proportions")
    _write(tables, units, output, measure, epsilon, max_value, min_p_value, detail)


def _edges(text: str) -> NDArray[np.float64]:
    import numpy as np

    from entcli.errors import InputError
    from entcli.io.readers import parse_numbers

    e = parse_numbers(text, "--edges value")
    if not np.isfinite(e).all() or np.any(np.diff(e) <= 0):
        raise InputError(f"--edges must be finite and increasing, got {text}", "e.g. --edges 0.1,0.5,0.9")
    return e


class Table:
    """One compared column: its name, kind, category or bin labels and the counts on each side."""

    def __init__(self, column: str, kind: str, labels: list[str], counts_p: Any, counts_q: Any,
                 n: tuple[int, int] | None = None) -> None:
        import numpy as np

        self.column, self.kind, self.labels = column, kind, labels
        self.counts_p, self.counts_q = counts_p, counts_q
        #: the sample sizes (rows); for --rows the counts are sums of probabilities
        self.n = n if n is not None else (int(np.sum(counts_p)), int(np.sum(counts_q)))


def _open(files: Files, src: str, label: str) -> Source:
    import dataclasses

    from entcli.errors import InputError

    roles = dataclasses.replace(files.roles, columns=None, keep="all", exclude=())
    source = dataclasses.replace(files, roles=roles).open_src(src, label)
    if source.columns is None:
        raise InputError(f"{source.name} ({label}): drift compares named columns, and the input has no header",
                         "give tables with a header (or JSON objects), or --rows for rows of probabilities")
    return source


def _column_tables(files: Files, p_src: str, q_src: str, categorical: tuple[str, ...], bins: int, binning: str,
                   inner: NDArray[np.float64] | None) -> list[Table] | None:
    """Count every selected column of both samples, a block at a time (a baseline numeric column whose edges come
    from its values is held in memory: 8 bytes a value). With --engine dask the baseline is read here (and by
    every task, which settles the same edges) and the current sample is counted partition by partition on the
    cluster; None in such a task, whose counts go to the client."""
    import numpy as np

    from entcli.cli.distributed import here
    from entcli.cli.engine import one_stdin, summed
    from entcli.core.drift import bin_counts, bin_labels, quantile_edges, uniform_edges
    from entcli.errors import InputError
    from entcli.io.blocks import iter_blocks
    from entcli.io.roles import listed, select

    one_stdin(p_src, q_src)
    with here():
        a = _open(files, p_src, "-p")
    header = a.columns or []
    chosen = [header[i] for i in select(files.roles.columns, header, len(header), "--columns", a.name)] \
        if files.roles.columns else [c for c in header if c not in files.roles.exclude]
    as_text = {header[i] for i in select(categorical, header, len(header), "--categorical", a.name)} \
        if categorical else set()
    kinds = {c: "categorical" if c in as_text or c not in (a.names or []) else "numeric" for c in chosen}
    numeric_p: dict[str, list[Any]] = {c: [] for c in chosen if kinds[c] == "numeric"}
    cats_p: dict[str, dict[str, int]] = {c: {} for c in chosen if kinds[c] == "categorical"}
    counts_p: dict[str, Any] = {}
    for block in iter_blocks(a):
        _count_block(a, block, chosen, kinds, cats_p, numeric_p, inner, counts_p)
    edges: dict[str, Any] = {}
    for c, parts in numeric_p.items():
        if inner is not None:
            edges[c] = inner
            continue
        values = np.concatenate(parts) if parts else np.empty(0)
        if not len(values):
            raise InputError(f"{a.name} (-p): column {c!r} has no values")
        edges[c] = quantile_edges(values, bins) if binning == "quantile" else uniform_edges(values, bins)
        counts_p[c] = bin_counts(values, edges[c])
    b = _open(files, q_src, "-q")
    missing = [c for c in chosen if c not in (b.columns or [])]
    if missing:
        raise InputError(f"{b.name} (-q) has no column {listed(missing, quote=True)}",
                         f"its columns are: {listed(b.columns or [])}; names are matched, not positions")
    clash = [c for c in chosen if kinds[c] == "numeric" and c not in (b.names or [])]
    if clash:
        raise InputError(f"column {clash[0]!r} holds numbers in -p but text in -q",
                         f"compare it by value with --categorical {clash[0]}, or fix the data")
    cats_q: dict[str, dict[str, int]] = {c: {} for c in cats_p}
    counts_q: dict[str, Any] = {c: np.zeros(len(edges[c]) + 1, dtype=np.int64) for c in numeric_p}
    for block in iter_blocks(b):
        _count_block(b, block, chosen, kinds, cats_q, None, None, counts_q, edges)
    merged = summed("drift counts", (cats_q, counts_q), _add_counts)
    if merged is None:
        return None
    cats_q, counts_q = merged
    tables = []
    for c in chosen:
        if kinds[c] == "numeric":
            tables.append(Table(c, "numeric", bin_labels(edges[c]), counts_p[c], counts_q[c]))
        else:
            labels = list(dict.fromkeys([*cats_p[c], *cats_q[c]]))
            tables.append(Table(c, "categorical", labels, np.array([cats_p[c].get(k, 0) for k in labels]),
                                np.array([cats_q[c].get(k, 0) for k in labels])))
    return tables


Counts = tuple[dict[str, dict[str, int]], dict[str, Any]]


def _add_counts(a: Counts, b: Counts) -> Counts:
    """The counts of two parts of a sample, in order (categories in order of first appearance, as one pass)."""
    cats = {c: dict(table) for c, table in a[0].items()}
    for c, table in b[0].items():
        mine = cats.setdefault(c, {})
        for key, n in table.items():
            mine[key] = mine.get(key, 0) + n
    return cats, {c: a[1][c] + b[1][c] for c in a[1]}


def _count_block(source: Source, block: Any, chosen: list[str], kinds: dict[str, str],
                 cats: dict[str, dict[str, int]], numeric: dict[str, list[Any]] | None,
                 inner: NDArray[np.float64] | None, counts: dict[str, Any],
                 edges: dict[str, Any] | None = None) -> None:
    """Add one block's values of every chosen column to the running counts (or, for a baseline numeric column
    binned from its own values, keep them)."""
    import numpy as np

    from entcli.core.drift import bin_counts
    from entcli.errors import InputError

    names = source.names or []
    for c in chosen:
        if c in names:
            values: Any = block.values[:, names.index(c)]
            if not np.isfinite(values).all():
                i = int(np.argmax(~np.isfinite(values)))
                raise InputError(f"{source.name}: {block.where(i)}: column {c!r} is {float(values[i])}",
                                 "drift counts finite numbers; drop or fix the row")
        else:
            values = block.fields[c] if block.fields and c in block.fields else None
            if values is None:
                raise InputError(f"{source.name}: column {c!r} was not read", "check --columns")
        if kinds[c] == "categorical":
            array = np.asarray(values)
            if array.dtype.kind == "f":
                keys, n = np.unique(array, return_counts=True)
                found: Any = zip([repr(k) for k in keys.tolist()], n.tolist(), strict=True)
            else:  # text: counted by hashing (C), not by sorting Python strings
                from collections import Counter

                found = Counter(array.tolist()).items()
            table = cats[c]
            for k, m in found:  # over the block's distinct values
                key = k if isinstance(k, str) else str(k)
                table[key] = table.get(key, 0) + m
        elif numeric is not None and inner is None:
            numeric[c].append(np.array(values, dtype=np.float64))
        else:
            e = inner if inner is not None else edges[c]  # type: ignore[index]
            counts[c] = counts.get(c, 0) + bin_counts(values, e)


def _row_tables(files: Files, p_src: str, q_src: str, explain: Explain) -> Table:
    """--rows: the summed probability rows of each side (soft counts), outcomes matched by name."""
    import numpy as np

    from entcli.cli import engine
    from entcli.cli.options import Reading

    engine.one_stdin(p_src, q_src)
    a, b = files.open_src(p_src, "-p"), files.open_src(q_src, "-q")
    explain(engine.by_name(a, b, ("probs", "probs"), files.roles.fill))
    run = engine.Run(Output(), "psi")
    sums = []
    for source in (a, b):
        total: Any = 0.0
        n = 0
        for rows_p, _block in engine.checked(source, Reading("probs"), run):
            total = total + rows_p.sum(axis=0)
            n += len(rows_p)
        sums.append((total, n))
    labels = a.names or b.names or [str(j + 1) for j in range(len(sums[0][0]))]
    return Table("rows", "rows", labels, np.asarray(sums[0][0]), np.asarray(sums[1][0]), (sums[0][1], sums[1][1]))


def _write(tables: list[Table], units: Units, output: Output, measure: str, epsilon: float | None,
           max_value: float | None, min_p_value: float | None, detail: bool) -> None:
    import math

    import numpy as np

    from entcli.cli import engine
    from entcli.core.drift import MEASURES, contributions, drift_measures, g_test, psi_level
    from entcli.errors import ExitCode

    scale = units.scale
    out: dict[str, list[Any]] = {}
    detail_rows: dict[str, list[Any]] = {}
    for t in tables:
        m = drift_measures(t.counts_p, t.counts_q, epsilon)
        g, gp, x2, xp, dof = g_test(t.counts_p, t.counts_q)
        n_p, n_q = t.n
        row = {"column": t.column, "kind": t.kind, "bins": len(t.labels), "n_p": n_p, "n_q": n_q}
        for name in MEASURES:
            value = m[name] * scale if name in IN_UNITS else m[name]
            row[name] = math.sqrt(m["js_divergence"] * scale) if name == "js_distance" else value
        row.update(g_statistic=g, g_p_value=gp, chi2_statistic=x2, chi2_p_value=xp, dof=dof,
                   level=psi_level(m["psi"]))
        for k, v in row.items():
            out.setdefault(k, []).append(v)
        if detail:
            parts = contributions(t.counts_p, t.counts_q, epsilon)
            for j, label in enumerate(t.labels):
                for k, v in (("column", t.column), ("category", label), ("count_p", t.counts_p[j]),
                             ("count_q", t.counts_q[j]), ("p", parts["p"][j]), ("q", parts["q"][j]),
                             ("psi_term", parts["psi_term"][j] * scale), ("kl_term", parts["kl_term"][j] * scale)):
                    detail_rows.setdefault(k, []).append(v)
    text = ("column", "kind", "level", "category")
    rows_out = detail_rows if detail else out
    columns: dict[str, Any] = {}
    for k, v in rows_out.items():
        columns[k] = np.array(v, dtype=object) if k in text else np.asarray(v)
    if not detail:
        columns["unit"] = units.unit
        if epsilon is not None:
            columns["epsilon"] = np.full(len(tables), epsilon)
    primary = measure if not detail else "psi_term"
    def bars(stream: Any) -> None:
        from entcli.core.drift import proportions
        from entcli.io.charts import print_drift_bars

        for t in tables:
            print_drift_bars(stream, t.column, t.labels, proportions(t.counts_p, epsilon).tolist(),
                             proportions(t.counts_q, epsilon).tolist(), output.width)

    engine.write_report(output, primary, units.title("Drift"), columns, bars if detail else None)
    code = ExitCode.OK
    values = np.array(out[measure], dtype=float)
    names = out["column"]
    infinite = [c for c, v in zip(names, values, strict=True) if not math.isfinite(v)]
    if infinite:
        tell(f"warning: {measure} is infinite for column(s) {', '.join(infinite)} (a category or bin with "
             "observations on one side only); --epsilon E smooths the proportions")
    if max_value is not None:
        over = [c for c, v in zip(names, values, strict=True) if not v <= max_value]
        if over:
            tell(f"check failed: {measure} > {max_value:g} in column(s) {', '.join(over)}")
            code = ExitCode.CHECK_FAILED
    if min_p_value is not None:
        low = [c for c, v in zip(names, out["g_p_value"], strict=True) if v < min_p_value]
        if low:
            tell(f"check failed: G-test p-value < {min_p_value:g} in column(s) {', '.join(low)}")
            code = ExitCode.CHECK_FAILED
    raise typer.Exit(code)


def register(app: typer.Typer) -> None:
    app.command("drift", help=HELP, short_help="Two samples, column by column: PSI, KL, JS, G-test.")(command(drift))
