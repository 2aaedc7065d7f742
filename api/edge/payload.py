"""Request bodies and WebSocket messages decoded strictly, with a reason for each refusal.

What Python's `json` lets through but nothing downstream can store or answer is refused here,
once for every path into the schema: bytes that are not UTF-8, JSON nested beyond the parser,
integers of thousands of digits, `NaN`/`Infinity`, lone surrogates (`"\\ud800"`), which JSON may
escape but no database or UTF-8 response can hold, and NUL characters (`"\\u0000"`), which
PostgreSQL stores in neither text nor jsonb.
"""

from __future__ import annotations

import json
import re
from typing import Any

# A \uD800-\uDFFF or \u0000 escape somewhere in the text: only then are the strings walked.
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:[dD][89a-fA-F]|0000)")


class PayloadError(ValueError):
    """A body or message that cannot be taken, with what was wrong with it."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason


def decode(data: str | bytes, *, what: str = "The body") -> Any:
    """The JSON value of `data`; PayloadError naming the first problem (`what` names the text
    in the message: a body, or a query parameter of the CSV endpoints)."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise PayloadError(f"{what} is not UTF-8 text (byte {error.start:,}).") from None
    try:
        value = json.loads(data, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PayloadError(
            f"{what} is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})."
        ) from None
    except RecursionError:
        raise PayloadError(f"{what} is JSON nested too deeply.") from None
    except ValueError as error:  # an integer beyond Python's digit limit, or NaN/Infinity
        raise PayloadError(f"{what} holds a number that cannot be taken: {error}.") from None
    if _UNSTORABLE_ESCAPE.search(data):
        where = unstorable_text_at(value, what)
        if where is not None:
            raise PayloadError(
                f"{where} holds text that is not valid Unicode or holds NUL (a lone surrogate "
                "\\ud800-\\udfff, or \\u0000), which cannot be stored."
            )
    return value


def unstorable_text_at(value: Any, root: str = "The body") -> str | None:
    """The path of the first string (or key) in `value` that is not storable text, or None."""
    pending: list[tuple[str, Any]] = [(root, value)]
    while pending:
        path, item = pending.pop()
        if isinstance(item, str):
            if not _is_text(item):
                return path
        elif isinstance(item, dict):
            for key, inner in item.items():
                if not _is_text(key):
                    return f"A key of {path}"
                pending.append((f"{path}.{key}" if path != root else key, inner))
        elif isinstance(item, list):
            pending.extend((f"{path}[{index}]", inner) for index, inner in enumerate(item))
    return None


def _is_text(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
