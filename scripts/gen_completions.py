"""Regenerate completions/ from the installed entcli: `python scripts/gen_completions.py [--check]`.

Each script is what `entcli --show-completion SHELL` prints (Typer's, calling the program with
_ENTCLI_COMPLETE=complete_SHELL on every TAB). With --check, exit 1 if any file differs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = {"bash": "entcli.bash", "zsh": "_entcli", "fish": "entcli.fish"}


def generate(shell: str) -> str:
    out = subprocess.run([sys.executable, "-m", "entcli", "--show-completion", shell], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    return out.stdout


def main() -> int:
    check = "--check" in sys.argv[1:]
    stale = []
    for shell, name in FILES.items():
        path = ROOT / "completions" / name
        text = generate(shell)
        if check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path))
        else:
            path.write_text(text)
    if stale:
        print("stale completion scripts (run python scripts/gen_completions.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
