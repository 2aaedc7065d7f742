"""The editor and the widget send a document's text once per page, then its SHA-256 alone
(automatic persisted queries), in a real Chromium against a real server."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, Request

from tests.browser.editor_page import EditorPage
from tests.browser.widget_page import WidgetPage

pytestmark = pytest.mark.browser


def graphql_bodies(page: Page) -> list[dict[str, Any]]:
    """Every GraphQL POST body the page sends from now on."""
    bodies: list[dict[str, Any]] = []

    def note(request: Request) -> None:
        if request.method == "POST" and "/graphql" in request.url:
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", note)
    return bodies


def test_the_editor_sends_a_query_by_hash_once_the_page_has_sent_its_text(page, server):
    editor = EditorPage(page, server[1])
    bodies = graphql_bodies(page)
    editor.sign_in()

    editor.open_section("Properties", "Contact properties")
    editor.open_section("Flows", "Flows")
    editor.open_section("Properties", "Contact properties")

    assert bodies and all("persistedQuery" in body["extensions"] for body in bodies)
    hashes_sent_alone = {
        body["extensions"]["persistedQuery"]["sha256Hash"] for body in bodies if "query" not in body
    }
    hashes_sent_with_text = {
        body["extensions"]["persistedQuery"]["sha256Hash"] for body in bodies if "query" in body
    }
    assert hashes_sent_alone  # the second visit of each page
    assert hashes_sent_alone <= hashes_sent_with_text


def test_the_widget_sends_a_later_page_view_by_hash(widget: WidgetPage, shop):
    shop.publish("Shoe brands")
    widget.open("/demo/shop")
    bodies = graphql_bodies(widget.page)

    viewed = widget.navigate_in_app("/demo/shop?brand=nike")

    assert viewed["contactId"]
    page_views = [body for body in bodies if {"u", "e"} <= body["variables"].keys()]
    assert len(page_views) == 1
    assert "query" not in page_views[0]
    assert len(page_views[0]["extensions"]["persistedQuery"]["sha256Hash"]) == 64
