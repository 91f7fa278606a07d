"""Regenerate docs/cli.md from the help of every command: `python scripts/gen_docs.py [--check]`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "docs" / "cli.md"


def help_text(*args: str) -> str:
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    out = subprocess.run([sys.executable, "-m", "entcli", *args, "--help"], capture_output=True, text=True, env=env,
                         check=True, cwd=ROOT)
    return out.stdout.rstrip() + "\n"


def commands() -> list[str]:
    import typer

    from entcli.cli.app import app

    return list(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def render() -> str:
    parts = ["# entcli command reference", "",
             "Generated from `entcli --help` and `entcli COMMAND --help` by `python scripts/gen_docs.py`; a test",
             "fails when it is out of date.", "", "## entcli", "", "```text", help_text().rstrip(), "```", ""]
    for name in commands():
        parts += [f"## entcli {name}", "", "```text", help_text(name).rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        if not TARGET.exists() or TARGET.read_text() != text:
            print("docs/cli.md is out of date: run python scripts/gen_docs.py")
            return 1
        return 0
    TARGET.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
