"""What an operator sees of automation in time: a flow's runs in the editor's Runs tab (a run
waiting on a timer with its resume time, cancelled from there), a contact's pending steps on
the contact page, and a flow's webhook deliveries with their last status, response code and
attempts."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.support.builders import flow_node, next_edge, wait_flow
from tests.support.server import operator_token, served

pytestmark = pytest.mark.browser

PUBLISHED = """mutation($g: JSON) { createFlow(name: "Nudge", graph: $g) { id } }"""
RUNS = "query($id: ID!) { flowRuns(flowId: $id) { status } }"
DELIVERIES = "query($id: ID!) { webhookDeliveries(flowId: $id) { status } }"
DELIVERY_SECONDS = 30
ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT")
DISPLAYED_TIME = re.compile(r"\d")


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The module's server, allowed to call a local webhook receiver."""
    url = f"sqlite://{tmp_path_factory.mktemp('browser') / 'runs.db'}"
    operator_token(url, "first@example.com")
    with served(url, env={"PROPFLOW_WEBHOOK_ALLOW_PRIVATE": "true"}) as base_url:
        yield base_url, url


@pytest.fixture
def receiver() -> Iterator[str]:
    """A local webhook receiver that answers 500; its URL."""

    class Failing(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(500)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Failing)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()
    thread.join()


def publish(api, graph: dict) -> str:
    flow_id = api(PUBLISHED, g=graph)["createFlow"]["id"]
    api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow_id)
    return flow_id


def visit(api, visitor: str, url: str = "https://shop.example/pricing") -> str:
    """A page view of `visitor`; its contact's id."""
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    tracked = api(
        "mutation($k: String!, $v: String!, $u: String!) { trackPageView(workspaceKey: $k, "
        "visitorId: $v, url: $u) { contactId } }",
        k=key,
        v=visitor,
        u=url,
    )
    return tracked["trackPageView"]["contactId"]


def test_the_runs_tab_shows_a_run_waiting_on_a_timer_and_cancels_it(editor, api):
    flow_id = publish(api, wait_flow())
    visit(api, "ann")
    editor.open_flow(flow_id)

    editor.tab("Runs")

    runs = editor.page.get_by_role("list", name="Runs")
    row = runs.locator("li")
    expect(row).to_have_attribute("data-status", "waiting")
    expect(row).to_contain_text("Visitor ann")
    expect(row.locator(".pf-run-resume time")).to_have_attribute("datetime", ISO_TIME)
    row.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-status", "cancelled")
    expect(row.get_by_role("button", name="Cancel")).to_have_count(0)
    assert api(RUNS, id=flow_id)["flowRuns"] == [{"status": "cancelled"}]


def test_the_contact_page_lists_pending_steps_and_cancels_one(editor, api):
    flow_id = publish(api, wait_flow())
    contact_id = visit(api, "bob")

    editor.page.goto(f"/editor/#/contacts/{contact_id}")

    pending = editor.page.get_by_role("list", name="Pending steps").locator("li")
    expect(pending).to_have_count(1)
    expect(pending).to_contain_text("Nudge v1")
    expect(pending.locator(".pf-run-resume")).to_contain_text("resumes")
    pending.get_by_role("button", name="Cancel").click()
    expect(pending).to_have_attribute("data-status", "cancelled")
    assert api(RUNS, id=flow_id)["flowRuns"] == [{"status": "cancelled"}]
    query = "query($id: ID!) { contactPendingSteps(contactId: $id) { id } }"
    assert api(query, id=contact_id)["contactPendingSteps"] == []


def test_the_runs_tab_shows_a_webhook_deliverys_status_response_and_attempts(editor, api, receiver):
    graph = {
        "nodes": [
            flow_node("t", "page_visit", match="prefix", url="/pricing", limit="every_visit"),
            flow_node("hook", "call_webhook", url=receiver, keys=["email"]),
        ],
        "edges": [next_edge("t", "hook")],
    }
    flow_id = publish(api, graph)
    visit(api, "cy")
    _until_delivered(api, flow_id)
    editor.open_flow(flow_id)

    editor.tab("Runs")

    delivery = editor.page.get_by_role("table", name="Webhook deliveries").locator("tbody tr")
    expect(delivery).to_have_attribute("data-status", "retrying")
    expect(delivery.locator("td")).to_have_text(
        ["hook", "retrying", "500", "1", "—", DISPLAYED_TIME]
    )
    expect(editor.page.get_by_role("list", name="Runs").locator("li")).to_have_attribute(
        "data-status", "waiting"
    )


def _until_delivered(api, flow_id: str) -> None:
    """Wait for the server's worker to make the first attempt (its outcome is only in the
    database, which sends no signal: poll it)."""
    deadline = time.monotonic() + DELIVERY_SECONDS
    while api(DELIVERIES, id=flow_id)["webhookDeliveries"] != [{"status": "retrying"}]:
        assert time.monotonic() < deadline, "the webhook was not attempted"
        time.sleep(0.1)
