"""The server's own limit: at most so many GraphQL requests over HTTP at once; one more is
refused at once, before its body is read, with LIMIT_EXCEEDED and `retryAfter` 1.

The rate limits (`api/rate_limits.py`) stop single clients, but a refusal there still runs the
whole GraphQL request, about as costly as accepting a page view. When many clients together
send more than the server sustains, every request would wait in one growing queue, and
latency with it. A request over the cap costs next to nothing, the queue stays short, and the
widget tries again later (its event ids keep a retry from counting twice). WebSockets are not
counted: their messages are limited per client.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Receive, Scope, Send

from api import metrics

RETRY_AFTER_SECONDS = 1
BUSY = json.dumps(
    {
        "data": None,
        "errors": [
            {
                "message": f"The server is busy: try again in {RETRY_AFTER_SECONDS} s",
                "extensions": {
                    "code": "LIMIT_EXCEEDED",
                    "limit": "inFlight",
                    "retryAfter": RETRY_AFTER_SECONDS,
                },
            }
        ],
    }
).encode()


class InFlightCap:
    """ASGI middleware: at most `limit` POST requests to `path` at once."""

    def __init__(self, app: ASGIApp, *, limit: int, path: str) -> None:
        self.app = app
        self.limit = limit
        self.path = path
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self.path:
            return await self.app(scope, receive, send)
        if self.in_flight >= self.limit:
            metrics.RATE_LIMIT_REFUSALS.labels("in_flight").inc()
            return await _busy(send)
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1


async def _busy(send: Send) -> None:
    """A GraphQL answer, as for any other refusal; the unread body is discarded by uvicorn."""
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(BUSY)).encode()),
        (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BUSY})
