"""The ``entcli`` entry point: answers ``--version`` and TAB completion without importing Typer, NumPy or rich, and
the plain entropy one-liner without Typer (:mod:`entcli.cli.quick`), then hands over to the Typer app."""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping


def main(argv: list[str] | None = None) -> None:
    """Exit with entcli's exit code for ``argv`` (default: sys.argv[1:]); Ctrl-C at any moment, also while the
    app is still being imported (before its own handler exists), is exit 130 without a traceback."""
    try:
        _main(argv)
    except KeyboardInterrupt:
        sys.exit(130)


def _main(argv: list[str] | None) -> None:
    args = sys.argv[1:] if argv is None else list(argv)
    if sys.stderr is None:  # started with stderr closed: messages are dropped, never mixed into stdout's data
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the life of the process
    if args in (["--version"], ["-V"]):
        # The package metadata's version is read from this attribute at build time (pyproject.toml), so
        # this is the same string as importlib.metadata.version("entcli"), without its 30 ms import.
        from entcli._version import __version__

        print(f"entcli {__version__}")
        sys.exit(0)
    instruction = os.environ.get("_ENTCLI_COMPLETE")
    if instruction and argv is None:
        from entcli.cli.completion import respond

        answer = respond(instruction, os.environ)
        if answer is not None:
            text, code = answer
            if text:
                print(text)
            sys.exit(code)
    if argv is None and sys.stdout is not None:
        from entcli.cli import quick

        line = quick.answer(args, sys.stdout.isatty())
        if line is not None:  # the plain one-liner, answered without building the app (see entcli.cli.quick)
            try:
                os.write(sys.stdout.fileno(), line.encode("ascii"))  # one short line: written whole or not at all
            except (OSError, ValueError):
                pass  # not written (a full disk, a closed pipe): the full app writes it and reports as it always does
            else:
                sys.exit(0)
    if sys.platform == "linux":
        _arrow_memory(os.environ)
    from entcli.cli.app import run

    sys.exit(run(args))


#: jemalloc's settings for Arrow's pool (read once, when pyarrow is imported): freed pages go back to the system
#: after 100 ms, not Arrow's 1 s. On rows of 100 numbers jemalloc kept up to ~60 MiB of freed pages (softmax -o csv
#: of 200k x 100: 205-221 MiB peak RSS, 163-183 MiB so; normalize 197-199 MiB, 170-177 MiB) at the same speed;
#: 0 ms (at once) saved ~20 MiB more but cost 25 % of the time.
JEMALLOC_CONF = "dirty_decay_ms:100,muzzy_decay_ms:100"


def _arrow_memory(environ: MutableMapping[str, str]) -> None:
    """Arrow's allocator and its settings for a command-line run on Linux, set in ``environ`` before pyarrow is
    imported; a user's own setting of either variable is left alone."""
    if "ARROW_DEFAULT_MEMORY_POOL" not in environ:
        environ["ARROW_DEFAULT_MEMORY_POOL"] = _arrow_allocator()
    environ.setdefault("JE_ARROW_MALLOC_CONF", JEMALLOC_CONF)


def _arrow_allocator() -> str:
    """Arrow's allocator for a command-line run on Linux (set before pyarrow is imported: it reads the variable
    once; the library face, entcli.frame, leaves a caller's process alone). jemalloc (in pyarrow's Linux wheels)
    gives each block's texts and tables back to the system: mimalloc, Arrow's default, kept 30-60 MiB more per run
    and was slower (issue 20: softmax -o csv 1.13 -> 0.99 s, 182 -> 148 MiB). But jemalloc reserves address space
    ahead, so under an address-space or data limit (ulimit -v, some containers) it ran out where the C allocator
    did not (a 60 MiB stream under a 1 GiB RLIMIT_AS): there the system allocator (~10 % slower here) is taken."""
    import resource

    limited = any(resource.getrlimit(which)[0] != resource.RLIM_INFINITY
                  for which in (resource.RLIMIT_AS, resource.RLIMIT_DATA))
    return "system" if limited else "jemalloc"
