"""Who or what made each change: the operator, the flow (name, version, node) or an import."""

import json
from pathlib import Path

import httpx

from tests.support.builders import create_contact, create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.visitor import Visitor

FLOW = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "page_views.json").read_text()
)
HISTORY = """
query($id: ID!) { contact(id: $id) { history {
  key source sourceId operator { email } flowId flowName flowVersion nodeId } } }"""


async def history_of(gql: GraphQLClient, contact_id: str) -> list[dict]:
    return (await gql(HISTORY, id=contact_id))["contact"]["history"]


async def test_history_names_the_operator_of_a_change(gql: GraphQLClient):
    contact = await create_contact(gql, email="ann@example.com")

    (change,) = await history_of(gql, contact["id"])

    assert change["source"] == "OPERATOR"
    assert change["operator"] == {"email": "ops@example.com"}
    assert (change["flowId"], change["flowName"], change["nodeId"]) == (None, None, None)


async def test_history_names_the_flow_version_and_node_of_a_change(gql: GraphQLClient):
    await create_property(gql, "Page views", "NUMBER")
    flow_id = await publish_flow(gql, "Count visits", FLOW)
    visit = await Visitor(gql, await workspace_key(gql)).visit("/pricing")

    (change,) = await history_of(gql, visit["contactId"])

    assert change == {
        "key": "page_views", "source": "FLOW", "sourceId": change["sourceId"], "operator": None,
        "flowId": flow_id, "flowName": "Count visits", "flowVersion": 1, "nodeId": "count",
    }  # fmt: skip


async def test_history_of_a_deleted_flow_keeps_its_ids(gql: GraphQLClient):
    await create_property(gql, "Page views", "NUMBER")
    flow_id = await publish_flow(gql, "Count visits", FLOW)
    visit = await Visitor(gql, await workspace_key(gql)).visit("/pricing")
    await gql("mutation($id: ID!) { deleteFlow(id: $id) }", id=flow_id)

    (change,) = await history_of(gql, visit["contactId"])

    assert (change["flowId"], change["flowName"], change["nodeId"]) == (flow_id, None, "count")


async def test_history_of_an_import_names_no_operator_or_flow(
    client: httpx.AsyncClient, gql: GraphQLClient
):
    await client.post(
        "/import/contacts.csv",
        content=b"email\nbob@example.com\n",
        headers={"Authorization": f"Bearer {gql.token}"},
    )
    contacts = await gql("{ contacts { edges { node { id } } } }")

    (change,) = await history_of(gql, contacts["contacts"]["edges"][0]["node"]["id"])

    assert change["source"] == "IMPORT"
    assert (change["operator"], change["flowName"]) == (None, None)
