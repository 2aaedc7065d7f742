"""Real concurrent HTTP requests against a served `propflow serve` process, with the rate
limits off: hundreds of requests of one token or one visitor at once are the point here."""

import asyncio
import json
from pathlib import Path

import httpx

from tests.support.builders import create_contact, create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.server import UNLIMITED, operator_token, served
from tests.support.visitor import Visitor

INCREMENTS = 200


async def test_concurrent_increments_never_lose_an_update(empty_db: str):
    token = operator_token(empty_db)
    with served(empty_db, env=UNLIMITED) as base_url:
        limits = httpx.Limits(max_connections=INCREMENTS)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            gql = GraphQLClient(http, token)
            await create_property(gql, "Page views", "NUMBER")
            contact = await create_contact(gql, email="ann@example.com")
            increment = (
                'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "page_views")'
                " { id } }"
            )

            results = await asyncio.gather(
                *(gql.execute(increment, id=contact["id"]) for _ in range(INCREMENTS))
            )

            assert [r for r in results if r.get("errors")] == []
            final = await gql(
                'query($id: ID!) { contact(id: $id) { value(key: "page_views") '
                "history(first: 500) { key oldValue newValue } } }",
                id=contact["id"],
            )
    assert final["contact"]["value"] == INCREMENTS
    history = [h for h in final["contact"]["history"] if h["key"] == "page_views"]
    steps = sorted((h["oldValue"] or 0, h["newValue"]) for h in history)
    assert steps == [(n, n + 1) for n in range(INCREMENTS)]


PAGE_VIEWS = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "page_views.json").read_text()
)


async def test_concurrent_page_views_count_once_each(empty_db: str):
    token = operator_token(empty_db)
    with served(empty_db, env=UNLIMITED) as base_url:
        # Idle connections are dropped before uvicorn's 5 s keep-alive ends: a busy machine
        # otherwise reuses one the server is closing at that moment (httpx.ReadError).
        limits = httpx.Limits(max_connections=100, keepalive_expiry=2)
        async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=60) as http:
            gql = GraphQLClient(http, token)
            await create_property(gql, "Page views", "NUMBER")
            await publish_flow(gql, "Page views", PAGE_VIEWS)
            visitor = Visitor(gql, await workspace_key(gql))

            distinct = await asyncio.gather(
                *(visitor.visit("/pricing", event_id=f"view-{n}") for n in range(100))
            )
            duplicates = await asyncio.gather(
                *(visitor.visit("/pricing", event_id="same") for _ in range(50))
            )
            contact = await gql(
                'query($id: ID!) { contact(id: $id) { value(key: "page_views") } }',
                id=distinct[0]["contactId"],
            )

    assert {r["duplicate"] for r in distinct} == {False}
    assert sorted(r["duplicate"] for r in duplicates) == [False] + [True] * 49
    assert len({r["contactId"] for r in distinct + duplicates}) == 1
    assert contact["contact"]["value"] == 101
