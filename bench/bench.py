"""Benchmark entcli against what a user would otherwise write, side by side, as ratios in one run.

Run from the environment entcli is installed in (with the `bench` extra for pandas and the `fast` extra
for pyarrow; missing ones are skipped and said so):

    python bench/bench.py [--reps 5] [--rows 500000] [--quick]

`--peers`: only the side-by-side with polars and duckdb; `--scaling`: only `--engine dask` on partitioned
datasets (the dask extra), with 1 and 2 local workers.

Sections: start-up (one-liner, --version, TAB completion), batch entropy of a 500k x 10 CSV on stdin,
kl of two such files, tables (a header, a text id column), drift of two samples, normalize, and the peak
RSS of `entcli entropy` on a ~1 GB CSV. Repetitions are
interleaved (every variant once per round) and the medians are reported. Nothing here is a test: it
prints figures.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

PY = sys.executable
BIN = Path(PY).parent
ENTCLI = str(BIN / "entcli") if (BIN / "entcli").exists() else shutil.which("entcli") or "entcli"


def have(module: str) -> bool:
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def timed(cmd: list[str], stdin: str | None, env: dict[str, str] | None) -> float:
    with open(stdin, "rb") if stdin else open(os.devnull, "rb") as fin, open(os.devnull, "wb") as fout:
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdin=fin, stdout=fout, stderr=subprocess.PIPE, env=env)
        elapsed = time.perf_counter() - start
    # entcli exits 1 for a failed check (a bench case may have one); any other program must succeed
    if proc.returncode not in ((0, 1) if cmd[0] == ENTCLI else (0,)):
        raise RuntimeError(f"{' '.join(cmd)} failed: {proc.stderr.decode()[-500:]}")
    return elapsed


Variants = dict[str, tuple[list[str], str | None, dict[str, str] | None]]


def race_times(variants: Variants, reps: int) -> dict[str, list[float]]:
    """Seconds of every round of each variant, rounds interleaved."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(reps):
        for name, (cmd, stdin, env) in variants.items():
            times[name].append(timed(cmd, stdin, env))
    return times


def race(variants: Variants, reps: int) -> dict[str, float]:
    """Median seconds of each variant, rounds interleaved."""
    return {name: statistics.median(ts) for name, ts in race_times(variants, reps).items()}


def spread(times: list[float]) -> str:
    """The rounds' range around their median, in percent: "-4/+9%"."""
    m = statistics.median(times)
    return f"-{(m - min(times)) / m * 100:.0f}/+{(max(times) - m) / m * 100:.0f}%"


def report(title: str, medians: dict[str, float], base: str, size_mb: float | None = None) -> None:
    print(f"\n{title}")
    print(f"  {'variant':<46} {'median':>10} {'x ' + base[:18]:>22}" + (f" {'MB/s':>8}" if size_mb else ""))
    for name, t in medians.items():
        line = f"  {name:<46} {t * 1e3:>8.1f}ms {t / medians[base]:>22.2f}"
        if size_mb:
            line += f" {size_mb / t:>8.1f}"
        print(line)


def env_with(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


LOADTXT_SCIPY = """
import sys, numpy as np
from scipy.stats import entropy
P = np.loadtxt(sys.stdin, delimiter=',')
np.savetxt(sys.stdout, entropy(P, axis=1))
"""
PANDAS = """
import sys, numpy as np, pandas as pd
P = pd.read_csv(sys.stdin, header=None).to_numpy()
with np.errstate(divide='ignore', invalid='ignore'):
    h = -np.sum(np.where(P > 0, P * np.log(P), 0.0), axis=1)
pd.Series(h).to_csv(sys.stdout, index=False, header=False)
"""
KL_LOADTXT_SCIPY = """
import sys, numpy as np
from scipy.stats import entropy
P = np.loadtxt(sys.argv[1], delimiter=','); Q = np.loadtxt(sys.argv[2], delimiter=',')
np.savetxt(sys.stdout, entropy(P, Q, axis=1))
"""
KL_PANDAS = """
import sys, numpy as np, pandas as pd
from scipy.special import rel_entr
P = pd.read_csv(sys.argv[1], header=None).to_numpy(); Q = pd.read_csv(sys.argv[2], header=None).to_numpy()
pd.Series(rel_entr(P, Q).sum(axis=1)).to_csv(sys.stdout, index=False, header=False)
"""
NORMALIZE_BRENTQ = """
import sys, numpy as np
from scipy.optimize import brentq
from scipy.special import xlogy
P = np.loadtxt(sys.stdin, delimiter=',')
out = np.empty_like(P)
for i, p in enumerate(P):  # what a user writes: a root finder per row (0 log 0 = 0, or brentq meets a NaN)
    lp = np.log(p); target = 0.5 * np.log(len(p))
    def f(g):
        q = np.exp(g * (lp - lp.max())); q /= q.sum()
        return -xlogy(q, q).sum() - target
    g = brentq(f, 1e-9, 1e3)
    q = np.exp(g * (lp - lp.max())); out[i] = q / q.sum()
np.savetxt(sys.stdout, out, delimiter=',')
"""


def write_csv(path: Path, rows: int, k: int, seed: int) -> float:
    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for start in range(0, rows, 100_000):
            p = rng.dirichlet(np.ones(k), size=min(100_000, rows - start))
            f.write("\n".join(",".join(map(repr, row)) for row in p.tolist()) + "\n")
    return path.stat().st_size / 1e6


def write_jsonl(path: Path, rows: int, k: int, seed: int) -> float:
    """JSON Lines of {"id": "rN", "p": [k probabilities]}; the size in MB."""
    import json

    rng = np.random.default_rng(seed)
    with open(path, "w") as f:
        for start in range(0, rows, 100_000):
            p = rng.dirichlet(np.ones(k), size=min(100_000, rows - start)).tolist()
            f.write("".join(json.dumps({"id": f"r{start + i}", "p": row}) + "\n" for i, row in enumerate(p)))
    return path.stat().st_size / 1e6


def peak_rss_mib(cmd: list[str], stdin: str, env: dict[str, str]) -> tuple[float, float]:
    code = ("import resource, subprocess, sys, time; t = time.perf_counter(); "
            f"subprocess.run({cmd!r}, stdin=open({stdin!r}, 'rb'), stdout=subprocess.DEVNULL, check=True); "
            "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([PY, "-c", code], capture_output=True, text=True, env=env, check=True).stdout.split()
    return float(out[0]), float(out[1]) / 1024


DRIFT_PANDAS = """
import sys, numpy as np, pandas as pd
p = pd.read_csv(sys.argv[1]); q = pd.read_csv(sys.argv[2])
for c in ("country", "device"):  # what a user writes: value_counts, a join of the categories, PSI by hand
    a = p[c].value_counts(); b = q[c].value_counts()
    idx = a.index.union(b.index); a = a.reindex(idx, fill_value=0) / a.sum(); b = b.reindex(idx, fill_value=0) / b.sum()
    a, b = (a + 1e-6) / (1 + 1e-6 * len(a)), (b + 1e-6) / (1 + 1e-6 * len(b))
    print(c, float(np.sum((b - a) * np.log(b / a))))
edges = np.quantile(p["score"], np.linspace(0, 1, 11)[1:-1])
a = np.bincount(np.searchsorted(edges, p["score"], side="right"), minlength=10) / len(p)
b = np.bincount(np.searchsorted(edges, q["score"], side="right"), minlength=10) / len(q)
a, b = (a + 1e-6) / (1 + 1e-5), (b + 1e-6) / (1 + 1e-5)
print("score", float(np.sum((b - a) * np.log(b / a))))
"""


def write_samples(path: Path, rows: int, seed: int, shift: float) -> float:
    """A sample of a drift check: two categorical columns and a numeric score."""
    rng = np.random.default_rng(seed)
    country = rng.choice(np.array(["de", "fr", "us", "uk", "es"]), rows, p=[0.3, 0.2, 0.3, 0.1, 0.1])
    device = rng.choice(np.array(["ios", "android", "web"]), rows)
    score = rng.normal(shift, 1.0, rows)
    with open(path, "w") as f:
        f.write("country,device,score\n")
        for start in range(0, rows, 100_000):
            sl = slice(start, start + 100_000)
            rows_text = zip(country[sl], device[sl], score[sl], strict=True)
            f.write("\n".join(f"{c},{d},{s:.6f}" for c, d, s in rows_text) + "\n")
    return path.stat().st_size / 1e6


def drift_case(tmp: Path, args: argparse.Namespace, env: dict[str, str], numpy_only: dict[str, str],
               fast: bool) -> None:
    a, b = tmp / "train.csv", tmp / "today.csv"
    size = write_samples(a, args.rows, 5, 0.0) + write_samples(b, args.rows, 6, 0.2)
    cmd = [ENTCLI, "drift", "-p", str(a), "-q", str(b), "--epsilon", "1e-6"]
    variants: dict[str, tuple[list[str], str | None, dict[str, str] | None]] = {}
    if have("pandas"):
        variants["pandas read_csv + value_counts + numpy PSI"] = ([PY, "-c", DRIFT_PANDAS, str(a), str(b)], None, env)
    variants["entcli drift (NumPy reader)"] = (cmd, None, numpy_only)
    if fast:
        variants["entcli drift (fast extra)"] = (cmd, None, env)
    report(f"drift: two samples of {args.rows} rows x (country, device, score) ({size:.0f} MB)",
           race(variants, args.reps), next(iter(variants)), size)


#: Run the entcli of a source tree (an editable install's import hook would otherwise pick this checkout).
FROM_TREE = """
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
sys.path.insert(0, {tree!r})
import entcli
assert entcli.__file__.startswith({tree!r}), entcli.__file__
from entcli.cli.entry import main
sys.argv[0] = "entcli"
main()
"""


# Peers (issue 20): what a polars or duckdb user writes in a few lines for the same result, and pyarrow's parse of
# the CSV alone (the floor: reading the numbers, nothing else). Columns are column_1.. (polars), column0.. (duckdb).
PL_READ = "import sys, math, polars as pl\n"
PL_TERMS = "[pl.when(pl.col(c) > 0).then(pl.col(c) * pl.col(c).log()).otherwise(0.0) for c in df.columns]"
POLARS = {
    "entropy": PL_READ + "df = pl.read_csv(sys.stdin.buffer, has_header=False)\n"
               f"h = -pl.sum_horizontal({PL_TERMS})\n"
               "df.select(h.alias('h')).write_csv(sys.stdout, include_header=False)\n",
    "entropy7": PL_READ + "df = pl.read_csv(sys.stdin.buffer, has_header=False)\nk = len(df.columns)\n"
                f"h = -pl.sum_horizontal({PL_TERMS})\n"
                "df.select(h.alias('entropy'), pl.lit('nats').alias('unit'), pl.lit(k).alias('k'), "
                "pl.sum_horizontal([(pl.col(c) > 0).cast(pl.Int64) for c in df.columns]).alias('support'), "
                "pl.lit(math.log(k)).alias('max_entropy'), (h / math.log(k)).alias('normalized'), "
                "h.exp().alias('perplexity')).write_csv(sys.stdout)\n",
    "kl": PL_READ + "p = pl.read_csv(sys.argv[1], has_header=False); q = pl.read_csv(sys.argv[2], has_header=False)\n"
          "df = pl.concat([p, q.rename(lambda c: 'q' + c)], how='horizontal')\n"
          "kl = pl.sum_horizontal([pl.when(pl.col(c) > 0).then(pl.col(c) * (pl.col(c) / pl.col('q' + c)).log())"
          ".otherwise(0.0) for c in p.columns])\n"
          "df.select(kl.alias('kl')).write_csv(sys.stdout, include_header=False)\n",
    "softmax": PL_READ + "df = pl.read_csv(sys.stdin.buffer, has_header=False)\nm = pl.max_horizontal(df.columns)\n"
               "e = [(pl.col(c) - m).exp().alias(c) for c in df.columns]\n"
               "df = df.select(e)\ns = pl.sum_horizontal(df.columns)\n"
               "df.select([(pl.col(c) / s).alias(c) for c in df.columns]).write_csv(sys.stdout)\n",
    "parquet": PL_READ + "df = pl.read_parquet(sys.argv[1])\n"
               f"h = -pl.sum_horizontal({PL_TERMS})\n"
               "df.select(h.alias('h')).write_csv(sys.stdout, include_header=False)\n",
    "wide": PL_READ + "df = pl.read_csv(sys.argv[1], has_header=False)\n"
            f"h = -pl.sum_horizontal({PL_TERMS})\n"
            "df.select(h.alias('h')).write_csv(sys.stdout, include_header=False)\n",
    "jsonl": PL_READ + "df = pl.read_ndjson(sys.argv[1])\n"
             "h = -pl.col('p').list.eval(pl.when(pl.element() > 0).then(pl.element() * pl.element().log())"
             ".otherwise(0.0)).list.sum()\n"
             "df.select(h.alias('h')).write_csv(sys.stdout, include_header=False)\n",
}
DUCK_TERMS = "' + '.join(f'CASE WHEN column{i} > 0 THEN column{i} * ln(column{i}) ELSE 0 END' for i in range(10))"
DUCK_RUN = "import sys, duckdb\nterms = " + DUCK_TERMS + "\n"
DUCKDB = {
    "entropy": DUCK_RUN + "duckdb.sql(f\"COPY (SELECT -({terms}) FROM read_csv('/dev/stdin', header=false)) TO "
               "'/dev/stdout' (HEADER false)\")\n",
    "entropy7": DUCK_RUN + "duckdb.sql(f\"COPY (SELECT h AS entropy, 'nats' AS unit, 10 AS k, s AS support, ln(10) "
                "AS max_entropy, h / ln(10) AS normalized, exp(h) AS perplexity FROM (SELECT -({terms}) AS h, "
                "(\" + ' + '.join(f'(column{i} > 0)::INT' for i in range(10)) + \") AS s FROM read_csv('/dev/stdin', "
                "header=false))) TO '/dev/stdout' (HEADER true)\")\n",
    "kl": "import sys, duckdb\n"
          "kl = ' + '.join(f'CASE WHEN a.column{i} > 0 THEN a.column{i} * ln(a.column{i} / b.column{i}) ELSE 0 END' "
          "for i in range(10))\n"
          "duckdb.sql(f\"COPY (SELECT {kl} FROM read_csv('{sys.argv[1]}', header=false) a POSITIONAL JOIN "
          "read_csv('{sys.argv[2]}', header=false) b) TO '/dev/stdout' (HEADER false)\")\n",
    "softmax": "import duckdb\ncols = [f'column{i}' for i in range(10)]\nm = 'greatest(' + ', '.join(cols) + ')'\n"
               "s = ' + '.join(f'exp({c} - {m})' for c in cols)\n"
               "duckdb.sql(f\"COPY (SELECT {', '.join(f'exp({c} - {m}) / ({s}) AS p{i + 1}' for i, c in "
               "enumerate(cols))} FROM read_csv('/dev/stdin', header=false)) TO '/dev/stdout' (HEADER true)\")\n",
    "parquet": DUCK_RUN + "terms = terms.replace('column', 'f')  # the Parquet file's columns are f0.. f9\n"
               "duckdb.sql(f\"COPY (SELECT -({terms}) FROM read_parquet('{sys.argv[1]}')) TO '/dev/stdout' "
               "(HEADER false)\")\n",
    "wide": "import sys, duckdb\nduckdb.sql('SET max_expression_depth TO 10000')\n"
            "terms = ' + '.join(f'CASE WHEN column{i:03d} > 0 THEN column{i:03d} * ln(column{i:03d}) ELSE 0 END' "
            "for i in range(1000))\n"  # duckdb pads generated names to the width of the count
            "duckdb.sql(f\"COPY (SELECT -({terms}) FROM read_csv('{sys.argv[1]}', header=false)) TO '/dev/stdout' "
            "(HEADER false)\")\n",
    "jsonl": "import sys, duckdb\n"
             "duckdb.sql(f\"COPY (SELECT -list_sum(list_transform(p, lambda x: CASE WHEN x > 0 THEN x * ln(x) "
             "ELSE 0 END)) "
             "FROM read_json('{sys.argv[1]}')) TO '/dev/stdout' (HEADER false)\")\n",
}
JSON_PARSE = "import sys, pyarrow.json as j\nj.read_json(sys.argv[1])\n"
PYARROW_PARSE = ("import sys, pyarrow.csv as c\n"
                 "c.read_csv(sys.stdin.buffer, read_options=c.ReadOptions(autogenerate_column_names=True))\n")


def peers(tmp: Path, a: Path, b: Path, args: argparse.Namespace, env: dict[str, str]) -> None:
    """entcli side by side with polars and duckdb (the bench extra) on issue 20's cases, in one interleaved race per
    case, and pyarrow's parse alone as the floor."""
    if not (have("polars") and have("duckdb") and have("pyarrow")):
        print("\npeers: skipped (pip install '.[fast,bench]' for polars, duckdb and pyarrow)")
        return
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    parquet = tmp / "p.parquet"
    pq.write_table(pacsv.read_csv(a, read_options=pacsv.ReadOptions(autogenerate_column_names=True)), parquet)
    size = a.stat().st_size / 1e6
    wide, jsonl = tmp / "wide.csv", tmp / "p.jsonl"
    wide_mb = write_csv(wide, max(100, args.rows // 100), 1000, 4)
    jsonl_mb = write_jsonl(jsonl, args.rows, 10, 5)
    parse = ([PY, "-c", PYARROW_PARSE], str(a))
    cases = {
        "entropy -o plain": ([ENTCLI, "entropy"], "entropy", [], str(a), parse),
        "entropy -o csv (7 fields)": ([ENTCLI, "entropy", "-o", "csv"], "entropy7", [], str(a), parse),
        "kl -p a.csv -q b.csv -o plain": ([ENTCLI, "kl", "-p", str(a), "-q", str(b)], "kl", [str(a), str(b)], None,
                                          parse),
        "softmax -o csv": ([ENTCLI, "softmax", "-o", "csv"], "softmax", [], str(a), parse),
        "entropy -i x.parquet": ([ENTCLI, "entropy", "-i", str(parquet)], "parquet", [str(parquet)], None, parse),
        f"entropy -i wide.csv, x 1000 ({wide_mb:.0f} MB)": ([ENTCLI, "entropy", "-i", str(wide)], "wide", [str(wide)],
                                                           None, ([PY, "-c", PYARROW_PARSE], str(wide))),
        f"entropy -i x.jsonl ({jsonl_mb:.0f} MB)": ([ENTCLI, "entropy", "-i", str(jsonl)], "jsonl", [str(jsonl)], None,
                                                    ([PY, "-c", JSON_PARSE, str(jsonl)], None)),
    }
    print(f"\npeers: {args.rows} x 10 CSV ({size:.0f} MB), medians of {args.reps} interleaved rounds; "
          "ratio = entcli / the other (<= 1 is as fast)")
    print(f"  {'case':<40} {'entcli':>9} {'spread':>10} {'polars':>9} {'duckdb':>9} {'pa parse':>9} {'/polars':>8} "
          f"{'/duckdb':>8} {'/parse':>7}")
    for case, (cmd, key, extra, stdin, (floor, floor_stdin)) in cases.items():
        variants: dict[str, tuple[list[str], str | None, dict[str, str] | None]] = {
            "entcli": (cmd, stdin, env),
            "polars": ([PY, "-c", POLARS[key], *extra], stdin, env),
            "duckdb": ([PY, "-c", DUCKDB[key], *extra], stdin, env),
            "parse": (floor, floor_stdin, env),
        }
        times = race_times(variants, args.reps)
        t = {name: statistics.median(ts) for name, ts in times.items()}
        print(f"  {case:<40} {t['entcli']:>8.2f}s {spread(times['entcli']):>10} {t['polars']:>8.2f}s "
              f"{t['duckdb']:>8.2f}s {t['parse']:>8.2f}s {t['entcli'] / t['polars']:>8.2f} "
              f"{t['entcli'] / t['duckdb']:>8.2f} {t['entcli'] / t['parse']:>7.2f}")


#: Issue 20's normalize bar is "3x faster than when the issue was filed": that tree, and its time on this machine
#: (22.3 s, measured with this bench's normalize case; give --against to time any tree in the same run).
ISSUE_20_FILED_AT = "f202acb"
ISSUE_20_NORMALIZE_THEN = 22.3


def targets(tmp: Path, args: argparse.Namespace, env: dict[str, str], baseline: Path | None) -> None:
    """Issue 20's other bars, each against its target: the one-liner against `import numpy`; simulate 10k rows x
    100 steps -o csv (< 3 s, < 200 MiB); normalize 200k x 100 -o csv (>= 3x faster than when the issue was filed)."""
    start = {"entcli entropy --bits 0.5 0.5": ([ENTCLI, "entropy", "--bits", "0.5", "0.5"], None, env),
             'python -c "import numpy"': ([PY, "-c", "import numpy"], None, env)}
    times = race_times(start, args.reps * 4)
    t = {name: statistics.median(ts) for name, ts in times.items()}
    one, floor = t["entcli entropy --bits 0.5 0.5"], t['python -c "import numpy"']
    print(f"\nissue 20 targets (medians of {args.reps} rounds; peak RSS of one run)")
    print(f"  {'one-liner entcli entropy --bits 0.5 0.5':<44} {one * 1e3:>7.0f} ms  "
          f"{spread(times['entcli entropy --bits 0.5 0.5']):>10}  import numpy {floor * 1e3:.0f} ms: "
          f"{one / floor:.2f}x (target <= 1.3x)")
    rng = np.random.default_rng(7)
    logits, probs = tmp / "logits.csv", tmp / "probs.csv"
    np.savetxt(logits, rng.normal(size=(10_000, 10)), delimiter=",", fmt="%.17g")
    probs_mb = write_csv(probs, 200_000 if not args.quick else 20_000, 100, 8)
    cases = {
        "simulate 10k x 100 steps -o csv": (["simulate", "-i", str(logits), "--steps", "100", "-o", "csv"],
                                            "< 3 s and < 200 MiB"),
        f"normalize {'200k' if not args.quick else '20k'} x 100 -o csv ({probs_mb:.0f} MB)": (
            ["normalize", "--ratio", "0.5", "-i", str(probs), "-o", "csv"],
            f">= 3x faster than {ISSUE_20_FILED_AT} ({ISSUE_20_NORMALIZE_THEN} s here for 200k x 100)"),
    }
    for case, (argv, target) in cases.items():
        variants: Variants = {"entcli": ([ENTCLI, *argv], None, env)}
        if baseline is not None:
            variants["baseline"] = ([PY, "-c", FROM_TREE.format(tree=str(baseline)), *argv], None, env)
        times = race_times(variants, max(1, args.reps // 2 + 1))
        _, rss = peak_rss_mib([ENTCLI, *argv], os.devnull, env)
        m = statistics.median(times["entcli"])
        line = f"  {case:<44} {m:>7.2f} s  {spread(times['entcli']):>10}  {rss:6.0f} MiB  target {target}"
        if baseline is not None:
            line += f"; {args.against}: {statistics.median(times['baseline']):.2f} s"
        print(line)


def write_table(plain: Path, path: Path, header: str, ids: bool) -> float:
    """``plain`` with a header line and, with ``ids``, a text id column in front (``id0000001``, ...)."""
    with open(plain) as fin, open(path, "w") as out:
        out.write(header + "\n")
        for i, line in enumerate(fin):
            out.write(f"id{i:07d},{line}" if ids else line)
    return path.stat().st_size / 1e6


PTY_WRAP = """
import os, pty, subprocess, sys, threading
master, slave = pty.openpty()
def drain():
    try:
        while os.read(master, 1 << 16):
            pass
    except OSError:
        pass
threading.Thread(target=drain, daemon=True).start()
sys.exit(subprocess.run(sys.argv[1:], stderr=slave).returncode)
"""


def piped(cmd: list[str]) -> list[str]:
    """``cmd`` reading the stdin file through a pipe (``cat FILE | cmd``) instead of from the file itself."""
    return ["sh", "-c", 'cat | "$@"', "sh", *cmd]


def pipes(plain: Path, args: argparse.Namespace, env: dict[str, str], baseline: Path | None) -> None:
    """Issue 16's promise: reading a pipe promptly (a thread, 0.2 s waits), --unbuffered, the progress line and a
    terminal-sized table cost no throughput on fast input; with --against, the earlier tree through the pipe."""
    size = plain.stat().st_size / 1e6
    entropy = [ENTCLI, "entropy"]
    variants: dict[str, tuple[list[str], str | None, dict[str, str] | None]] = {
        "stdin is the file": (entropy, str(plain), env),
        "stdin is a pipe (cat | entcli)": (piped(entropy), str(plain), env),
    }
    if baseline is not None:
        variants[f"stdin is a pipe, entcli {args.against[:10]}"] = (
            piped([PY, "-c", FROM_TREE.format(tree=str(baseline)), "entropy"]), str(plain), env)
    variants["stdin is a pipe, --unbuffered"] = (piped([*entropy, "--unbuffered"]), str(plain), env)
    variants["stderr a terminal, --no-progress"] = ([PY, "-c", PTY_WRAP, *entropy, "--no-progress"], str(plain), env)
    variants["stderr a terminal, --progress"] = ([PY, "-c", PTY_WRAP, *entropy, "--progress"], str(plain), env)
    variants["-o table --max-rows 25 (a terminal's table)"] = ([*entropy, "-o", "table", "--max-rows", "25"],
                                                                str(plain), env)
    report(f"pipes and terminals: entropy of {args.rows} x 10 CSV ({size:.0f} MB)", race(variants, args.reps),
           "stdin is the file", size)


def tables(tmp: Path, plain: Path, args: argparse.Namespace, env: dict[str, str], numpy_only: dict[str, str],
           fast: bool, baseline: Path | None) -> None:
    """What real tables cost: a header, a text id column carried to the output; and, with --against, the same
    plain CSV read by an earlier version (the price of column roles on the plain path)."""
    names = ",".join(f"c{j}" for j in range(10))
    headed, with_ids = tmp / "headed.csv", tmp / "ids.csv"
    write_table(plain, headed, names, ids=False)
    ids_mb = write_table(plain, with_ids, "id," + names, ids=True)
    size = plain.stat().st_size / 1e6
    readers = [("NumPy reader", numpy_only)] + ([("fast extra", env)] if fast else [])
    variants: dict[str, tuple[list[str], str | None, dict[str, str] | None]] = {}
    for label, e in readers:
        variants[f"plain CSV ({label})"] = ([ENTCLI, "entropy"], str(plain), e)
        if baseline is not None:
            for tree, name in ((baseline, f"entcli {args.against[:10]}"), (Path(__file__).resolve().parents[1],
                                                                            "this tree")):
                variants[f"plain CSV, {name} ({label})"] = ([PY, "-c", FROM_TREE.format(tree=str(tree)), "entropy"],
                                                           str(plain), e)
        variants[f"plain CSV, -o csv ({label})"] = ([ENTCLI, "entropy", "-o", "csv"], str(plain), e)
        variants[f"with a header ({label})"] = ([ENTCLI, "entropy"], str(headed), e)
        variants[f"with a text id column, -o plain ({label})"] = ([ENTCLI, "entropy"], str(with_ids), e)
        variants[f"with a text id column, -o csv with ids ({label})"] = ([ENTCLI, "entropy", "-o", "csv"],
                                                                        str(with_ids), e)
    report(f"tables: entropy of {args.rows} x 10 (plain CSV {size:.0f} MB; with ids {ids_mb:.0f} MB)",
           race(variants, args.reps), f"plain CSV ({readers[-1][0]})", size)


def write_dataset(directory: Path, rows: int, parts: int, seed: int, copies: int = 1) -> float:
    """A dataset of ``parts`` CSV partitions of ``rows // parts`` rows, repeated ``copies`` times (hard links, so
    a 10x larger dataset costs no disk); its size in MB."""
    directory.mkdir()
    for k in range(parts):
        write_csv(directory / f"part-{k:05d}.csv", rows // parts, 10, seed + k)
    for c in range(1, copies):
        for k in range(parts):
            os.link(directory / f"part-{k:05d}.csv", directory / f"part-{c * parts + k:05d}.csv")
    return sum(f.stat().st_size for f in directory.iterdir()) / 1e6


@contextlib.contextmanager
def cluster(workers: int) -> Iterator[str]:
    """A LocalCluster of ``workers`` worker processes (one thread each); its scheduler's address."""
    import logging

    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=logging.ERROR) as c:
        yield c.scheduler_address


def scaling(tmp: Path, args: argparse.Namespace, env: dict[str, str]) -> None:
    """--engine dask against the local engine on a partitioned dataset of args.rows rows and one 10x larger,
    with 1 and 2 local workers (clusters started once, outside the timings), and the cost of a partition."""
    if not have("distributed"):
        print("\nscaling: skipped (install the dask extra)")
        return
    small, large, tiny = tmp / "ds1", tmp / "ds10", tmp / "tiny"
    parts = 10
    small_mb = write_dataset(small, args.rows, parts, 100)
    large_mb = write_dataset(large, args.rows, parts, 100, copies=10)
    write_dataset(tiny, 200 * 100, 200, 300)
    cases = [(f"{args.rows} rows, {parts} partitions ({small_mb:.0f} MB)", small, args.rows, args.reps),
             (f"{10 * args.rows} rows, {10 * parts} partitions ({large_mb:.0f} MB)", large, 10 * args.rows,
              max(1, args.reps // 2)),
             ("200 partitions of 100 rows (the cost of a partition)", tiny, 200 * 100, args.reps)]
    with cluster(1) as one, cluster(2) as two:
        for title, path, rows, reps in cases:
            command = [ENTCLI, "entropy", "-i", str(path), "-o", "plain"]
            variants = {"local engine (one process, streaming)": (command, None, env),
                        "--engine dask, 1 worker": ([*command, "--engine", "dask", "--scheduler", one], None, env),
                        "--engine dask, 2 workers": ([*command, "--engine", "dask", "--scheduler", two], None, env)}
            if path is small:
                variants["--engine dask, its own local cluster (started per run)"] = (
                    [*command, "--engine", "dask"], None, env_with(DASK_SCHEDULER_ADDRESS=""))
            medians = race(variants, reps)
            report(f"scaling: entropy -o plain of {title}", medians, "local engine (one process, streaming)")
            for name, t in medians.items():
                print(f"  {name:<46} {rows / t / 1e6:8.2f} M rows/s")
            if path is tiny:
                local, dask = medians["local engine (one process, streaming)"], medians["--engine dask, 2 workers"]
                print(f"  per partition: local {local / 200 * 1e3:.1f} ms, --engine dask (2 workers) "
                      f"{dask / 200 * 1e3:.1f} ms")


@contextlib.contextmanager
def worktree(tmp: Path, ref: str | None) -> Iterator[Path | None]:
    """A checkout of ``ref`` (for --against), removed afterwards; None without a ref."""
    if ref is None:
        yield None
        return
    path = tmp / "baseline"
    repo = Path(__file__).resolve().parents[1]
    subprocess.run(["git", "worktree", "add", "--detach", str(path), ref], check=True, capture_output=True, cwd=repo)
    try:
        yield path
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(path)], capture_output=True, cwd=repo)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--quick", action="store_true", help="fewer rows and rounds, no 1 GB file")
    parser.add_argument("--against", metavar="GIT_REF", help="also time the tables section with the entcli of this "
                        "git ref (e.g. a commit before a change), side by side in the same run")
    parser.add_argument("--peers", action="store_true", help="only the comparison with polars and duckdb (and "
                        "issue 20's targets)")
    parser.add_argument("--targets", action="store_true", help="only issue 20's targets (one-liner, simulate, "
                        "normalize; with --against REF, that tree's times beside)")
    parser.add_argument("--scaling", action="store_true", help="only --engine dask on partitioned datasets (needs "
                        "the dask extra): 1 and 2 local workers against the local engine")
    args = parser.parse_args()
    if args.scaling:
        with tempfile.TemporaryDirectory() as tmp:
            scaling(Path(tmp), args, env_with())
        return
    if args.targets:
        with tempfile.TemporaryDirectory() as tmp, worktree(Path(tmp), args.against) as baseline:
            targets(Path(tmp), args, env_with(), baseline)
        return
    if args.peers:
        with tempfile.TemporaryDirectory() as tmp:
            a, b = Path(tmp) / "p.csv", Path(tmp) / "q.csv"
            write_csv(a, args.rows, 10, 1)
            write_csv(b, args.rows, 10, 2)
            peers(Path(tmp), a, b, args, env_with())
            with worktree(Path(tmp), args.against) as baseline:
                targets(Path(tmp), args, env_with(), baseline)
        return
    if args.quick:
        args.reps, args.rows = 3, 50_000
    env = env_with()
    fast = have("pyarrow")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}; entcli: {ENTCLI}; pyarrow {'yes' if fast else 'no (fast extra missing)'}; "
          f"pandas {'yes' if have('pandas') else 'no (skipped)'}")

    variants = {
        "entcli entropy --bits 0.5 0.5": ([ENTCLI, "entropy", "--bits", "0.5", "0.5"], None, env),
        'python -c "import numpy"': ([PY, "-c", "import numpy"], None, env),
        "python -c scipy.stats.entropy one-liner": (
            [PY, "-c", "from scipy.stats import entropy; print(entropy([.5,.5], base=2))"], None, env),
        "entcli --version": ([ENTCLI, "--version"], None, env),
        "entcli TAB completion (bash)": ([ENTCLI], None, env_with(
            _ENTCLI_COMPLETE="complete_bash", COMP_WORDS="entcli entropy --fo", COMP_CWORD="2")),
        'python -c "pass"': ([PY, "-c", "pass"], None, env),
        'python -c "import re" (in every console script)': ([PY, "-c", "import re"], None, env),
    }
    report("start-up", race(variants, args.reps * 4), 'python -c "import numpy"')

    with tempfile.TemporaryDirectory() as tmp:
        a, b = Path(tmp) / "p.csv", Path(tmp) / "q.csv"
        size = write_csv(a, args.rows, 10, 1)
        write_csv(b, args.rows, 10, 2)
        numpy_only = env_with(ENTCLI_READER="numpy")
        batch = {"loadtxt + scipy.stats.entropy + savetxt": ([PY, "-c", LOADTXT_SCIPY], str(a), env)}
        if have("pandas"):
            batch["pandas.read_csv + NumPy + to_csv"] = ([PY, "-c", PANDAS], str(a), env)
        batch["entcli entropy (NumPy reader)"] = ([ENTCLI, "entropy"], str(a), numpy_only)
        if fast:
            batch["entcli entropy (fast extra: pyarrow)"] = ([ENTCLI, "entropy"], str(a), env)
        report(f"batch: entropy of {args.rows} x 10 CSV ({size:.0f} MB) on stdin, one result per line",
               race(batch, args.reps), "loadtxt + scipy.stats.entropy + savetxt", size)

        kl = {"loadtxt x2 + scipy.stats.entropy(p, q) + savetxt": ([PY, "-c", KL_LOADTXT_SCIPY, str(a), str(b)],
                                                                   None, env)}
        if have("pandas"):
            kl["pandas.read_csv x2 + rel_entr + to_csv"] = ([PY, "-c", KL_PANDAS, str(a), str(b)], None, env)
        kl["entcli kl (NumPy reader)"] = ([ENTCLI, "kl", "-p", str(a), "-q", str(b)], None, numpy_only)
        if fast:
            kl["entcli kl (fast extra)"] = ([ENTCLI, "kl", "-p", str(a), "-q", str(b)], None, env)
        report(f"batch: kl of two {args.rows} x 10 CSVs ({2 * size:.0f} MB)", race(kl, args.reps),
               "loadtxt x2 + scipy.stats.entropy(p, q) + savetxt", 2 * size)

        with worktree(Path(tmp), args.against) as baseline:
            tables(Path(tmp), a, args, env, numpy_only, fast, baseline)
            pipes(a, args, env, baseline)
        drift_case(Path(tmp), args, env, numpy_only, fast)
        peers(Path(tmp), a, b, args, env)
        targets(Path(tmp), args, env, None)

        small = Path(tmp) / "n.csv"
        n_rows = max(1000, args.rows // 25)
        small_mb = write_csv(small, n_rows, 10, 3)
        norm = {"loadtxt + scipy brentq per row + savetxt": ([PY, "-c", NORMALIZE_BRENTQ], str(small), env),
                "entcli normalize --ratio 0.5": ([ENTCLI, "normalize", "--ratio", "0.5", "-o", "csv"], str(small),
                                                 env)}
        report(f"batch: normalize {n_rows} x 10 rows to half the maximum entropy", race(norm, max(1, args.reps // 2)),
               "loadtxt + scipy brentq per row + savetxt", small_mb)

        if not args.quick:
            big = Path(tmp) / "big.csv"
            with open(big, "wb") as out:
                for _ in range(max(1, int(1000 / size))):
                    out.write(a.read_bytes())
            big_mb = big.stat().st_size / 1e6
            print(f"\npeak RSS of entcli entropy on a {big_mb:.0f} MB CSV ({big_mb / size * args.rows:.0f} rows)")
            for name, e in (("NumPy reader", numpy_only), ("fast extra", env)) if fast else (("NumPy reader",
                                                                                              numpy_only),):
                seconds, rss = peak_rss_mib([ENTCLI, "entropy"], str(big), e)
                print(f"  {name:<14} {rss:>8.1f} MiB peak RSS, {seconds:6.1f} s, {big_mb / seconds:6.1f} MB/s")


if __name__ == "__main__":
    main()
