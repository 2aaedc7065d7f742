"""An id for every HTTP request and WebSocket, echoed as `X-Request-ID` and put in front of the
log line of any unexpected error, so that a user's report and the log meet.

A client's or proxy's own `X-Request-ID` is kept when it looks like an id (nginx's
`$request_id`, a UUID); anything else is replaced, never logged.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SCOPE_KEY = "propflow.request_id"
# The id of the request being served, for every log line written while serving it.
current_request_id: ContextVar[str] = ContextVar("propflow_request_id", default="-")
_LOOKS_LIKE_AN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class RequestIds:
    """ASGI middleware giving each request an id in its scope and its response headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        given = Headers(scope=scope).get("x-request-id", "")
        request_id = given if _LOOKS_LIKE_AN_ID.fullmatch(given) else secrets.token_hex(8)
        scope[SCOPE_KEY] = request_id
        current_request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-ID"] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


def request_id_of(scope: Mapping[str, Any] | None) -> str:
    """The id given to the request of `scope` ("-" outside a request)."""
    return str((scope or {}).get(SCOPE_KEY, "-"))
