"""Issue-14 reproducers: output faults, closed streams and inputs that reached exit 70 are `error:` + exit 2 (or
the right answer), through a real process where the fault is the process's (closed descriptors, /dev/full)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.helpers import run_process


def shell(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in sh with `entcli` meaning this interpreter's entcli."""
    full = command.replace("entcli ", f"{sys.executable} -m entcli ")
    return subprocess.run(["sh", "-c", full], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "NO_COLOR": "1", **(env or {})})


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", ["entcli entropy 0.5 0.5 > /dev/full", "entcli entropy 0.5 0.5 -O /dev/full",
                                     "entcli kl -p 0.5,0.5 -q 0.9,0.1 -o json > /dev/full"])
def test_a_full_disk_is_an_error(command):
    proc = shell(command)
    assert proc.returncode == 2 and "cannot write (No space left on device)" in proc.stderr
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr


def test_closed_stdout_is_an_error():
    proc = shell("entcli entropy 0.5 0.5 >&-")
    assert proc.returncode == 2 and "error: stdout is closed" in proc.stderr


def test_closed_stderr_keeps_stdout_clean():
    proc = shell("entcli entropy 0.5 0.5 -o jsonl 2>&-")
    assert proc.returncode == 0 and proc.stdout.count("\n") == 1 and proc.stdout.startswith('{"entropy"')
    proc = shell("entcli entropy x 2>&-")
    assert proc.returncode == 2 and proc.stdout == ""  # the error is dropped, never written into the data


def test_an_encoding_that_cannot_hold_a_name_is_an_error(tmp_path):
    (tmp_path / "u.csv").write_text("cat,déjà\n0.5,0.5\n", encoding="utf-8")
    r = run_process("entropy", "-i", str(tmp_path / "u.csv"), "--detail", "-o", "csv",
                    env={"PYTHONIOENCODING": "ascii"})
    # stderr is ascii too, so the é of the message itself comes out as \xe9
    assert r.code == 2 and "cannot encode" in r.err and "as ascii" in r.err and "-O PATH" in r.err


@pytest.mark.parametrize("args, message", [
    (["entropy", "1_000", "1"], "('1_000') is not a number"),
    (["entropy", "０.5", "0.5"], "is not a number"),
    (["grad", "--lr", "nan", "1", "2"], "--lr must be a finite number"),
    (["entropy", "--max", "nan", "0.5", "0.5"], "--max must be a finite number"),
    (["entropy", "--min", "inf", "0.5", "0.5"], "--min must be a finite number"),
    (["kl", "--base", "0.5", "-p", "0.5,0.5", "-q", "0.9,0.1"], "must be finite and > 1"),
])
def test_options_and_values_that_were_accepted(cli, args, message):
    r = cli(*args)
    assert r.code == 2 and message in r.err


def test_digit_separators_are_refused_by_every_reader_path(cli):
    # loadtxt refuses '1_0', so its chunk goes to the line-by-line path, which must refuse it too (float() would not).
    r = cli("entropy", stdin="0.5,0.5\n1_0,0\n")
    assert r.code == 2 and "line 2: column 1 ('1_0') is not a number" in r.err and r.out == "0.6931471805599453\n"


def test_a_tiny_temperature_gives_the_limit_not_nan(cli):
    assert cli("softmax", "-T", "1e-320", "1", "2").out == "0.0,1.0\n"
    assert cli("softmax", "-T", "1e-320", "2", "2", "1").out == "0.5,0.5,0.0\n"  # uniform over the maxima
    r = cli("kl", "--logits", "-T", "1e-320", "-p", "1,2", "-q", "2,1")
    assert r.floats() == [float("inf")] and "not finite" in r.err


def test_json_integers_beyond_float_range(cli):
    r = cli("entropy", "--input-format", "jsonl", stdin="[" + "1" * 400 + ", 1]\n")
    assert r.code == 2 and "is too large for a float64" in r.err and "line 1" in r.err


def test_npy_header_claiming_a_huge_shape_on_stdin(cli):
    header = b'{"descr": "<f8", "fortran_order": False, "shape": (100000000000, 10), }'
    header += b" " * (117 - len(header)) + b"\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header
    r = cli("entropy", stdin=data)
    # Read a block of rows at a time, the claim costs nothing: the data ends where the stream does.
    assert r.code == 2 and "the .npy data ends after 0 of the 100000000000 rows its header gives" in r.err


def test_simulate_plot_of_extreme_logits(cli, tmp_path):
    pytest.importorskip("matplotlib")
    r = cli("simulate", "--plot", str(tmp_path / "x.png"), "1e308", "-1e308", "0")
    assert r.code == 2 and "cannot draw these values" in r.err and "RuntimeWarning" not in r.err


def test_head_on_a_long_output_exits_zero(tmp_path):
    # `| head -1`: the reader takes one line and closes the pipe mid-run (several blocks to write).
    (tmp_path / "big.csv").write_text("\n".join(["0.25,0.75"] * 300_000) + "\n")
    for args in (["entropy", "-i", str(tmp_path / "big.csv")],
                 ["kl", "-p", str(tmp_path / "big.csv"), "-q", "0.5,0.5", "-o", "csv"]):
        proc = subprocess.Popen([sys.executable, "-m", "entcli", *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.readline()
        proc.stdout.close()
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 0, (args, err)  # was 1: Typer's own EPIPE handling
        assert err == ""


def test_a_late_bad_line_on_one_side_keeps_the_pairs_before_it(cli, tmp_path):
    (tmp_path / "late.csv").write_text("0.5,0.5\n0.5,0.5\n0.5,0.5\n0.5,x\n")
    r = cli("kl", "-p", str(tmp_path / "late.csv"), "-q", "0.5,0.5")
    assert r.code == 2 and r.floats() == [0.0, 0.0, 0.0] and "line 4" in r.err
    r = cli("kl", "-p", "0.5,0.5", "-q", str(tmp_path / "late.csv"))
    assert r.code == 2 and r.floats() == [0.0, 0.0, 0.0]
    (tmp_path / "one.csv").write_text("0.5,0.5\nx,1\n")  # one good row then a bad one: not a broadcast row
    r = cli("kl", "-p", str(tmp_path / "one.csv"), "-q", str(tmp_path / "late.csv"))
    assert r.code == 2 and r.floats() == [0.0] and "one.csv: line 2" in r.err


@pytest.mark.usefixtures("both_readers")
def test_invalid_utf8_keeps_the_rows_before_it(cli, tmp_path):
    data = b"0.5,0.5\n" * 1000 + b"\xff\xfe,1\n" + b"1,0\n"
    (tmp_path / "bad.csv").write_bytes(data)
    r = cli("entropy", "-i", str(tmp_path / "bad.csv"))
    assert r.code == 2 and len(r.lines()) == 1000 and "line 1001 is not valid UTF-8" in r.err
    r = cli("entropy", "-i", str(tmp_path / "bad.csv"), "--skip-invalid")
    assert r.code == 1 and len(r.lines()) == 1001 and r.lines()[-1] == "0.0" and "skipped: " in r.err


def test_a_stream_without_line_ends_is_an_error_in_bounded_memory():
    # -i /dev/zero: no line end ever; under a 1.5 GB address-space limit, an error naming the limit, not a crash.
    if not os.path.exists("/dev/zero"):
        pytest.skip("needs /dev/zero")
    for command in ("entcli entropy -i /dev/zero", "entcli entropy < /dev/zero",
                    "entcli entropy --input-format csv < /dev/zero"):
        proc = shell(f"ulimit -v 1500000; {command}")
        assert proc.returncode == 2, (command, proc.stderr)
        assert "is longer than 64 MiB (no line end)" in proc.stderr, proc.stderr


@pytest.mark.usefixtures("both_readers")
def test_cr_only_line_ends_in_many_chunks(cli, tmp_path, monkeypatch):
    from entcli.io import text

    monkeypatch.setattr(text, "CHUNK_BYTES", 64)  # many chunks, each cut at a CR
    rows = ["0.5,0.5", "0.9,0.1", "1,0"] * 50
    (tmp_path / "cr.csv").write_bytes(("\r".join(rows) + "\r").encode())
    r = cli("entropy", "-i", str(tmp_path / "cr.csv"))
    assert r.code == 0 and len(r.lines()) == 150 and r.lines()[-1] == "0.0"


def test_many_leading_blank_lines_are_sniffed_once_each(cli):
    r = cli("entropy", stdin="\n" * 40_000 + "# a comment\n" + "0.5,0.5\n")
    assert r.code == 0 and r.floats() == [0.6931471805599453]


def test_sigterm_during_output_leaves_no_temporary_file(tmp_path):
    import signal
    import time

    (tmp_path / "big.csv").write_text("0.25,0.75\n" * 3_000_000)
    out = tmp_path / "out"
    out.mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "entcli", "entropy", "-i", str(tmp_path / "big.csv"), "-O",
                             str(out / "result.csv"), "-o", "csv"], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(out.iterdir()) and time.monotonic() < deadline:  # until the temporary file exists
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 128 + signal.SIGTERM
    assert list(out.iterdir()) == []  # neither the temporary file nor a partial result


def test_messages_name_the_options_and_files_as_the_user_gave_them(cli, tmp_path):
    r = cli("simulate", "--objective", "kd")
    assert r.code == 2 and "--objective kd needs --teacher" in r.err  # simulate has no --of
    r = cli("simulate", "--objective", "entropy", "--teacher", "1,2")
    assert r.code == 2 and "--teacher applies to --objective kd" in r.err
    assert "--of kd needs --teacher" in cli("grad", "--of", "kd", "1", "2").err
    (tmp_path / "fake.npy").write_text("0.5,0.5\n")  # a CSV with the wrong extension
    r = cli("entropy", "-i", str(tmp_path / "fake.npy"))
    assert r.code == 2 and "allow_pickle" not in r.err and "its own extension" in r.err


@pytest.mark.parametrize(("argv", "module"), [
    (["softmax", "1", "2"], "typer"),  # the app being imported
    (["entropy", "0.5", "0.5"], "numpy"),  # the one-liner's short way (entcli.cli.quick), which imports no Typer
])
def test_ctrl_c_while_starting_is_exit_130_without_traceback(argv, module):
    # Ctrl-C while the app is still being imported (before its own handler exists): made deterministic by an
    # import hook that raises KeyboardInterrupt when a module is imported, as a SIGINT at that moment would.
    code = (
        "import sys\n"
        "class Interrupt:\n"
        "    @staticmethod\n"
        "    def find_spec(name, path=None, target=None):\n"
        f"        if name == {module!r}:\n"
        "            raise KeyboardInterrupt\n"
        "sys.meta_path.insert(0, Interrupt)\n"
        "from entcli.cli.entry import main\n"
        f"sys.argv = ['entcli', *{argv!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130 and "Traceback" not in proc.stderr, proc.stderr[-300:]
