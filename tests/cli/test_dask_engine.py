"""--engine dask on a real distributed.LocalCluster (2 worker processes): every command gives byte-identical
output, messages and exit code with and without it on a partitioned dataset, including a late bad row,
--skip-invalid, checks, reductions and partitioned output (-O DIR/).

The reference is the same command with the local engine, whose reading of a dataset (its partitions
concatenated) is tested against single files in tests/io/test_dataset.py.
"""

from __future__ import annotations

import os
import re

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def scheduler():
    """The address of a LocalCluster of 2 worker processes, shared by the tests of this module."""
    import logging

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """Datasets of 3 partitions: p (probabilities with ids, columns a..d), q (the same outcomes in another
    order), z (logits with ids and a label column), p_bad (p with a bad row in the last partition), and for drift
    a baseline sample (train.csv) and today's as a dataset (today, columns in another order; today_bad)."""
    root = tmp_path_factory.mktemp("datasets")
    rng = np.random.default_rng(7)
    for name in ("p", "q", "z", "p_bad", "today", "today_bad"):
        (root / name).mkdir()
    devices = np.array(["ios", "android", "web", "tv"])
    (root / "train.csv").write_text("country,device,score\n" + "".join(
        f"{rng.choice(['fr', 'us', 'de'])},{rng.choice(devices[:3])},{rng.normal():.3f}\n" for _ in range(300)))
    for k, n in enumerate([60, 45, 80]):
        lines = [f"{rng.choice(devices[:3 + (k == 2)])},{rng.normal(0.3):.3f},{rng.choice(['fr', 'us', 'de'])}"
                 for _ in range(n)]
        (root / "today" / f"part-{k}.csv").write_text("device,score,country\n" + "\n".join(lines) + "\n")
        if k == 1:
            lines[30] = "ios,nan,fr"
        (root / "today_bad" / f"part-{k}.csv").write_text("device,score,country\n" + "\n".join(lines) + "\n")
    for k, n in enumerate([40, 7, 25]):
        p, q, z = rng.dirichlet(np.ones(4), n), rng.dirichlet(np.ones(4), n), rng.normal(size=(n, 4)) * 3
        p_lines = [f"r{k}_{i}," + ",".join(map(repr, row.tolist())) for i, row in enumerate(p)]
        (root / "p" / f"part-{k}.csv").write_text("id,a,b,c,d\n" + "\n".join(p_lines) + "\n")
        if k == 2:
            p_lines[5] = "bad,0.5,0.5,0.5,0.5"  # sums to 2: line 7 of part-2.csv
        (root / "p_bad" / f"part-{k}.csv").write_text("id,a,b,c,d\n" + "\n".join(p_lines) + "\n")
        (root / "q" / f"part-{k}.csv").write_text(
            "d,c,b,a\n" + "".join(",".join(map(repr, row[::-1].tolist())) + "\n" for row in q))
        labels = rng.integers(0, 4, n)
        (root / "z" / f"part-{k}.csv").write_text("id,label,a,b,c,d\n" + "".join(
            f"r{k}_{i},{labels[i]}," + ",".join(map(repr, row.tolist())) + "\n" for i, row in enumerate(z)))
    return root


def both(cli, scheduler, *args):
    """The command with the local engine and with --engine dask on the cluster: both results."""
    local = cli(*args)
    dask = cli(*args, "--engine", "dask", "--scheduler", scheduler)
    return local, dask


def same(cli, scheduler, *args):
    local, dask = both(cli, scheduler, *args)
    assert "Traceback" not in dask.err
    assert (dask.code, dask.out, dask.err) == (local.code, local.out, local.err), args
    return local


COMMANDS = [
    ("entropy", "-i", "{p}", "-o", "csv", "--row-number"),
    ("entropy", "-i", "{p}", "-o", "jsonl", "--bits", "--detail"),
    ("entropy", "-i", "{p}", "-o", "json"),
    ("entropy", "-i", "{p}", "-o", "table", "--max-rows", "all"),
    ("entropy", "-i", "{p}", "-o", "plain", "--max", "1.2"),
    ("entropy", "-i", "{p}", "--renyi", "2", "-o", "tsv"),
    ("softmax", "-i", "{z}", "--columns", "a,b,c,d", "-T", "2", "-o", "csv"),
    ("kl", "-p", "{p}", "-q", "{q}", "-o", "csv"),
    ("kl", "-p", "{p}", "-q", "0.25,0.25,0.25,0.25", "-o", "plain", "--max", "0.3"),
    ("kl", "-p", "{p}", "-q", "{q}", "--measure", "hellinger", "-o", "jsonl"),
    ("xent", "--target-column", "label", "-q", "{z}", "--logits", "--columns", "a,b,c,d", "-o", "csv"),
    ("xent", "--target-column", "label", "-q", "{z}", "--logits", "--columns", "a,b,c,d", "--reduction", "mean"),
    ("xent", "-p", "{p}", "-q", "{q}", "--reduction", "sum", "-o", "json"),
    ("normalize", "-i", "{p}", "--target", "0.5", "-o", "csv"),
    ("grad", "-i", "{z}", "--columns", "a,b,c,d", "--of", "entropy", "--check", "-o", "csv"),
    ("grad", "-i", "{z}", "--columns", "a,b,c,d", "--of", "xent", "--target-column", "label", "-o", "jsonl"),
    ("simulate", "-i", "{z}", "--columns", "a,b,c,d", "--steps", "4", "--lr", "0.5", "-o", "csv", "--row-number"),
    # drift: the baseline read here, today's sample counted partition by partition, the counts merged
    ("drift", "-p", "{train}", "-q", "{today}", "-o", "csv"),
    ("drift", "-p", "{train}", "-q", "{today}", "--detail", "--epsilon", "1e-4", "-o", "jsonl", "--max", "0.05"),
    ("drift", "-p", "{today}", "-q", "{today}", "--edges", "-1,0,1", "-o", "csv"),
    ("drift", "-p", "{train}", "-q", "{today_bad}", "-o", "csv"),
    # the charts under simulate's table are of the first row of the dataset: sent by partition 0's task
    ("simulate", "-i", "{z}", "--columns", "a,b,c,d", "--steps", "30", "-o", "table", "--max-rows", "8"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a[:1] + a[3:6]))
def test_every_command_is_byte_identical(cli, scheduler, data, args):
    args = [a.format(p=data / "p", q=data / "q", z=data / "z", train=data / "train.csv", today=data / "today",
                     today_bad=data / "today_bad") for a in args]
    result = same(cli, scheduler, *args)
    if "today_bad" in args[4]:
        assert result.code == 2 and "part-1.csv, row 31 (line 32): column 'score' is nan" in result.err
        return
    assert result.code in (0, 1), result.err
    assert result.out.strip()


def test_simulate_plot_is_of_the_first_row(cli, scheduler, data, tmp_path):
    pytest.importorskip("matplotlib")
    for engine in ("local", "dask"):
        extra = ["--scheduler", scheduler] if engine == "dask" else []
        r = cli("simulate", "-i", str(data / "z"), "--columns", "a,b,c,d", "--steps", "20", "-o", "csv",
                "--plot", str(tmp_path / f"{engine}.svg"), "--engine", engine, *extra)
        assert r.code == 0, r.err
        assert f"wrote {tmp_path / engine}.svg" in r.err
    strip = re.compile(rb'id="[^"]*"|xlink:href="[^"]*"|<dc:date>[^<]*</dc:date>|clip-path="[^"]*"')
    local, dask = ((tmp_path / f"{e}.svg").read_bytes() for e in ("local", "dask"))
    assert strip.sub(b"", local) == strip.sub(b"", dask)  # the same figure (ids and dates aside)


def test_empty_partitions(cli, scheduler, tmp_path):
    (tmp_path / "p").mkdir()
    for name, text in {"part-0.csv": "", "part-1.csv": "a,b\n", "part-2.csv": "a,b\n0.5,0.5\n",
                       "part-3.csv": "b,a\n1,0\n"}.items():
        (tmp_path / "p" / name).write_text(text)
    r = same(cli, scheduler, "entropy", "-i", str(tmp_path / "p"), "-o", "csv", "--row-number")
    assert r.code == 0 and len(r.lines()) == 3
    r = same(cli, scheduler, "kl", "-p", str(tmp_path / "p"), "-q", str(tmp_path / "p"), "-o", "plain")
    assert r.code == 0 and r.floats() == [0.0, 0.0]
    (tmp_path / "none").mkdir()
    (tmp_path / "none" / "a.csv").write_text("a,b\n")
    (tmp_path / "none" / "b.csv").write_text("")
    r = same(cli, scheduler, "entropy", "-i", str(tmp_path / "none"))
    assert r.code == 2 and "no rows to read in any of its 2 partition(s)" in r.err


def test_rows_are_numbered_through_the_dataset(cli, scheduler, data):
    r = same(cli, scheduler, "entropy", "-i", str(data / "p"), "-o", "csv", "--row-number")
    rows = [line.split(",")[:2] for line in r.lines()[1:]]
    assert len(rows) == 72
    assert rows[40] == ["41", "r1_0"] and rows[-1] == ["72", "r2_24"]


def test_checks_name_rows_of_the_dataset(cli, scheduler, data):
    r = same(cli, scheduler, "entropy", "-i", str(data / "p"), "-o", "plain", "--max", "0.9")
    values = np.array(r.floats())
    assert r.code == 1
    failing = np.flatnonzero(values > 0.9) + 1  # 1-based rows through the dataset
    listed = ", ".join(map(str, failing[:10]))
    assert f"check failed: entropy > 0.9 in rows {listed}" in r.err


def test_late_bad_row(cli, scheduler, data):
    r = same(cli, scheduler, "entropy", "-i", str(data / "p_bad"), "-o", "csv")
    assert r.code == 2
    assert len(r.lines()) == 1 + 40 + 7 + 5  # the header, partitions 0 and 1, and the rows before the bad one
    assert f"partition {data / 'p_bad' / 'part-2.csv'}, row 6 (line 7)" in r.err
    skipped = same(cli, scheduler, "entropy", "-i", str(data / "p_bad"), "-o", "csv", "--skip-invalid",
                   "--row-number")
    assert skipped.code == 1
    assert len(skipped.lines()) == 1 + 71
    assert "skipped 1 invalid row(s)" in skipped.err
    # lines 41-47 are partition 1, 48 on partition 2, whose row 6 (row 53 of the dataset) was skipped
    assert [line.split(",")[0] for line in skipped.lines()[52:54]] == ["52", "54"]


def test_partitioned_output(cli, scheduler, data, tmp_path):
    for engine, out in (("local", tmp_path / "local"), ("dask", tmp_path / "dask")):
        extra = ["--scheduler", scheduler] if engine == "dask" else []
        r = cli("entropy", "-i", str(data / "p"), "-o", "csv", "-O", f"{out}/", "--engine", engine, *extra)
        assert r.code == 0, r.err
    names = sorted(os.listdir(tmp_path / "local"))
    assert names == ["part-0.csv", "part-1.csv", "part-2.csv"]
    for name in names:
        assert (tmp_path / "local" / name).read_bytes() == (tmp_path / "dask" / name).read_bytes()
    assert len((tmp_path / "local" / "part-1.csv").read_text().splitlines()) == 1 + 7
    # A late bad row: the parts before it are kept, its own part is not written, nothing is left behind.
    bad = tmp_path / "bad"
    r = cli("entropy", "-i", str(data / "p_bad"), "-o", "csv", "-O", f"{bad}/", "--engine", "dask",
            "--scheduler", scheduler)
    assert r.code == 2
    assert sorted(os.listdir(bad)) == ["part-0.csv", "part-1.csv"]
    one = cli("entropy", "0.5", "0.5", "-O", f"{tmp_path / 'none'}/")
    assert one.code == 2 and "writes a part per partition" in one.err
    assert not (tmp_path / "none").exists()


def test_work_runs_on_the_workers(cli, scheduler, data):
    with distributed.Client(scheduler, set_as_default=False) as client:
        with distributed.get_task_stream(client) as stream:
            r = cli("entropy", "-i", str(data / "p"), "-o", "plain", "--engine", "dask", "--scheduler", scheduler)
        assert r.code == 0, r.err
        tasks = [t for t in stream.data if t["key"].startswith("run_partition")]
        assert len(tasks) == 3  # one per partition
        assert len({t["worker"] for t in tasks}) >= 1


@pytest.mark.parametrize("args, message", [
    (("drift", "-p", "{p}", "-q", "{p}", "--rows"), "does not run drift --rows"),
    (("calibrate", "-i", "{z}", "--columns", "a,b,c,d", "--target-column", "label"), "does not run calibrate"),
    (("kl", "-p", "{p}", "-q", "{q}", "--pairwise"), "does not run --pairwise"),
    (("kl", "-p", "{p}", "-q", "{p}", "--on", "id"), "does not run --on"),
    (("entropy", "-i", "-"), "reads datasets, not stdin"),
    (("kl", "-p", "{p}", "-q", "{one}"), "has 1 partition(s)"),
    (("xent", "--target", "{labels}", "-q", "{q}"), "more than one row"),
])
def test_refused_clearly(cli, scheduler, data, tmp_path, args, message):
    (tmp_path / "one").mkdir()
    (tmp_path / "one" / "only.csv").write_text("a,b,c,d\n0.25,0.25,0.25,0.25\n")
    (tmp_path / "labels.txt").write_text("\n".join("1" * 72) + "\n")
    args = [a.format(p=data / "p", q=data / "q", z=data / "z", one=tmp_path / "one", labels=tmp_path / "labels.txt")
            for a in args]
    r = cli(*args, "--engine", "dask", "--scheduler", scheduler, stdin="0.5,0.5\n")
    assert r.code == 2, (r.out, r.err)
    assert message in r.err
    assert "Traceback" not in r.err and "internal error" not in r.err


def test_values_and_single_files_run_here(cli, scheduler, tmp_path):
    (tmp_path / "x.csv").write_text("0.5,0.5\n1,0\n")
    r = cli("entropy", "-i", str(tmp_path / "x.csv"), "-o", "plain", "--engine", "dask", "--scheduler", scheduler)
    assert r.code == 0 and r.floats() == [np.log(2), 0.0]
    assert cli("entropy", "0.5", "0.5", "--engine", "dask", "-o", "plain").floats() == [np.log(2)]


def test_unreachable_scheduler(cli, data, monkeypatch):
    from entcli.cli import distributed as engine

    monkeypatch.setattr(engine, "CONNECT_TIMEOUT", 1)
    r = cli("entropy", "-i", str(data / "p"), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:9")
    assert r.code == 2
    assert "cannot reach the scheduler at tcp://127.0.0.1:9" in r.err


def test_scheduler_needs_the_engine(cli, data):
    r = cli("entropy", "-i", str(data / "p"), "--scheduler", "tcp://127.0.0.1:9")
    assert r.code == 2 and "add --engine dask" in r.err


def test_a_local_cluster_when_no_scheduler_is_given(data):
    from tests.helpers import run_process

    env = {"DASK_SCHEDULER_ADDRESS": ""}
    local = run_process("entropy", "-i", str(data / "p"), "-o", "csv", env=env)
    dask = run_process("entropy", "-i", str(data / "p"), "-o", "csv", "--engine", "dask", env=env)
    assert (dask.code, dask.out, dask.err) == (local.code, local.out, local.err)


@pytest.mark.parametrize("reply", [b"HTTP/1.0 200 OK\r\n\r\nhello", b"\xff" * 64, b""])
def test_an_address_that_is_no_scheduler(cli, data, reply):
    """A port that answers something else (a web server, noise, a closed connection) is an error, not a hang."""
    import socket
    import threading

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def answer() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            with conn:
                if reply:
                    conn.sendall(reply)

    threading.Thread(target=answer, daemon=True).start()
    try:
        port = server.getsockname()[1]
        r = cli("entropy", "-i", str(data / "p"), "--engine", "dask", "--scheduler", f"tcp://127.0.0.1:{port}")
    finally:
        server.close()
    assert r.code == 2, r.err
    assert f"cannot reach the scheduler at tcp://127.0.0.1:{port}" in r.err
