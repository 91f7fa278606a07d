"""Memory under attack: every input class that once ran away stays under 300 MiB of peak RSS, in a process whose
address space is limited to 1 GiB (RLIMIT_AS), so that a regression fails here instead of swapping CI.

Each input is produced on the fly into entcli's stdin (nothing large on disk); the peak RSS is entcli's own:
its VmHWM (the high-water mark of the program after exec), read while it runs. Not ``wait4``'s ru_maxrss, which
also counts the moments between fork and exec, when the child is a copy of this (large) pytest process. The
README's memory table states these figures.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

LIMIT = 1 << 30  # RLIMIT_AS of the entcli process
MAX_RSS_MIB = 300

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and /proc as on Linux")


def measured(args: list[str], feed: Iterator[bytes] | None = None, stdin: str | None = None,
             keep: int | None = None) -> tuple[int, int, str, float, bytes]:
    """Run entcli with ``args`` under RLIMIT_AS, its stdin fed from ``feed`` (or the file ``stdin``); read at most
    ``keep`` bytes of its output (then close the pipe, as ``| head -c`` does). Returns (exit code, output bytes,
    stderr, peak RSS in MiB, the first KiB of the output)."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    source = open(stdin, "rb") if stdin else subprocess.PIPE  # noqa: SIM115 - closed below
    proc = subprocess.Popen([sys.executable, "-m", "entcli", *args], stdin=source, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, preexec_fn=limit, env={**os.environ, "NO_COLOR": "1"})
    if stdin:
        source.close()  # type: ignore[union-attr]

    def produce() -> None:
        assert proc.stdin is not None
        try:
            for piece in feed or ():
                proc.stdin.write(piece)
        except (BrokenPipeError, OSError):
            pass  # entcli stopped reading (an error, or a bounded read): that is its answer
        finally:
            with contextlib.suppress(OSError):
                proc.stdin.close()

    err = io.BytesIO()
    peak = [0.0]

    def watch() -> None:  # VmHWM only grows: its last reading before the exit is the peak (to a few ms)
        while proc.poll() is None:
            with contextlib.suppress(OSError, ValueError), open(f"/proc/{proc.pid}/status") as status:
                for text in status:
                    if text.startswith("VmHWM:"):
                        peak[0] = max(peak[0], int(text.split()[1]) / 1024)
            time.sleep(0.005)

    threads = [threading.Thread(target=lambda: err.write(proc.stderr.read())),  # type: ignore[union-attr]
               threading.Thread(target=watch)]
    if feed is not None:
        threads.append(threading.Thread(target=produce))
    for t in threads:
        t.start()
    size = 0
    first = b""
    assert proc.stdout is not None
    while keep is None or size < keep:
        data = proc.stdout.read1(1 << 16)
        if not data:
            break
        size += len(data)
        first = first or data[:1024]
    proc.stdout.close()
    code = proc.wait()
    for t in threads:
        t.join(timeout=60)
    return code, size, err.getvalue().decode(), peak[0], first


def lines(row: bytes, total: int, end: bytes = b"\n") -> Iterator[bytes]:
    """``total`` bytes of ``row`` lines (about), in pieces of ~1 MB."""
    piece = (row + end) * max(1, (1 << 20) // (len(row) + len(end)))
    for _ in range(max(1, total // len(piece))):
        yield piece


def assert_bounded(rss: float, err: str) -> None:
    assert rss < MAX_RSS_MIB, f"peak RSS {rss:.0f} MiB"
    assert "Traceback" not in err and "internal error" not in err, err


def test_no_newline_stream_is_an_error_in_bounded_memory():
    code, _, err, rss, _ = measured(["entropy"], stdin="/dev/zero")
    assert code == 2 and "longer than 64 MiB" in err
    assert_bounded(rss, err)


def test_one_row_of_a_million_columns():
    row = b",".join([b"0.000001"] * 1_000_000) + b"\n"
    code, size, err, rss, out = measured(["entropy", "-o", "plain"], iter([row]))
    assert code == 0, err
    assert float(out) == pytest.approx(math.log(1e6), rel=1e-12)  # H(uniform over 1e6) = log 1e6
    assert_bounded(rss, err)


def test_cr_only_line_ends():
    code, size, err, rss, out = measured(["entropy", "-o", "plain"], lines(b"0.5,0.5", 60 << 20, b"\r"))
    assert code == 0, err
    assert size > 0 and size % len(repr(math.log(2)).encode() + b"\n") == 0
    assert out.split(b"\n")[0] == repr(math.log(2)).encode()
    assert_bounded(rss, err)


def test_pairwise_jsonl(tmp_path):
    rng = np.random.default_rng(5)
    path = tmp_path / "p.csv"
    np.savetxt(path, rng.dirichlet(np.ones(8), 1000), delimiter=",")
    code, size, err, rss, out = measured(["kl", "-p", str(path), "-q", str(path), "--pairwise", "-o", "jsonl"])
    assert code == 0, err
    assert size > 1_000_000 * 100  # a million pairs, a record each
    assert_bounded(rss, err)


def test_long_simulate_streams_its_history():
    code, size, err, rss, out = measured(["simulate", "--steps", "1000000000", "-o", "csv"], keep=20 << 20)
    assert code in (0, -13), err  # the reader went away: exit 0 (or SIGPIPE before the handler is set)
    assert size >= 20 << 20
    assert_bounded(rss, err)


def test_npy_on_stdin():
    rows, k = 1_200_000, 10
    header = np.lib.format.header_data_from_array_1_0(np.zeros((rows, k)))
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    block = np.full((10_000, k), 0.1).tobytes()

    def feed() -> Iterator[bytes]:
        yield buf.getvalue()
        for _ in range(rows // 10_000):
            yield block

    code, size, err, rss, out = measured(["entropy", "-o", "plain"], feed())
    assert code == 0, err
    assert size == rows * len(out.split(b"\n")[0] + b"\n")
    assert float(out.split(b"\n")[0]) == pytest.approx(math.log(10), rel=1e-15)  # H(uniform over 10) = log 10
    assert_bounded(rss, err)


def test_json_document_on_stdin():
    row = b"[0.1, 0.2, 0.3, 0.4]"
    count = 2_000_000  # ~44 MB: read whole, as before, it took ~450 MiB

    def feed() -> Iterator[bytes]:
        yield b"["
        piece = b",".join([row] * 50_000)
        for i in range(count // 50_000):
            yield (b"," if i else b"") + piece
        yield b"]"

    code, size, err, rss, out = measured(["entropy", "-o", "plain"], feed())
    assert code == 0, err
    assert size == count * len(b"1.2798542258336676\n")  # H(0.1, 0.2, 0.3, 0.4) in nats
    assert_bounded(rss, err)


def test_json_lines_on_stdin():
    code, size, err, rss, out = measured(["entropy", "-o", "plain"], lines(b'{"id": "x", "p": [0.5, 0.5]}', 40 << 20))
    assert code == 0, err
    assert_bounded(rss, err)


def test_out_of_memory_is_an_error_not_a_bug():
    """Below what the work needs (a row of a million numbers needs ~200 MiB; here 160 MiB of address space), the
    run says so: exit 2 and an error, never exit 70. (NumPy's reader and one BLAS thread: a thread that cannot get
    its stack aborts in C++, where no Python handler runs.)"""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (160 << 20, 160 << 20))

    data = b",".join([b"0.000001"] * 1_000_000) + b"\n"
    proc = subprocess.run([sys.executable, "-m", "entcli", "entropy"], input=data, capture_output=True,
                          preexec_fn=limit, env={**os.environ, "ENTCLI_READER": "numpy", "OPENBLAS_NUM_THREADS": "1"})
    assert proc.returncode == 2, proc.stderr
    assert b"entcli: error: out of memory" in proc.stderr


def test_the_line_limit_is_an_option(cli):
    """--max-line-mib N: the bound on a line (a stream with no line end), named in the error with the option."""
    long_row = (",".join(["0.000004"] * 250_000) + "\n").encode()  # 2.25 MB, one row (uniform: H = log 250000)
    r = cli("entropy", "-o", "plain", "--max-line-mib", "1", stdin=long_row)
    assert r.code == 2 and "longer than 1 MiB" in r.err and "--max-line-mib" in r.err
    r = cli("entropy", "-o", "plain", "--max-line-mib", "3", stdin=long_row)
    assert r.code == 0, r.err
    assert float(r.out) == pytest.approx(math.log(250_000), rel=1e-12)
    r = cli("entropy", "--max-line-mib", "0", "0.5", "0.5")
    assert r.code == 2 and "--max-line-mib" in r.err
