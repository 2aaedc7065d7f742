"""Query parameters of the plain HTTP endpoints (/export, /import), read with limits.

These endpoints do not go through GraphQL and its edge checks, so each parameter is checked here
before anything uses it: its length, that its JSON parses (no number of more digits than Python
converts, no nesting deeper than any real filter, sort or mapping needs) and that its text is
real Unicode (a lone surrogate such as `\\ud800` would fail later in the database driver or in
the error response itself). A refusal is VALIDATION_FAILED naming the parameter.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import QueryParams

from api.errors import ValidationFailedError

MAX_LENGTH = 32_768
MAX_DEPTH = 8


def text_parameter(params: QueryParams, name: str) -> str | None:
    raw = params.get(name)
    if raw is not None and len(raw) > MAX_LENGTH:
        raise ValidationFailedError(
            f"The '{name}' parameter is over {MAX_LENGTH:,} characters", parameter=name
        )
    return raw


def json_parameter(params: QueryParams, name: str) -> Any:
    """The parameter's JSON value, or None when it is absent or empty."""
    raw = text_parameter(params, name)
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as error:
        raise _refused(name, f"is not valid JSON: {error}") from None
    except ValueError:  # an integer of more digits than Python converts
        raise _refused(name, "has a number with too many digits") from None
    except RecursionError:
        raise _refused(name, f"is nested more than {MAX_DEPTH} levels deep") from None
    _check(value, name)
    return value


def _check(value: Any, name: str) -> None:
    """Every level and string of a parsed value, without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise _refused(name, f"is nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            pending += [(key, depth) for key in item]
            pending += [(child, depth + 1) for child in item.values()]
        elif isinstance(item, list):
            pending += [(child, depth + 1) for child in item]
        elif isinstance(item, str) and not _is_unicode(item):
            raise _refused(name, "has text that is not valid Unicode (a lone surrogate)")


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _refused(name: str, problem: str) -> ValidationFailedError:
    return ValidationFailedError(f"The '{name}' parameter {problem}", parameter=name)
