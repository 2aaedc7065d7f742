"""Query parameters of the plain HTTP endpoints (/export, /import), read with limits.

These endpoints do not go through GraphQL and its edge checks, so each parameter is checked here
before anything uses it: its length, its JSON decoded as strictly as a GraphQL body is
(`api/edge/payload.py`: numbers Python converts, text a database can store), and no nesting
deeper than any real filter, sort or mapping needs. A refusal is VALIDATION_FAILED naming the
parameter.
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import QueryParams

from api.edge import payload
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
        value = payload.decode(raw, what=f"The '{name}' parameter")
    except payload.PayloadError as error:
        raise ValidationFailedError(error.reason, parameter=name) from None
    _check_depth(value, name)
    return value


def _check_depth(value: Any, name: str) -> None:
    """Every level of a parsed value, without recursion."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise ValidationFailedError(
                f"The '{name}' parameter is nested more than {MAX_DEPTH} levels deep",
                parameter=name,
            )
        if isinstance(item, dict | list):
            children = item.values() if isinstance(item, dict) else item
            pending += [(child, depth + 1) for child in children]
