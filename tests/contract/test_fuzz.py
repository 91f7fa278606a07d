"""Fuzzing the command line in-process: whatever the arguments and stdin bytes, the contract holds.

Exit code in {0, 1, 2}; never a traceback; exit 2 always comes with an `error:` line on stderr.
CI runs a bounded number of examples; `ENTCLI_FUZZ_EXAMPLES=20000 pytest tests/test_fuzz.py` runs longer.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ENTCLI_FUZZ_EXAMPLES", "150"))
COMMANDS = ["entropy", "softmax", "xent", "kl", "drift", "normalize", "calibrate", "grad", "simulate"]
NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-5, 5).map(str),
    st.sampled_from(["0", "1", "-1", "0.5", "1e308", "-1e308", "1e-320", "nan", "inf", "-inf", "1e-300", "1/3",
                     "-2/7", "1/0", "0.5/0", "1e400/2", "cat=0.5", "a=", "=1"]),
)
VALUE_LISTS = st.lists(NUMBERS, min_size=0, max_size=6).map(",".join)
OPTIONS = st.sampled_from([
    ["--bits"], ["--dits"], ["--base", "3"], ["--base", "1"], ["--counts"], ["--logits"], ["--renormalize"],
    ["-T", "2"], ["-T", "0"], ["-T", "-1"], ["--tol", "0"], ["--tol", "-1"], ["-o", "json"], ["-o", "jsonl"],
    ["-o", "csv"], ["-o", "tsv"], ["-o", "table"], ["--digits", "3"], ["--digits", "0"], ["--detail"],
    ["--max", "0.5"], ["--min", "0.1"], ["--skip-invalid"], ["--header"], ["--no-header"], ["-d", ";"],
    ["--input-format", "json"], ["--input-format", "npy"], ["--input-format", "jsonl"], ["-i", "-"],
    ["--target", "0"], ["--target", "1.5"], ["--ratio", "0.5"], ["--ratio", "2"], ["--perplexity", "1.5"],
    ["--of", "xent"], ["--of", "kd"], ["--of", "softmax"], ["--teacher", "1,2"], ["--check"], ["--lr", "0.1"],
    ["--steps", "3"], ["--steps", "-1"], ["--every", "2"], ["--until", "0.3"], ["--maximize"], ["--pairwise"],
    ["--epsilon", "1e-3"], ["--reduction", "mean"], ["--binary"], ["--label-smoothing", "0.1"], ["--js"],
    ["--weight", "1,2"], ["--ignore-index", "0"], ["--probs"], ["--log"], ["--explain"], ["--trace"],
    ["--method", "published"], ["--objective", "xent"], ["--reverse"], ["-p", "0.5,0.5"], ["-q", "0.9,0.1"],
    ["-p", "-"], ["-q", "1,0"], ["--nope"],
    # Issue 13/16 options: column roles, joins, tables, pipes.
    ["--columns", "2-3"], ["--columns", "a,b"], ["--exclude", "#1"], ["--keep", "all"], ["--keep", "none"],
    ["--row-number"], ["--on", "id"], ["--fill", "0"], ["--field", "p"], ["--max-rows", "3"], ["--max-rows", "0"],
    ["--max-rows", "all"], ["--unbuffered"], ["--progress"], ["--quiet"], ["--target-column", "label"],
    ["--rows"], ["--categorical", "a"], ["--edges", "0,0.5"], ["--apply", "2"], ["--measure", "all"],
    ["-p", "0.5", "0.5"], ["-q", "1/3,2/3"], ["-V"],
])
STDIN = st.one_of(
    st.binary(max_size=200),
    st.lists(st.lists(NUMBERS, min_size=1, max_size=4).map(",".join), max_size=5).map(lambda rows: "\n".join(rows)),
    st.sampled_from(["[0.5, 0.5]", "[[0.5,0.5],[1,0]]", "a,b\n0.5,0.5\n", "\ufeff0.5,0.5\r\n", "{\"p\": [1, 0]}",
                     "[0.5,\n", "0.5 0.5\n1\n", "\x93NUMPY garbage"]),
)


ANY_TOKEN = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=8)


@given(st.sampled_from(COMMANDS), st.lists(st.one_of(VALUE_LISTS, ANY_TOKEN), max_size=3),
       st.lists(OPTIONS, max_size=4), STDIN)
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
def test_contract_holds_for_any_input(cli, command, values, options, stdin):
    args = [command, *[a for option in options for a in option], *values]
    r = cli(*args, stdin=stdin)
    assert r.code in (0, 1, 2), (args, r.code, r.err)
    assert "Traceback" not in r.err, (args, r.err)
    if r.code == 2:
        assert "entcli: error: " in r.err and "entcli: hint: " in r.err, (args, r.err)
