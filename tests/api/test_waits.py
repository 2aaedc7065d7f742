"""A Wait node over the real API and job engine: the run waits with its resume time, a job
continues it on its published version, an operator sees and cancels it."""

from __future__ import annotations

import asyncio

import pytest

from api.flows import timers
from api.flows.models import BotMessage
from api.settings import Settings
from tests.support import jobs
from tests.support.builders import (
    CREATE_FLOW,
    PUBLISH,
    create_property,
    flow_node,
    next_edge,
    publish_flow,
    wait_flow,
    workspace_key,
)
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import Visitor

RUNS = "query($id: ID!) { flowRuns(flowId: $id) { id status currentNodeId resumeAt } }"
PENDING = "query($id: ID!) { contactPendingSteps(contactId: $id) { id currentNodeId resumeAt } }"
CANCEL = "mutation($id: ID!) { cancelFlowRun(id: $id) { id status resumeAt finishedAt } }"
SAVE = "mutation($id: ID!, $graph: JSON!) { saveFlowDraft(id: $id, graph: $graph) { id } }"
MESSAGES = "{ flows { stats { nodeId entered } } }"


@pytest.fixture
def settings(empty_db: str) -> Settings:
    """The test runs the due jobs itself (tests/support/jobs.py), when it chooses."""
    return Settings(database_url=empty_db, run_jobs=False)


@pytest.fixture
async def visitor(gql: GraphQLClient) -> Visitor:
    return Visitor(gql, await workspace_key(gql))


async def test_a_wait_holds_the_run_and_a_due_job_continues_it(gql, visitor, empty_db):
    flow_id = await publish_flow(gql, "Nudge", wait_flow())

    seen = await visitor.visit("https://shop.example/pricing")

    assert seen["messages"] == []
    (run,) = (await gql(RUNS, id=flow_id))["flowRuns"]
    assert run["status"] == "waiting" and run["currentNodeId"] == "w"
    assert run["resumeAt"] is not None
    pending = (await gql(PENDING, id=seen["contactId"]))["contactPendingSteps"]
    assert [(step["id"], step["resumeAt"]) for step in pending] == [(run["id"], run["resumeAt"])]

    await jobs.run_due_jobs(empty_db)  # not due yet: nothing happens
    assert (await gql(RUNS, id=flow_id))["flowRuns"][0]["status"] == "waiting"

    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    (run,) = (await gql(RUNS, id=flow_id))["flowRuns"]
    assert run["status"] == "completed" and run["resumeAt"] is None
    assert (await gql(PENDING, id=seen["contactId"]))["contactPendingSteps"] == []
    assert await jobs.scheduled_count() == 0
    stats = {s["nodeId"]: s["entered"] for s in (await gql(MESSAGES))["flows"][0]["stats"]}
    assert stats == {"t": 1, "w": 1, "m": 1, "e": 1}


async def test_a_waiting_run_goes_on_with_the_version_it_started_on(gql, visitor, empty_db):
    flow_id = await publish_flow(gql, "Nudge", wait_flow("Version one"))
    await visitor.visit("https://shop.example/pricing")
    await gql(SAVE, id=flow_id, graph=wait_flow("Version two"))
    await gql(PUBLISH, id=flow_id)

    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    texts = await _bot_texts()
    assert texts == ["Version one"]


async def test_a_wake_job_that_runs_again_changes_nothing(gql, visitor, empty_db):
    await publish_flow(gql, "Nudge", wait_flow())
    await visitor.visit("https://shop.example/pricing")
    payload = await jobs.first_payload(empty_db)

    await timers.wake(payload)
    await timers.wake(payload)  # its worker died after the commit: the job runs again

    assert await _bot_texts() == ["Still looking?"]


async def test_wake_ups_due_together_go_on_together_and_a_copy_among_them_does_nothing(
    gql, empty_db
):
    """Three visitors' timers and a second copy of one job, run at once (as a worker runs a
    claimed batch): one transaction goes on with each run once."""
    flow_id = await publish_flow(gql, "Nudge", wait_flow())
    key = await workspace_key(gql)
    for name in ("ann", "bob", "cy"):
        await Visitor(gql, key, visitor_id=name).visit("https://shop.example/pricing")
    payloads = await jobs.payloads(empty_db)

    await asyncio.gather(*(timers.wake(payload) for payload in [*payloads, payloads[0]]))

    assert await _bot_texts() == ["Still looking?"] * 3
    runs = (await gql(RUNS, id=flow_id))["flowRuns"]
    assert [run["status"] for run in runs] == ["completed"] * 3


async def test_an_operator_cancels_a_waiting_run_and_its_job_does_nothing(gql, visitor, empty_db):
    flow_id = await publish_flow(gql, "Nudge", wait_flow())
    seen = await visitor.visit("https://shop.example/pricing")
    (run,) = (await gql(RUNS, id=flow_id))["flowRuns"]

    cancelled = (await gql(CANCEL, id=run["id"]))["cancelFlowRun"]

    assert cancelled["status"] == "cancelled" and cancelled["resumeAt"] is None
    assert cancelled["finishedAt"] is not None
    assert (await gql(PENDING, id=seen["contactId"]))["contactPendingSteps"] == []
    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)
    assert await _bot_texts() == []
    again = await gql.error(CANCEL, id=run["id"])
    assert code_of(again) == "VALIDATION_FAILED" and "cancelled" in again["message"]


async def test_cancel_refuses_another_workspaces_run(gql, other_gql, visitor):
    flow_id = await publish_flow(gql, "Nudge", wait_flow())
    await visitor.visit("https://shop.example/pricing")
    (run,) = (await gql(RUNS, id=flow_id))["flowRuns"]

    for run_id in (run["id"], "nope"):
        assert code_of(await other_gql.error(CANCEL, id=run_id)) == "NOT_FOUND"
    assert (await gql(RUNS, id=flow_id))["flowRuns"][0]["status"] == "waiting"


async def test_a_reply_does_not_wake_a_run_waiting_on_a_timer(gql, visitor):
    await publish_flow(gql, "Nudge", wait_flow())
    await visitor.visit("https://shop.example/pricing")

    refused = await visitor.error(
        "mutation($key: String!, $visitor: String!) "
        '{ visitorReply(workspaceKey: $key, visitorId: $visitor, text: "hi") { contactId } }'
    )

    assert code_of(refused) == "VALIDATION_FAILED"


async def test_wait_until_a_date_property_minus_a_day(gql, visitor):
    await create_property(gql, "Renewal", "DATE")
    graph = wait_flow("Renewal tomorrow")
    graph["nodes"][1]["config"] = {
        "mode": "until_date",
        "key": "renewal",
        "offset": -1,
        "offsetUnit": "days",
    }
    graph["nodes"].append(
        flow_node("u", "update_property", updates=[{"key": "renewal", "value": "2099-06-10"}])
    )
    graph["edges"][0] = next_edge("t", "u")
    graph["edges"].append(next_edge("u", "w"))
    flow_id = await publish_flow(gql, "Renewal", graph)

    await visitor.visit("https://shop.example/pricing")

    (run,) = (await gql(RUNS, id=flow_id))["flowRuns"]
    assert run["status"] == "waiting"
    assert run["resumeAt"].startswith("2099-06-09T00:00:00")


async def test_publish_refuses_a_wait_on_a_property_that_is_not_a_date(gql):
    graph = wait_flow()
    graph["nodes"][1]["config"] = {"mode": "until_date", "key": "email"}
    flow_id = (await gql(CREATE_FLOW, name="Bad", graph=graph))["createFlow"]["id"]

    refused = await gql.error(PUBLISH, id=flow_id)

    assert code_of(refused) == "VALIDATION_FAILED"
    codes = {issue["code"] for issue in refused["extensions"]["issues"]}
    assert codes == {"PROPERTY_TYPE_MISMATCH"}


async def _bot_texts() -> list[str]:
    return [message.text for message in await BotMessage.all().order_by("id")]
