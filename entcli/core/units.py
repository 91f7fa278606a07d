"""Units of information: the base of the logarithm.

A quantity in base b is its value in nats divided by ln b: bits (b = 2), nats (b = e),
dits/hartleys (b = 10). Pure functions, no I/O.
"""

from __future__ import annotations

import math

from entcli.core.errors import DomainError

#: Names accepted for the common bases, and the unit name each one prints as.
BASE_ALIASES: dict[str, float] = {
    "2": 2.0,
    "bit": 2.0,
    "bits": 2.0,
    "e": math.e,
    "nat": math.e,
    "nats": math.e,
    "10": 10.0,
    "dit": 10.0,
    "dits": 10.0,
    "hartley": 10.0,
    "hartleys": 10.0,
}


def parse_base(text: str | float) -> float:
    """Return the logarithm base named by ``text``: ``2``, ``e``, ``10``, a unit name or any number.

    The base must be finite and > 1: log 1 = 0 would divide by zero, and a base below 1 turns every entropy and
    divergence negative (and a square root of one, such as the JS distance, undefined).
    Raises :class:`~entcli.core.errors.DomainError` with a message fit for a user otherwise.
    """
    if isinstance(text, (int, float)):
        base = float(text)
    else:
        key = text.strip().lower()
        if key in BASE_ALIASES:
            return BASE_ALIASES[key]
        try:
            base = float(key)
        except ValueError:
            raise DomainError(f"base {text!r} is not a number; use 2, e, 10 or any number > 1") from None
    if not math.isfinite(base) or base <= 1:
        raise DomainError(f"base {text!r} is not usable: it must be finite and > 1 (try 2, e or 10)")
    return base


def unit_name(base: float) -> str:
    """The name a quantity in ``base`` is reported in: ``bits``, ``nats``, ``dits`` or ``base-<b>``."""
    if base == 2.0:
        return "bits"
    if base == math.e:
        return "nats"
    if base == 10.0:
        return "dits"
    return f"base-{base:g}"


def nats_to(base: float) -> float:
    """The factor that turns nats into units of ``base``: 1 / ln b."""
    return 1.0 / math.log(base)
