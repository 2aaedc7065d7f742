"""Row ids from clients: one rule for every `ID` argument that names a row.

An id names a row only when it is an ASCII decimal integer in 1..2^31-1, the range of the key
columns (INTEGER on PostgreSQL; SQLite's are wider, but one rule serves both). Anything else
(`"abc"`, `"²"`, which `str.isdigit` accepts, or 2^63) names no row, so it is answered like a
well-formed id that does not exist: NOT_FOUND, or null where the field is nullable. Such a value
never reaches the database, where it would overflow.
"""

from __future__ import annotations

MAX_ID = 2**31 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(text: str) -> int | None:
    """The row id `text` names, or None when it can name no row."""
    if not 0 < len(text) <= _MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None
