"""Tables on a terminal (issue 16): fitted to the screen at 40-200 columns, headers whole, columns dropped with a
note rather than clipped; big results drawn as their first and last rows with a footer; a zero COLUMNS is 80."""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entcli.cli.app import run
from entcli.cli.environment import Environment, screen_width
from entcli.io.grid import Column, cell_width, fit
from entcli.io.tables import TableStream

WIDTHS = [40, 60, 80, 200]
BOX = "┏┃┡│├└┌"


def terminal(args: list[str], width: int, stdin: bytes | None = None, tty: bool = True) -> tuple[int, str, str]:
    """Run entcli in-process as if stdout were a terminal ``width`` columns wide."""
    out, err = io.StringIO(), io.StringIO()
    env = Environment(stdin=io.BytesIO(stdin) if stdin is not None else None, stdout_isatty=tty, no_color=True,
                      width=width)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(args, env=env)
    return code, out.getvalue(), err.getvalue()


def table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line[:1] in BOX]


def header_cells(out: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith("┃"))
    return [c.strip() for c in line.strip("┃").split("┃")]


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(3)
    p = rng.dirichlet(np.ones(12), 30)
    path = tmp_path / "p.csv"
    names = [f"class_{j}" for j in range(12)]
    path.write_text("id," + ",".join(names) + "\n"
                    + "".join(f"sample-{i:03d}," + ",".join(map(repr, row.tolist())) + "\n" for i, row in enumerate(p)))
    return path


COMMANDS = {
    "simulate": (["simulate", "--every", "4"], ["step", "entropy", "max_p", "grad_norm", "p", "z"]),
    "entropy rows": (["entropy", "-i", "{p}"], ["id", "entropy", "k", "support", "max_entropy", "normalized",
                                                 "perplexity"]),
    "softmax vectors": (["softmax", "-i", "{p}", "--keep", "none"], ["p"]),
    "kl pairwise": (["kl", "-p", "{p}", "-q", "{p}", "--pairwise", "--max-rows", "6"],
                    ["p_id", "q_id", "p_row", "q_row", "kl", "reverse_kl", "symmetric_kl", "js_divergence",
                     "js_distance", "cross_entropy", "entropy_p"]),
    "entropy detail": (["entropy", "--detail", "--bits", "0.1", "0.1", "0.1", "0.7"],
                       ["outcome", "p", "surprisal", "contribution"]),
    "selftest": (["selftest"], ["#", "case", "source", "expected", "got", "result"]),
}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", list(COMMANDS))
def test_every_table_fits_the_screen_with_whole_headers(name, width, files):
    args, headers = COMMANDS[name]
    code, out, err = terminal([a.format(p=files) for a in args], width)
    assert code == 0, err
    lines = table_lines(out)
    assert lines, out
    assert max(cell_width(line) for line in out.splitlines()) <= width  # nothing drawn past the right edge
    shown = header_cells(out)
    assert shown == headers[:len(shown)]  # whole headers, in order: none cut, wrapped or reordered
    note = re.search(r"\(not shown at (\d+) columns: (.*); widen the terminal or use -o csv\)", " ".join(
        out.split("\n")))
    if shown != headers:
        assert note is not None and int(note.group(1)) == width
        assert note.group(2).split(", ") == headers[len(shown):]  # every dropped column is named
    else:
        assert note is None
    if width == 200:
        assert shown == headers  # a wide screen shows everything


def test_vectors_are_cut_at_a_comma_with_an_ellipsis():
    code, out, _ = terminal(["simulate", "--every", "10"], 80)
    body = [line for line in out.splitlines() if line.startswith("│")]
    z_cells = [line.strip("│").split("│")[-1].strip() for line in body]
    assert any(c.endswith(",…") for c in z_cells), z_cells  # whole numbers, then the ellipsis
    assert all(re.fullmatch(r"(-?[\d.e+-]+,)*(-?[\d.e+-]+|…)", c) for c in z_cells), z_cells


@pytest.mark.parametrize("columns", ["0", "-5", "abc", "", "٨٠"])
def test_a_zero_or_nonsense_columns_is_80(columns, monkeypatch):
    assert screen_width(columns, io.StringIO()) == 80
    monkeypatch.setenv("COLUMNS", columns)
    env = Environment.from_process()
    assert env.width == 80


def test_columns_zero_still_prints_the_table(tmp_path):
    from tests.helpers import run_process

    r = run_process("entropy", "-o", "table", "0.5", "0.5", env={"COLUMNS": "0"})
    assert r.code == 0 and "entropy" in r.out and "0.693147" in r.out
    assert max(cell_width(line) for line in r.out.splitlines()) <= 80


class TestBigTables:
    def rows(self, n: int) -> bytes:
        # Row i is (x, 1 - x) with x = i / (2n): its entropy tells which input row a table row is.
        x = (np.arange(1, n + 1) / (2 * n)).tolist()
        return "".join(f"{a!r},{1 - a!r}\n" for a in x).encode()

    def test_a_terminal_shows_the_first_20_and_last_5_rows_and_says_how_many(self):
        code, out, _ = terminal(["entropy", "--digits", "12"], 100, self.rows(1000))
        body = [line for line in out.splitlines() if line.startswith("│")]
        assert code == 0 and len(body) == 26  # 20 + the "…" row + 5
        assert body[20].count("…") == 6  # entropy, k, support, max_entropy, normalized, perplexity
        x = np.arange(1, 1001) / 2000
        h = -(x * np.log(x) + (1 - x) * np.log1p(-x))
        first = [float(line.strip("│").split("│")[0]) for line in body[:20]]
        last = [float(line.strip("│").split("│")[0]) for line in body[21:]]
        np.testing.assert_allclose(first, h[:20], rtol=1e-11)
        np.testing.assert_allclose(last, h[-5:], rtol=1e-11)
        assert out.rstrip().endswith("1000 rows (25 shown): use -o csv|jsonl for every row, or --max-rows N|all")

    @pytest.mark.parametrize(("max_rows", "head", "tail"), [("10", 8, 2), ("1", 1, 0), ("4", 4, 0), ("50", 40, 10)])
    def test_max_rows_n(self, max_rows, head, tail):
        code, out, _ = terminal(["entropy", "--max-rows", max_rows], 100, self.rows(100))
        body = [line for line in out.splitlines() if line.startswith("│")]
        assert code == 0 and len(body) == head + 1 + tail
        assert f"100 rows ({head + tail} shown)" in out

    def test_max_rows_all_and_pipes_draw_every_row(self):
        for args, tty in ((["--max-rows", "all"], True), (["-o", "table"], False)):
            code, out, _ = terminal(["entropy", *args], 100, self.rows(300), tty=tty)
            body = [line for line in out.splitlines() if line.startswith("│")]
            assert code == 0 and len(body) == 300 and "rows (" not in out

    def test_no_footer_when_every_row_fits(self):
        code, out, _ = terminal(["entropy"], 100, self.rows(25))
        assert len([line for line in out.splitlines() if line.startswith("│")]) == 25 and "shown" not in out

    @pytest.mark.parametrize("bad", ["0", "-3", "x", "1.5"])
    def test_bad_max_rows(self, bad):
        code, _, err = terminal(["entropy", "--max-rows", bad, "0.5", "0.5"], 80)
        assert code == 2
        assert "--max-rows takes a number of rows >= 1 or all" in err

    def test_the_table_starts_before_the_input_ends(self):
        # The first block's rows are written as it is drawn; the tail waits for the end.
        out = io.StringIO()
        table = TableStream(out, title="t", digits=None, color=False, width=80, max_rows=25)
        table.write({"h": np.arange(30, dtype=float)}, 30)
        drawn = out.getvalue()
        assert drawn.count("│") == 2 * 20 and "…" not in drawn
        table.write({"h": np.arange(30, 60, dtype=float)}, 30)
        table.close()
        body = [line for line in out.getvalue().splitlines() if line.startswith("│")]
        assert [line.strip("│ ") for line in body[21:]] == ["55", "56", "57", "58", "59"]

    def test_a_single_row_block_then_more_rows_is_a_table(self):
        out = io.StringIO()
        table = TableStream(out, title="", digits=None, color=False, width=80, max_rows=None)
        table.write({"h": np.array([1.0])}, 1)  # a slow pipe's first row: it may be the whole result, or not
        table.write({"h": np.array([2.0, 3.0])}, 2)
        table.close()
        assert [line.strip("│ ") for line in out.getvalue().splitlines() if line.startswith("│")] == ["1", "2", "3"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=12), st.integers(1, 40), st.booleans()), min_size=1,
                max_size=12), st.integers(20, 220))
def test_fit_never_cuts_a_header_or_a_number_and_stays_in_the_width(spec, width):
    columns = [Column(header, cut=cut) for header, _, cut in spec]
    natural = [n for _, n, _ in spec]
    widths, dropped = fit(columns, natural, width)
    for i, (column, w) in enumerate(zip(columns, widths, strict=True)):
        if i in dropped:
            assert w == 0
            continue
        assert w >= cell_width(column.header)  # headers whole
        assert column.cut or w >= natural[i]  # numbers whole
    assert 0 not in dropped  # the first column always stays
    shown = [w for w in widths if w]
    if len(shown) > 1:
        assert 1 + sum(w + 3 for w in shown) <= width
    assert dropped == sorted(dropped)
    if dropped:  # the dropped columns are the last ones
        assert dropped == list(range(dropped[0], len(columns)))


@pytest.mark.parametrize("width", WIDTHS)
def test_drift_bars_and_the_reliability_diagram_fit_the_screen(width, tmp_path):
    base = tmp_path / "b.csv"
    base.write_text("country,score\n" + "".join(f"{c},{s}\n" for c, s in [("a-very-long-country-name", 0.1),
                                                                           ("fr", 0.5), ("de", 0.9)] * 5))
    today = tmp_path / "t.csv"
    today.write_text("country,score\n" + "".join(f"{c},{s}\n" for c, s in [("fr", 0.2), ("de", 2.0)] * 4))
    code, out, err = terminal(["drift", "-p", str(base), "-q", str(today), "--detail"], width)
    assert code in (0, 1), err
    assert "baseline (p) | current (q)" in out
    assert max(cell_width(line) for line in out.splitlines()) <= width
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 3)) * 3
    y = rng.integers(0, 3, 200)
    z[np.arange(200), y] += 2
    val = tmp_path / "v.csv"
    val.write_text("label,a,b,c\n" + "".join(f"{t}," + ",".join(map(repr, row)) + "\n"
                                             for t, row in zip(y.tolist(), z.tolist(), strict=True)))
    code, out, err = terminal(["calibrate", "-i", str(val), "--target-column", "label"], width)
    assert code == 0, err
    assert "reliability (accuracy vs confidence per bin" in " ".join(out.split("\n"))
    assert max(cell_width(line) for line in out.splitlines()) <= width


def test_detail_tables_are_bounded_by_max_rows_too():
    rows = "".join(f"{a!r},{1 - a!r}\n" for a in (np.arange(1, 41) / 100).tolist()).encode()
    code, out, _ = terminal(["entropy", "--detail"], 100, rows)
    assert code == 0 and out.count("H = ") == 25  # a terminal's default, one outcome table per row
    assert out.rstrip().endswith("40 rows (25 drawn): use -o csv|jsonl for every row, or --max-rows N|all")
    code, out, _ = terminal(["entropy", "--detail", "--max-rows", "all"], 100, rows)
    assert out.count("H = ") == 40 and "drawn" not in out
