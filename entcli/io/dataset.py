"""Inputs that are datasets: a directory, a glob or an fsspec URL of many files (partitions), read as one input.

A dataset is read partition by partition, in order (natural order of the paths: ``part-2`` before ``part-10``).
Every partition is opened by the same reader as a single file would be, with the same options; the first
partition settles the outcome names, and each later one must name the same outcomes (in any order: its
columns are put in the first one's order) and carry the same keys. Rows are numbered through the whole
dataset (``--row-number``, check tallies); a message about one row names its partition and the row and line
in it (:attr:`Block.origin`, :attr:`Block.offset`).

fsspec is only imported for a URL (``s3://bucket/preds/*.parquet``, ``memory://``, ``file://``); a local
directory or glob needs nothing beyond the standard library.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

from entcli.errors import InputError, MissingExtraError, NoRows
from entcli.io.blocks import Block, Bytes, Source, iter_blocks
from entcli.io.formats import EXTENSIONS

#: A path with one of these characters is a glob when no file has that exact name.
GLOB_CHARS = re.compile(r"[*?\[]")
#: The most files and directories looked at below a dataset's directory.
MAX_ENTRIES = 200_000
#: ``scheme://`` at the start of a path: an fsspec URL.
URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: str) -> bool:
    """Whether ``path`` is a URL (``s3://…``, ``file://…``, ``memory://…``) for fsspec."""
    return bool(URL.match(path))


def _fsspec() -> Any:
    try:
        import fsspec
    except ImportError:
        raise MissingExtraError("fsspec", "dask", "reading a URL") from None
    return fsspec


def open_url(path: str) -> BinaryIO:
    """A binary stream onto the file at the URL ``path`` (an InputError when it cannot be opened)."""
    fsspec = _fsspec()
    try:
        return fsspec.open(path, "rb").open()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file", "check the URL") from None
    except (ValueError, ImportError) as e:  # an unknown protocol, or its package (s3fs, gcsfs) is missing
        raise InputError(f"{path}: cannot open ({e})", "install the fsspec backend of its protocol, e.g. s3fs") \
            from None
    except OSError as e:
        raise InputError(f"{path}: cannot open ({e.strerror or e})", "check the URL and its permissions") from None


def natural_key(path: str) -> list[Any]:
    """Sort key that orders the numbers in a path by value (``part-2`` before ``part-10``)."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def _data_file(name: str) -> bool:
    """A file of a dataset directory: not hidden, not a marker (``_SUCCESS``, ``_metadata``), a known extension."""
    base = os.path.basename(name.rstrip("/"))
    if base.startswith((".", "_")):
        return False
    lower = base.lower()
    return any(lower.endswith(ext) for ext in EXTENSIONS)


def dataset_parts(path: str) -> list[str] | None:
    """The partition files of the dataset ``path``, in order; None when ``path`` is one file (or stdin).

    A directory: every data file below it (recursively; hidden files and ``_`` markers left out). A glob
    (``preds/*.csv``, ``**`` across directories) that no file is named after: the files it matches. A URL:
    the same, through fsspec. An InputError when nothing matches or the partitions mix formats.
    """
    if path == "-":
        return None
    if is_url(path):
        parts = _url_parts(path)
        if parts is None:
            return None
    elif os.path.isdir(path):
        parts = _walk(path)
        if not parts:
            raise InputError(f"{path}: the directory holds no data files",
                             f"a dataset's files end in {', '.join(sorted(set(EXTENSIONS)))}")
    elif GLOB_CHARS.search(path) and not os.path.exists(path):
        parts = [p for p in glob.glob(path, recursive=True) if os.path.isfile(p)]
        if not parts:
            raise InputError(f"{path}: no file matches", "check the pattern (quote it, so the shell leaves it alone)")
    else:
        return None
    parts.sort(key=natural_key)
    formats = {_format_of(p) for p in parts}
    if len(formats) > 1:
        raise InputError(f"{path}: the partitions mix formats ({', '.join(sorted(f or '?' for f in formats))})",
                         "a dataset is files of one format; narrow it with a glob, e.g. 'DIR/*.parquet'")
    return parts


def _walk(path: str) -> list[str]:
    """The data files below the directory ``path`` (not in hidden or ``_`` directories), at most MAX_ENTRIES
    looked at (``-i /`` by mistake must not walk the whole file system)."""
    found: list[str] = []
    seen = 0
    for root, dirs, names in os.walk(path):
        dirs[:] = [d for d in dirs if not d.startswith((".", "_"))]
        seen += len(names) + len(dirs)
        if seen > MAX_ENTRIES:
            raise InputError(f"{path}: more than {MAX_ENTRIES} entries below the directory",
                             "is it the right directory? narrow it with a glob, e.g. 'DIR/part-*.parquet'")
        # regular files only (a FIFO named part.csv would wait for a writer forever)
        found += [p for name in names if _data_file(name) and os.path.isfile(p := os.path.join(root, name))]
    return found


def _format_of(path: str) -> str | None:
    lower = path.lower()
    return next((fmt for ext, fmt in EXTENSIONS.items() if lower.endswith(ext)), None)


def _url_parts(path: str) -> list[str] | None:
    fsspec = _fsspec()
    try:
        fs, root = fsspec.core.url_to_fs(path)
        if GLOB_CHARS.search(root) and not fs.exists(root):
            found = [p for p in fs.glob(root) if fs.isfile(p)]
        elif fs.isdir(root):
            found = [p for p in fs.find(root) if _data_file(p)]
        else:
            return None  # one file at a URL
    except (ValueError, ImportError) as e:
        raise InputError(f"{path}: cannot open ({e})", "install the fsspec backend of its protocol, e.g. s3fs") \
            from None
    except OSError as e:
        raise InputError(f"{path}: cannot list ({e.strerror or e})", "check the URL and its permissions") from None
    if not found:
        raise InputError(f"{path}: no data files", "check the URL (a directory or a glob of data files)")
    return [fs.unstrip_protocol(p) for p in found]


Opener = Callable[[str], Source]


def aligned_part(part: Source, names: list[str] | None, keys: list[str], dataset: str) -> Source:
    """``part`` with its outcome columns in the order of ``names`` (the first partition's), or an InputError
    naming the partition when it has other outcomes or other keys."""
    if part.keys != keys:
        raise InputError(f"{dataset}: partition {part.name} carries the key column(s) {part.keys or 'none'}, "
                         f"the first partition {keys or 'none'}",
                         "every partition of a dataset has the same columns; pick them with --columns/--keep")
    if names is None or part.names == names:
        return part
    if part.names is None or len(part.names) != len(names) or set(part.names) != set(names):
        from entcli.io.roles import listed

        theirs = part.names or []
        ours, own = set(names), set(theirs)
        extra = [n for n in theirs if n not in ours]
        missing = [n for n in names if n not in own]
        detail = "; ".join(s for s in (f"its own: {listed(extra, quote=True)}" if extra else "",
                                       f"missing: {listed(missing, quote=True)}" if missing else "") if s)
        raise InputError(f"{dataset}: partition {part.name} names other outcomes than the first partition"
                         + (f" ({detail})" if detail else ""),
                         "every partition of a dataset names the same outcomes")
    index = [part.names.index(n) for n in names]
    inner = part.blocks

    def blocks() -> Iterator[Block]:
        for block in inner:
            block.values = block.values[:, index]
            yield block

    part.blocks = blocks()
    part.names = list(names)
    return part


def dataset_source(path: str, parts: list[str], open_part: Opener,
                   expected: tuple[list[str] | None, list[str]] | None = None, counts: list[int] | None = None
                   ) -> Source:
    """The partitions ``parts`` of the dataset ``path`` as one :class:`Source`, each opened by ``open_part``
    when the one before it is exhausted (at most one partition is open at a time).

    ``expected``: the outcome names and keys of the dataset's first partition, when ``parts`` are later ones (a
    task of a distributed run reads one partition); ``counts`` receives the rows of each partition as read.
    A partition with no rows (an empty file, a header alone: Spark writes such parts) adds none; a dataset whose
    partitions all have none is an error (for a task's one partition, it just has no rows).
    """
    opened = first_rows(parts, open_part)
    if opened is None:
        if expected is not None:
            if counts is not None:
                counts.append(0)
            return Source(path, iter(()), expected[0], "values", list(expected[1]), partial=True)
        raise no_rows(path, parts)
    skip, first = opened
    if counts is not None:
        counts += [0] * skip
    if expected is not None:
        first = aligned_part(first, expected[0], expected[1], path)
    counted = Bytes(0, None)

    def blocks() -> Iterator[Block]:
        base = done = 0  # rows and bytes of the partitions before this one
        width: int | None = None  # of the rows of the first partition (partitions without names: by position)
        for k, name in enumerate(parts[skip:]):
            opened = first if k == 0 else with_rows(name, open_part)
            if opened is None:
                if counts is not None:
                    counts.append(0)
                continue
            part = opened if k == 0 else aligned_part(opened, first.names, first.keys, path)
            end = 0
            for block in part.blocks:  # read through iter_blocks by with_rows
                width = block.values.shape[1] if width is None else width
                if block.values.shape[1] != width:
                    raise InputError(f"{path}: partition {name} has rows of {block.values.shape[1]} values, the "
                                     f"first partition's have {width}",
                                     "every partition of a dataset has the same columns")
                end = block.start + len(block.values) if block.positions is None else \
                    max(end, block.start + (int(block.positions.max()) + 1 if len(block.positions) else 0))
                block.start += base
                block.offset = base
                block.origin = name
                if part.bytes is not None:
                    counted.read = done + part.bytes.read
                yield block
            base += end
            done = counted.read
            if counts is not None:
                counts.append(end)
        if not base and expected is None:
            raise no_rows(path, parts)

    source = Source(path, blocks(), first.names, first.fmt, list(first.keys), list(first.notes), first.columns,
                    counted, partial=expected is not None)
    source.notes.insert(0, f"dataset: {len(parts)} partition(s), read in order, from {parts[0]} to {parts[-1]}")
    return source


def no_rows(path: str, parts: list[str]) -> NoRows:
    """The error for a dataset none of whose partitions has a row."""
    return NoRows(f"{path}: no rows to read in any of its {len(parts)} partition(s)",
                  "check the dataset (empty files and headers alone count as no rows)")


def with_rows(name: str, open_part: Opener) -> Source | None:
    """The partition ``name`` opened and its first block read (a header alone settles no key columns: only a row
    does), its blocks read through :func:`iter_blocks`; None when it has no rows (an empty file, a header alone)."""
    import itertools

    try:
        source = open_part(name)
        blocks = iter_blocks(source)
        first = next(blocks)
    except (NoRows, StopIteration):
        return None
    source.blocks = itertools.chain([first], blocks)
    return source


def first_rows(parts: list[str], open_part: Opener) -> tuple[int, Source] | None:
    """The first partition with rows to read (its index and source), skipping empty ones; None if none."""
    for k, name in enumerate(parts):
        source = with_rows(name, open_part)
        if source is not None:
            return k, source
    return None


def empty_like(source: Source, name: str | None = None) -> Source:
    """A source with ``source``'s names and keys and no rows (the client's side of a distributed run)."""
    return Source(name or source.name, iter(()), source.names, source.fmt, list(source.keys), list(source.notes),
                  source.columns, remote=True)


__all__ = ["aligned_part", "dataset_parts", "dataset_source", "empty_like", "is_url", "natural_key", "open_url"]
