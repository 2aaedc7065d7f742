"""`make screenshot` (second half): the Inbox of the demo shop as docs/inbox.png.

A new install with "Shoe brands" published; one visitor picks a brand in the bubble, then asks
the operators about a size; another visitor browses the shop. The operator answers, sets the
visitor's Shoe size and creates "Preferred style" from the Visitor details panel.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.demo_shop import Shop
from tests.browser.inbox_page import InboxPage
from tests.browser.widget_page import WidgetPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import operator_token, served

ROOT = Path(__file__).resolve().parents[2]
TARGET = ROOT / "docs" / "inbox.png"
VIEWPORT = {"width": 1440, "height": 900}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'demo.db'}"
        with served(url) as base_url, httpx.Client(base_url=base_url) as http:
            shop = Shop(base_url, SyncGraphQL(http, operator_token(url, "maya@stride.example")))
            shop.publish("Shoe brands")
            _shoot(shop)
    print(f"saved {TARGET.relative_to(ROOT)}")


def _shoot(shop: Shop) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        visitor = WidgetPage(browser.new_page(base_url=shop.base_url))
        browsing = WidgetPage(browser.new_page(base_url=shop.base_url))
        operator = browser.new_page(viewport=VIEWPORT, base_url=shop.base_url)
        inbox = InboxPage(operator, shop.token)
        inbox.open()

        contact_id = visitor.open("/demo/shop")["contactId"]
        visitor.choose("Nike")
        visitor.answer("Do you have size 44?")
        browsing.open("/demo/pricing")
        item = inbox.conversation_of(contact_id)
        expect(item).to_contain_text("size 44")
        inbox.open_conversation(item)
        inbox.reply("We do! The Nike Pegasus in 44 ships today. Road or trail?")
        expect(visitor.root.locator('[data-from="operator"]')).to_be_visible()
        visitor.answer("Trail, mostly")
        expect(inbox.messages("visitor").last).to_contain_text("Trail")
        inbox.add_property("Shoe size")
        inbox.field_labelled("Shoe size").fill("44")
        inbox.field_labelled("Shoe size").press("Enter")
        inbox.create_property("Preferred style", "Text")
        inbox.field_labelled("Preferred style").fill("Trail")
        inbox.field_labelled("Preferred style").press("Enter")
        expect(inbox.online_visitor(browsing.visitor_id(shop.key))).to_be_visible()
        operator.locator(".pf-reply textarea").focus()
        TARGET.parent.mkdir(exist_ok=True)
        operator.screenshot(path=str(TARGET))
        browser.close()


if __name__ == "__main__":
    main()
