"""`entcli kl` and `entcli xent` end to end: sources, broadcasting, kinds, infinities, DL loss semantics."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import spatial, special, stats


def write_csv(path, rows):
    path.write_text("\n".join(",".join(map(repr, map(float, r))) for r in rows) + "\n")
    return str(path)


def test_math_md_examples(cli):
    assert cli("kl", "-p", "1,0,0,0,0", "-q", "0.4,0.3,0.05,0.05,0.2").floats() == pytest.approx([-math.log(0.4)])
    r = cli("xent", "-p", "1,0,0,0,0", "-q", "0.98,0.01,0,0,0.01", "-o", "json")
    (obj,) = json.loads(r.out)
    assert obj == {"cross_entropy": pytest.approx(-math.log(0.98)), "entropy_p": 0.0,
                   "kl": pytest.approx(-math.log(0.98)), "unit": "nats"}


def test_kl_fields_against_scipy(cli, tmp_path):
    rng = np.random.default_rng(5)
    p, q = rng.dirichlet(np.ones(6), size=50), rng.dirichlet(np.ones(6), size=50)
    r = cli("kl", "-p", write_csv(tmp_path / "p.csv", p), "-q", write_csv(tmp_path / "q.csv", q), "-o", "jsonl",
            "--bits")
    rows = [json.loads(line) for line in r.lines()]
    assert list(rows[0]) == ["kl", "reverse_kl", "symmetric_kl", "js_divergence", "js_distance", "cross_entropy",
                             "entropy_p", "unit"]
    got = {k: np.array([row[k] for row in rows]) for k in rows[0] if k != "unit"}
    np.testing.assert_allclose(got["kl"], stats.entropy(p, q, base=2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(got["reverse_kl"], stats.entropy(q, p, base=2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(got["symmetric_kl"], got["kl"] + got["reverse_kl"], rtol=1e-15)
    np.testing.assert_allclose(got["js_distance"], spatial.distance.jensenshannon(p, q, base=2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(got["cross_entropy"], got["entropy_p"] + got["kl"], rtol=1e-12)
    assert rows[0]["unit"] == "bits"


@pytest.mark.parametrize("flag, field", [("--reverse", "reverse_kl"), ("--symmetric", "symmetric_kl"),
                                         ("--js", "js_divergence"), ("--js-distance", "js_distance")])
def test_primary_choice(cli, flag, field):
    plain = cli("kl", "-p", "0.2,0.8", "-q", "0.6,0.4", flag).floats()
    (obj,) = json.loads(cli("kl", "-p", "0.2,0.8", "-q", "0.6,0.4", "-o", "json").out)
    assert plain == [obj[field]]


def test_broadcast_and_count_errors(cli, tmp_path):
    three = write_csv(tmp_path / "three.csv", [[0.5, 0.5], [0.9, 0.1], [0.2, 0.8]])
    two = write_csv(tmp_path / "two.csv", [[0.5, 0.5], [0.9, 0.1]])
    assert len(cli("kl", "-p", three, "-q", "0.5,0.5").lines()) == 3
    assert len(cli("kl", "-p", "0.5,0.5", "-q", three).lines()) == 3
    assert cli("kl", "-p", three, "-q", three).floats() == [0.0, 0.0, 0.0]
    r = cli("kl", "-p", three, "-q", two)
    assert r.code == 2 and "has 3 rows but" in r.err and "has 2" in r.err
    # A core precondition (same number of outcomes) is the user's error, exit 2, never an internal one (70).
    r = cli("kl", "-p", "0.5,0.5", "-q", "0.2,0.3,0.5")
    assert r.code == 2, r.err
    assert r.err.startswith("entcli: error: p has 2 outcomes but q has 3\n") and "internal error" not in r.err


def test_stdin_for_one_side(cli):
    r = cli("kl", "-p", "-", "-q", "0.5,0.5", "--bits", stdin="1,0\n0.5,0.5\n")
    assert r.floats() == [1.0, 0.0]
    r = cli("kl", "-p", "-", "-q", "-")
    assert r.code == 2 and "only one input can be stdin" in r.err


def test_pairwise_matches_cdist(cli, tmp_path):
    rng = np.random.default_rng(9)
    p, q = rng.dirichlet(np.ones(4), size=5), rng.dirichlet(np.ones(4), size=3)
    pp, qq = write_csv(tmp_path / "p.csv", p), write_csv(tmp_path / "q.csv", q)
    matrix = [[float(x) for x in line.split(",")] for line in cli("kl", "-p", pp, "-q", qq, "--pairwise",
                                                                   "--js-distance").lines()]
    np.testing.assert_allclose(matrix, spatial.distance.cdist(p, q, spatial.distance.jensenshannon), rtol=1e-12)
    rows = [json.loads(x) for x in cli("kl", "-p", pp, "-q", qq, "--pairwise", "-o", "jsonl").lines()]
    assert len(rows) == 15 and (rows[4]["p_row"], rows[4]["q_row"]) == (2, 2)
    assert rows[4]["kl"] == pytest.approx(stats.entropy(p[1], q[1]), rel=1e-12)


def test_infinite_kl_reported_honestly(cli):
    r = cli("kl", "-p", "0.5,0.5", "-q", "1,0")
    assert r.out == "inf\n" and r.code == 0
    assert "warning: kl is not finite in row 1" in r.err and "--epsilon" in r.err
    (obj,) = json.loads(cli("kl", "-p", "0.5,0.5", "-q", "1,0", "-o", "json").out)
    assert obj["kl"] is None and obj["nonfinite"]["kl"] == "inf"
    assert obj["js_divergence"] > 0 and obj["js_distance"] == pytest.approx(math.sqrt(obj["js_divergence"]))
    assert cli("kl", "-p", "0.5,0.5", "-q", "1,0", "--max", "1").code == 1


def test_epsilon_smoothing_says_so(cli):
    (obj,) = json.loads(cli("kl", "-p", "0.5,0.5", "-q", "1,0", "--epsilon", "0.01", "-o", "json").out)
    q = np.array([1.01, 0.01]) / 1.02
    assert obj["epsilon"] == 0.01
    assert obj["kl"] == pytest.approx(stats.entropy([0.5, 0.5], q), rel=1e-12)


def test_detail_terms(cli):
    (obj,) = json.loads(cli("kl", "-p", "0.25,0.75", "-q", "0.5,0.5", "--detail", "--bits", "-o", "json").out)
    # 0.25 log2(0.5) = -0.25 ; 0.75 log2(1.5)
    assert obj["kl_terms"] == pytest.approx([-0.25, 0.75 * math.log2(1.5)], rel=1e-15)
    assert obj["xent_terms"] == pytest.approx([0.25, 0.75], rel=1e-15)


def test_logit_kinds_per_side(cli):
    z = np.array([1.0, -2.0, 0.5])
    p = np.array([0.2, 0.3, 0.5])
    r = cli("kl", "-p", "0.2,0.3,0.5", "-q", "1,-2,0.5", "--q-logits")
    assert r.floats() == pytest.approx([np.sum(p * (np.log(p) - special.log_softmax(z)))], rel=1e-12)
    r = cli("kl", "-p", "1,-2,0.5", "-q", "1,-2,0.5", "--logits")
    assert r.floats() == [0.0]
    r = cli("kl", "-p", "2,3,5", "-q", "0.2,0.3,0.5", "--p-counts")
    assert r.floats() == [0.0]
    assert cli("kl", "-p", "1,2", "-q", "1,2", "--p-counts", "--p-logits").code == 2


def test_bad_row_names_side_and_row(cli, tmp_path):
    q = write_csv(tmp_path / "q.csv", [[0.5, 0.5], [0.5, 0.6]])
    r = cli("kl", "-p", "0.5,0.5", "-q", q)
    assert r.code == 2 and "q.csv: row 2 (line 2)" in r.err and "sums to 1.1" in r.err
    assert r.lines() == ["0.0"]
    r = cli("kl", "-p", "0.5,0.5", "-q", q, "--skip-invalid")
    assert r.code == 1 and r.lines() == ["0.0"]


# ---------------------------------------------------------------------------------------------- xent


def reference_ce(z, labels, weight=None, smoothing=0.0, ignore=None):
    """PyTorch's cross_entropy(z, labels, weight, label_smoothing, ignore_index, reduction='mean'), by hand:
    loss_n = -sum_k w_k y'_nk log_softmax(z)_nk with y' = (1-e) onehot + e/K; mean = sum loss / sum w_{y_n}."""
    n, k = z.shape
    w = np.ones(k) if weight is None else np.asarray(weight)
    keep = np.ones(n, bool) if ignore is None else labels != ignore
    logq = special.log_softmax(z, axis=1)
    total = denom = 0.0
    for i in range(n):
        if not keep[i]:
            continue
        y = np.full(k, smoothing / k)
        y[labels[i]] += 1 - smoothing
        total += -np.sum(w * y * logq[i])
        denom += w[labels[i]]
    return total / denom


@pytest.mark.parametrize("weight, smoothing, ignore", [(None, 0.0, None), (None, 0.1, None),
                                                       ([1.0, 2.0, 0.5, 3.0], 0.0, None),
                                                       ([1.0, 2.0, 0.5, 3.0], 0.2, None), (None, 0.0, 1),
                                                       ([1.0, 2.0, 0.5, 3.0], 0.1, -100)])
def test_mean_cross_entropy_matches_deep_learning_definition(cli, tmp_path, weight, smoothing, ignore):
    rng = np.random.default_rng(11)
    z = rng.normal(scale=3, size=(40, 4))
    labels = rng.integers(0, 4, size=40)
    if ignore == -100:
        labels[::7] = -100
    zf = write_csv(tmp_path / "z.csv", z)
    (tmp_path / "y.txt").write_text("\n".join(map(str, labels)) + "\n")
    args = ["xent", "--target", str(tmp_path / "y.txt"), "-q", zf, "--logits", "--reduction", "mean", "-o", "json"]
    if weight is not None:
        args += ["--weight", ",".join(map(str, weight))]
    if smoothing:
        args += ["--label-smoothing", str(smoothing)]
    if ignore is not None:
        args += ["--ignore-index", str(ignore)]
    r = cli(*args)
    assert r.code == 0, r.err
    (obj,) = json.loads(r.out)
    assert obj["cross_entropy"] == pytest.approx(reference_ce(z, labels, weight, smoothing, ignore), rel=1e-12,
                                                 abs=1e-12)
    if weight is None and not smoothing:
        kept = labels != ignore if ignore is not None else np.ones(40, bool)
        plain = -special.log_softmax(z, axis=1)[np.arange(40), np.where(kept, labels, 0)]
        assert obj["cross_entropy"] == pytest.approx(plain[kept].mean(), rel=1e-12)
        assert obj["rows"] == kept.sum()


def test_sum_reduction_and_per_row(cli):
    rows = cli("xent", "--target", "0,1", "-q", "0.5,0.5", "--bits").floats()
    assert rows == [1.0, 1.0]
    assert cli("xent", "--target", "0,1", "-q", "0.5,0.5", "--bits", "--reduction", "sum").floats() == [2.0]


def test_label_out_of_range(cli):
    r = cli("xent", "--target", "3", "-q", "0.5,0.5")
    assert r.code == 2 and "label 3 is out of range for 2 classes" in r.err
    r = cli("xent", "--target", "0.5", "-q", "0.5,0.5")
    assert r.code == 2 and "class index" in r.err


def test_binary_cross_entropy(cli):
    y, q = np.array([1, 0, 1, 0.3]), np.array([0.9, 0.2, 0.7, 0.6])
    r = cli("xent", "--binary", "--target", "1,0,1,0.3", "-q", "0.9,0.2,0.7,0.6")
    expected = -(y * np.log(q) + (1 - y) * np.log(1 - q))
    assert r.floats() == pytest.approx(expected, rel=1e-12)
    z = special.logit(q)
    zs = ",".join(map(repr, z.tolist()))
    r = cli("xent", "--binary", "--target", "1,0,1,0.3", "-q", zs, "--logits", "--pos-weight", "2")
    expected = -(2 * y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
    assert r.floats() == pytest.approx(expected, rel=1e-12)
    # From a logit of 1000 the loss is exp(-1000) ~ 0, not NaN.
    # No clamping from probabilities: q = 0 with y = 1 is inf.
    assert cli("xent", "--binary", "--target", "1", "-q", "1000", "--logits").floats() == [0.0]
    assert cli("xent", "--binary", "--target", "1", "-q", "0").out == "inf\n"


def test_xent_needs_one_target(cli):
    assert cli("xent", "-q", "0.5,0.5").code == 2
    assert cli("xent", "-q", "0.5,0.5", "-p", "1,0", "--target", "0").code == 2


def test_drift_check_exit_codes(cli, tmp_path):
    base = write_csv(tmp_path / "base.csv", [[0.5, 0.5], [0.9, 0.1]])
    today = write_csv(tmp_path / "today.csv", [[0.5, 0.5], [0.6, 0.4]])
    r = cli("kl", "-p", base, "-q", base, "--max", "0.05")
    assert r.code == 0
    r = cli("kl", "-p", base, "-q", today, "--max", "0.05")
    assert r.code == 1 and "check failed: kl > 0.05 in row 2" in r.err


@pytest.mark.parametrize("flags", [[], ["--js"], ["--reverse"], ["--symmetric"], ["--js-distance"],
                                   ["--measure", "tv"], ["--measure", "renyi", "--alpha", "2"], ["--measure", "all"],
                                   ["--pairwise"], ["--epsilon", "1e-3"]])
def test_plain_computes_only_the_primary_result_and_gives_the_same_number(cli, tmp_path, flags):
    # Issue 20: -o plain computes the printed field only; it must be the very number the full record holds.
    rng = np.random.default_rng(4)
    p, q = rng.dirichlet(np.ones(5), 6), rng.dirichlet(np.ones(5), 6)
    q[0, 2] = 0.0
    q[0] /= q[0].sum()
    for name, rows in (("p.csv", p), ("q.csv", q)):
        (tmp_path / name).write_text("".join(",".join(map(repr, r)) + "\n" for r in rows.tolist()))
    args = ["kl", "-p", str(tmp_path / "p.csv"), "-q", str(tmp_path / "q.csv"), *flags]
    plain = cli(*args, "-o", "plain")
    full = cli(*args, "-o", "jsonl")
    assert plain.code == full.code and plain.err == full.err
    records = [json.loads(line) for line in full.lines()]
    primary = {"--js": "js_divergence", "--reverse": "reverse_kl", "--symmetric": "symmetric_kl",
               "--js-distance": "js_distance"}.get(flags[0] if flags else "", "kl")
    if flags[:2] == ["--measure", "tv"]:
        primary = "total_variation"
    if flags[:2] == ["--measure", "renyi"]:
        primary = "renyi_divergence"
    got = [v for line in plain.lines() for v in line.split(",")]
    want = [r[primary] if r[primary] is not None else r["nonfinite"][primary] for r in records]
    assert got == [repr(v) if isinstance(v, float) else v for v in want]


def test_divergence_summary_fields_are_the_full_records_fields():
    from entcli.core.divergence import divergence_summary
    from entcli.core.errors import DomainError
    from entcli.core.vocabulary import KL_FIELDS

    rng = np.random.default_rng(2)
    p, q = rng.dirichlet(np.ones(4), 50), rng.dirichlet(np.ones(4), 50)
    full = divergence_summary(p, q)
    assert tuple(full) == KL_FIELDS
    for name in KL_FIELDS:
        part = divergence_summary(p, q, fields={name})
        assert list(part) == [name]
        np.testing.assert_array_equal(part[name], full[name])
    with pytest.raises(DomainError, match="no divergence field 'kll'"):
        divergence_summary(p, q, fields={"kll"})


def test_pairwise_records_stream_in_bounded_memory(tmp_path):
    # Issue 14: 600 x 600 pairs of two outcomes were formatted as one block of 360k JSON records (~0.6 GB; a 70 KB
    # input passed 2 GiB). Blocks now hold at most PAIRWISE_ROWS pairs.
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    path = tmp_path / "p.csv"
    path.write_text("".join(f"{a!r},{1 - a!r}\n" for a in rng.random(600).tolist()))
    code = ("import resource, subprocess, sys\n"
            f"p = subprocess.run([sys.executable, '-m', 'entcli', 'kl', '-p', {str(path)!r}, '-q', {str(path)!r}, "
            "'--pairwise', '-o', 'jsonl'], stdout=subprocess.PIPE)\n"
            "print(p.returncode, p.stdout.count(b'\\n'), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    code_, lines, rss_kib = map(int, proc.stdout.split())
    assert code_ == 0 and lines == 360_000
    assert rss_kib < 200 * 1024, f"peak RSS {rss_kib / 1024:.0f} MiB"


@pytest.mark.parametrize(("args", "hint"), [
    (["-p", "0.5,0.5", "-q", "1,0"], "(p > 0 where q = 0); --epsilon E smooths q"),
    (["-p", "0,1", "-q", "0.5,0.5", "--reverse"], "(q > 0 where p = 0: the reverse direction)"),
    (["-p", "0,1", "-q", "0.5,0.5", "--measure", "neyman"], "(q > 0 where p = 0: Neyman's divides by p)"),
    (["-p", "0,1", "-q", "1,0", "--measure", "bhattacharyya"], "(p and q have disjoint supports)"),
    (["-p", "0,1", "-q", "0.5,0.5", "--symmetric"], "(p > 0 where q = 0, or q > 0 where p = 0)"),
])
def test_the_warning_names_the_cause_of_each_infinite_result(cli, args, hint):
    r = cli("kl", *args)
    assert r.code == 0 and r.out == "inf\n"
    assert r.err.startswith("entcli: warning: ") and hint in r.err, r.err
