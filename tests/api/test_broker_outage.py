"""Live streams survive a broker outage: an open subscription stays open, gets one `next` with
EVENTS_MISSED once Redis is back (so the client fetches again what it shows), then changes."""

from __future__ import annotations

import asyncio

import httpx

from api import pubsub
from api.app import create_app
from api.settings import Settings
from api.workspaces import service as workspaces_service
from tests.support.builders import create_contact
from tests.support.graphql import GraphQLClient
from tests.support.listening import installed_broker, listening
from tests.support.private_redis import private_redis_server
from tests.support.server import serving
from tests.support.ws import graphql_ws

CHANGES = "subscription { contactUpdated { changedKeys } }"


async def test_an_open_subscription_is_told_of_missed_events_and_goes_on(
    empty_db: str, monkeypatch
):
    monkeypatch.setattr(pubsub, "RECONNECT_SECONDS", 0.1)
    with private_redis_server() as redis:
        settings = Settings(database_url=empty_db, redis_url=redis.url)
        async with (
            serving(create_app(settings)) as base_url,
            httpx.AsyncClient(base_url=base_url) as http,
        ):
            _, token = await workspaces_service.create_operator(
                email="ops@example.com", workspace_name="Acme"
            )
            gql = GraphQLClient(http, token)
            async with graphql_ws(base_url) as ws:
                await ws.init({"authorization": f"Bearer {token}"})
                await ws.subscribed("live", CHANGES)
                broker = installed_broker()
                redis.kill()
                async with asyncio.timeout(5):
                    while broker.connected.is_set():  # noqa: ASYNC110 (its state, polled)
                        await asyncio.sleep(0.01)
                async with listening(broker):  # the open stream, heard again
                    redis.start()

                notice = await ws.receive()
                await create_contact(gql, email="ann@example.com")
                change = await ws.next_data("live")

    assert notice["type"] == "next", notice
    (error,) = notice["payload"]["errors"]
    assert error["extensions"]["code"] == "EVENTS_MISSED"
    assert change == {"contactUpdated": {"changedKeys": ["email"]}}
