"""Issue 16: entcli behaves like a Unix tool in pipes and on terminals — results of a slow pipe come out as its
rows arrive, progress only on a terminal, big tables cut to their first and last rows, narrow screens readable."""

from __future__ import annotations

import json
import math
import os
import re
import select
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from entcli.io.text import read_chunks

#: How long a test waits for a result that should come "at once" (start-up of the interpreter included). The
#: contract is ~0.2 s after the row arrives; this bound only has to separate "promptly" from "at end of input".
PROMPT = 10.0


def readline_within(stream, seconds: float) -> bytes | None:
    """The next line of the unbuffered ``stream`` if it starts within ``seconds``, else None."""
    ready, _, _ = select.select([stream], [], [], seconds)
    return stream.readline() if ready else None


LOG2 = 0.6931471805599453  # H(0.5, 0.5) = log 2 nats


@pytest.mark.parametrize(("args", "first", "second", "value"), [
    (["entropy", "-o", "plain"], b"0.5,0.5\n", b"0.9,0.1\n", LOG2),
    (["entropy", "-o", "jsonl"], b'{"p": [0.5, 0.5]}\n', b'{"p": [0.9, 0.1]}\n', LOG2),
    (["entropy", "--unbuffered", "-o", "csv"], b"a,b\n0.5,0.5\n", b"0.9,0.1\n", LOG2),
    (["kl", "-p", "-", "-q", "0.25,0.75"], b"0.5,0.5\n", b"0.9,0.1\n",
     0.5 * math.log(0.5 / 0.25) + 0.5 * math.log(0.5 / 0.75)),
    (["softmax", "-i", "-"], b"0,0\n", b"1,2\n", 0.5),  # a first line shorter than the .npy magic
    (["entropy", "--input-format", "csv"], b"1\n", b"1\n", 0.0),
])
def test_a_slow_pipe_gets_each_result_before_the_next_row_is_sent(args, first, second, value):
    # The pipe stays open after the first row: a reader that waits for a full chunk or EOF never answers it.
    proc = subprocess.Popen([sys.executable, "-m", "entcli", *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, "NO_COLOR": "1"}, bufsize=0)
    try:
        proc.stdin.write(first)
        proc.stdin.flush()
        got = readline_within(proc.stdout, PROMPT)
        if args[-2:] == ["-o", "csv"]:  # the header comes with the first row
            got = readline_within(proc.stdout, PROMPT)
        assert got is not None, "no result while the input pipe was open"
        assert float(got.split(b",")[0].split(b":")[-1].strip(b" }\n")) == pytest.approx(value, rel=1e-15)
        proc.stdin.write(second)
        proc.stdin.close()
        rest = proc.stdout.read()
        assert proc.wait(timeout=60) == 0
        assert rest.count(b"\n") == 1
    finally:
        proc.kill()


def test_an_error_in_a_pipe_that_stays_open_exits_at_once_with_the_rows_before_it():
    proc = subprocess.Popen([sys.executable, "-m", "entcli", "entropy"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b"0.5,0.5\nbad\n")
        proc.stdin.flush()
        assert proc.wait(timeout=PROMPT) == 2  # the reader thread blocked on the open pipe does not hold it up
        assert proc.stdout.read() == b"0.6931471805599453\n"
        assert b"line 2" in proc.stderr.read()
    finally:
        proc.kill()


class TestPromptChunks:
    """read_chunks on a real pipe: whole lines are passed on when no more input comes; a partial line waits."""

    END = b"<end>"

    def chunks(self, wait: float, size: int = 1 << 20):
        """The chunks of a fresh pipe, taken by a thread into a queue as read_chunks yields them; its write end."""
        import queue

        r, w = os.pipe()
        got: queue.Queue[bytes] = queue.Queue()

        def consume() -> None:
            for chunk in read_chunks(os.fdopen(r, "rb"), b"", size=size, wait=wait):
                got.put(chunk)
            got.put(self.END)

        threading.Thread(target=consume, daemon=True).start()
        return got, w

    @staticmethod
    def next_within(got, seconds: float = PROMPT) -> bytes | None:
        import queue

        try:
            return got.get(timeout=seconds)
        except queue.Empty:
            return None

    @pytest.mark.parametrize("wait", [0.0, 0.05])
    def test_lines_go_on_partial_lines_wait(self, wait):
        got, w = self.chunks(wait)
        started = time.monotonic()
        os.write(w, b"1\n2")
        assert self.next_within(got) == b"1\n"  # not "1\n2": a row is never cut
        assert time.monotonic() - started >= wait * 0.9
        assert self.next_within(got, 0.3) is None  # "2" has no line end yet: nothing to pass on
        os.write(w, b"\n3\n")
        os.close(w)
        rest = b""
        while (chunk := self.next_within(got)) not in (None, self.END):
            rest += chunk
        assert rest == b"2\n3\n"
        assert chunk == self.END

    def test_end_of_input_without_a_line_end_keeps_the_last_row(self):
        got, w = self.chunks(0.05)
        os.write(w, b"1\n2")
        os.close(w)
        data = b""
        while (chunk := self.next_within(got)) not in (None, self.END):
            data += chunk
        assert data == b"1\n2" and chunk == self.END

    def test_fast_input_is_cut_at_the_chunk_size_not_per_piece(self):
        got, w = self.chunks(10.0)  # a long wait: only the size can end a chunk before EOF
        data = b"0.25,0.75\n" * 300_000  # 3 MB, > size
        threading.Thread(target=lambda: (os.write(w, data), os.close(w)), daemon=True).start()
        sizes = []
        while (chunk := self.next_within(got)) not in (None, self.END):
            sizes.append(len(chunk))
        assert chunk == self.END
        assert sum(sizes) == len(data) and len(sizes) <= 4 and max(sizes) >= 1 << 20


def run_with_terminal_stderr(args: list[str], stdin_path: str | None = None, stdout_tty: bool = False,
                             env: dict[str, str] | None = None) -> tuple[int, bytes, bytes]:
    """Run entcli with stderr (and, with ``stdout_tty``, stdout) on a pseudo-terminal; return the exit code, what
    stdout got (or the terminal, with ``stdout_tty``) and what the terminal got."""
    import pty

    master, slave = pty.openpty()
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL  # noqa: SIM115 - closed below
    try:
        proc = subprocess.Popen([sys.executable, "-m", "entcli", *args], stdin=stdin,
                                stdout=slave if stdout_tty else subprocess.PIPE, stderr=slave,
                                env={**os.environ, "NO_COLOR": "1", "COLUMNS": "100", **(env or {})})
        os.close(slave)
        terminal = b""
        out = b""
        while True:
            ready, _, _ = select.select([master] + ([proc.stdout] if proc.stdout else []), [], [], 60)
            if not ready:
                break
            if master in ready:
                try:
                    data = os.read(master, 1 << 16)
                except OSError:  # the terminal's last writer is gone
                    data = b""
                if not data:
                    break
                terminal += data
            if proc.stdout is not None and proc.stdout in ready:
                out += proc.stdout.read1(1 << 16) if hasattr(proc.stdout, "read1") else proc.stdout.read()
        if proc.stdout is not None:
            out += proc.stdout.read()
        return proc.wait(timeout=60), out, terminal
    finally:
        os.close(master)
        if stdin_path:
            stdin.close()


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory):
    import numpy as np

    path = tmp_path_factory.mktemp("progress") / "big.csv"
    rng = np.random.default_rng(0)
    rows = rng.dirichlet(np.ones(8), 150_000)
    np.savetxt(path, rows, delimiter=",", fmt="%.17g")
    return str(path)


class TestProgress:
    def test_progress_on_a_terminal_shows_rows_bytes_and_rate_and_is_erased(self, big_csv):
        code, out, terminal = run_with_terminal_stderr(["entropy", "-i", big_csv, "--progress", "-o", "plain"])
        assert code == 0 and out.count(b"\n") == 150_000  # results intact: nothing of the progress line in them
        text = terminal.decode()
        assert "rows" in text and "rows/s" in text and "of " in text and "MB" in text, text[:300]
        assert text.endswith("\r\x1b[K")  # erased at the end
        assert b"rows/s" not in out

    def test_no_progress_when_stderr_is_not_a_terminal(self, big_csv):
        proc = subprocess.run([sys.executable, "-m", "entcli", "entropy", "-i", big_csv, "--progress"],
                              capture_output=True, timeout=120)
        assert proc.returncode == 0 and proc.stderr == b""

    @pytest.mark.parametrize("flag", ["--no-progress", "--quiet"])
    def test_no_progress_when_asked(self, big_csv, flag):
        code, _, terminal = run_with_terminal_stderr(["entropy", "-i", big_csv, flag])
        assert code == 0 and terminal == b""

    def test_a_short_run_shows_none(self):
        code, out, terminal = run_with_terminal_stderr(["entropy", "0.5", "0.5"])
        assert code == 0 and terminal == b"" and out == b"0.6931471805599453\n"

    def test_warnings_are_not_mixed_into_the_progress_line(self, tmp_path):
        path = tmp_path / "q0.csv"
        path.write_text("1,0\n" * 1000)  # KL((0.5, 0.5) || (1, 0)) = inf: a warning at the end
        code, _, terminal = run_with_terminal_stderr(["kl", "-p", "0.5,0.5", "-q", str(path), "--progress"])
        assert code == 0
        text = terminal.decode()
        assert "rows" in text.split("\r\x1b[K")[0] or text.startswith("\r")  # the line was drawn
        assert "1,000 rows" in text
        after = text.split("\r\x1b[K")[-1]  # what follows the last erase: the warning, on a line of its own
        assert after.startswith("entcli: warning: kl is not finite in rows 1, 2"), after


class TestDetails:
    def test_errors_name_the_program_first(self, cli):
        r = cli("entropy", "0.5", "x")
        assert r.code == 2
        assert r.err.splitlines()[0] == "entcli: error: value 2 ('x') is not a number"
        assert r.err.splitlines()[1].startswith("entcli: hint: ")
        r = cli("entropy", "--max", "0.5", "0.5", "0.5")
        assert r.code == 1 and r.err == "entcli: check failed: entropy > 0.5 in row 1\n"

    @pytest.mark.parametrize("flag", ["-V", "--version"])
    def test_version(self, flag):
        from tests.helpers import run_process

        r = run_process(flag)
        assert r.code == 0 and re.fullmatch(r"entcli \d+\.\d+\.\d+\S*\n", r.out)

    def test_exact_fractions(self, cli):
        import mpmath

        r = cli("entropy", "1/3", "1/3", "1/3")
        h = float(r.out)
        assert r.code == 0 and abs(h - math.log(3)) <= 2 * math.ulp(math.log(3))
        # The inputs are float64(1/3): the judge computes H of exactly those numbers at 50 digits.
        mpmath.mp.dps = 50
        p = mpmath.mpf(1 / 3)
        assert abs(h - float(-3 * p * mpmath.log(p))) <= 2 * math.ulp(h)
        r = cli("kl", "-p", "1/4,3/4", "-q", "1/2,1/2", "-o", "jsonl")
        assert json.loads(r.out)["kl"] == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5), rel=1e-15)
        assert cli("softmax", "-1/2", "1/2").out == cli("softmax", "-0.5", "0.5").out

    @pytest.mark.parametrize(("token", "message"), [("1/0", "divides by zero"), ("1/x", "is not a number"),
                                                    ("1//2", "is not a number"), ("inf/2", "is not a number"),
                                                    ("1/2/3", "is not a number")])
    def test_bad_fractions(self, cli, token, message):
        r = cli("entropy", token, "1")
        assert r.code == 2 and f"value 1 ({token!r}) {message}" in r.err

    def test_a_file_named_like_a_fraction_is_a_file(self, cli, tmp_path, monkeypatch):
        (tmp_path / "1").mkdir()
        (tmp_path / "1" / "2").write_text("0.25,0.75\n")
        monkeypatch.chdir(tmp_path)
        r = cli("kl", "-p", "1/2", "-q", "0.5,0.5")
        assert r.code == 0 and float(r.out) == pytest.approx(0.25 * math.log(0.5) + 0.75 * math.log(1.5))

    @pytest.mark.parametrize("args", [
        ["kl", "-p", "0.5", "0.5", "-q", "0.9", "0.1"],
        ["kl", "-p", "0.5", "0.5", "-q", "0.9,0.1"],
        ["kl", "-q", "0.9", "0.1", "-p", "0.5,", "0.5"],
        ["kl", "--p", "0.5", "0.5", "--q", "0.9", "0.1"],
    ])
    def test_space_separated_distributions_after_p_and_q(self, cli, args):
        r = cli(*args)
        assert r.code == 0 and float(r.out) == pytest.approx(0.5 * math.log(0.5 / 0.9) + 0.5 * math.log(0.5 / 0.1),
                                                             rel=1e-15)

    def test_negative_logits_after_q_logits_and_xent(self, cli):
        r = cli("xent", "-p", "1", "0", "-q", "0.25", "0.75", "-o", "jsonl")
        assert r.code == 0 and json.loads(r.out)["cross_entropy"] == pytest.approx(-math.log(0.25), rel=1e-15)

    def test_a_command_with_values_keeps_its_reading(self, cli):
        # grad takes logits as values: the words after --target 0 are the logits, as before.
        r = cli("grad", "--of", "xent", "--target", "0", "1", "2", "3")
        z = np.array([1.0, 2.0, 3.0])
        p = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        np.testing.assert_allclose([float(v) for v in r.out.split(",")], p - [1, 0, 0], rtol=1e-14)


def test_the_readme_completion_install_works_on_a_fresh_home(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    lines = re.findall(r"^- (bash|zsh|fish): `(mkdir -p [^`]+)`", (root / "README.md").read_text(), re.M)
    assert [shell for shell, _ in lines] == ["bash", "zsh", "fish"]
    home = tmp_path / "home"
    home.mkdir()
    for _, command in lines:
        proc = subprocess.run(["sh", "-c", command], cwd=root, env={**os.environ, "HOME": str(home)},
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
    assert (home / ".local/share/bash-completion/completions/entcli").read_text() == \
        (root / "completions/entcli.bash").read_text()
    assert (home / ".zfunc/_entcli").exists() and (home / ".config/fish/completions/entcli.fish").exists()


def test_the_simulation_plot_names_classes_and_gives_every_panel_a_legend_and_own_colours():
    pytest.importorskip("matplotlib")
    from matplotlib.colors import to_rgba

    from entcli.core.dynamics import simulate
    from entcli.io.plots import _pyplot, history_figure

    z0 = np.array([[1.0, 0.8, 0.5, 0.1]])
    h = simulate(z0, 0.5, 20)
    names = ["cat", "dog", "bird", "fish"]
    plt = _pyplot("x.png")
    fig = history_figure(plt, np.arange(21), h.p[:, 0], h.entropy[:, 0], h.z[:, 0], names, "t", "nats", math.log(4))
    ax_p, ax_h, ax_max, ax_z = fig.axes
    for ax in (ax_p, ax_h, ax_max, ax_z):
        assert ax.get_legend() is not None, ax.get_title()
    assert [t.get_text() for t in ax_p.get_legend().get_texts()] == names
    assert [t.get_text() for t in ax_z.get_legend().get_texts()] == names
    class_colours = [to_rgba(line.get_color()) for line in ax_p.get_lines()]
    assert len(set(class_colours)) == 4  # one colour per class
    assert [to_rgba(line.get_color()) for line in ax_z.get_lines()] == class_colours  # the same in both panels
    max_line = ax_max.get_lines()[0]
    assert to_rgba(max_line.get_color()) not in class_colours  # max p is not drawn in a class's colour
    assert "argmax = cat" in [t.get_text() for t in ax_max.get_legend().get_texts()]
    plt.close(fig)


def test_values_may_name_their_outcomes(cli):
    r = cli("softmax", "cat=1", "dog=0", "-o", "csv")
    assert r.code == 0
    header, row = r.lines()
    assert header == "p_cat,p_dog"
    assert [float(v) for v in row.split(",")] == pytest.approx([1 / (1 + math.exp(-1)), 1 / (1 + math.e)], rel=1e-15)
    r = cli("entropy", "cat=0.5,dog=0.5", "--bits")
    assert r.code == 0 and r.out == "1.0\n"


def test_a_bad_row_in_a_big_chunk_from_a_pipe_that_stays_open_exits_at_once(tmp_path):
    # The chunk goes through pyarrow, whose parser then reads ahead in a thread that waits on the open pipe: the
    # error must not wait for it (a daemon thread, never joined).
    pytest.importorskip("pyarrow")
    with open(tmp_path / "out", "wb") as out, open(tmp_path / "err", "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "entcli", "entropy"], stdin=subprocess.PIPE, stdout=out,
                                stderr=err)
        try:
            proc.stdin.write(b"0.25,0.75\n" * 300_000 + b"0.5,0.6\n")  # 3 MB, then a row that sums to 1.1
            proc.stdin.flush()
            assert proc.wait(timeout=PROMPT * 3) == 2
        finally:
            proc.kill()
    assert (tmp_path / "out").read_bytes().count(b"\n") == 300_000
    assert b"row 300001 (line 300001): the row sums to 1.1" in (tmp_path / "err").read_bytes()
