"""Who is asking: an operator's bearer token from the Authorization header."""

from __future__ import annotations

from collections.abc import Mapping

from api.errors import UnauthenticatedError
from api.workspaces import service as workspaces_service
from api.workspaces.models import Operator


def bearer_token(headers: Mapping[str, str]) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if there is one."""
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


async def operator_for(token: str | None) -> Operator:
    """The operator owning `token`; a missing or wrong token is UNAUTHENTICATED."""
    if token is None:
        raise UnauthenticatedError("Sign in: send 'Authorization: Bearer <token>'.")
    return await workspaces_service.authenticate(token)
