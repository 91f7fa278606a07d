"""Work done ahead in a thread: the next chunk read and parsed, the next batch decoded (io layer).

pyarrow's parsers and decoders release the GIL, so while one block is computed and written the next is made
on the other core.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")


def in_thread(work: Callable[[], T], name: str = "entcli-parse") -> Callable[[], T]:
    """Start ``work()`` in a thread; the function returned waits for its result, or raises its error.

    A daemon thread, not a pool: when the consumer stops early (an error, ``| head``) work still waiting on a
    pipe that stays open must hold up neither the exit nor anything else; its result is never used."""
    box: queue.Queue[tuple[bool, Any]] = queue.Queue(1)

    def run() -> None:
        try:
            box.put((True, work()))
        except BaseException as e:  # noqa: BLE001 - raised in the consumer's thread, when it asks for the result
            box.put((False, e))

    threading.Thread(target=run, name=name, daemon=True).start()

    def result() -> T:
        ok, value = box.get()
        if not ok:
            raise value
        return value

    return result


def read_ahead(chunks: Iterator[bytes], parse: Callable[[bytes], Any]) -> Callable[[], tuple[bytes | None, Any]]:
    """The next chunk and ``parse`` of it (None where it cannot), made in a thread: (None, None) at the end."""

    def work() -> tuple[bytes | None, Any]:
        raw = next(chunks, None)
        return raw, parse(raw) if raw is not None else None

    return in_thread(work)


def prefetched(items: Iterator[T]) -> Iterator[T]:
    """``items``, each made in a thread while the one before is used."""
    done = object()

    def step() -> Any:
        return next(items, done)

    pending = in_thread(step, "entcli-read")
    while True:
        item = pending()
        if item is done:
            return
        pending = in_thread(step, "entcli-read")
        yield item


def advance(ahead: Callable[[], tuple[bytes | None, Any]] | None, chunks: Iterator[bytes]
            ) -> tuple[bytes | None, tuple[Any] | None]:
    """The next chunk and, boxed, its parse: from the :func:`read_ahead` started for it, else read now (no parse)."""
    if ahead is None:
        return next(chunks, None), None
    raw, parsed = ahead()
    return raw, (parsed,)
