"""Live updates over graphql-transport-ws, against the app served by a real uvicorn."""

import gc
import json
from dataclasses import replace
from pathlib import Path

import pytest
from graphql.execution.collect_fields import CollectedFields

from api.app import create_app
from api.settings import Settings
from api.workspaces import service as workspaces_service
from tests.support.builders import create_contact, create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.server import serving
from tests.support.visitor import Visitor
from tests.support.ws import graphql_ws

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"
CHANGES = """
subscription($contactId: ID, $keys: [String!]) {
  contactUpdated(contactId: $contactId, keys: $keys) {
    changedKeys source deleted contact { id value(key: "page_views") }
  }
}"""
MESSAGES = """
subscription($key: String!, $visitor: String!) {
  visitorMessages(workspaceKey: $key, visitorId: $visitor) { text options expectsAnswer }
}"""
SET = """
mutation($id: ID!, $values: [PropertyValueInput!]!) {
  setContactProperties(contactId: $id, values: $values) { id }
}"""


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def bearer(gql: GraphQLClient) -> dict:
    return {"authorization": f"Bearer {gql.token}"}


@pytest.fixture
async def shop(live_gql: GraphQLClient) -> str:
    for label in ("Page views", "Shoe size", "Lead score"):
        await create_property(live_gql, label, "NUMBER")
    return await workspace_key(live_gql)


async def test_an_operator_sees_an_operator_change(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com")
    async with graphql_ws(live_url) as ws:
        assert (await ws.init(bearer(live_gql)))["type"] == "connection_ack"
        await ws.subscribed("1", CHANGES, contactId=contact["id"])

        await live_gql(SET, id=contact["id"], values=[{"key": "page_views", "value": 7}])
        change = (await ws.next_data("1"))["contactUpdated"]

    assert change == {
        "changedKeys": ["page_views"],
        "source": "OPERATOR",
        "deleted": False,
        "contact": {"id": contact["id"], "value": 7},
    }


async def test_a_write_that_changes_nothing_wakes_no_subscriber(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com", page_views=7)
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribed("1", CHANGES)

        await live_gql(SET, id=contact["id"], values=[{"key": "page_views", "value": 7}])
        await live_gql(SET, id=contact["id"], values=[{"key": "page_views", "value": 8}])
        change = (await ws.next_data("1"))["contactUpdated"]

    assert change["contact"]["value"] == 8  # the sentinel came first: 7 again woke no one


async def test_an_operator_sees_flow_and_visitor_changes(live_url, live_gql, shop):
    await publish_flow(live_gql, "Page views", fixture("page_views"))
    await publish_flow(live_gql, "Shoe size", fixture("shoe_size"))
    visitor = Visitor(live_gql, shop)
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribed("all", CHANGES)

        await visitor.visit("/pricing")
        counted = (await ws.next_data("all"))["contactUpdated"]
        await visitor.visit("/shoes")
        await visitor.answer(text="41")
        answered = (await ws.next_data("all"))["contactUpdated"]

    assert (counted["changedKeys"], counted["source"]) == (["page_views"], "FLOW")
    assert counted["contact"]["value"] == 1
    assert (answered["changedKeys"], answered["source"]) == (["shoe_size"], "VISITOR")


async def test_keys_limit_events_to_changes_of_those_keys(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com")
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribed("score", CHANGES, keys=["lead_score"])

        await live_gql(SET, id=contact["id"], values=[{"key": "name", "value": "Ann"}])
        await live_gql(SET, id=contact["id"], values=[{"key": "lead_score", "value": 12}])
        change = (await ws.next_data("score"))["contactUpdated"]

    assert change["changedKeys"] == ["lead_score"]


async def test_a_deleted_contact_is_announced(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com", page_views=3)
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribed("1", CHANGES, contactId=contact["id"])

        await live_gql("mutation($id: ID!) { deleteContact(id: $id) }", id=contact["id"])
        change = (await ws.next_data("1"))["contactUpdated"]

    assert change["deleted"] is True
    assert change["changedKeys"] == ["email", "page_views"]


async def test_another_workspaces_contact_gets_an_error_not_events(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com")
    _, spy_token = await workspaces_service.create_operator(
        email="spy@globex.example", workspace_name="Globex"
    )
    spy = GraphQLClient(live_gql.http, spy_token)
    await create_property(spy, "Page views", "NUMBER")
    async with graphql_ws(live_url) as ws:
        await ws.init({"authorization": f"Bearer {spy_token}"})
        await ws.subscribe("1", CHANGES, contactId=contact["id"])
        refused = await ws.receive()
        await ws.subscribed("2", CHANGES)
        await live_gql(SET, id=contact["id"], values=[{"key": "name", "value": "Ann"}])
        own = await create_contact(spy, email="a@globex.example")
        change = (await ws.next_data("2"))["contactUpdated"]

    assert change["contact"]["id"] == own["id"]  # the sentinel came first: Acme's change did not

    # Execution errors arrive as a `next` carrying errors (validation errors as `error`).
    assert refused["type"] == "next"
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_visitor_receives_its_bot_messages_in_order(live_url, live_gql, shop):
    await publish_flow(live_gql, "Lead score", fixture("lead_score"))
    await publish_flow(live_gql, "Shoe size", fixture("shoe_size"))
    visitor = Visitor(live_gql, shop)
    other = Visitor(live_gql, shop)
    async with graphql_ws(live_url) as ws:
        credentials = {"workspaceKey": shop, "visitorId": visitor.id}
        assert (await ws.init(credentials))["type"] == "connection_ack"
        await ws.subscribed("bot", MESSAGES, key=shop, visitor=visitor.id)

        await other.visit("/shoes")
        await visitor.visit("/shoes")
        await visitor.answer(text="44")
        received = [(await ws.next_data("bot"))["visitorMessages"] for _ in range(2)]

    assert received == [
        {"text": "What is your shoe size?", "options": None, "expectsAnswer": True},
        {"text": "Thanks! We will show you shoes in size 44.", "options": None,
         "expectsAnswer": False},
    ]  # fmt: skip


async def test_subscribing_before_init_closes_4401(live_url, live_gql):
    async with graphql_ws(live_url) as ws:
        await ws.subscribe("1", CHANGES)

        assert await ws.closed_with() == 4401


async def test_bad_credentials_close_4403(live_url, live_gql):
    for payload in [
        {},
        {"authorization": "Bearer pf_wrong"},
        {"workspaceKey": "pk_no", "visitorId": "v"},
    ]:
        async with graphql_ws(live_url) as ws:
            await ws.send({"type": "connection_init", "payload": payload})

            assert await ws.closed_with() == 4403


async def test_a_duplicate_operation_id_closes_4409(live_url, live_gql):
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribe("1", CHANGES)
        await ws.subscribe("1", CHANGES)

        assert await ws.closed_with() == 4409


async def test_no_init_in_time_closes_4408(settings: Settings):
    app = create_app(replace(settings, ws_init_timeout=0.3))
    async with serving(app) as base_url, graphql_ws(base_url) as ws:
        assert await ws.closed_with() == 4408


async def test_at_most_20_subscriptions_per_connection(live_url, live_gql):
    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        for number in range(20):
            await ws.subscribed(str(number), CHANGES)
        await ws.subscribe("21", CHANGES)
        refused = await ws.receive()

    assert refused["id"] == "21" and refused["type"] == "error"
    assert "limit" in refused["payload"][0]["message"]


async def test_a_foreign_origin_is_refused(live_url, live_gql):
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus) as refused:
        async with graphql_ws(live_url, origin="https://evil.example"):
            pass

    assert refused.value.response.status_code == 403


async def test_same_and_allowed_origins_are_accepted(settings: Settings, live_url, live_gql):
    async with graphql_ws(live_url, origin=live_url) as ws:
        assert (await ws.init(bearer(live_gql)))["type"] == "connection_ack"
    allowing = replace(settings, allowed_origins=("https://shop.example",))
    async with (
        serving(create_app(allowing)) as base_url,
        graphql_ws(base_url, origin="https://shop.example") as ws,
    ):
        assert (await ws.init(bearer(live_gql)))["type"] == "connection_ack"


def collected_field_sets() -> int:
    """graphql-core's memo of the subfields it collected, alive in this process."""
    gc.collect()
    return sum(1 for item in gc.get_objects() if isinstance(item, CollectedFields))


async def test_a_long_subscription_keeps_nothing_per_event(live_url, live_gql, shop):
    contact = await create_contact(live_gql, email="ann@example.com")

    async def changes(count: int) -> None:
        for value in range(count):
            await live_gql(SET, id=contact["id"], values=[{"key": "page_views", "value": value}])
            await ws.next_data("1")

    async with graphql_ws(live_url) as ws:
        await ws.init(bearer(live_gql))
        await ws.subscribed("1", CHANGES, contactId=contact["id"])
        await changes(5)
        before = collected_field_sets()
        await changes(40)
        after = collected_field_sets()

    assert after - before < 10
