"""The "Call a webhook" node against a local receiver: the body is signed with the workspace's
secret, a 500 is retried, the retry budget ends at `failed`, and a private address is refused
unless PROPFLOW_WEBHOOK_ALLOW_PRIVATE is set."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.flows.models import BotMessage, FlowRun
from api.settings import Settings
from api.webhooks import delivery
from api.webhooks.models import WebhookDelivery
from tests.support import jobs
from tests.support.builders import (
    create_property,
    flow_node,
    next_edge,
    publish_flow,
    workspace_key,
)
from tests.support.graphql import GraphQLClient, code_of
from tests.support.server import free_port, serving
from tests.support.tls_receiver import TlsReceiver, make_certificate, tls_receiver
from tests.support.visitor import Visitor

DELIVERIES = """
query($id: ID!) {
  webhookDeliveries(flowId: $id) { status attempts lastStatusCode lastError nodeId url }
}"""


@dataclass
class Receiver:
    """A local webhook receiver: answers with `statuses` in turn (then 200), keeps requests."""

    statuses: list[int] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""

    async def endpoint(self, request: Request) -> Response:
        self.received.append((dict(request.headers), await request.body()))
        return Response(status_code=self.statuses.pop(0) if self.statuses else 200)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    hook = Receiver()
    app = Starlette(routes=[Route("/hook", hook.endpoint, methods=["POST"])])
    async with serving(app) as base_url:
        hook.url = f"{base_url}/hook"
        yield hook


@pytest.fixture
def settings(empty_db: str) -> Settings:
    return Settings(database_url=empty_db, run_jobs=False, webhook_allow_private=True)


def webhook_flow(url: str) -> dict[str, Any]:
    """Visitor opens /pricing → set the lead score → call the webhook → "Sent" or "Not sent"."""
    return {
        "nodes": [
            flow_node("t", "page_visit", match="prefix", url="/pricing", limit="every_visit"),
            flow_node("u", "update_property", updates=[{"key": "lead_score", "value": 55}]),
            flow_node("h", "call_webhook", url=url, keys=["lead_score", "email"]),
            flow_node("ok", "send_message", text="Sent"),
            flow_node("no", "send_message", text="Not sent"),
        ],
        "edges": [
            next_edge("t", "u"),
            next_edge("u", "h"),
            {"id": "h-ok", "source": "h", "sourcePort": "ok", "target": "ok"},
            {"id": "h-no", "source": "h", "sourcePort": "failed", "target": "no"},
        ],
    }


@pytest.fixture
async def visited(gql: GraphQLClient):
    """Publish the webhook flow for a URL and send a visitor to /pricing; the flow id."""
    await create_property(gql, "Lead score", "NUMBER")

    async def visit(url: str) -> str:
        flow_id = await publish_flow(gql, "Hook", webhook_flow(url))
        await Visitor(gql, await workspace_key(gql)).visit("https://shop.example/pricing")
        return flow_id

    return visit


async def test_the_webhook_is_signed_and_the_run_goes_on_at_ok(gql, receiver, visited, empty_db):
    flow_id = await visited(receiver.url)

    await jobs.run_due_jobs(empty_db)

    ((headers, body),) = receiver.received
    secret = (await gql("{ webhookSecret }"))["webhookSecret"]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-propflow-signature"] == f"sha256={expected}"
    sent = json.loads(body)
    assert sent["contact"]["properties"] == {"lead_score": 55, "email": None}
    assert sent["flow"]["id"] == int(flow_id) and sent["node"] == "h"
    assert headers["x-propflow-delivery"] == str(sent["deliveryId"])
    assert await _texts() == ["Sent"]
    (delivery,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == ("ok", 1, 200)


async def test_a_500_is_retried_later(gql, receiver, visited, empty_db):
    receiver.statuses = [500, 503]
    flow_id = await visited(receiver.url)

    await jobs.run_due_jobs(empty_db)
    (delivery,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == (
        "retrying",
        1,
        500,
    )
    assert (await FlowRun.get(flow_id=int(flow_id))).status == "waiting"

    for _ in range(2):
        await jobs.make_due()
        await jobs.run_due_jobs(empty_db)

    (delivery,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert (delivery["status"], delivery["attempts"]) == ("ok", 3)
    assert len(receiver.received) == 3 and await _texts() == ["Sent"]


async def test_the_failed_port_once_a_day_of_retries_has_gone(gql, receiver, visited, empty_db):
    receiver.statuses = [500] * 100
    flow_id = await visited(receiver.url)
    await jobs.run_due_jobs(empty_db)

    # The delivery began a day ago: the next failure is its last.
    a_day_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=24)
    await WebhookDelivery.all().update(created_at=a_day_ago)
    await jobs.make_due()
    await jobs.run_due_jobs(empty_db)

    (delivery,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert (delivery["status"], delivery["attempts"], delivery["lastStatusCode"]) == (
        "failed",
        2,
        500,
    )
    assert await _texts() == ["Not sent"]
    assert await jobs.scheduled_count() == 0


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://localhost/hook"])
async def test_a_private_address_is_refused_without_the_setting(
    gql, visited, empty_db, url, monkeypatch
):
    monkeypatch.setattr(delivery, "_options", delivery.DeliveryOptions(allow_private=False))
    flow_id = await visited(url)

    await jobs.run_due_jobs(empty_db)

    (refused,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert (refused["status"], refused["attempts"]) == ("failed", 1)
    assert "not a public address" in refused["lastError"]
    assert await _texts() == ["Not sent"]


async def test_plain_http_is_refused_without_the_setting(
    gql, receiver, visited, empty_db, monkeypatch
):
    monkeypatch.setattr(delivery, "_options", delivery.DeliveryOptions(allow_private=False))
    flow_id = await visited(receiver.url)

    await jobs.run_due_jobs(empty_db)

    (refused,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert refused["status"] == "failed" and "only https://" in refused["lastError"]
    assert receiver.received == []


async def test_rotating_the_secret_changes_it(gql):
    before = (await gql("{ webhookSecret }"))["webhookSecret"]

    after = (await gql("mutation { rotateWebhookSecret }"))["rotateWebhookSecret"]

    assert after != before and len(after) == 64
    assert (await gql("{ webhookSecret }"))["webhookSecret"] == after


async def test_deliveries_of_another_workspaces_flow_are_not_found(
    gql, other_gql, receiver, visited
):
    flow_id = await visited(receiver.url)

    assert code_of(await other_gql.error(DELIVERIES, id=flow_id)) == "NOT_FOUND"


async def test_publish_refuses_a_webhook_url_that_is_not_https(gql):
    graph = webhook_flow("ftp://hooks.example.com")
    created = await gql('mutation($g: JSON) { createFlow(name: "x", graph: $g) { id } }', g=graph)

    refused = await gql.error(
        "mutation($id: ID!) { publishFlow(id: $id) { id } }", id=created["createFlow"]["id"]
    )

    assert code_of(refused) == "VALIDATION_FAILED"


async def _texts() -> list[str]:
    return [message.text for message in await BotMessage.all().order_by("id")]


def resolving(*answers: list[str]) -> tuple[list[str], Any]:
    """A resolver whose answers change from one call to the next (DNS rebinding) and the names
    it was asked."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    return asked, resolve


async def test_a_name_with_any_private_address_is_refused(gql, visited, empty_db, monkeypatch):
    asked, resolve = resolving(["93.184.215.14", "10.0.0.7"])
    options = delivery.DeliveryOptions(allow_private=False, resolve=resolve)
    monkeypatch.setattr(delivery, "_options", options)
    flow_id = await visited("https://hooks.test/lead")

    await jobs.run_due_jobs(empty_db)

    (refused,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert refused["status"] == "failed"
    assert refused["lastError"] == "10.0.0.7 is not a public address"
    assert asked == ["hooks.test"]


async def test_the_request_connects_to_the_address_that_was_checked(
    gql, visited, empty_db, monkeypatch
):
    """The name answers 127.0.0.1, then 127.0.0.2: the request goes to the first answer (the
    one checked), not to a second resolution's."""
    checked, rebound = Receiver(), Receiver()
    port = free_port()
    asked, resolve = resolving(["127.0.0.1"], ["127.0.0.2"])
    monkeypatch.setattr(delivery, "_options", delivery.DeliveryOptions(True, resolve))
    routes = [Route("/hook", checked.endpoint, methods=["POST"])]
    rebound_routes = [Route("/hook", rebound.endpoint, methods=["POST"])]
    async with (
        serving(Starlette(routes=routes), host="127.0.0.1", port=port),
        serving(Starlette(routes=rebound_routes), host="127.0.0.2", port=port),
    ):
        flow_id = await visited(f"http://hooks.test:{port}/hook")
        await jobs.run_due_jobs(empty_db)

    ((headers, _body),) = checked.received
    assert headers["host"] == f"hooks.test:{port}"
    assert rebound.received == [] and asked == ["hooks.test"]
    (sent,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert sent["status"] == "ok"


async def test_a_pinned_https_request_names_the_host_and_verifies_its_certificate(
    gql, visited, empty_db, monkeypatch, tmp_path
):
    async with _pinned_tls_receiver(monkeypatch, tmp_path, "hooks.test") as receiver:
        flow_id = await visited(f"https://hooks.test:{receiver.port}/hook")
        await jobs.run_due_jobs(empty_db)

    assert receiver.server_names == ["hooks.test"]
    assert receiver.hosts == [f"hooks.test:{receiver.port}"]
    (sent,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert sent["status"] == "ok"


async def test_a_pinned_https_request_refuses_a_certificate_for_another_name(
    gql, visited, empty_db, monkeypatch, tmp_path
):
    async with _pinned_tls_receiver(monkeypatch, tmp_path, "other.test") as receiver:
        flow_id = await visited(f"https://hooks.test:{receiver.port}/hook")
        await jobs.run_due_jobs(empty_db)

    assert receiver.hosts == []
    (sent,) = (await gql(DELIVERIES, id=flow_id))["webhookDeliveries"]
    assert sent["status"] == "retrying" and "CERTIFICATE_VERIFY_FAILED" in sent["lastError"]


@contextlib.asynccontextmanager
async def _pinned_tls_receiver(
    monkeypatch: pytest.MonkeyPatch, folder: Path, certified: str
) -> AsyncIterator[TlsReceiver]:
    """An HTTPS receiver on 127.0.0.1 with a trusted certificate for `certified`, and
    hooks.test resolving to it."""
    certificate, key = make_certificate(folder, certified)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))
    _asked, resolve = resolving(["127.0.0.1"])
    monkeypatch.setattr(delivery, "_options", delivery.DeliveryOptions(True, resolve))
    async with tls_receiver(certificate, key) as receiver:
        yield receiver
