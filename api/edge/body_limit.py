"""Request bodies are read with a cap, and a body over it is refused before it is all read.

Anonymous bodies (the widget's, anyone's) get `max_bytes`, 1 MiB by default. A body bearing a
valid operator token may be larger, up to `max_operator_bytes`, since a flow document of
10,000 nodes (4 MB) travels in a `saveFlowDraft` variable; the token is looked at only when a
body passes the anonymous cap, so the common small request pays nothing for it.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import auth
from api.errors import LimitExceededError, UnauthenticatedError
from api.rate_limits import client_address


class BodyLimit:
    """ASGI middleware capping the request bodies of the paths it guards."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        paths: Collection[str],
        max_bytes: int,
        max_operator_bytes: int,
    ) -> None:
        self.app = app
        self.paths = frozenset(paths)
        self.max_bytes = max_bytes
        self.max_operator_bytes = max(max_bytes, max_operator_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.paths:
            return await self.app(scope, receive, send)
        headers = Headers(scope=scope)
        cap = self.max_bytes
        declared = _declared_length(headers)
        if declared is not None and declared > cap:
            cap = await self._cap_for(scope)
            if declared > cap:
                return await _too_large(cap)(scope, receive, send)
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > cap and cap == self.max_bytes:
                cap = await self._cap_for(scope)
            if size > cap:
                return await _too_large(cap)(scope, receive, send)
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, replay(b"".join(chunks), receive), send)

    async def _cap_for(self, scope: Scope) -> int:
        """The larger cap for a signed-in operator, the anonymous one otherwise; signing in
        here counts against the sign-in rate limits like any other request's."""
        connection = HTTPConnection(scope)
        try:
            await auth.sign_in(
                auth.bearer_token(connection.headers),
                limiter=connection.app.state.rate_limiter,
                address=client_address(connection),
            )
        except (UnauthenticatedError, LimitExceededError):
            return self.max_bytes
        return self.max_operator_bytes


def _declared_length(headers: Headers) -> int | None:
    text = headers.get("content-length", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None


def _too_large(cap: int) -> JSONResponse:
    return JSONResponse(
        {
            "errors": [
                {
                    "message": f"The request body is over the limit of {cap:,} bytes.",
                    "extensions": {"code": "LIMIT_EXCEEDED", "limit": "bodyBytes", "maximum": cap},
                }
            ]
        },
        status_code=413,
        headers={"Connection": "close"},
    )


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then what the client sends next (its
    disconnect)."""
    sent = False

    async def receive_again() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive_again
