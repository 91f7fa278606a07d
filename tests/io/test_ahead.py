"""entcli/io/ahead.py: work made ahead in a thread comes back in order, with its errors, and an early stop leaves
nothing waiting."""

from __future__ import annotations

import threading

import pytest

from entcli.io.ahead import in_thread, prefetched, read_ahead


def test_prefetched_keeps_order_and_makes_one_ahead():
    made: list[int] = []

    def items():
        for i in range(5):
            made.append(i)
            yield i

    seen = []
    for item in prefetched(items()):
        seen.append(item)
        assert len(made) <= item + 2  # this item and at most the next one
    assert seen == [0, 1, 2, 3, 4]
    assert list(prefetched(iter(()))) == []


def test_errors_reach_the_consumer_at_the_item_that_failed():
    def items():
        yield 1
        raise ValueError("corrupt batch")

    got = []
    with pytest.raises(ValueError, match="corrupt batch"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1]
    with pytest.raises(KeyError):
        in_thread(lambda: {}["x"])()


def test_read_ahead_gives_chunk_and_parse_then_the_end():
    chunks = iter([b"a", b"b"])
    assert read_ahead(chunks, bytes.upper)() == (b"a", b"A")
    assert read_ahead(chunks, bytes.upper)() == (b"b", b"B")
    assert read_ahead(chunks, bytes.upper)() == (None, None)


def test_threads_are_daemons_so_an_early_exit_is_not_held_up():
    release = threading.Event()
    in_thread(release.wait)
    assert all(t.daemon for t in threading.enumerate() if t.name == "entcli-parse")
    release.set()
