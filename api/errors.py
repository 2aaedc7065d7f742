"""Errors a service raises on purpose; each carries its contract code and details as `extensions`.

graphql-core copies `extensions` onto the GraphQL error; anything else is masked as
"Unexpected error." and logged (see `api/schema.py`).
"""

from __future__ import annotations

import math
from typing import Any


class PropflowError(Exception):
    code = "INTERNAL"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def __str__(self) -> str:
        return self.message

    @property
    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, **{name: _plain(value) for name, value in self.details.items()}}


def _plain(detail: Any) -> Any:
    """A detail as plain JSON: a refused infinite number is echoed as text, since `Infinity` in
    a response body breaks every browser's JSON.parse."""
    if isinstance(detail, float) and not math.isfinite(detail):
        return str(detail)
    return detail


class UnauthenticatedError(PropflowError):
    code = "UNAUTHENTICATED"


class ForbiddenError(PropflowError):
    code = "FORBIDDEN"


class NotFoundError(PropflowError):
    code = "NOT_FOUND"


class ValidationFailedError(PropflowError):
    code = "VALIDATION_FAILED"


class TypeImmutableError(PropflowError):
    code = "TYPE_IMMUTABLE"


class ConflictError(PropflowError):
    code = "CONFLICT"


class LimitExceededError(PropflowError):
    code = "LIMIT_EXCEEDED"


class SubscriptionClosedError(PropflowError):
    """A live subscription ended by the server: the client fell behind or Redis went away."""

    code = "UNAVAILABLE"


class EventsMissedError(PropflowError):
    """Given (not raised) to an open subscription after a broker outage: events may have been
    missed, so the client should fetch again what it shows. The subscription goes on."""

    code = "EVENTS_MISSED"
