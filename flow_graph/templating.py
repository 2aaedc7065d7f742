"""Message texts: `{key}` and `{key|fallback}` filled from a contact's values.

An unset property renders its fallback (or `default_fallback`), never the raw placeholder; whole
numbers render without a trailing `.0`. Braces that do not form a placeholder stay as written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]{0,63})(?:\|([^{}]*))?\}")


def render_text(text: str, values: Mapping[str, Any], default_fallback: str = "") -> str:
    def fill(match: re.Match[str]) -> str:
        value = values.get(match.group(1))
        if value is None:
            fallback = match.group(2)
            return default_fallback if fallback is None else fallback
        return format_value(value)

    return PLACEHOLDER.sub(fill, text)


def placeholders(text: str) -> list[str]:
    """The property keys a text reads, in order of appearance."""
    return [match.group(1) for match in PLACEHOLDER.finditer(text)]


def format_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
