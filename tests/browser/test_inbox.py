"""The Inbox in a real Chromium against a real server: an operator and visitors, each in a browser
context of their own, talking live; every wait is on the page, never on time."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.browser.conftest import in_process_operator_token, open_page
from tests.browser.contacts_page import ContactsPage
from tests.browser.demo_shop import Shop
from tests.browser.inbox_page import InboxPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.private_redis import PrivateRedis, private_redis_server
from tests.support.server import served

pytestmark = pytest.mark.browser

QUESTION = "Do you have size 44?"
ANSWER = "We do! Which brand would you like?"
OPERATOR = "designer@example.com"  # the operator's display name: no name, so the email


@pytest.fixture
def operator_page(browser: Browser, shop: Shop) -> Iterator[Page]:
    """The operator's browser: a context of its own beside the visitor's."""
    page, errors = open_page(browser, shop.base_url)
    yield page
    page.context.close()
    assert errors == [], errors


def test_an_operator_answers_a_visitor_and_fills_in_their_details(widget, shop, operator_page):
    viewed = widget.open("/demo/shop")
    contact_id = viewed["contactId"]
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    expect(inbox.online_visitor(widget.visitor_id(shop.key))).to_contain_text("/demo/shop")

    widget.bubble().click()
    widget.answer(QUESTION)

    item = inbox.conversation_of(contact_id)
    expect(item).to_contain_text(QUESTION)
    expect(inbox.unread_badge(item)).to_have_text("1")
    inbox.open_conversation(item)
    expect(inbox.messages("visitor").last).to_contain_text(QUESTION)
    expect(inbox.unread_badge(item)).to_have_count(0)

    inbox.reply(ANSWER)
    expect(inbox.messages("operator").last).to_contain_text(ANSWER)
    expect(inbox.reply_box()).to_have_value("")
    reply = widget.root.locator('[data-from="operator"]').last
    expect(reply).to_contain_text(ANSWER)
    expect(reply.locator(".author")).to_have_text(OPERATOR)

    inbox.add_property("Shoe size")
    inbox.field_labelled("Shoe size").fill("44")
    inbox.field_labelled("Shoe size").press("Enter")
    inbox.create_property("Preferred style", "Text")
    inbox.field_labelled("Preferred style").fill("Trail")
    inbox.field_labelled("Preferred style").press("Enter")
    expect(operator_page.get_by_role("complementary", name="Visitor details")).to_contain_text(
        "/demo/shop"
    )

    contacts = ContactsPage(operator_page, shop.token)
    operator_page.get_by_role("link", name="Contacts").click()
    contacts.wait_loaded()
    operator_page.get_by_label("Include anonymous visitors").check()
    contacts.wait_loaded()
    contacts.show_column("Shoe size")
    contacts.show_column("Preferred style")
    expect(contacts.cell(contact_id, "shoe_size")).to_have_text("44")
    expect(contacts.cell(contact_id, "preferred_style")).to_have_text("Trail")
    contacts.open_contact(contact_id)
    for key in ("shoe_size", "preferred_style"):
        expect(
            contacts.history().and_(operator_page.locator(f'[data-key="{key}"]'))
        ).to_contain_text(OPERATOR)
    conversation = operator_page.get_by_role("list", name="Conversation")
    expect(conversation.locator('[data-author="visitor"]')).to_contain_text(QUESTION)
    expect(conversation.locator('[data-author="operator"]')).to_contain_text(ANSWER)
    expect(operator_page.get_by_role("list", name="Pages viewed")).to_contain_text("/demo/shop")


def test_the_visitor_keeps_the_conversation_across_page_loads(widget, shop, operator_page):
    viewed = widget.open("/demo/shop")
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    widget.bubble().click()
    widget.answer(QUESTION)
    inbox.open_conversation(inbox.conversation_of(viewed["contactId"]))
    inbox.reply(ANSWER)
    expect(widget.root.locator('[data-from="operator"]')).to_contain_text(ANSWER)

    widget.page.evaluate("() => sessionStorage.clear()")  # the server's transcript, not the tab's
    widget.open("/demo/pricing")
    widget.bubble().click()

    expect(widget.root.locator('[data-from="me"]')).to_have_text([QUESTION])
    expect(widget.root.locator('[data-from="operator"]')).to_contain_text(ANSWER)


@pytest.fixture
def visitors(shop: Shop) -> dict[str, str]:
    """Two visitors who wrote from the widget (through the API, as the widget does): their
    contact ids by name."""
    return {
        name: shop.visitor_says(f"visitor-{name}", f"Hello from {name}") for name in ("ann", "bob")
    }


def test_unread_badges_and_the_title_follow_what_the_operator_read(shop, operator_page, visitors):
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    ann, bob = inbox.conversation_of(visitors["ann"]), inbox.conversation_of(visitors["bob"])
    expect(inbox.unread_badge(ann)).to_have_text("1")
    expect(inbox.unread_badge(bob)).to_have_text("1")
    expect(operator_page).to_have_title("(2) Inbox · Propflow")

    inbox.open_conversation(ann)

    expect(inbox.unread_badge(ann)).to_have_count(0)
    expect(operator_page).to_have_title("(1) Inbox · Propflow")
    shop.visitor_says("visitor-bob", "Anyone there?")
    expect(inbox.unread_badge(bob)).to_have_text("2")
    expect(bob).to_contain_text("Anyone there?")
    expect(operator_page).to_have_title("(2) Inbox · Propflow")
    shop.visitor_says("visitor-ann", "Thanks")
    expect(inbox.messages("visitor").last.locator(".pf-message-text")).to_have_text("Thanks")
    expect(inbox.unread_badge(ann)).to_have_count(0)


def test_filters_show_open_resolved_mine_and_unassigned(shop, operator_page, visitors):
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    ann, bob = inbox.conversation_of(visitors["ann"]), inbox.conversation_of(visitors["bob"])
    inbox.open_conversation(ann)
    inbox.assign(OPERATOR)
    inbox.show("Mine")
    expect(inbox.conversations()).to_have_count(1)
    expect(ann).to_be_visible()
    inbox.show("Unassigned")
    expect(inbox.conversations()).to_have_count(1)
    expect(bob).to_be_visible()

    inbox.open_conversation(bob)
    inbox.act("Resolve")
    expect(inbox.status()).to_have_text("Resolved")
    expect(bob).to_have_count(0)  # no longer unassigned-and-open
    inbox.show("Open")
    expect(inbox.conversations()).to_have_count(1)
    expect(ann).to_be_visible()
    inbox.show("Resolved")
    expect(inbox.conversations()).to_have_count(1)
    expect(bob).to_be_visible()
    inbox.act("Reopen")
    expect(inbox.status()).to_have_text("Open")
    expect(bob).to_have_count(0)


def test_a_reply_that_fails_keeps_its_text_and_says_why(shop, browser, visitors):
    operator_page, errors = open_page(browser, shop.base_url)
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    inbox.open_conversation(inbox.conversation_of(visitors["ann"]))

    def unreachable(route: Route) -> None:
        # The network drops the reply (a fault the test cannot cause otherwise). Known by its
        # text: a document the page sent before goes by its hash alone (persisted queries).
        if '"Line one"' in (route.request.post_data or ""):
            return route.abort()
        return route.continue_()

    inbox.reply("Ding\u0007")
    expect(inbox.reply_error()).to_contain_text("Not sent: 'text' must not hold control characters")
    expect(inbox.reply_box()).to_have_value("Ding\u0007")

    operator_page.route("**/graphql", unreachable)
    inbox.reply("Line one")
    expect(inbox.reply_error()).to_have_text("Not sent: The server cannot be reached.")
    expect(inbox.reply_box()).to_have_value("Line one")
    expect(inbox.messages("operator")).to_have_count(0)

    operator_page.unroute("**/graphql", unreachable)
    inbox.reply_box().press("Shift+Enter")
    inbox.reply_box().press_sequentially("line two")
    expect(inbox.reply_box()).to_have_value("Line one\nline two")
    inbox.reply_box().press("Enter")
    expect(inbox.messages("operator").last).to_contain_text("Line one\nline two")
    expect(inbox.reply_error()).to_have_text("")
    expect(inbox.reply_box()).to_have_value("")
    operator_page.context.close()
    assert all("ERR_FAILED" in error for error in errors), errors


def test_an_operator_starts_a_conversation_with_a_visitor_on_the_site(widget, shop, operator_page):
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    viewed = widget.open("/demo/pricing")
    visitor = inbox.online_visitor(widget.visitor_id(shop.key))
    expect(visitor).to_contain_text("/demo/pricing")
    expect(visitor).to_contain_text("1 page this visit")
    widget.navigate_in_app("/demo/shop")
    expect(visitor).to_contain_text("/demo/shop")
    expect(visitor).to_contain_text("2 pages this visit")

    visitor.get_by_role("button", name="Chat with").click()
    expect(inbox.conversation_of(viewed["contactId"])).to_have_attribute("aria-current", "true")
    inbox.reply("Hi! Can I help you find a shoe?")

    expect(widget.panel()).to_be_visible()
    expect(widget.root.locator('[data-from="operator"]')).to_contain_text("find a shoe")
    widget.page.context.close()
    expect(visitor).to_have_count(0)


def test_a_refused_value_is_explained_beside_the_field_and_taken_back(widget, shop, operator_page):
    contact_id = shop.visitor_says("visitor-eve", "Hello")
    inbox = InboxPage(operator_page, shop.token)
    inbox.open()
    inbox.open_conversation(inbox.conversation_of(contact_id))

    inbox.add_property("Email")
    inbox.field_labelled("Email").fill("not an email")
    inbox.field_labelled("Email").press("Enter")

    expect(inbox.field("email").locator(".pf-field-error")).to_contain_text(
        "“not an email” is not an email address"
    )
    # The field shows the stored value again (none yet), as on the contact page.
    expect(inbox.field_labelled("Email")).to_have_value("")
    inbox.field_labelled("Email").fill("eve@example.com")
    inbox.field_labelled("Email").press("Enter")
    expect(inbox.field("email").locator(".pf-field-error")).to_have_text("")
    expect(inbox.details().locator(".pf-visitor-email")).to_have_text("eve@example.com")
    expect(inbox.conversation_of(contact_id)).to_contain_text("eve@example.com")


@pytest.fixture
def shop_with_redis(tmp_path: Path) -> Iterator[tuple[Shop, PrivateRedis]]:
    """A new install whose broker is a Redis of the test's own."""
    url = f"sqlite://{tmp_path / 'shop.db'}"
    with (
        private_redis_server() as redis,
        served(url, env={"REDIS_URL": redis.url}) as base_url,
        httpx.Client(base_url=base_url) as http,
    ):
        yield Shop(base_url, SyncGraphQL(http, in_process_operator_token(url))), redis


def asks(field: str) -> Callable[[Request], bool]:
    """A GraphQL request of the operator app that reads `field`."""
    return lambda request: request.method == "POST" and field in (request.post_data or "")


def test_the_inbox_reads_everything_again_when_live_events_were_missed(browser, shop_with_redis):
    shop, redis = shop_with_redis
    page, errors = open_page(browser, shop.base_url)
    inbox = InboxPage(page, shop.token)
    inbox.open()
    ann = inbox.conversation_of(shop.visitor_says("visitor-ann", "Hello"))
    expect(ann).to_be_visible()  # live: the stream is heard through Redis
    inbox.open_conversation(ann)

    with (
        page.expect_request(asks("onlineVisitors")),
        page.expect_request(asks("conversations(filter:")),
        page.expect_request(asks("conversation(id:")),
    ):
        # Redis goes away and comes back: the server listens again, and tells every stream it
        # served EVENTS_MISSED (what was published meanwhile is gone).
        redis.kill()
        redis.start()

    shop.visitor_says("visitor-ann", "Still there?")
    expect(inbox.messages("visitor").last.locator(".pf-message-text")).to_have_text("Still there?")
    page.context.close()
    assert errors == [], errors
