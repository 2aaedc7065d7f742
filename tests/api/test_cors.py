"""Cross-origin requests: a workspace's widget is accepted from the origins it allows, nothing else.

Every request here carries a real `Origin` header of another site, as a browser sends it, to the
real app (over HTTP through ASGI, and over real WebSockets to a served app).
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace

import httpx
import pytest
from asgi_lifespan import LifespanManager
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from api.app import create_app
from api.settings import Settings, SettingsError
from tests.support.builders import publish_flow, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.visitor import SEND, TRACK, TRANSCRIPT
from tests.support.ws import PROTOCOL, GraphQLWebSocket

SHOP = "https://shop.example"
EVIL = "https://evil.example"
UPDATE = "mutation($o: [String!]!) { updateWorkspaceSettings(allowedOrigins: $o) { id } }"
MESSAGES = """
subscription($key: String!, $visitor: String!) {
  visitorMessages(workspaceKey: $key, visitorId: $visitor) { text }
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
    return await workspace_key(gql)


def track(key: str, visitor: str = "v-1", workspace: str | None = None) -> dict:
    variables = {"key": workspace or key, "visitor": visitor, "url": "https://shop.example/hello"}
    return {"query": TRACK, "variables": variables}


async def post(
    client: httpx.AsyncClient, body: dict, *, origin: str, key: str | None, **headers: str
) -> httpx.Response:
    params = {"workspaceKey": key} if key else None
    return await client.post(
        "/graphql", json=body, params=params, headers={"Origin": origin, **headers}
    )


async def test_a_page_view_from_another_origin_is_accepted_when_any_is_allowed(client, key):
    response = await post(client, track(key), origin=SHOP, key=key)

    assert response.status_code == 200
    assert response.json()["data"]["trackPageView"]["startedRuns"] == 0
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "Origin" in response.headers["vary"]


async def test_the_widget_chats_from_another_origin(client, gql, key):
    variables = {"key": key, "visitor": "v-1", "text": "Do you have size 44?"}

    sent = await post(client, {"query": SEND, "variables": variables}, origin=SHOP, key=key)
    read = await post(client, {"query": TRANSCRIPT, "variables": variables}, origin=SHOP, key=key)

    assert sent.status_code == 200 and "errors" not in sent.json(), sent.json()
    assert read.status_code == 200
    assert [m["text"] for m in read.json()["data"]["visitorTranscript"]] == [variables["text"]]
    assert read.headers["access-control-allow-origin"] == SHOP


async def test_a_preflight_is_answered_for_an_allowed_origin_without_credentials(client, key):
    response = await client.options(
        "/graphql",
        params={"workspaceKey": key},
        headers={
            "Origin": SHOP,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert response.headers["access-control-allow-headers"] == "content-type"
    assert "access-control-allow-credentials" not in response.headers


async def test_an_origin_the_workspace_does_not_list_is_refused(client, gql, key):
    await gql(UPDATE, o=[SHOP])

    refused = await post(client, track(key), origin=EVIL, key=key)
    preflight = await client.options(
        "/graphql", params={"workspaceKey": key}, headers={"Origin": EVIL}
    )
    accepted = await post(client, track(key), origin=SHOP, key=key)

    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "access-control-allow-origin" not in refused.headers
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "{ workspace { name } }",
        'mutation { createProperty(input: {label: "Spy", type: TEXT}) { id } }',
        "mutation($key: String!, $visitor: String!) { trackPageView(workspaceKey: $key, "
        'visitorId: $visitor, url: "/x") { duplicate } createProperty(input: {label: "Spy", '
        "type: TEXT}) { id } }",
        "mutation($key: String!, $visitor: String!) { ...on Mutation { trackPageView("
        'workspaceKey: $key, visitorId: $visitor, url: "/x") { duplicate } } }',
        "query($key: String!, $visitor: String!) { visitorTranscript(workspaceKey: $key, "
        "visitorId: $visitor) { text } workspace { name } }",
        "query($key: String!, $visitor: String!) { conversations { totalUnread } }",
        "not graphql",
    ],
)
async def test_operator_operations_from_another_origin_are_refused(client, gql, key, query):
    body = {"query": query, "variables": {"key": key, "visitor": "v-1"}}
    bearer = {"Authorization": f"Bearer {gql.token}"}

    with_key = await post(client, body, origin=SHOP, key=key, **bearer)
    without_key = await post(client, body, origin=SHOP, key=None, **bearer)

    assert (with_key.status_code, without_key.status_code) == (403, 403)
    properties = await gql("{ properties { key } }")
    assert "spy" not in [p["key"] for p in properties["properties"]]


async def test_a_widget_call_carrying_a_token_or_cookie_is_refused(client, gql, key):
    with_token = await post(client, track(key), origin=SHOP, key=key, Authorization="Bearer x")
    with_cookie = await post(client, track(key), origin=SHOP, key=key, Cookie="session=1")

    assert (with_token.status_code, with_cookie.status_code) == (403, 403)


async def test_a_widget_call_for_another_workspace_than_the_url_names_is_refused(
    client, key, other_gql
):
    other = await workspace_key(other_gql)

    mixed = await post(client, track(key, workspace=other), origin=SHOP, key=key)
    unknown = await post(client, track(key), origin=SHOP, key="pk_unknown")

    assert (mixed.status_code, unknown.status_code) == (403, 403)


async def test_the_csv_endpoints_refuse_other_origins(client, gql, key):
    bearer = {"Authorization": f"Bearer {gql.token}", "Origin": SHOP}

    export = await client.get("/export/contacts.csv", params={"workspaceKey": key}, headers=bearer)
    imported = await client.post("/import/contacts.csv", content=b"email\na@b.co\n", headers=bearer)

    assert (export.status_code, imported.status_code) == (403, 403)


async def test_same_origin_requests_pass_as_before(client, gql):
    response = await client.post(
        "/graphql",
        json={"query": "{ workspace { name } }"},
        headers={"Origin": "http://propflow.test", "Authorization": f"Bearer {gql.token}"},
    )

    assert response.json()["data"] == {"workspace": {"name": "Acme"}}


async def test_trusted_origins_are_answered_like_the_app_itself(settings: Settings, gql):
    trusting = create_app(replace(settings, allowed_origins=("https://admin.example",)))
    async with (
        LifespanManager(trusting) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=manager.app), base_url="http://propflow.test"
        ) as http,
    ):
        headers = {"Origin": "https://admin.example", "Authorization": f"Bearer {gql.token}"}
        response = await http.post(
            "/graphql", json={"query": "{ workspace { name } }"}, headers=headers
        )
        preflight = await http.options("/graphql", headers={"Origin": "https://admin.example"})

    assert response.json()["data"] == {"workspace": {"name": "Acme"}}
    assert response.headers["access-control-allow-origin"] == "https://admin.example"
    assert "authorization" in preflight.headers["access-control-allow-headers"]


def test_a_trusted_origin_that_is_not_an_origin_stops_start_up(monkeypatch):
    monkeypatch.setenv("PROPFLOW_ALLOWED_ORIGINS", "https://admin.example, admin.example/path")

    with pytest.raises(SettingsError, match="PROPFLOW_ALLOWED_ORIGINS: Invalid origin"):
        Settings.from_env()


@asynccontextmanager
async def widget_socket(base_url: str, key: str, origin: str) -> AsyncIterator[GraphQLWebSocket]:
    url = base_url.replace("http://", "ws://") + f"/graphql?workspaceKey={key}"
    async with connect(
        url,
        subprotocols=[PROTOCOL],  # type: ignore[list-item]
        additional_headers={"Origin": origin},
    ) as connection:
        yield GraphQLWebSocket(connection)


async def test_a_widget_socket_from_an_allowed_origin_receives_its_messages(live_url, live_gql):
    key = await workspace_key(live_gql)
    await live_gql(UPDATE, o=[SHOP])
    await publish_flow(live_gql, "Greeting", GREETING)
    async with widget_socket(live_url, key, SHOP) as ws:
        assert (await ws.init({"workspaceKey": key, "visitorId": "v-1"}))[
            "type"
        ] == "connection_ack"
        await ws.subscribed("m", MESSAGES, key=key, visitor="v-1")

        await live_gql.http.post("/graphql", json=track(key))

        assert (await ws.next_data("m"))["visitorMessages"] == {"text": "Hello from the shop"}


async def test_a_widget_socket_from_an_origin_not_allowed_is_refused(live_url, live_gql):
    key = await workspace_key(live_gql)
    await live_gql(UPDATE, o=[SHOP])

    with pytest.raises(InvalidStatus) as refused:
        async with widget_socket(live_url, key, EVIL):
            pass

    assert refused.value.response.status_code == 403


async def test_a_widget_socket_serves_only_that_workspaces_visitor(live_url, live_gql):
    key = await workspace_key(live_gql)
    for payload in [{"authorization": f"Bearer {live_gql.token}"}, {"workspaceKey": "pk_other"}]:
        async with widget_socket(live_url, key, SHOP) as ws:
            await ws.send({"type": "connection_init", "payload": payload})

            assert await ws.closed_with() == 4403
    async with widget_socket(live_url, key, SHOP) as ws:
        await ws.init({"workspaceKey": key, "visitorId": "v-1"})
        await ws.subscribe("spy", MESSAGES, key=key, visitor="v-2")

        refused = await ws.receive()

    assert refused["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
