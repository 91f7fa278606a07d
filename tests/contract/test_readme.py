"""Every `$ entcli ...` example in the README is run, and its output must be the one shown."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()

FILES = {
    "pets.csv": "cat,dog,bird\n0.2,0.3,0.5\n0.9,0.05,0.05\n",
    "base.csv": "0.5,0.5\n0.9,0.1\n",
    "now.csv": "0.5,0.5\n0.6,0.4\n",
    # Real tables: ids, a label column, named outcomes in other orders, nested and sparse JSON Lines.
    "preds.csv": "id,label,cat,dog,bird\na1,cat,0.7,0.2,0.1\na2,bird,0.1,0.1,0.8\na3,dog,0.3,0.6,0.1\n",
    "baseline.csv": "id,cat,dog,bird\na1,0.6,0.3,0.1\na2,0.2,0.2,0.6\na3,0.3,0.6,0.1\n",
    "shuffled.csv": "id,bird,dog,cat\na3,0.1,0.6,0.3\na1,0.1,0.2,0.7\na2,0.8,0.1,0.1\n",
    "nested.jsonl": '{"id":"a1","output":{"probs":{"cat":0.7,"dog":0.3}}}\n'
                    '{"id":"a2","output":{"probs":{"dog":0.9,"cat":0.1}}}\n',
    "topk.jsonl": '{"cat":0.9,"dog":0.1}\n{"bird":0.7,"cat":0.3}\n',
    # drift: a training sample (written as Parquet too) and today's, with its columns in another order
    "train.csv": (
        "country,device,score fr,ios,0.45 us,ios,0.44 de,android,0.71 de,ios,0.55 fr,web,0.60 us,web,0.60 "
        "us,ios,0.56 us,ios,0.49 de,ios,0.37 de,android,0.84 us,ios,0.43 de,ios,0.48 us,android,0.40 "
        "fr,ios,0.74 us,android,0.51 us,web,0.76 us,ios,0.60 fr,android,0.49 de,android,0.79 us,android,0.57 "
        "us,ios,0.41 us,android,0.25 us,web,0.21 de,android,0.55 us,web,0.57 fr,android,0.35 de,android,0.55 "
        "de,android,0.59 de,ios,0.19 de,android,0.76 us,web,0.67 de,android,0.14 fr,web,0.61 de,ios,0.47 "
        "de,android,0.37 de,android,0.42 fr,android,0.79 us,android,0.41 us,ios,0.78 us,android,0.29"
    ).replace(" ", "\n") + "\n",
    "today.csv": (
        "device,score,country android,0.88,fr ios,0.81,de ios,0.56,de ios,0.67,de android,1.10,de ios,0.68,us "
        "android,0.52,de web,0.70,us android,0.70,fr android,0.66,fr ios,1.21,us ios,0.69,fr ios,-0.08,fr "
        "android,0.48,us android,0.81,de web,0.97,fr android,0.87,fr web,-0.07,us web,0.64,us ios,0.90,fr "
        "android,0.58,de android,0.98,us web,0.83,us android,0.53,de android,0.22,de android,0.22,us "
        "web,0.92,us web,0.79,us android,0.79,us web,1.00,fr"
    ).replace(" ", "\n") + "\n",
    # calibrate: logits of a validation set with their labels (names) in the same file
    "val.csv": (
        "id,label,cat,dog,bird v0,bird,-0.1,2.8,0.9 v1,bird,-5.4,0.6,2.7 v2,dog,0.4,0.8,1.7 "
        "v3,dog,0.6,0.8,0.4 v4,bird,1.8,1.4,2.6 v5,cat,-0.1,4.4,-2.6 v6,cat,3.1,-1.2,-2.4 v7,cat,0.8,6.1,0.1 "
        "v8,cat,4.1,-7.5,0.9 v9,dog,1.6,6.6,-0.9 v10,bird,-1.3,-1.3,4.9 v11,dog,-0.4,2.1,2.7 "
        "v12,cat,5.2,-0.9,-2.7 v13,bird,4.8,4.5,3.1 v14,dog,2.6,4.1,-1.6 v15,cat,7.3,-4.7,0.6 "
        "v16,cat,2.7,7.1,2.7 v17,dog,-0.9,8.2,0.6 v18,dog,-4.1,7.0,-4.5 v19,bird,1.4,1.9,2.4 "
        "v20,cat,9.5,-3.1,-1.6 v21,bird,2.3,-0.0,6.3 v22,bird,-0.1,-5.4,3.5 v23,cat,2.4,0.9,3.5"
    ).replace(" ", "\n") + "\n",
    # A dataset of three partitions, one with its outcomes in another order and one with a bad row.
    "logs/part-1.csv": "id,cat,dog\na1,0.5,0.5\na2,0.9,0.1\n",
    "logs/part-2.csv": "id,dog,cat\nb1,0.2,0.8\n",
    "logs/part-10.csv": "id,cat,dog\nc1,0.3,0.7\nc2,0.6,0.6\n",
}
#: Files made from another: Parquet from CSV (needs pyarrow: the examples that read them skip without it).
PARQUET = {"train.parquet": "train.csv"}


def examples() -> list[tuple[str, str]]:
    """(command, expected output) for each `$ ` line of the README's console blocks."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.rstrip("\n").split("\n")
        i = 0
        while i < len(lines):
            if lines[i].startswith("$ "):
                command = lines[i][2:]
                j = i + 1
                while j < len(lines) and not lines[j].startswith("$ "):
                    j += 1
                found.append((command, "\n".join(lines[i + 1:j])))
                i = j
            else:
                i += 1
    return found


@pytest.mark.parametrize("command, expected", examples(), ids=lambda v: v[:50] if isinstance(v, str) else v)
def test_readme_example(command, expected, tmp_path):
    if "--engine dask" in command:
        pytest.importorskip("distributed")
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    for name, origin in PARQUET.items():
        if name in command:
            pacsv = pytest.importorskip("pyarrow.csv")
            import pyarrow.parquet as pq

            pq.write_table(pacsv.read_csv(tmp_path / origin), tmp_path / name)
    if command.startswith("cat "):
        assert (tmp_path / command[4:]).read_text().rstrip("\n") == expected
        return
    command = command.replace(" || alert", "")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "entcli").write_text(f"#!/bin/sh\nexec {sys.executable} -m entcli \"$@\"\n")
    (bin_dir / "entcli").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "COLUMNS": "100", "NO_COLOR": "1",
           "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(command, shell=True, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    got = (proc.stdout + proc.stderr).rstrip("\n")
    # Tables pad their title line to the table's width; the README drops that trailing space.
    got = "\n".join(line.rstrip() for line in got.split("\n"))
    assert got == "\n".join(line.rstrip() for line in expected.split("\n"))


def python_blocks() -> list[str]:
    """The README's ```python blocks (```py blocks are shown, not run)."""
    return re.findall(r"```python\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("code", python_blocks(), ids=lambda c: c.split("\n")[0][:40])
def test_readme_python_block(code, tmp_path, monkeypatch):
    """Each Python example runs as shown, and its asserts hold (the libraries it imports installed, else skipped)."""
    for module in re.findall(r"^(?:import|from) (\w+(?:\.\w+)?)", code, flags=re.M):
        pytest.importorskip(module)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {"__name__": "readme"})
