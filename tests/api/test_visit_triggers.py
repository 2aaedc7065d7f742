"""The visit triggers over the real API and job engine: a first visit, a returning visitor after
N minutes away, and a visitor who stays on a page (unless another page view comes first, or the
visitor leaves: its last widget socket closes)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from api.flows import timers
from api.flows.models import BotMessage, ContactVisit
from api.inbox import presence
from api.settings import Settings
from api.workspaces import service as workspaces_service
from tests.support import jobs
from tests.support.builders import flow_node, next_edge, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.inbox import inbox, next_event, widget
from tests.support.visitor import Visitor


@pytest.fixture
def settings(empty_db: str) -> Settings:
    return Settings(database_url=empty_db, run_jobs=False)


@pytest.fixture
async def visitor(gql: GraphQLClient) -> Visitor:
    return Visitor(gql, await workspace_key(gql))


def greeting(trigger: str, text: str, **config: Any) -> dict[str, Any]:
    return {
        "nodes": [flow_node("t", trigger, **config), flow_node("m", "send_message", text=text)],
        "edges": [next_edge("t", "m")],
    }


async def test_a_first_visit_starts_its_flow_once(gql, visitor):
    await publish_flow(gql, "Hello", greeting("first_visit", "Welcome!"))

    first = await visitor.visit("https://shop.example/")
    again = await visitor.visit("https://shop.example/pricing")

    assert [m["text"] for m in first["messages"]] == ["Welcome!"]
    assert again["messages"] == []


async def test_a_returning_visitor_is_greeted_after_30_minutes_away(gql, visitor):
    await publish_flow(gql, "Back", greeting("returning_visitor", "Welcome back!", minutes=30))
    await visitor.visit("https://shop.example/")

    soon = await visitor.visit("https://shop.example/")
    half_an_hour_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=31)
    await ContactVisit.all().update(last_view_at=half_an_hour_ago)
    later = await visitor.visit("https://shop.example/")

    assert soon["messages"] == []
    assert [m["text"] for m in later["messages"]] == ["Welcome back!"]


async def test_a_visitor_who_stays_on_the_page_gets_the_flow(gql, visitor, empty_db):
    await publish_flow(
        gql,
        "Help",
        greeting("visitor_stays", "Need help?", match="prefix", url="/pricing", seconds=20),
    )
    await visitor.visit("https://shop.example/pricing")

    await jobs.run_due_jobs(empty_db)  # 20 seconds have not passed
    assert await _texts() == []
    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    assert await _texts() == ["Need help?"]


async def test_another_page_view_first_cancels_the_stay(gql, visitor, empty_db):
    await publish_flow(
        gql,
        "Help",
        greeting("visitor_stays", "Need help?", match="prefix", url="/pricing", seconds=20),
    )
    await visitor.visit("https://shop.example/pricing")
    await visitor.visit("https://shop.example/about")

    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    assert await _texts() == []
    assert await jobs.scheduled_count() == 0


STAY = greeting("visitor_stays", "Need help?", match="prefix", url="/pricing", seconds=20)


async def test_leaving_the_site_first_cancels_the_stay(gql, visitor, empty_db):
    await publish_flow(gql, "Help", STAY)
    await presence.connected(await _workspace_id(visitor), visitor.id)
    await visitor.visit("https://shop.example/pricing")

    await presence.disconnected(await _workspace_id(visitor), visitor.id)
    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    assert await _texts() == []


async def test_closing_the_widget_socket_cancels_the_stay(live_url, live_gql, empty_db):
    visitor = Visitor(live_gql, await workspace_key(live_gql))
    await publish_flow(live_gql, "Help", STAY)
    async with inbox(live_url, live_gql) as operator:
        async with widget(live_url, visitor):
            assert (await next_event(operator))["kind"] == "VISITOR_ONLINE"
            await visitor.visit("https://shop.example/pricing")
            assert (await next_event(operator))["kind"] == "VISITOR_MOVED"
        assert (await next_event(operator))["kind"] == "VISITOR_OFFLINE"

    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    assert await _texts() == []


async def test_closing_one_of_two_tabs_or_leaving_before_the_view_cancels_nothing(
    gql, visitor, empty_db
):
    await publish_flow(gql, "Help", STAY)
    await visitor.visit("https://shop.example/")
    workspace_id = await _workspace_id(visitor)
    await presence.connected(workspace_id, visitor.id)
    await presence.disconnected(workspace_id, visitor.id)  # left before the view below
    await presence.connected(workspace_id, visitor.id)
    await presence.connected(workspace_id, visitor.id)
    await visitor.visit("https://shop.example/pricing")

    await presence.disconnected(workspace_id, visitor.id)  # one tab of two
    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    assert await _texts() == ["Need help?"]


async def test_a_stay_job_that_runs_again_starts_nothing_more(gql, visitor, empty_db):
    await publish_flow(
        gql,
        "Help",
        greeting("visitor_stays", "Need help?", match="prefix", url="/pricing", seconds=20),
    )
    await visitor.visit("https://shop.example/pricing")
    payload = await jobs.first_payload(empty_db)

    await timers.stay(payload)
    await timers.stay(payload)

    assert await _texts() == ["Need help?"]


async def _workspace_id(visitor: Visitor) -> int:
    return (await workspaces_service.workspace_for_key(visitor.key)).id


async def _texts() -> list[str]:
    return [message.text for message in await BotMessage.all().order_by("id")]
