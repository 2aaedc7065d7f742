"""The README's demo walkthrough, step by step, on a new install: publish "Page views" in the
editor, visit the demo's pricing page three times, and watch the Contacts page count live."""

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import open_page
from tests.browser.contacts_page import ContactsPage
from tests.browser.editor_page import EditorPage
from tests.browser.widget_page import WidgetPage
from tests.support.server import operator_token, served

pytestmark = pytest.mark.browser


@pytest.fixture
def install(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """`make run` on an empty database (seeded), then `propflow operator create`."""
    url = f"sqlite://{tmp_path / 'propflow.db'}"
    with served(url) as base_url:
        yield base_url, operator_token(url, "you@example.com")


@pytest.fixture
def pages(browser: Browser, install: tuple[str, str]) -> Iterator[tuple[Page, Page]]:
    operator, operator_errors = open_page(browser, install[0])
    visitor, visitor_errors = open_page(browser, install[0])
    yield operator, visitor
    operator.context.close()
    visitor.context.close()
    assert operator_errors == visitor_errors == [], (operator_errors, visitor_errors)


def test_publish_page_views_then_watch_three_visits_live(install, pages):
    base_url, token = install
    operator, visitor = pages
    flows = httpx.post(
        f"{base_url}/graphql",
        json={"query": "{ flows { id name } }"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["data"]["flows"]
    page_views = next(flow["id"] for flow in flows if flow["name"] == "Page views")

    editor = EditorPage(operator, token)
    editor.sign_in()
    editor.open_flow(page_views)
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")

    contacts = ContactsPage(operator, token)
    operator.get_by_role("link", name="Contacts").click()
    contacts.wait_loaded()
    expect(contacts.live()).to_have_attribute("data-live", "on")
    operator.get_by_label("Include anonymous visitors").check()

    widget = WidgetPage(visitor)
    contact_id = widget.open("/demo/pricing")["contactId"]
    expect(contacts.cell(contact_id, "page_views")).to_have_text("1")
    widget.reload()
    widget.reload()

    expect(contacts.cell(contact_id, "page_views")).to_have_text("3")
