"""The visitor widget on the demo shop of a new install, in a real Chromium against a real server.

The server starts on an empty database, so `propflow serve` seeds the Default workspace (its
properties and its draft flows), exactly as a new user's `make run` does; the tests publish the
seed's flows through the API and then act only as a visitor would.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Response, Route, expect

from tests.browser.conftest import open_page
from tests.browser.widget_page import WidgetPage

pytestmark = pytest.mark.browser

ASK = "Hi! Which brand are you looking for?"
XSS = "<img src=x onerror=alert(1)>"


def test_the_bubble_offers_the_three_brands_and_fills_in_the_chosen_one(widget, shop):
    shop.publish("Shoe brands")

    viewed = widget.open("/demo/shop")

    expect(widget.panel()).to_be_visible()
    expect(widget.last_bot_message()).to_contain_text(ASK)
    for brand in ("Nike", "Adidas", "Asics"):
        expect(widget.choice(brand)).to_be_visible()
    widget.choose("Nike")
    expect(widget.last_bot_message()).to_have_text(
        "Great choice! Our Nike shoes are in stock: have a look around the shop."
    )
    expect(widget.choice("Nike")).to_have_count(0)
    assert shop.values(viewed["contactId"])["brand"] == "Nike"


def test_an_out_of_stock_brand_asks_the_size_until_it_is_a_number(widget, shop):
    shop.publish("Shoe brands")
    viewed = widget.open("/demo/shop")

    widget.choose("Asics")
    expect(widget.last_bot_message()).to_have_text(
        "Asics is nearly sold out. What is your shoe size? We will check the stock."
    )
    expect(widget.answer_box()).to_be_focused()
    widget.answer("forty")
    expect(widget.last_bot_message()).to_have_text("Please enter your size as a number, like 42.")
    widget.answer("44")

    expect(widget.last_bot_message()).to_have_text(
        "Thanks! We set aside Asics shoes in size 44 for you."
    )
    expect(widget.answer_box()).to_be_editable()  # the visitor can always write to the operators
    values = shop.values(viewed["contactId"])
    assert (values["brand"], values["shoe_size"]) == ("Asics", 44)


def test_a_reload_counts_one_more_page_view_for_the_same_visitor(widget, shop):
    shop.publish("Page views")

    first = widget.open("/demo/pricing")
    visitor = widget.visitor_id(shop.key)
    again = widget.reload()
    in_app = widget.navigate_in_app("/demo/pricing?plan=runner")

    assert first["contactId"] == again["contactId"] == in_app["contactId"]
    assert widget.visitor_id(shop.key) == visitor
    assert shop.values(first["contactId"]) == {"visitorId": visitor, "page_views": 3}


def test_a_page_view_whose_answer_is_lost_is_retried_and_counts_once(browser, shop):
    shop.publish("Page views")
    page, errors = open_page(browser, shop.base_url)
    event_ids: list[str] = []

    def answer_lost_once(route: Route) -> None:
        if not WidgetPage.is_page_view_request(route.request):
            return route.continue_()
        event_ids.append(json.loads(route.request.post_data or "{}")["variables"]["e"])
        if len(event_ids) == 1:
            route.fetch()  # the server counts it, but its answer never reaches the page
            return route.fulfill(status=503, body="")
        return route.continue_()

    page.route("**/graphql?*", answer_lost_once)
    with page.expect_response(lambda r: WidgetPage.is_page_view(r) and r.ok) as retried:
        page.goto("/demo/pricing")
    result = retried.value.json()["data"]["trackPageView"]
    page.context.close()

    assert len(event_ids) == 2 and event_ids[0] == event_ids[1]
    assert shop.values(result["contactId"])["page_views"] == 1
    assert all("503" in error for error in errors), errors


def test_a_page_view_answered_unavailable_is_retried_and_counts_once(browser, shop):
    shop.publish("Page views")
    page, errors = open_page(browser, shop.base_url)
    event_ids: list[str] = []
    unavailable = {
        "data": None,
        "errors": [
            {
                "message": "The service is briefly unavailable: try again.",
                "extensions": {"code": "UNAVAILABLE", "retryable": True, "retryAfter": 1},
            }
        ],
    }

    def unavailable_once(route: Route) -> None:
        if not WidgetPage.is_page_view_request(route.request):
            return route.continue_()
        event_ids.append(json.loads(route.request.post_data or "{}")["variables"]["e"])
        if len(event_ids) == 1:  # as the server answers while its database is away
            return route.fulfill(status=200, json=unavailable)
        return route.continue_()

    page.route("**/graphql?*", unavailable_once)
    answers: list[Response] = []

    def second_answer(response: Response) -> bool:
        if WidgetPage.is_page_view(response):
            answers.append(response)
        return len(answers) == 2

    with page.expect_response(second_answer) as retried:
        page.goto("/demo/pricing")
    result = retried.value.json()["data"]["trackPageView"]
    page.context.close()

    assert len(event_ids) == 2 and event_ids[0] == event_ids[1]
    assert shop.values(result["contactId"])["page_views"] == 1
    assert errors == []


def test_another_browser_is_another_contact(widget, shop, browser):
    shop.publish("Page views")
    mine = widget.open("/demo/pricing")
    page, errors = open_page(browser, shop.base_url)

    theirs = WidgetPage(page).open("/demo/pricing")

    page.context.close()
    assert errors == []
    assert theirs["contactId"] != mine["contactId"]
    assert shop.values(theirs["contactId"])["page_views"] == 1


def test_message_text_is_shown_as_text_never_as_html(widget, shop):
    graph = {
        "nodes": [
            {"id": "v", "type": "page_visit", "position": {"x": 0, "y": 0},
             "config": {"match": "exact", "url": "/demo/", "limit": "every_visit"}},
            {"id": "m", "type": "send_message", "position": {"x": 200, "y": 0},
             "config": {"text": f"Hello {XSS}"}},
        ],
        "edges": [{"id": "e", "source": "v", "sourcePort": "next", "target": "m"}],
    }  # fmt: skip
    flow = shop.api('mutation($g: JSON) { createFlow(name: "Tricky", graph: $g) { id } }', g=graph)
    shop.api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow["createFlow"]["id"])

    widget.open("/demo/")

    expect(widget.last_bot_message()).to_have_text(f"Hello {XSS}")
    expect(widget.root.locator("img")).to_have_count(0)


def test_what_the_visitor_types_starts_a_visitor_says_flow(widget, shop):
    graph = {
        "nodes": [
            {"id": "s", "type": "visitor_says", "position": {"x": 0, "y": 0},
             "config": {"mode": "keywords", "keywords": ["price", "how much"]}},
            {"id": "m", "type": "send_message", "position": {"x": 200, "y": 0},
             "config": {"text": "Our prices are on /demo/pricing."}},
        ],
        "edges": [{"id": "e", "source": "s", "sourcePort": "next", "target": "m"}],
    }  # fmt: skip
    flow = shop.api('mutation($g: JSON) { createFlow(name: "Prices", graph: $g) { id } }', g=graph)
    shop.api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow["createFlow"]["id"])
    widget.open("/demo/")
    widget.bubble().click()

    widget.answer("How MUCH are your trail shoes?")

    expect(widget.last_bot_message()).to_have_text("Our prices are on /demo/pricing.")
    expect(widget.bot_messages()).to_have_count(1)


def test_the_widget_is_keyboard_operable(widget, shop):
    shop.publish("Shoe brands")
    widget.open("/demo/shop")
    expect(widget.panel()).to_be_visible()

    widget.choice("Nike").press("Escape")
    expect(widget.panel()).to_be_hidden()
    expect(widget.bubble()).to_be_focused()
    expect(widget.bubble()).to_have_attribute("aria-expanded", "false")
    widget.bubble().press("Enter")
    expect(widget.choice("Nike")).to_be_focused()
    widget.page.keyboard.press("Tab")
    widget.page.keyboard.press("Enter")

    expect(widget.last_bot_message()).to_contain_text("Our Adidas shoes are in stock")


def test_a_message_arriving_while_closed_is_counted_as_unread(widget, shop):
    shop.publish("Shoe brands")
    widget.open("/demo/shop")
    widget.choice("Nike").press("Escape")
    expect(widget.panel()).to_be_hidden()

    # The visitor's other tab answers: the message reaches this page over the subscription.
    reply = (
        "mutation($k: String!, $v: String!) { visitorReply(workspaceKey: $k, visitorId: $v, "
        "choice: 1) { messages { text } } }"
    )
    shop.api(reply, k=shop.key, v=widget.visitor_id(shop.key))

    expect(widget.root.get_by_role("button", name="Chat with us, 1 unread")).to_be_visible()
    expect(widget.panel()).to_be_hidden()
    widget.bubble().click()
    expect(widget.last_bot_message()).to_contain_text("Our Adidas shoes are in stock")
    expect(widget.root.get_by_role("button", name="Chat with us", exact=True)).to_be_visible()


def test_colour_and_corner_come_from_the_tag_and_the_sites_css_cannot_reach_it(browser, shop):
    hostile = (
        "<style>div, span, button, p { display: none !important; background: yellow !important;"
        " font-size: 40px !important; } body { font: 30px serif; }</style>"
    )
    tag = (
        f'<script src="{shop.base_url}/widget.js" data-workspace="{shop.key}" '
        'data-color="rgb(15, 118, 110)" data-position="bottom-left" async></script>'
    )
    with other_site(f"<!doctype html><title>Shop</title>{hostile}<div>Shop</div>{tag}") as site:
        page, errors = open_page(browser, site)
        widget = WidgetPage(page)
        widget.open(f"{site}/")

        bubble = widget.bubble()
        style = bubble.evaluate("(b) => [getComputedStyle(b).backgroundColor, b.offsetHeight]")
        box = bubble.bounding_box()
        page.context.close()

    assert style == ["rgb(15, 118, 110)", 56]
    assert box is not None and box["x"] < 100
    assert errors == []


def test_the_widget_works_from_another_origin_only_while_the_workspace_allows_it(browser, shop):
    tag = f'<script src="{shop.base_url}/widget.js" data-workspace="{shop.key}" async></script>'
    shop.publish("Page views")
    with other_site(f"<!doctype html><title>Pricing</title>{tag}") as site:
        page, errors = open_page(browser, site)
        widget = WidgetPage(page)

        allowed = widget.open(f"{site}/pricing")
        shop.api(
            "mutation($o: [String!]!) { updateWorkspaceSettings(allowedOrigins: $o) { id } }",
            o=["https://elsewhere.example"],
        )
        # The browser itself blocks the call: the server did not allow this origin.
        with page.expect_event("requestfailed", WidgetPage.is_page_view_request) as refused:
            page.reload()
        page.context.close()

    assert refused.value.failure == "net::ERR_FAILED"
    assert shop.values(allowed["contactId"])["page_views"] == 1
    assert any("blocked by CORS policy" in error for error in errors), errors


@contextmanager
def other_site(html: str) -> Iterator[str]:
    """Another website (another origin, same loopback address space): one page, any path."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    site = ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=site.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{site.server_port}"
    finally:
        site.shutdown()
        site.server_close()
