"""Who is asking: an operator's bearer token from the Authorization header.

Signing in is rate limited before the token is looked up: requests per token, and failed
sign-ins per client address (a wrong token, over HTTP or the WebSocket)."""

from __future__ import annotations

from collections.abc import Mapping

from api.errors import UnauthenticatedError
from api.rate_limits import Limit, RateLimiter
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


async def sign_in(token: str | None, *, limiter: RateLimiter, address: str) -> Operator:
    """`operator_for`, within the rate limits."""
    if token is None:
        return await operator_for(token)
    # The failed sign-ins limit slows guessing; a token this process verified moments ago is
    # no guess, and skipping the check spares a Redis round trip on every request.
    if not workspaces_service.is_remembered(token):
        await limiter.check(Limit.FAILED_SIGN_INS, address)
    await limiter.hit(Limit.OPERATOR_REQUESTS, token)
    try:
        return await operator_for(token)
    except UnauthenticatedError:
        await limiter.hit(Limit.FAILED_SIGN_INS, address)
        raise
