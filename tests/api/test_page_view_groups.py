"""Concurrent page views are applied in groups, one transaction each (api/visitors/page_views.py).

What a group must never change: each view's result is its own, an error reaches only its view,
and every view counts exactly once, with or without an eventId, even when a group is rolled back
and its views are applied again one by one.
"""

import asyncio

import httpx
import pytest

from api.flows.models import FlowRun
from tests.support import databases
from tests.support.builders import create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.server import operator_token, served
from tests.support.visitor import TRACK, Visitor

CONTACT = """
query($id: ID!) {
  contact(id: $id) { email value(key: "page_views") history { key oldValue newValue source } }
}"""
RESET = """
mutation($id: ID!) {
  setContactProperties(contactId: $id, values: [{key: "page_views", value: 0}]) { id }
}"""
VISITORS = 30


def counting(url: str, by: float) -> dict:
    """A flow adding `by` to Page views on every visit of `url`."""
    return {
        "nodes": [
            {
                "id": "visit",
                "type": "page_visit",
                "position": {"x": 0, "y": 0},
                "config": {"match": "prefix", "url": url, "limit": "every_visit"},
            },
            {
                "id": "count",
                "type": "increment_property",
                "position": {"x": 260, "y": 0},
                "config": {"key": "page_views", "by": by},
            },
        ],
        "edges": [{"id": "e1", "source": "visit", "sourcePort": "next", "target": "count"}],
    }


@pytest.fixture
async def key(gql: GraphQLClient) -> str:
    await create_property(gql, "Page views", "NUMBER")
    await publish_flow(gql, "Count", counting("/pricing", 1))
    return await workspace_key(gql)


async def contact(gql: GraphQLClient, contact_id: str) -> dict:
    return (await gql(CONTACT, id=contact_id))["contact"]


async def test_a_failing_view_fails_alone_and_every_other_view_counts_once(gql, key):
    await publish_flow(gql, "Huge", counting("/huge", 1e308))
    full = Visitor(gql, key)
    await full.visit("/huge")  # 1e308: one more visit would leave the finite range
    others = [Visitor(gql, key) for _ in range(VISITORS)]

    half = VISITORS // 2
    calls = [other.visit("/pricing") for other in others[:half]]
    calls.append(full.error(TRACK, url="/huge", eventId="too-far"))
    calls += [other.visit("/pricing", event_id="e") for other in others[half:]]
    answers = await asyncio.gather(*calls)
    refused = answers.pop(half)

    assert code_of(refused) == "VALIDATION_FAILED"
    assert "page_views" in refused["message"]
    for result in answers:
        counted = await contact(gql, result["contactId"])
        assert counted["value"] == 1
        assert [(h["oldValue"], h["newValue"]) for h in counted["history"]] == [(None, 1)]
    untouched = await full.visit("/nowhere")
    assert (await contact(gql, untouched["contactId"]))["value"] == 1e308
    assert await FlowRun.filter(contact_id=int(untouched["contactId"])).count() == 1
    # The refused event id was never claimed: once the cause is gone, it counts.
    await gql(RESET, id=untouched["contactId"])
    assert (await full.visit("/huge", event_id="too-far"))["duplicate"] is False


async def test_duplicates_arriving_together_count_once_and_conflicts_are_refused(gql, key):
    visitor = Visitor(gql, key)
    same_moment = [
        visitor.client.execute(TRACK, key=key, visitor=visitor.id, url=url, eventId="same-moment")
        for _ in range(10)
        for url in ("/pricing", "/pricing?plan=team")
    ]

    # Another visitor's view first, so that the duplicates wait for the next group together.
    _, *answers = await asyncio.gather(Visitor(gql, key).visit("/pricing"), *same_moment)

    applied = [a["data"]["trackPageView"] for a in answers if not a.get("errors")]
    refused = [a["errors"][0] for a in answers if a.get("errors")]
    assert [a["duplicate"] for a in applied].count(False) == 1
    assert len(applied) == 10  # the winner's URL, ten times; the other URL is a conflict
    assert {code_of(error) for error in refused} == {"CONFLICT"}
    assert (await contact(gql, applied[0]["contactId"]))["value"] == 1


async def test_two_processes_given_the_same_events_count_each_once(postgres_url: str):
    """Both processes claim each event id at the same moment: the loser's group is rolled back
    and its views, applied again one by one, find the winner's claim and answer from it."""
    await databases.truncate_postgres(postgres_url)
    token = operator_token(postgres_url)
    with served(postgres_url) as first, served(postgres_url) as second:
        async with httpx.AsyncClient(timeout=60) as http:
            gql = GraphQLClient(httpx.AsyncClient(base_url=first, timeout=60), token)
            await create_property(gql, "Page views", "NUMBER")
            await publish_flow(gql, "Count", counting("/pricing", 1))
            key = await workspace_key(gql)
            visitors = [f"visitor-{n}" for n in range(10)]
            events = [(visitor, f"view-{n}") for visitor in visitors for n in range(4)]

            async def send(base_url: str, visitor: str, event_id: str) -> dict:
                variables = {"key": key, "visitor": visitor, "url": "/pricing", "eventId": event_id}
                response = await http.post(
                    f"{base_url}/graphql", json={"query": TRACK, "variables": variables}
                )
                body = response.json()
                assert not body.get("errors"), body
                return body["data"]["trackPageView"]

            answers = await asyncio.gather(
                *(send(url, v, e) for v, e in events for url in (first, second))
            )
            counts = await gql(
                "{ contacts(first: 50, includeAnonymous: true) "
                '{ edges { node { visitorId value(key: "page_views") } } } }'
            )
            await gql.http.aclose()

    firsts = [answer for answer in answers if not answer["duplicate"]]
    assert len(firsts) == len(events)
    by_visitor = {e["node"]["visitorId"]: e["node"]["value"] for e in counts["contacts"]["edges"]}
    assert by_visitor == dict.fromkeys(visitors, 4)
