"""Issue 20: pyarrow's pandas shim (``to_numpy``, ``pa.array``) imports pandas whenever it is installed, 0.2-0.5 s
on every batch command; entcli reads and writes through Arrow buffers instead. Checked with -X importtime in
this environment (CI's second stage has pandas, from the oracle extra). Nor ``pyarrow.compute``, whose wrappers cost
40-70 ms to build (entcli/io/kernels.py calls the kernels by name)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("pyarrow")
pytest.importorskip("pandas")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp = tmp_path_factory.mktemp("nopandas")
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(10), 40_000)  # ~7 MB: big enough for pyarrow's parser
    with open(tmp / "p.csv", "w") as f:
        f.write("id," + ",".join(f"c{j}" for j in range(10)) + "\n")
        for i, row in enumerate(p.tolist()):
            f.write(f"r{i}," + ",".join(map(repr, row)) + "\n")
    with open(tmp / "p.jsonl", "w") as f:  # ~8 MB of objects, and of arrays: pyarrow's JSON reader
        f.write("".join(json.dumps({"id": f"r{i}", "p": row}) + "\n" for i, row in enumerate(p.tolist())))
    with open(tmp / "a.jsonl", "w") as f:
        f.write("".join(json.dumps(row) + "\n" for row in p.tolist()))
    np.savetxt(tmp / "z.csv", rng.normal(size=(3000, 10)), delimiter=",", fmt="%.17g")  # 50 kB: no fast reader
    pq.write_table(pa.table({"id": [f"r{i}" for i in range(1000)], "a": p[:1000, 0], "b": 1 - p[:1000, 0]}),
                   tmp / "p.parquet")
    return tmp


@pytest.mark.parametrize("args", [
    ["entropy", "-i", "{d}/p.csv", "-o", "plain"],
    ["entropy", "-i", "{d}/p.csv", "-o", "csv"],
    ["kl", "-p", "{d}/p.csv", "-q", "{d}/p.csv", "-o", "jsonl"],
    ["softmax", "-i", "{d}/p.csv", "-o", "csv"],
    ["entropy", "-i", "{d}/p.parquet", "-o", "csv"],
    ["simulate", "-i", "{d}/z.csv", "--steps", "30", "-o", "csv"],  # pyarrow loaded for the output's size
    ["normalize", "-i", "{d}/p.csv", "--ratio", "0.5", "-o", "csv"],
    ["entropy", "-i", "{d}/p.jsonl", "-o", "csv"],
    ["entropy", "-i", "{d}/a.jsonl", "-o", "csv"],
])
def test_no_pandas_import(inputs, args):
    argv = [a.format(d=inputs) for a in args]
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "entcli", *argv], capture_output=True, text=True,
                          timeout=120, env={k: v for k, v in os.environ.items() if k != "ENTCLI_READER"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if line.startswith("import time")]
    assert "pyarrow" in imported  # the fast path (reading, or formatting a big output) was taken
    assert not [m for m in imported if m == "pandas" or m.startswith("pandas.")], "pandas was imported"
    assert "pyarrow.compute" not in imported
