""" "Property changed" triggers over the real API and job engine: every source, the condition
becoming true, the limits, and the loop rule (a cycle of two flows goes round once)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from api.flows import property_triggers
from api.flows.models import BotMessage, FlowRun
from api.settings import Settings
from api.visitors import page_views
from api.visitors.page_views import PageView
from api.workspaces import service as workspaces_service
from tests.support import jobs
from tests.support.builders import (
    create_contact,
    create_property,
    flow_node,
    publish_flow,
    workspace_key,
)
from tests.support.graphql import GraphQLClient, code_of

SET = """
mutation($id: ID!, $key: String!, $value: JSON) {
  setContactProperties(contactId: $id, values: [{key: $key, value: $value}]) { id }
}"""
INCREMENT = (
    "mutation($id: ID!, $key: String!) { incrementContactProperty(contactId: $id, key: $key) "
    "{ id } }"
)
VALUES = "query($id: ID!) { contact(id: $id) { properties { key value } } }"


@pytest.fixture
def settings(empty_db: str) -> Settings:
    return Settings(database_url=empty_db, run_jobs=False)


def triggered_flow(trigger: dict[str, Any], *steps: dict[str, Any]) -> dict[str, Any]:
    """The trigger, then `steps` in a line, then an end."""
    nodes = [
        flow_node("t", "property_changed", **trigger),
        *[flow_node(f"s{index}", step.pop("type"), **step) for index, step in enumerate(steps)],
        flow_node("e", "end"),
    ]
    ids = [node["id"] for node in nodes]
    edges = [
        {"id": f"{a}-{b}", "source": a, "sourcePort": "next", "target": b}
        for a, b in itertools.pairwise(ids)
    ]
    return {"nodes": nodes, "edges": edges}


async def run_jobs(database_url: str) -> None:
    await jobs.run_due_jobs(database_url)


async def runs_of(flow_id: str) -> int:
    return await FlowRun.filter(flow_id=int(flow_id)).count()


@pytest.fixture
async def scored(gql: GraphQLClient) -> dict[str, Any]:
    await create_property(gql, "Lead score", "NUMBER")
    return await create_contact(gql, email="lead@example.com")


async def test_an_operator_change_starts_a_flow_when_its_condition_becomes_true(
    gql, scored, empty_db
):
    flow_id = await publish_flow(
        gql,
        "Hot lead",
        triggered_flow(
            {"key": "lead_score", "op": "GTE", "value": 50},
            {"type": "send_message", "text": "Hot: {lead_score}"},
        ),
    )

    for score in (40, 60, 70, 10, 55):
        await gql(SET, id=scored["id"], key="lead_score", value=score)
        await run_jobs(empty_db)

    assert await runs_of(flow_id) == 2  # 40→60 and 10→55 cross the line; 60→70 does not
    assert [m.text for m in await BotMessage.all().order_by("id")] == ["Hot: 60", "Hot: 55"]


async def test_once_per_contact_fires_only_the_first_time(gql, scored, empty_db):
    flow_id = await publish_flow(
        gql,
        "First time",
        triggered_flow({"key": "lead_score", "limit": "once_per_contact"}),
    )

    for _ in range(3):
        await gql(INCREMENT, id=scored["id"], key="lead_score")
        await run_jobs(empty_db)

    assert await runs_of(flow_id) == 1


async def test_a_change_that_rolls_back_starts_nothing(gql, scored, empty_db):
    flow_id = await publish_flow(gql, "Any", triggered_flow({"key": "lead_score"}))

    refused = await gql.error(
        "mutation($id: ID!) { setContactProperties(contactId: $id, values: "
        '[{key: "lead_score", value: 5}, {key: "email", value: "not an email"}]) { id } }',
        id=scored["id"],
    )
    await run_jobs(empty_db)

    assert refused["extensions"]["code"] == "VALIDATION_FAILED"
    assert await runs_of(flow_id) == 0 and await jobs.scheduled_count() == 0


async def test_a_flow_never_starts_itself_from_its_own_writes(gql, scored, empty_db):
    flow_id = await publish_flow(
        gql,
        "Self",
        triggered_flow(
            {"key": "lead_score"}, {"type": "increment_property", "key": "lead_score", "by": 1}
        ),
    )

    await gql(SET, id=scored["id"], key="lead_score", value=1)
    await run_jobs(empty_db)

    assert await runs_of(flow_id) == 1
    assert await jobs.scheduled_count() == 0


async def test_a_cycle_of_two_flows_goes_round_once(gql, scored, empty_db):
    """A: lead score changed → add 1 to visits. B: visits changed → add 10 to lead score. The
    operator's change starts A, A's starts B, and B's would start A again: the chain of flows
    that led to it holds A, so it does not."""
    await create_property(gql, "Visits", "NUMBER")
    flow_a = await publish_flow(
        gql,
        "A",
        triggered_flow({"key": "lead_score"}, {"type": "increment_property", "key": "visits"}),
    )
    flow_b = await publish_flow(
        gql,
        "B",
        triggered_flow(
            {"key": "visits"}, {"type": "increment_property", "key": "lead_score", "by": 10}
        ),
    )

    await gql(SET, id=scored["id"], key="lead_score", value=1)
    await run_jobs(empty_db)

    assert (await runs_of(flow_a), await runs_of(flow_b)) == (1, 1)
    values = {
        p["key"]: p["value"] for p in (await gql(VALUES, id=scored["id"]))["contact"]["properties"]
    }
    assert (values["lead_score"], values["visits"]) == (11, 1)
    (run_b,) = await FlowRun.filter(flow_id=int(flow_b))
    assert run_b.trigger_chain == [int(flow_a)]


async def test_a_property_changed_job_that_runs_again_starts_nothing_more(gql, scored, empty_db):
    flow_id = await publish_flow(gql, "Any", triggered_flow({"key": "lead_score"}))
    await gql(SET, id=scored["id"], key="lead_score", value=3)
    payload = await jobs.first_payload(empty_db)

    await property_triggers.start_triggered(payload)
    await property_triggers.start_triggered(payload)  # its worker died after the commit

    assert await runs_of(flow_id) == 1


SIMULATE = """query($graph: JSON!, $events: JSON!) {
  simulateFlow(graph: $graph, events: $events) { messages { text } path }
}"""


async def test_the_preview_starts_on_a_property_change_of_the_workspaces_properties(gql, scored):
    graph = triggered_flow(
        {"key": "lead_score", "op": "GTE", "value": 50}, {"type": "send_message", "text": "Hot"}
    )
    change = {"property": {"key": "lead_score", "value": "55"}}

    simulated = (await gql(SIMULATE, graph=graph, events=[change]))["simulateFlow"]

    assert simulated == {"messages": [{"text": "Hot"}], "path": ["t", "s0", "e"]}
    assert await FlowRun.all().count() == 0


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"key": "shoe_size", "value": 1}, "there is no property 'shoe_size'"),
        ({"key": "lead_score", "value": "hot"}, "Property 'lead_score' (NUMBER) refused 'hot'"),
    ],
)
async def test_the_preview_refuses_a_property_change_that_does_not_fit(
    gql, scored, change, problem
):
    graph = triggered_flow({"key": "lead_score"})

    error = await gql.error(SIMULATE, graph=graph, events=[{"property": change}])

    assert code_of(error) == "VALIDATION_FAILED" and problem in error["message"]


async def test_a_change_by_a_page_views_flow_starts_the_flow_watching_it(gql, empty_db):
    """The page view's batch hands its published flows to the triggers (watched keys)."""
    await create_property(gql, "Visits", "NUMBER")
    counting = triggered_flow({}, {"type": "increment_property", "key": "visits"})
    counting["nodes"][0] = flow_node(
        "t", "page_visit", match="prefix", url="/p", limit="every_visit"
    )
    await publish_flow(gql, "Count", counting)
    watching = await publish_flow(gql, "Watch", triggered_flow({"key": "visits"}))
    workspace = await workspaces_service.workspace_for_key(await workspace_key(gql))

    await page_views.track(PageView(workspace.id, "visitor", "/p", None))
    await run_jobs(empty_db)

    assert await runs_of(watching) == 1
