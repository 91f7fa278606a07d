"""Column roles: which columns of a table are the outcomes, which are keys carried to the output, which a
command reads by name (a label column); resolved once per input from its header and its first row.

A column SPEC (``--columns``, ``--exclude``, ``--keep``) is a comma-separated list of items:

- a header name, exactly as written (``cat``);
- ``N`` or ``N-M``: 1-based column numbers and ranges (``2-11``);
- a glob over the header names (``p_*``, ``prob[0-9]``);
- ``#N`` / ``#N-M``: always column numbers; ``=NAME``: always a header name.

A header name that is itself a number (pandas writes ``,0,1,2``) makes a bare number ambiguous when the name
and the column number point at different columns: that is an error asking for ``#N`` or ``=NAME``, never a
guess.

Without ``--columns`` the outcomes are every column that is not excluded, not kept by ``--keep SPEC``, not
read by a command (a ``--target-column``) and numeric in the first data row. ``--keep`` says which other
columns go to the output: by default those with text in the first row (ids, names); ``all``, ``none`` or a
SPEC. Columns that are neither outcomes nor read are never parsed.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from entcli.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

__all__ = ["Layout", "Roles", "class_indices", "listed", "parse_spec", "resolve", "select"]

#: A message lists this many names at most, then says how many there are.
LISTED_NAMES = 20


def listed(names: Sequence[str], quote: bool = False) -> str:
    """``a, b, c`` for a message: the first :data:`LISTED_NAMES` names, then ``... (N in all)``."""
    shown = [repr(n) if quote else n for n in names[:LISTED_NAMES]]
    more = f", ... ({len(names)} in all)" if len(names) > LISTED_NAMES else ""
    return ", ".join(shown) + more

_RANGE = re.compile(r"^(\d+)(?:-#?(\d+))?$")
_GLOB = re.compile(r"[*?\[]")
#: ``--keep`` words that are not a SPEC.
KEEP_WORDS = ("all", "none")


@dataclass(frozen=True)
class Roles:
    """What the command line asked of an input's columns (see the module docstring).

    ``keep`` is None (the default: text columns), ``"all"``, ``"none"`` or SPEC items; ``wanted`` are the
    columns a command reads by name (they are neither outcomes nor, unless kept, output); ``field`` is the
    JSON path of the distribution; ``fill`` is ``--fill 0`` (JSON Lines objects: the union of the keys).
    """

    columns: tuple[str, ...] | None = None
    exclude: tuple[str, ...] = ()
    keep: str | tuple[str, ...] | None = None
    wanted: tuple[str, ...] = ()
    field: str | None = None
    fill: bool = False

    @property
    def asked(self) -> bool:
        """True when the command line said anything about columns (else a table is read as it comes)."""
        return bool(self.columns or self.exclude or self.keep is not None or self.wanted)


def parse_spec(text: str, option: str) -> tuple[str, ...]:
    """The items of a SPEC (split on commas, blanks dropped); an empty SPEC is an error naming ``option``."""
    items = tuple(item.strip() for item in text.split(",") if item.strip())
    if not items:
        raise InputError(f"{option} names no column", f"e.g. {option} a,b,c or {option} 2-4 or {option} 'p_*'")
    return items


def select(items: Sequence[str], names: Sequence[str] | None, width: int, option: str, where: str) -> list[int]:
    """0-based indices of the columns ``items`` name, in the order given (a column named twice counts once)."""
    chosen: dict[int, None] = {}
    index = {name: i for i, name in reversed(list(enumerate(names)))} if names else {}
    for item in items:
        chosen.update(dict.fromkeys(_one(item, names, index, width, option, where)))
    return list(chosen)


def _one(item: str, names: Sequence[str] | None, positions: dict[str, int], width: int, option: str, where: str
         ) -> list[int]:
    known = f"columns are: {listed(names)}" if names else f"give 1-based column numbers 1-{width}"
    if item.startswith("="):
        if item[1:] in positions:
            return [positions[item[1:]]]
        raise InputError(f"{where}: {option}: no column named {item[1:]!r}", known)
    forced = item.startswith("#")
    text = item[1:] if forced else item
    numbered = _RANGE.match(text)
    if not forced and item in positions:
        index = positions[item]
        if numbered and numbered.group(2) is None and 1 <= int(text) <= width and int(text) - 1 != index:
            raise InputError(
                f"{where}: {option}: {item!r} is both the name of column {index + 1} and the number of column "
                f"{int(text)}", f"write ={item} for the column named {item}, or #{item} for column number {item}")
        return [index]
    if numbered:
        lo = int(numbered.group(1))
        hi = int(numbered.group(2)) if numbered.group(2) is not None else lo
        if not 1 <= lo <= hi <= width:
            raise InputError(f"{where}: {option}: column {item!r} is out of range (the input has {width} columns)",
                             known)
        return list(range(lo - 1, hi))
    if not forced and _GLOB.search(item) and names:
        matched = [i for i, name in enumerate(names) if fnmatch.fnmatchcase(name, item)]
        if matched:
            return matched
        raise InputError(f"{where}: {option}: no column matches {item!r}", known)
    raise InputError(f"{where}: {option}: no column {item!r}", known)


@dataclass(frozen=True)
class Layout:
    """The roles of an input's columns: ``outcomes`` and ``keys`` (carried) as 0-based indices, in order;
    ``wanted`` maps a column a command reads to its index; ``names`` are the header's (or None)."""

    width: int
    outcomes: tuple[int, ...]
    keys: tuple[int, ...] = ()
    wanted: tuple[tuple[str, int], ...] = ()
    names: tuple[str, ...] | None = None

    @property
    def plain(self) -> bool:
        """Every column an outcome, in order, nothing else read: the fast path of every reader."""
        return self.outcomes == tuple(range(self.width)) and not self.keys and not self.wanted

    @property
    def text_columns(self) -> tuple[int, ...]:
        """The columns read as text: the keys, then the wanted columns that are not keys."""
        return self.keys + tuple(i for _, i in self.wanted if i not in self.keys)

    def name_of(self, i: int) -> str:
        """The output name of column ``i``: its header name, else ``column_N`` (1-based)."""
        return self.names[i] if self.names is not None else f"column_{i + 1}"

    @property
    def outcome_names(self) -> list[str] | None:
        return [self.names[i] for i in self.outcomes] if self.names is not None else None

    @property
    def key_names(self) -> list[str]:
        return [self.name_of(i) for i in self.keys]


def resolve(roles: Roles, names: Sequence[str] | None, width: int, numeric: Sequence[bool] | None,
            where: str, typos: bool = False) -> Layout:
    """The :class:`Layout` of an input of ``width`` columns (``names`` from its header; ``numeric[i]``: column
    ``i`` of the first data row is a number, None when unknown) under ``roles``.

    ``typos``: the types come from the text of one row, so a column taken as a key for its text *between*
    outcome columns is more likely a bad value than an id: an error that asks which it is.
    """
    header = tuple(names) if names is not None else None
    wanted: list[tuple[str, int]] = []
    for column in roles.wanted:
        if header is None or column not in header:
            hint = f"columns are: {listed(header)}" if header else "the input needs a header row naming it"
            raise InputError(f"{where}: no column {column!r}", hint)
        wanted.append((column, header.index(column)))
    taken = {i for _, i in wanted}
    excluded = set(select(roles.exclude, header, width, "--exclude", where)) if roles.exclude else set()
    explicit = roles.keep if isinstance(roles.keep, tuple) else None
    kept_by_name = select(explicit, header, width, "--keep", where) if explicit else []
    if roles.columns:
        outcomes = [i for i in select(roles.columns, header, width, "--columns", where) if i not in excluded]
        clash = [i for i in outcomes if i in taken or i in kept_by_name]
        if clash:
            raise InputError(f"{where}: column {_label(header, clash[0])} is both an outcome (--columns) and "
                             f"{'a column read by name' if clash[0] in taken else 'a kept key (--keep)'}",
                             "a column has one role")
    else:
        other = excluded | taken | set(kept_by_name)
        outcomes = [i for i in range(width) if i not in other and (numeric is None or numeric[i])]
        chosen = set(outcomes)
        inside = [i for i in range(width) if outcomes and outcomes[0] < i < outcomes[-1] and i not in chosen
                  and i not in other]
        if typos and inside and roles.keep is None:  # --keep all/SPEC: the text columns are known to be keys
            raise InputError(f"{where}: column {_label(names, inside[0])} holds text in the first row, between "
                             "columns of numbers", f"if it is a key, say so with --keep {_spec_of(names, inside[0])} "
                             f"(or --exclude it); if it is an outcome, fix the value")
    if not outcomes and width and roles.keep != "all":  # --keep all: a table of keys only is read as such
        raise InputError(f"{where}: no outcome columns left", "check --columns/--exclude/--keep" if roles.asked
                         else "no column of the first row is a number")
    is_outcome = set(outcomes)
    rest = [i for i in range(width) if i not in is_outcome]
    if roles.keep == "none":
        keys: list[int] = []
    elif roles.keep == "all":
        keys = rest
    elif explicit:
        keys = [i for i in kept_by_name if i not in is_outcome]
    else:
        keys = [i for i in rest if i not in excluded and numeric is not None and not numeric[i]]
    return Layout(width, tuple(outcomes), tuple(keys), tuple(wanted), header)


def _spec_of(names: Sequence[str] | None, i: int) -> str:
    return f"={names[i]}" if names is not None and _RANGE.match(names[i]) else names[i] if names else f"#{i + 1}"


def _label(names: Sequence[str] | None, i: int) -> str:
    return f"{i + 1} ({names[i]!r})" if names is not None else str(i + 1)


def class_indices(values: NDArray[Any], names: Sequence[str] | None) -> NDArray[np.float64]:
    """Class labels as 0-based indices (float64, NaN where a value is neither): a value that is an outcome name
    is that outcome's index; else it must read as a number (``2``, ``2.0``); range checks are the caller's."""
    import numpy as np

    text = np.asarray(values).astype(str)
    lookup = {name: float(i) for i, name in enumerate(names or ())}
    out = np.fromiter((lookup.get(v, np.nan) for v in text.tolist()), dtype=np.float64, count=len(text))
    rest = np.flatnonzero(np.isnan(out))
    if len(rest):
        try:
            out[rest] = text[rest].astype(np.float64)
        except ValueError:
            for i in rest.tolist():
                try:
                    out[i] = float(text[i])
                except ValueError:
                    out[i] = np.nan
    return out
