"""Every operation that names a workspace by its public key serves a visitor's socket only its own
workspace and visitor, and an operator (over HTTP or a socket) only its own workspace."""

from __future__ import annotations

from typing import Any

import pytest

from api.contacts import models as contact_models
from tests.support.graphql import GraphQLClient, code_of
from tests.support.ws import GraphQLWebSocket, graphql_ws

KEY = "{ workspace { publicKey } }"
TRACK = """mutation($key: String!, $visitor: String!) {
  trackPageView(workspaceKey: $key, visitorId: $visitor, url: "/x") { contactId } }"""
REPLY = """mutation($key: String!, $visitor: String!) {
  visitorReply(workspaceKey: $key, visitorId: $visitor, text: "hi") { contactId } }"""
MESSAGES = """subscription($key: String!, $visitor: String!) {
  visitorMessages(workspaceKey: $key, visitorId: $visitor) { text } }"""
OPERATIONS = {"trackPageView": TRACK, "visitorReply": REPLY, "visitorMessages": MESSAGES}
WRITES = ["trackPageView", "visitorReply"]


async def key_of(gql: GraphQLClient) -> str:
    return (await gql(KEY))["workspace"]["publicKey"]


@pytest.fixture
async def acme(live_gql: GraphQLClient) -> GraphQLClient:
    return live_gql


@pytest.fixture
async def globex(live_other_gql: GraphQLClient) -> GraphQLClient:
    return live_other_gql


async def refusal_over_socket(ws: GraphQLWebSocket, query: str, **variables: Any) -> str:
    """The code of the first error the socket answers the operation with."""
    await ws.subscribe("op", query, **variables)
    while True:
        message = await ws.receive()
        if message.get("id") != "op":
            continue
        errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
        return errors[0]["extensions"]["code"]


@pytest.mark.parametrize("operation", WRITES)
@pytest.mark.parametrize("direction", ["acme→globex", "globex→acme"])
async def test_an_operator_over_http_reaches_only_its_own_workspace_visitors(
    acme: GraphQLClient, globex: GraphQLClient, operation: str, direction: str
):
    caller, target = (acme, globex) if direction == "acme→globex" else (globex, acme)
    error = await caller.error(OPERATIONS[operation], key=await key_of(target), visitor="v-1")
    assert code_of(error) == "FORBIDDEN"
    assert await contact_models.Contact.all().count() == 0


async def test_anonymous_widget_calls_and_an_operator_own_workspace_are_served(
    acme: GraphQLClient,
):
    key = await key_of(acme)
    anonymous = GraphQLClient(acme.http, None)
    assert (await anonymous(TRACK, key=key, visitor="v-1"))["trackPageView"]["contactId"]
    assert (await acme(TRACK, key=key, visitor="v-2"))["trackPageView"]["contactId"]


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("direction", ["acme→globex", "globex→acme"])
async def test_an_operator_socket_reaches_only_its_own_workspace_visitors(
    live_url: str, acme: GraphQLClient, globex: GraphQLClient, operation: str, direction: str
):
    caller, target = (acme, globex) if direction == "acme→globex" else (globex, acme)
    async with graphql_ws(live_url) as ws:
        await ws.init({"authorization": f"Bearer {caller.token}"})
        code = await refusal_over_socket(
            ws, OPERATIONS[operation], key=await key_of(target), visitor="v-1"
        )
    assert code == "FORBIDDEN"
    assert await contact_models.Contact.all().count() == 0


@pytest.mark.parametrize("operation", list(OPERATIONS))
@pytest.mark.parametrize("other", ["another visitor", "another workspace"])
async def test_a_visitor_socket_serves_only_its_own_workspace_and_visitor(
    live_url: str, acme: GraphQLClient, globex: GraphQLClient, operation: str, other: str
):
    own_key = await key_of(acme)
    key, visitor = (own_key, "v-2") if other == "another visitor" else (await key_of(globex), "v-1")
    async with graphql_ws(live_url) as ws:
        await ws.init({"workspaceKey": own_key, "visitorId": "v-1"})
        code = await refusal_over_socket(ws, OPERATIONS[operation], key=key, visitor=visitor)
    assert code == "FORBIDDEN"
    assert await contact_models.Contact.all().count() == 0


async def test_a_visitor_socket_serves_its_own_visitor(live_url: str, acme: GraphQLClient):
    key = await key_of(acme)
    async with graphql_ws(live_url) as ws:
        await ws.init({"workspaceKey": key, "visitorId": "v-1"})
        await ws.subscribe("own", TRACK, key=key, visitor="v-1")
        assert (await ws.next_data("own"))["trackPageView"]["contactId"]
