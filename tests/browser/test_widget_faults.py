"""The visitor widget through faults, each caused for real:
- the server cannot write (another connection holds the SQLite file's write lock, and the server,
  waiting 200 ms for it, answers UNAVAILABLE): a page view waits in localStorage and a later page
  load sends it again, with the same eventId, so that it counts exactly once;
- the server's Redis connection drops (CLIENT KILL on a Redis of the test's own): the widget,
  told EVENTS_MISSED, reads again the messages it may have missed.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, Response, expect
from redis import Redis as SyncRedis

from tests.browser.conftest import in_process_operator_token, open_page
from tests.browser.widget_page import WidgetPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.private_redis import PrivateRedis, private_redis_server
from tests.support.server import served

pytestmark = pytest.mark.browser

PENDING = "(key) => JSON.parse(localStorage.getItem(`propflow.pending.${key}`) || '[]')"


class LockableShop:
    """A new install on a SQLite file whose write lock the test can take."""

    def __init__(self, path: Path, base_url: str, api: SyncGraphQL) -> None:
        self.path, self.base_url, self.api = path, base_url, api
        flows = {flow["name"]: flow["id"] for flow in api("{ flows { id name } }")["flows"]}
        api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flows["Page views"])
        self.key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]

    def locked(self) -> sqlite3.Connection:
        holder = sqlite3.connect(self.path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        return holder

    def workspace_id(self) -> int:
        with contextlib.closing(sqlite3.connect(self.path)) as database:
            query = "SELECT id FROM workspace WHERE public_key = ?"
            return int(database.execute(query, (self.key,)).fetchone()[0])

    def page_views(self, contact_id: str) -> Any:
        query = 'query($id: ID!) { contact(id: $id) { value(key: "page_views") } }'
        return self.api(query, id=contact_id)["contact"]["value"]


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[LockableShop]:
    path = tmp_path / "shop.db"
    url = f"sqlite://{path}?busy_timeout=200"
    with served(url) as base_url, httpx.Client(base_url=base_url) as http:
        yield LockableShop(path, base_url, SyncGraphQL(http, in_process_operator_token(url)))


def event_id(response: Response) -> str:
    return json.loads(response.request.post_data or "{}")["variables"]["e"]


def code(response: Response) -> str | None:
    errors = response.json().get("errors")
    return errors[0]["extensions"]["code"] if errors else None


def pending(page: Page, key: str) -> list[str]:
    return [view["e"] for view in page.evaluate(PENDING, key)]


def test_a_page_view_made_while_the_server_cannot_write_is_sent_later_and_counts_once(
    browser: Browser, shop: LockableShop
):
    first, errors = open_page(browser, shop.base_url)
    holder = shop.locked()
    with first.expect_response(
        lambda r: WidgetPage.is_page_view(r) and code(r) == "UNAVAILABLE"
    ) as refused:
        first.goto("/demo/pricing")
    made_while_locked = event_id(refused.value)
    assert pending(first, shop.key) == [made_while_locked]
    first.close()  # its own retries go with it
    holder.execute("ROLLBACK")
    holder.close()

    later = first.context.new_page()
    later.on("console", lambda m: m.type == "error" and errors.append(m.text))
    with later.expect_response(
        lambda r: WidgetPage.is_page_view(r) and event_id(r) == made_while_locked and r.ok
    ) as sent:
        later.goto("/demo/pricing?plan=runner")
    later.wait_for_function(f"(key) => ({PENDING})(key).length === 0", arg=shop.key)
    answer = sent.value.json()["data"]["trackPageView"]
    later.context.close()

    # The view made while locked once, and the later page's own view.
    assert shop.page_views(answer["contactId"]) == 2
    assert errors == [], errors


@pytest.fixture
def shop_with_redis(tmp_path: Path) -> Iterator[tuple[LockableShop, PrivateRedis]]:
    """A new install whose broker is a Redis of the test's own."""
    path = tmp_path / "shop.db"
    url = f"sqlite://{path}"
    with (
        private_redis_server() as redis,
        served(url, env={"REDIS_URL": redis.url}) as base_url,
        httpx.Client(base_url=base_url) as http,
    ):
        yield LockableShop(path, base_url, SyncGraphQL(http, in_process_operator_token(url))), redis


def test_the_widget_reads_its_messages_again_when_live_events_were_missed(
    browser: Browser, shop_with_redis: tuple[LockableShop, PrivateRedis]
):
    shop, redis = shop_with_redis
    flows = {flow["name"]: flow["id"] for flow in shop.api("{ flows { id name } }")["flows"]}
    shop.api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flows["Shoe brands"])
    page, errors = open_page(browser, shop.base_url)
    widget = WidgetPage(page)
    widget.open("/demo/shop")
    expect(widget.last_bot_message()).to_contain_text("Which brand")
    broker = SyncRedis.from_url(redis.url)
    visitor = widget.visitor_id(shop.key)
    listening_to = f"propflow:visitor:{shop.workspace_id()}:{visitor}"
    while dict(broker.pubsub_numsub(listening_to))[listening_to.encode()] == 0:  # polled
        page.wait_for_timeout(20)

    # A message whose live event is lost: written without any event at all.
    with contextlib.closing(sqlite3.connect(shop.path, isolation_level=None)) as database:
        database.execute(
            "INSERT INTO bot_message (contact_id, run_id, node_id, text, expects_answer, at) "
            "SELECT contact_id, run_id, node_id, 'Are you still there?', 0, at "
            "FROM bot_message ORDER BY id DESC LIMIT 1"
        )
    # Redis stays up; the server's listening connection goes and comes back at once.
    broker.client_kill_filter(_type="pubsub")
    broker.close()

    expect(widget.last_bot_message()).to_have_text("Are you still there?")
    page.context.close()
    assert errors == [], errors
