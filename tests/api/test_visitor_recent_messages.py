"""`visitorRecentMessages`: what a widget told EVENTS_MISSED reads again, its own visitor's bot
messages only, the newest after the last one it has."""

from __future__ import annotations

import pytest

from tests.support.builders import publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import Visitor

RECENT = """
query($key: String!, $visitor: String!, $after: ID) {
  visitorRecentMessages(workspaceKey: $key, visitorId: $visitor, after: $after) { id text }
}"""
GREETING = {
    "nodes": [
        {"id": "visit", "type": "page_visit", "position": {"x": 0, "y": 0},
         "config": {"match": "contains", "url": "/hello", "limit": "every_visit"}},
        {"id": "hi", "type": "send_message", "position": {"x": 200, "y": 0},
         "config": {"text": "Hello from the shop"}},
        {"id": "done", "type": "end", "position": {"x": 400, "y": 0}, "config": {}},
    ],
    "edges": [
        {"id": "e1", "source": "visit", "sourcePort": "next", "target": "hi"},
        {"id": "e2", "source": "hi", "sourcePort": "next", "target": "done"},
    ],
}  # fmt: skip


@pytest.fixture
async def key(gql: GraphQLClient) -> str:
    await publish_flow(gql, "Greeting", GREETING)
    return await workspace_key(gql)


async def recent(visitor: Visitor, after: str | None = None) -> list[dict]:
    variables = {"key": visitor.key, "visitor": visitor.id, "after": after}
    return (await visitor.client(RECENT, **variables))["visitorRecentMessages"]


async def test_a_visitor_reads_its_own_messages_again_oldest_first_after_the_last_it_has(
    gql: GraphQLClient, key: str
):
    visitor, other = Visitor(gql, key), Visitor(gql, key)
    sent = [(await visitor.visit("/hello"))["messages"][0] for _ in range(3)]
    await other.visit("/hello")

    assert await recent(visitor) == [{"id": m["id"], "text": m["text"]} for m in sent]
    assert [m["id"] for m in await recent(visitor, after=sent[0]["id"])] == [
        m["id"] for m in sent[1:]
    ]
    assert await recent(visitor, after=sent[-1]["id"]) == []
    assert await recent(Visitor(gql, key)) == []  # a visitor never seen has none


@pytest.mark.parametrize("after", ["abc", "-1", "0", "99999999999"])
async def test_an_after_that_names_no_message_is_refused(gql: GraphQLClient, key: str, after: str):
    visitor = Visitor(gql, key)
    error = await visitor.error(RECENT, after=after)
    assert code_of(error) == "VALIDATION_FAILED"
    assert "'after'" in error["message"]
