"""Outside GraphQL (the CSV endpoints, health), a failure a retry can fix answers 503 with
`Retry-After` and the contract's UNAVAILABLE code, never a 500 and a dropped connection."""

from __future__ import annotations

import logging

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import outages
from api.edge.request_ids import request_id_of
from api.faults import RETRY_AFTER_SECONDS, dependency_of, is_transient

logger = logging.getLogger("propflow.unavailable")


class AnswerUnavailable:
    """ASGI middleware: a transient failure before the response started becomes a 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def send_noting_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_noting_start)
        except Exception as error:
            if started or not is_transient(error):
                raise
            request_id = request_id_of(scope)
            outages.refused(error)
            logger.warning("%s %s unavailable: %r", request_id, dependency_of(error), error)
            response = JSONResponse(
                {
                    "error": "The service is briefly unavailable: try again.",
                    "code": "UNAVAILABLE",
                    "retryable": True,
                    "requestId": request_id,
                },
                status_code=503,
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
            await response(scope, receive, send)
