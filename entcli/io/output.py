"""Where results are written: stdout, or a file replaced atomically when the run succeeds.

``-O PATH`` writes to a temporary file beside the file PATH finally names (a symlink's target, not the link)
and renames it over that file only when the run succeeds, so a failed run never leaves a partial file or
clobbers a good one. The new file gets the mode of the file it replaces (or 0666 less the umask, as a shell's
redirection would). A path that is not a regular file (``/dev/null``, a FIFO, a terminal) is written directly:
renaming over a device node would replace it.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

from entcli.errors import InputError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def output_stream(path: str | None) -> Iterator[IO[str]]:
    """stdout (``path`` None or ``-``), or a text stream onto ``path`` committed only when the block exits cleanly.

    A failed write (a full disk, /dev/full, an I/O error, a closed stdout) is an :class:`InputError` naming where,
    not a crash; a reader that went away (``| head``) stays a :class:`BrokenPipeError` for the caller.
    """
    if path is None or path == "-":
        if sys.stdout is None:
            raise InputError("stdout is closed", "redirect it (> file), or write with -O PATH")
        with _write_errors("stdout"):
            yield sys.stdout
        return
    with _write_errors(f"-O {path}"):
        yield from _file_stream(path)


@contextmanager
def _write_errors(where: str) -> Iterator[None]:
    try:
        yield
    except BrokenPipeError:
        raise
    except UnicodeEncodeError as e:
        raise InputError(f"{where}: cannot encode {e.object[e.start:e.end]!r} as {e.encoding}",
                         "set a UTF-8 locale (e.g. PYTHONIOENCODING=utf-8), or write with -O PATH (always UTF-8)") \
            from None
    except OSError as e:
        raise InputError(f"{where}: cannot write ({e.strerror or e})", "check the disk space and the permissions") \
            from None


def _file_stream(path: str) -> Iterator[IO[str]]:
    target = os.path.realpath(path)
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as e:
        raise InputError(f"-O {path}: cannot write ({e.strerror})", "check the path") from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise InputError(f"-O {path}: is a directory", "give a file path")
    if info is not None and not stat.S_ISREG(info.st_mode):
        # A device, FIFO or socket: write to it as it is (there is nothing to replace atomically).
        try:
            stream = open(target, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - closed below
        except OSError as e:
            raise InputError(f"-O {path}: cannot write ({e.strerror})", "check the path") from None
        with stream:
            yield stream
        return
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        raise InputError(f"-O {path}: directory {directory} does not exist", "create it first")
    import tempfile

    try:
        fd, tmp = tempfile.mkstemp(prefix=".entcli-", suffix=".tmp", dir=directory)
    except OSError as e:
        raise InputError(f"-O {path}: cannot write in {directory} ({e.strerror})",
                         "check the directory's permissions, or write to stdout") from None
    restore = _exit_on_termination()
    try:
        os.chmod(tmp, stat.S_IMODE(info.st_mode) if info is not None else 0o666 & ~_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    finally:
        restore()


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while -O was being written: unwinds like an exception, so the temporary file is
    removed, and exits 128 + the signal number, as a shell reports it."""


def _exit_on_termination() -> Callable[[], None]:
    """Turn SIGTERM and SIGHUP into :class:`Terminated` until the returned function restores the old handlers."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    names = [n for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n)]
    old = {}

    def handler(signum: int, frame: object) -> None:
        raise Terminated(128 + signum)

    for n in names:
        number = getattr(signal, n)
        old[number] = signal.signal(number, handler)

    def restore() -> None:
        for number, previous in old.items():
            signal.signal(number, previous)

    return restore
