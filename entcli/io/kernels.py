"""The Arrow compute kernels the batch path uses, called by name (io layer; no I/O of its own).

``import pyarrow.compute`` builds a Python wrapper with a docstring for each of Arrow's ~300 kernels: 40-70 ms
of every batch run's start, for the seven this package calls. They are reached here through
``pyarrow._compute.call_function``, which is what those wrappers call; a pyarrow without it (or without one of
the option classes) gets ``pyarrow.compute``'s own functions instead, with the same results
(tests/io/test_kernels.py compares both ways).
"""

from __future__ import annotations

import functools
from typing import Any


@functools.cache
def _by_name() -> Any:
    """pyarrow's kernel module (``pyarrow._compute``), or None where its names are not all there."""
    try:
        import pyarrow._compute as kernels
    except ImportError:  # pragma: no cover - every pyarrow >= 14 has it
        return None
    needed = ("call_function", "CastOptions", "JoinOptions", "ReplaceSubstringOptions", "SliceOptions",
              "ReplaceSliceOptions", "TrimOptions", "TakeOptions")
    return kernels if all(hasattr(kernels, name) for name in needed) else None


def _public() -> Any:
    import pyarrow.compute as pc

    return pc


#: True: call ``pyarrow.compute``'s wrappers (the tests set it to compare the two ways).
PUBLIC = False


def _kernels() -> Any:
    return None if PUBLIC else _by_name()


def cast_to_string(values: Any) -> Any:
    """The texts of a numeric Arrow array (Arrow's shortest round-trip formatting of floats)."""
    import pyarrow as pa

    k = _kernels()
    if k is None:
        return _public().cast(values, pa.string())
    return k.call_function("cast", [values], k.CastOptions(pa.string()))


def join(*arrays: Any) -> Any:
    """Row by row, the strings of ``arrays[:-1]`` joined by the separator strings of ``arrays[-1]``."""
    k = _kernels()
    if k is None:
        return _public().binary_join_element_wise(*arrays)
    return k.call_function("binary_join_element_wise", list(arrays), k.JoinOptions())


def replace_substring(texts: Any, pattern: str, replacement: str) -> Any:
    """Every occurrence of ``pattern`` in each string replaced by ``replacement``."""
    k = _kernels()
    if k is None:
        return _public().replace_substring(texts, pattern=pattern, replacement=replacement)
    return k.call_function("replace_substring", [texts], k.ReplaceSubstringOptions(pattern, replacement))


def slice_from(texts: Any, start: int) -> Any:
    """Each string from code unit ``start`` on."""
    stop = 1 << 30
    k = _kernels()
    if k is None:
        return _public().utf8_slice_codeunits(texts, start, stop)
    return k.call_function("utf8_slice_codeunits", [texts], k.SliceOptions(start, stop))


def replace_slice(texts: Any, start: int, stop: int, replacement: str) -> Any:
    """Each string with code units [start, stop) replaced by ``replacement``."""
    k = _kernels()
    if k is None:
        return _public().utf8_replace_slice(texts, start, stop, replacement)
    return k.call_function("utf8_replace_slice", [texts], k.ReplaceSliceOptions(start, stop, replacement))


def rtrim(texts: Any, characters: str) -> Any:
    """Each string without the trailing ``characters``."""
    k = _kernels()
    if k is None:
        return _public().utf8_rtrim(texts, characters=characters)
    return k.call_function("utf8_rtrim", [texts], k.TrimOptions(characters))


def trim(texts: Any, characters: str) -> Any:
    """Each string without the leading and trailing ``characters`` (an Array or ChunkedArray)."""
    k = _kernels()
    if k is None:
        return _public().utf8_trim(texts, characters=characters)
    return k.call_function("utf8_trim", [texts], k.TrimOptions(characters))


def take(values: Any, indices: Any) -> Any:
    """``values[indices]`` (``indices`` an Arrow integer array)."""
    k = _kernels()
    if k is None:
        return _public().take(values, indices)
    return k.call_function("take", [values, indices], k.TakeOptions())
