"""The finish: completions, --version, help and its generated reference, --explain, selftest, the shared options."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer

from entcli.cli.app import app
from tests.helpers import run_process

ROOT = Path(__file__).resolve().parents[2]
COMMANDS = list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_completion_scripts_are_current():
    proc = subprocess.run([sys.executable, "scripts/gen_completions.py", "--check"], cwd=ROOT, capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stdout


def test_bash_completion_sources_and_completes(tmp_path):
    script = ROOT / "completions" / "entcli.bash"
    proc = subprocess.run(["bash", "-c", f"source {script} && complete -p entcli"], capture_output=True, text=True)
    assert proc.returncode == 0 and "_entcli_completion" in proc.stdout
    env = {"_ENTCLI_COMPLETE": "complete_bash", "COMP_WORDS": "entcli entropy --format ", "COMP_CWORD": "3"}
    r = run_process(env=env)
    assert r.out.split() == ["table", "plain", "csv", "tsv", "json", "jsonl"]
    env["COMP_WORDS"], env["COMP_CWORD"] = "entcli grad --of ", "3"
    assert run_process(env=env).out.split() == ["entropy", "xent", "kd", "softmax"]
    env["COMP_WORDS"], env["COMP_CWORD"] = "entcli si", "1"
    assert run_process(env=env).out.split() == ["simulate"]


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_show_completion_names_the_shell(shell):
    r = run_process("--show-completion", shell)
    name = {"zsh": "_entcli", "fish": "entcli.fish"}[shell]
    assert r.code == 0 and r.out == (ROOT / "completions" / name).read_text()


# Completion ends the process from inside Typer, so the check runs at exit.
LIGHT = "import atexit, sys; atexit.register(lambda: print('HEAVY', sorted(m for m in ('numpy', 'rich', " \
        "'matplotlib', 'pyarrow') if m in sys.modules))); from entcli.cli.app import run; run({args})"


@pytest.mark.parametrize("args, env", [
    (["--version"], {}),
    ([], {"_ENTCLI_COMPLETE": "complete_bash", "COMP_WORDS": "entcli entropy --", "COMP_CWORD": "2"}),
    (["entropy", "--help"], {}),
])
def test_version_completion_and_help_import_nothing_heavy(args, env):
    import os

    proc = subprocess.run([sys.executable, "-c", LIGHT.format(args=args)], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=ROOT)
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


def test_one_liner_does_not_import_rich():
    import os

    proc = subprocess.run([sys.executable, "-c", LIGHT.format(args=["entropy", "0.5", "0.5"])], capture_output=True,
                          text=True, env=os.environ, cwd=ROOT)
    assert "HEAVY ['numpy']" in proc.stdout


def test_version_line():
    from importlib.metadata import version

    r = run_process("--version")
    assert r.out == f"entcli {version('entcli')}\n"


def test_cli_reference_is_current():
    proc = subprocess.run([sys.executable, "scripts/gen_docs.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_and_option_has_help(name):
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    assert command.help is not None and "Examples:" in command.help
    for param in command.params:
        if param.param_type_name == "option":
            assert param.help, f"{name} {param.opts} has no help"


SHARED = {
    "--format": ["-o"], "--digits": [], "--color": [], "--output": ["-O"],
}
COMPUTING = [c for c in COMMANDS if c != "selftest"]


@pytest.mark.parametrize("name", COMPUTING)
def test_shared_options_exist_and_are_the_same_objects(name):
    """Every computing command has the output options and --explain, spelt and documented identically."""
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    by_name = {p.name: p for p in command.params}
    reference = {p.name: p for p in typer.main.get_command(app).commands["entropy"].params}  # type: ignore
    for option in ("format", "digits", "color", "output", "explain"):
        assert option in by_name, f"{name} lacks --{option}"
        assert by_name[option].opts == reference[option].opts and by_name[option].help == reference[option].help
    for group in (("base", "bits", "nats", "dits"), ("input_format", "delimiter", "header", "skip_invalid")):
        present = [o in by_name for o in group]
        assert all(present) or not any(present), f"{name} has part of {group}"
        for o in group:
            if o in by_name:
                assert by_name[o].opts == reference[o].opts and by_name[o].help == reference[o].help


@pytest.mark.parametrize("args", [
    ["entropy", "0.5", "0.5"], ["softmax", "1", "2"], ["kl", "-p", "0.5,0.5", "-q", "0.9,0.1"],
    ["xent", "-p", "0.5,0.5", "-q", "0.9,0.1"], ["normalize", "--ratio", "0.5", "0.7", "0.2", "0.1"],
    ["grad", "1", "2"], ["simulate", "--steps", "2"],
])
def test_shared_options_behave_alike(cli, args):
    plain = cli(*args).out
    assert cli(*args, "--digits", "3").out != plain or "e" in plain
    objs = json.loads(cli(*args, "-o", "json").out)
    assert isinstance(objs, list) and objs
    assert len(cli(*args, "-o", "jsonl").lines()) == len(objs)
    r = cli(*args, "--explain")
    assert r.out == plain and r.err.startswith("explain: ")
    if "--bits" in [p.opts[0] for p in typer.main.get_command(app).commands[args[0]].params]:  # type: ignore
        assert cli(*args, "--bits", "-o", "json").out != cli(*args, "-o", "json").out


def test_explain_states_direction_and_reading(cli):
    r = cli("kl", "--explain", "--bits", "-p", "0.5,0.5", "-q", "1,2", "--q-logits", "--epsilon", "0.01")
    assert "KL(p||q)" in r.err and "bits" in r.err and "q: logits" in r.err and "(q + 0.01)" in r.err


def test_selftest_passes_with_sources(cli):
    r = cli("selftest", "-o", "jsonl")
    rows = [json.loads(x) for x in r.lines()]
    assert r.code == 0 and len(rows) >= 25 and all(row["passed"] == 1 for row in rows)
    assert [row["number"] for row in rows] == list(range(1, len(rows) + 1))
    sources = {row["source"] for row in rows}
    assert "scipy.stats.entropy docs" in sources and any("Cover & Thomas" in s for s in sources)
    assert rows[0]["case"] == "H(1/2, 1/2) in bits" and rows[0]["expected"][0] == rows[0]["got"][0] == 1.0
    assert f"selftest: {len(rows)} passed, 0 failed" in r.err


def test_selftest_in_a_pipe_says_what_each_case_is(cli):
    # Issue 16: plain output was a column of 1s; now a line per case: number, verdict, case, expected, got.
    r = cli("selftest")
    lines = r.lines()
    assert r.code == 0 and len(lines) >= 25
    number, verdict, case, expected, got = lines[0].split("\t")
    assert (number, verdict, case) == ("1", "pass", "H(1/2, 1/2) in bits")
    assert expected == "expected 1.0" and got == "got 1.0"
    assert all(line.split("\t")[1] == "pass" for line in lines)


def test_color_when_asked(cli):
    r = cli("entropy", "-o", "table", "--color", "always", "0.5", "0.5")
    assert "\x1b[" in r.out
    assert "\x1b[" not in cli("entropy", "-o", "table", "0.5", "0.5").out
    assert "\x1b[" not in cli("entropy", "-o", "json", "--color", "always", "0.5", "0.5").out


def test_command_signature_replaces_groups_by_their_options():
    from entcli.cli.commands.entropy import entropy
    from entcli.cli.options import Input, Units, command

    declared = inspect.signature(entropy, eval_str=True).parameters
    assert declared["units"].annotation is Units and declared["source"].annotation is Input
    seen = inspect.signature(command(entropy)).parameters  # what Typer reads
    assert "units" not in seen and "source" not in seen
    assert {"bits", "base", "input", "delimiter", "tol", "max", "detail"} <= set(seen)
    assert list(seen)[0] == "values"  # the positional argument first


LINES = [
    "entcli ", "entcli e", "entcli -", "entcli --", "entcli --v", "entcli entropy ", "entcli entropy -",
    "entcli entropy --", "entcli entropy --fo", "entcli entropy --format ", "entcli entropy --format j",
    "entcli entropy --format=", "entcli entropy --format=c", "entcli entropy -o ", "entcli entropy -o t",
    "entcli entropy --bits --b", "entcli entropy --base ", "entcli entropy 0.5 0.5 --", "entcli entropy -1 -",
    "entcli grad --of ", "entcli grad --of s", "entcli grad --of kd --t", "entcli kl -p ", "entcli kl -p x -q y --",
    "entcli kl --pairwise --p", "entcli xent --reduction ", "entcli xent --reduction m", "entcli simulate --obj",
    "entcli simulate --objective ", "entcli normalize --method ", "entcli normalize --", "entcli selftest --",
    "entcli entropy --input-format ", "entcli entropy --color ", "entcli entropy --header --", "entcli softmax --l",
    "entcli entropy --no-header --h", "entcli entropy -- --", "entcli entropy --digits 3 --d", "entcli xent x",
    "entcli entropy -i - --input-format npy --",
]


def _typer_answer(shell: str, env: dict[str, str]) -> tuple[str, int]:
    """What Typer itself answers (the fast path turned off by running the app directly)."""
    import os

    code = "import sys; from entcli.cli.app import run; sys.exit(run([]))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env},
                          cwd=ROOT)
    return proc.stdout.rstrip("\n"), proc.returncode


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_fast_completion_answers_as_typer_does(shell):
    from entcli.cli.completion import respond

    for line in LINES:
        if shell == "bash":
            words = line.split(" ")
            env = {"COMP_WORDS": line, "COMP_CWORD": str(len(words) - 1)}
        else:
            env = {"_TYPER_COMPLETE_ARGS": line}
        actions = ["get-args", "is-args"] if shell == "fish" else [""]
        for action in actions:
            env = {**env, "_ENTCLI_COMPLETE": f"complete_{shell}"}
            if action:
                env["_TYPER_COMPLETE_FISH_ACTION"] = action
            fast = respond(f"complete_{shell}", env)
            if fast is None:
                continue  # deferred to Typer, so identical by construction
            text, code = _typer_answer(shell, env)
            # Click orders -h/--help from a set (random per process), so compare the items, not their order.
            assert (_items(fast[0], shell), fast[1]) == (_items(text, shell), code), (shell, line, action)


def _items(text: str, shell: str) -> list[str]:
    """The completion items, sorted, each on one line: Typer renders zsh/fish help through rich, which wraps it
    at the terminal width (a line break inside an item); the fast path keeps each help on one line."""
    text = text.rstrip("\n")
    if text.startswith("_arguments '*: :((") and text.endswith("))'"):
        text = text[len("_arguments '*: :(("):-len("))'")]
    if shell == "bash":
        return sorted(text.split("\n"))
    items: list[str] = []
    for line in text.split("\n"):
        starts_item = line.startswith('"') if shell == "zsh" else "\t" in line or not items
        if starts_item or not items:
            items.append(line)
        else:
            items[-1] += " " + line
    return sorted(" ".join(item.split()) for item in items)
