"""Errors a service raises on purpose; each carries its contract code and details as `extensions`.

graphql-core copies `extensions` onto the GraphQL error; anything else is masked as
"Unexpected error." and logged (see `api/schema.py`).
"""

from __future__ import annotations

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
        return {"code": self.code, **self.details}


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
