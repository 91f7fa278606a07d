"""The core's own error type: a precondition of a formula that does not hold.

The core is a library: its messages speak of distributions, orders and shapes, never of command-line
flags. The command line's one boundary (:func:`entcli.cli.app.run`) reports a :class:`DomainError` as
``error: <message>`` with exit code 2, so a precondition a command did not check first is still the
user's error, never an internal one.
"""

from __future__ import annotations


class DomainError(ValueError):
    """Arguments outside a formula's domain: shapes that do not match, an order or pseudocount out of range, ...

    ``row`` is the 0-based row of the offending input where one row is to blame (None otherwise).
    """

    def __init__(self, message: str, row: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.row = row
