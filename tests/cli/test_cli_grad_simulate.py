"""grad and simulate through the command line: gradients, checks, the reference run, charts."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import special

from entcli.core.dynamics import simulate
from entcli.core.gradients import (
    entropy_grad,
)


def test_grad_cli_values_and_check(cli):
    r = cli("grad", "1.0", "0.8", "0.5", "--check", "-o", "json")
    (obj,) = json.loads(r.out)
    p, h, g = entropy_grad(np.array([1.0, 0.8, 0.5]))
    np.testing.assert_allclose(obj["grad"], g, rtol=1e-15)
    assert obj["entropy"] == pytest.approx(h, rel=1e-15)
    assert obj["fd_max_abs_error"] < 1e-9 and r.code == 0



def test_grad_check_fails_loudly_with_tiny_tolerance(cli):
    r = cli("grad", "1.0", "0.8", "0.5", "--check", "--check-tol", "1e-30")
    assert r.code == 1 and "check failed" in r.err



def test_grad_xent_kd_softmax_lr(cli):
    (obj,) = json.loads(cli("grad", "--of", "xent", "--target", "0", "1", "2", "3", "-o", "json").out)
    np.testing.assert_allclose(obj["grad"], special.softmax([1, 2, 3]) - [1, 0, 0], rtol=1e-15, atol=1e-17)
    (obj,) = json.loads(cli("grad", "--of", "kd", "--teacher", "3,2,1", "-T", "4", "--t2", "1", "2", "3",
                            "-o", "json").out)
    expected = 4 * (special.softmax(np.array([1, 2, 3]) / 4) - special.softmax(np.array([3, 2, 1]) / 4))
    np.testing.assert_allclose(obj["grad"], expected, rtol=1e-13, atol=1e-15)  # middle term is 0 exactly
    (obj,) = json.loads(cli("grad", "--of", "softmax", "--check", "1", "2", "-o", "json").out)
    assert np.array(obj["jacobian"]).shape == (2, 2) and obj["fd_max_abs_error"] < 1e-9
    (obj,) = json.loads(cli("grad", "--lr", "0.5", "1.0", "0.8", "0.5", "-o", "json").out)
    h = simulate(lr=0.5, steps=1)
    np.testing.assert_allclose(obj["z_next"], h.z[1, 0], rtol=1e-15)
    assert obj["entropy_next"] == pytest.approx(h.entropy[1, 0], rel=1e-15)



def test_grad_errors(cli):
    assert "needs --target" in cli("grad", "--of", "xent", "1", "2").err
    assert "needs --teacher" in cli("grad", "--of", "kd", "1", "2").err
    assert cli("grad", "--of", "xent", "--target", "5", "1", "2").code == 2
    assert cli("grad", "-T", "2", "1", "2").code == 2



def test_simulate_cli_reference_and_formats(cli):
    r = cli("simulate")
    assert r.code == 0 and len(r.lines()) == 21
    assert float(r.lines()[-1]) == pytest.approx(0.228, abs=5e-4)
    rows = cli("simulate", "-o", "csv", "--every", "5").lines()
    assert rows[0] == "step,entropy,max_p,grad_norm,p1,p2,p3,z1,z2,z3"
    assert [int(r.split(",")[0]) for r in rows[1:]] == [0, 5, 10, 15, 20]
    last = [float(x) for x in rows[-1].split(",")]
    np.testing.assert_allclose(last[4:7], [0.951, 0.029, 0.019], atol=6e-4)



def test_simulate_many_rows_side_by_side(cli):
    r = cli("simulate", "-o", "jsonl", "--steps", "3", stdin="1,0.8,0.5\n0,0,1\n", tty=False)
    # stdin is read only with -i -
    assert len(r.lines()) == 4
    r = cli("simulate", "-i", "-", "-o", "jsonl", "--steps", "3", stdin="1,0.8,0.5\n0,0,1\n")
    objs = [json.loads(x) for x in r.lines()]
    assert [(o["row"], o["step"]) for o in objs] == [(1, 0), (1, 1), (1, 2), (1, 3), (2, 0), (2, 1), (2, 2), (2, 3)]



def test_simulate_maximize_and_until_in_bits(cli):
    r = cli("simulate", "--maximize", "--steps", "300", "--lr", "1", "--bits", "2", "0", "-1")
    assert float(r.lines()[-1]) == pytest.approx(math.log2(3), rel=1e-9)
    r = cli("simulate", "--until", "1", "--bits", "-o", "csv")
    assert float(r.lines()[-1].split(",")[1]) <= 1.0 < float(r.lines()[-2].split(",")[1])



def test_simulate_table_has_charts(cli):
    r = cli("simulate", "-o", "table")
    assert "Entropy minimisation (nats)" in r.out
    # The chart lines: the entropy falls (its sparkline starts high, ends low) and p1 rises to the top block.
    chart = {line.split()[0]: line for line in r.lines() if line.startswith(("entropy ", "p1 "))}
    assert chart["entropy"].split()[2][0] == "█" and chart["p1"].split()[2][-1] == "█"
    assert all(len(line) <= 120 for line in r.lines())



def test_simulate_plot(cli, tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "run.png"
    r = cli("simulate", "--plot", str(path))
    assert r.code == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    assert cli("simulate", "--plot", str(tmp_path / "run.gif")).code == 2



def test_simulate_bad_options(cli):
    for args in (["--steps", "-1"], ["--lr", "-1"], ["--every", "0"], ["-T", "0"]):
        r = cli("simulate", *args)
        assert r.code == 2 and r.err.startswith("entcli: error:"), args



def test_plot_without_matplotlib_says_which_extra(cli, monkeypatch, tmp_path):
    import sys

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` raise ImportError
    r = cli("simulate", "--plot", str(tmp_path / "run.png"))
    # Checked before anything is computed: nothing on stdout.
    assert r.code == 2
    assert r.out == ""
    assert r.err.splitlines() == ["entcli: error: --plot needs matplotlib, which is not installed",
                                  "entcli: hint: pip install 'entcli[plot]'"]



def test_simulate_logits_option_takes_numbers_a_file_or_stdin(cli, tmp_path):
    expected = cli("simulate", "-o", "csv", "--steps", "2", "-1", "0", "2").lines()
    assert cli("simulate", "-o", "csv", "--steps", "2", "--logits", "-1,0,2").lines() == expected
    path = tmp_path / "z.csv"
    path.write_text("-1,0,2\n")
    from_file = cli("simulate", "-o", "csv", "--steps", "2", "--logits", str(path)).lines()
    from_stdin = cli("simulate", "-o", "csv", "--steps", "2", "--logits", "-", stdin="-1,0,2\n").lines()
    assert from_file == from_stdin and [line.split(",", 1)[1] for line in from_file[1:]] == expected[1:]
    assert cli("simulate", "--logits", "1,2", "3", "4").code == 2  # the start values given twice


def test_kd_fields_are_all_at_temperature_one(cli):
    # grad --of kd -T 3 and simulate --objective kd: p, max_p and entropy are of softmax(z) (T = 1), one
    # distribution; only the loss is at T. entropy must be H of the p printed beside it.
    r = cli("grad", "--of", "kd", "--teacher", "2,1,0", "-T", "3", "-o", "json", "1", "0.5", "-1")
    (obj,) = json.loads(r.out)
    z = np.array([1, 0.5, -1])
    p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    assert obj["p"] == pytest.approx(p.tolist(), rel=1e-15)
    assert obj["entropy"] == pytest.approx(-np.sum(p * np.log(p)), rel=1e-15)
    r = cli("simulate", "--objective", "kd", "--teacher", "2,1,0", "-T", "3", "--steps", "2", "-o", "jsonl",
            "1", "0.5", "-1")
    for row in map(json.loads, r.out.splitlines()):
        q = np.array(row["p"])
        assert row["entropy"] == pytest.approx(-np.sum(q * np.log(q)), rel=1e-14)
        assert row["max_p"] == max(row["p"])


def test_estimator_fields_say_what_they_mean(cli):
    r = cli("entropy", "--counts", "--estimator", "chao-shen", "1", "1", "1", "-o", "json", "--explain")
    (obj,) = json.loads(r.out)
    assert obj["normalized"] > 1 and obj["perplexity"] > 3  # an estimate above log K: unseen outcomes
    assert obj["normalized"] == pytest.approx(obj["entropy"] / math.log(3), rel=1e-15)
    assert "the estimate may exceed log K" in r.err


def test_simulate_in_pieces_writes_what_one_piece_writes(cli, tmp_path, monkeypatch):
    # A history cut into pieces (rows in groups, a row's steps a run at a time) is written exactly as one piece:
    # rows one after another, every --every-th step and each row's last, keys with their rows.
    from entcli.cli.commands import simulate as command

    rng = np.random.default_rng(5)
    z = rng.normal(size=(7, 4)) * 2
    path = tmp_path / "z.csv"
    path.write_text("id,a,b,c,d\n" + "".join(f"r{i}," + ",".join(map(repr, row)) + "\n"
                                              for i, row in enumerate(z.tolist())))
    args = ("simulate", "-i", str(path), "--steps", "150", "--every", "7", "--until", "0.4", "-o", "csv")
    whole = cli(*args)
    assert whole.code == 0, whole.err
    monkeypatch.setattr(command, "SIMULATED_CELLS", 4 * 40)  # groups of 1 row, 40 steps a piece (after 64 first)
    cut = cli(*args)
    assert cut.code == 0 and cut.out == whole.out
    # Groups of 3 rows whose 151 steps fit: one piece each (in pieces of 64 steps first, the group's rows came
    # interleaved, row 1 steps 0-63, row 2 steps 0-63, ...: found when the piece size was tuned for memory).
    # No --until: every row runs all 151 steps, past the first piece's 64.
    full_run = [a for a in args if a not in ("--until", "0.4")]
    monkeypatch.setattr(command, "SIMULATED_CELLS", 1 << 17)
    one = cli(*full_run)
    monkeypatch.setattr(command, "SIMULATED_CELLS", 3 * 151 * 4)
    grouped = cli(*full_run)
    assert one.code == grouped.code == 0 and grouped.out == one.out
    steps_per_row = len([*range(0, 151, 7), 150])  # every 7th step and the last
    assert [line.split(",")[1] for line in one.lines()[1:]] == [f"r{i}" for i in range(7) for _ in range(steps_per_row)]
    # And both agree with the core's whole history: row 3's last step is where its entropy first fell below 0.4.
    from entcli.core.dynamics import simulate

    h = simulate(z, 0.5, 150, until=0.4)
    rows = [line.split(",") for line in whole.lines()[1:]]
    assert [r[1] for r in rows] == sorted((r[1] for r in rows), key=lambda key: int(key[1:]))  # row-major
    for i in range(7):
        steps = [int(r[2]) for r in rows if r[1] == f"r{i}"]
        assert steps == sorted({*range(0, int(h.last[i]) + 1, 7), int(h.last[i])})
        if h.last[i] > 0:  # a row stops at the first step at or below --until
            assert h.entropy[h.last[i], i] <= 0.4 < h.entropy[h.last[i] - 1, i]
    assert any(h.last > 0) and any(h.last < 150)


def test_simulate_streams_a_run_of_any_length():
    # 10^9 steps: the first lines come at once (the history is never held whole), and | head ends it with exit 0.
    proc = subprocess.run(f"{sys.executable} -m entcli simulate --steps 1000000000 -o csv | head -3", shell=True,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.splitlines()[1].startswith("0,1.0785006135390518,")


def test_core_pieces_join_to_the_whole_history():
    from entcli.core.dynamics import simulate, simulate_pieces

    z = np.random.default_rng(1).normal(size=(4, 5))
    whole = simulate(z, 0.05, 300, maximize=True, until=1.6)
    from entcli.core.objectives import Objective

    pieces = list(simulate_pieces(z, 0.05, 300, Objective("entropy"), maximize=True, until=1.6, piece_steps=50))
    assert len(pieces) > 2 and (whole.last < 300).any()  # past several pieces; some rows stop on the way
    assert [p.first for p in pieces] == list(np.cumsum([0] + [len(p.z) for p in pieces[:-1]]))
    assert all(len(p.z) == 50 for p in pieces[:-1]) and len(pieces[-1].z) <= 50
    for name in ("z", "p", "entropy", "objective", "max_p", "grad_norm"):
        np.testing.assert_array_equal(np.concatenate([getattr(p, name) for p in pieces]), getattr(whole, name))
    np.testing.assert_array_equal(pieces[-1].last, whole.last)


def test_simulate_table_to_a_file_keeps_the_charts_off_stdout(cli, tmp_path):
    out = tmp_path / "t.txt"
    r = cli("simulate", "-o", "table", "-O", str(out))
    assert r.code == 0 and r.out == ""  # nothing on stdout: the table went to the file, charts are for a screen
    assert "grad_norm" in out.read_text() and "first row, steps" not in out.read_text()
    r = cli("simulate", "-o", "table")
    assert "Entropy minimisation (nats): first row, steps 0..20" in r.out
