"""A graphql-transport-ws client for tests, over a real WebSocket (the `websockets` library).

How a test knows a subscription is ready, or that nothing arrived: see `tests/support/listening`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.support.listening import WAIT_SECONDS, installed_broker, listening

PROTOCOL = "graphql-transport-ws"


class GraphQLWebSocket:
    def __init__(self, connection: ClientConnection) -> None:
        self.connection = connection

    async def send(self, message: dict[str, Any]) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self) -> dict[str, Any]:
        raw = await asyncio.wait_for(self.connection.recv(), WAIT_SECONDS)
        return json.loads(raw)

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", "payload": payload or {}})
        return await self.receive()

    async def subscribe(self, operation_id: str, query: str, **variables: Any) -> None:
        await self.send(
            {
                "id": operation_id,
                "type": "subscribe",
                "payload": {"query": query, "variables": variables},
            }
        )

    async def subscribed(self, operation_id: str, query: str, **variables: Any) -> None:
        """Subscribe, and return once the server listens for it (an app served in this process)."""
        async with listening(installed_broker()):
            await self.subscribe(operation_id, query, **variables)

    async def next_data(self, operation_id: str) -> dict[str, Any]:
        """The data of the next `next` message of that operation (errors fail the test)."""
        while True:
            message = await self.receive()
            if message.get("id") != operation_id:
                continue
            assert message["type"] == "next", message
            assert not message["payload"].get("errors"), message["payload"]
            return message["payload"]["data"]

    async def closed_with(self) -> int | None:
        """Wait for the server to close the socket; its close code."""
        with contextlib.suppress(ConnectionClosed):
            while True:
                await asyncio.wait_for(self.connection.recv(), WAIT_SECONDS)
        return self.connection.close_code


@contextlib.asynccontextmanager
async def graphql_ws(
    base_url: str, *, origin: str | None = None
) -> AsyncIterator[GraphQLWebSocket]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    headers = {"Origin": origin} if origin else None
    async with connect(url, subprotocols=[PROTOCOL], additional_headers=headers) as connection:  # type: ignore[list-item]
        yield GraphQLWebSocket(connection)
