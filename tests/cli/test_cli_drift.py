"""`entcli drift` end to end: columns matched by name, categories aligned, bins from the baseline, checks, streaming."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from entcli.core.drift import drift_measures

BASE = "id,country,device,score\n" + "".join(
    f"u{i},{c},{d},{s}\n" for i, (c, d, s) in enumerate(
        [("de", "ios", 0.1), ("fr", "web", 0.5), ("de", "ios", 0.9), ("us", "android", 1.5), ("de", "web", -0.2),
         ("fr", "ios", 0.3)]))
# Columns in another order, a new category (tv), a missing one (us), scores outside the baseline's range.
TODAY = "score,device,country,id\n" + "".join(
    f"{s},{d},{c},t{i}\n" for i, (s, d, c) in enumerate(
        [(2.5, "tv", "de"), (0.2, "ios", "fr"), (-3.0, "web", "de"), (0.4, "ios", "fr")]))


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def records(r):
    assert r.code in (0, 1), r.err
    return {o["column"]: o for o in map(json.loads, r.out.splitlines())}


def test_categories_are_matched_by_name(cli, tmp_path):
    r = cli("drift", "-p", write(tmp_path, "b.csv", BASE), "-q", write(tmp_path, "t.csv", TODAY),
            "--columns", "country,device", "--epsilon", "0.01", "-o", "jsonl")
    got = records(r)
    # country: baseline de 3, fr 2, us 1; today de 2, fr 2, us 0 (categories in first-seen order)
    want = drift_measures([3, 2, 1], [2, 2, 0], epsilon=0.01)
    for name, value in want.items():
        assert got["country"][name] == pytest.approx(value, rel=1e-14), name
    assert (got["country"]["n_p"], got["country"]["n_q"], got["country"]["bins"]) == (6, 4, 3)
    # device: ios 3, web 2, android 1, tv 0 against ios 2, web 1, android 0, tv 1
    g = stats.chi2_contingency(np.array([[3, 2, 1, 0], [2, 1, 0, 1]]), correction=False, lambda_="log-likelihood")
    assert got["device"]["g_statistic"] == pytest.approx(g[0], rel=1e-12)
    assert got["device"]["g_p_value"] == pytest.approx(g[1], rel=1e-10)
    assert got["device"]["kind"] == "categorical" and got["device"]["epsilon"] == 0.01


def test_a_category_on_one_side_only_is_infinite_and_said(cli, tmp_path):
    r = cli("drift", "-p", write(tmp_path, "b.csv", BASE), "-q", write(tmp_path, "t.csv", TODAY),
            "--columns", "country", "-o", "jsonl")
    (obj,) = records(r).values()
    assert obj["psi"] is None and obj["nonfinite"]["psi"] == "inf" and obj["level"] == "significant"
    assert "psi is infinite for column(s) country" in r.err and "--epsilon" in r.err


def test_numeric_columns_are_binned_from_the_baseline(cli, tmp_path):
    r = cli("drift", "-p", write(tmp_path, "b.csv", BASE), "-q", write(tmp_path, "t.csv", TODAY),
            "--columns", "score", "--edges", "0,1", "-o", "jsonl")
    (obj,) = records(r).values()
    # baseline (-inf,0): 1, [0,1): 4, [1,inf): 1; today 1 (-3.0), 2, 1 (2.5): the outer bins are open
    want = drift_measures([1, 4, 1], [1, 2, 1])
    assert obj["psi"] == pytest.approx(want["psi"], rel=1e-14) and obj["bins"] == 3 and obj["kind"] == "numeric"
    r = cli("drift", "-p", write(tmp_path, "b.csv", BASE), "-q", write(tmp_path, "t.csv", TODAY),
            "--columns", "score", "--bins", "3", "-o", "jsonl", "--detail")
    rows = [json.loads(line) for line in r.lines()]
    values = np.array([0.1, 0.5, 0.9, 1.5, -0.2, 0.3])
    edges = np.quantile(values, [1 / 3, 2 / 3])
    lo, hi = float(edges[0]), float(edges[1])
    assert [row["category"] for row in rows] == [f"(-inf, {lo!r})", f"[{lo!r}, {hi!r})", f"[{hi!r}, inf)"]
    assert [row["count_p"] for row in rows] == [2, 2, 2] and sum(row["count_q"] for row in rows) == 4


def test_checks_name_the_columns_that_drift(cli, tmp_path):
    args = ("drift", "-p", write(tmp_path, "b.csv", BASE), "-q", write(tmp_path, "t.csv", TODAY), "--columns",
            "device,score", "--epsilon", "1e-3")
    assert cli(*args, "--max", "100").code == 0
    r = cli(*args, "--max", "0.1")
    assert r.code == 1 and "entcli: check failed: psi > 0.1 in column(s) device, score" in r.err
    r = cli(*args, "--min-p-value", "0.999999")
    assert r.code == 1 and "G-test p-value < 0.999999" in r.err
    r = cli(*args, "--measure", "total_variation")
    assert r.code == 0 and len(r.floats()) == 2 and all(0 <= x <= 1 for x in r.floats())


def test_errors(cli, tmp_path):
    b, t = write(tmp_path, "b.csv", BASE), write(tmp_path, "t.csv", TODAY.replace("country", "land"))
    r = cli("drift", "-p", b, "-q", t, "--columns", "country")
    assert r.code == 2 and "has no column 'country'" in r.err and "names are matched" in r.err
    r = cli("drift", "-p", b, "-q", write(tmp_path, "t2.csv", TODAY.replace("2.5,", "x,")), "--columns", "score")
    assert r.code == 2 and "numbers in -p but text in -q" in r.err and "--categorical score" in r.err
    r = cli("drift", "-p", b, "-q", b, "--edges", "1,0")
    assert r.code == 2 and "--edges must be finite and increasing" in r.err
    r = cli("drift", "-p", "0.5,0.5", "-q", "0.5,0.5")
    assert r.code == 2 and "no header" in r.err and "--rows" in r.err


def test_categorical_numbers_and_rows_mode(cli, tmp_path):
    r = cli("drift", "-p", write(tmp_path, "b.csv", "code\n1\n2\n2\n"), "-q", write(tmp_path, "t.csv", "code\n2\n3\n"),
            "--categorical", "code", "--detail", "-o", "jsonl")
    rows = [json.loads(line) for line in r.lines()]
    assert [(o["category"], o["count_p"], o["count_q"]) for o in rows] == [("1.0", 1, 0), ("2.0", 2, 1),
                                                                           ("3.0", 0, 1)]
    p = write(tmp_path, "p.csv", "cat,dog\n0.5,0.5\n0.7,0.3\n")
    q = write(tmp_path, "q.csv", "dog,cat\n0.4,0.6\n")
    (obj,) = records(cli("drift", "-p", p, "-q", q, "--rows", "-o", "jsonl")).values()
    want = drift_measures([1.2, 0.8], [0.6, 0.4])  # the mean distributions (0.6, 0.4) and (0.6, 0.4)
    assert obj["psi"] == pytest.approx(want["psi"], abs=1e-15) and obj["psi"] == pytest.approx(0.0, abs=1e-15)
    assert (obj["n_p"], obj["n_q"]) == (2, 1)


def test_units(cli, tmp_path):
    b, t = write(tmp_path, "b.csv", BASE), write(tmp_path, "t.csv", TODAY)
    nats = records(cli("drift", "-p", b, "-q", t, "--columns", "device", "--epsilon", "0.01", "-o", "jsonl"))
    bits = records(cli("drift", "-p", b, "-q", t, "--columns", "device", "--epsilon", "0.01", "-o", "jsonl",
                       "--bits"))
    assert bits["device"]["psi"] == pytest.approx(nats["device"]["psi"] / math.log(2), rel=1e-15)
    assert bits["device"]["hellinger"] == nats["device"]["hellinger"]  # no unit


def test_streaming_in_flat_memory(tmp_path):
    # 10 million rows of the current sample through a pipe: memory is bounded by the categories and bins.
    base = write(tmp_path, "b.csv", "device,score\nios,0.1\nweb,0.7\nandroid,0.4\n")
    chunk = ("ios,0.2\nweb,0.9\nandroid,-1\ntv,3\n" * 2500).encode()  # 10 000 rows
    code = (
        "import resource, subprocess, sys\n"
        f"p = subprocess.Popen([sys.executable, '-m', 'entcli', 'drift', '-p', {base!r}, '-q', '-', '--edges', "
        "'0,0.5', '-o', 'jsonl'], stdin=subprocess.PIPE, stdout=subprocess.PIPE)\n"
        "p.stdin.write(b'device,score\\n')\n"
        f"chunk = {chunk!r}\n"
        "for _ in range(1000):\n    p.stdin.write(chunk)\n"
        "p.stdin.close(); out = p.stdout.read(); p.wait()\n"
        "print(out.decode()); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    rows = {o["column"]: o for o in map(json.loads, lines[:-1])}
    assert rows["device"]["n_q"] == 10_000_000 and rows["score"]["n_q"] == 10_000_000
    assert int(lines[-1]) < 400 * 1024, f"peak RSS {int(lines[-1]) / 1024:.0f} MiB"  # KiB: flat, not 10M rows


def test_detail_bars_on_a_terminal_and_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    b, t = write(tmp_path, "b.csv", BASE), write(tmp_path, "t.csv", TODAY)
    r = cli("drift", "-p", b, "-q", t, "--columns", "country", "--detail", "-o", "table", "--plot",
            str(tmp_path / "d.png"))
    assert r.code == 0 or "infinite" in r.err
    # the bars: baseline de 3/6, current de 2/4 (both 0.500), us 1/6 against 0
    assert "country: baseline (p) | current (q)" in r.out
    (de,) = [line for line in r.out.splitlines() if line.strip().startswith("de ")]
    assert de.count("0.500") == 2
    assert (tmp_path / "d.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    r = cli("drift", "-p", b, "-q", t, "--plot", str(tmp_path / "d.txt"))
    assert r.code == 2 and "unknown image type" in r.err
