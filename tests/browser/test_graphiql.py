"""GraphiQL in a real Chromium with every request off this machine refused: it loads and runs
a query as the editor's signed-in operator."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Route, expect

from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser


def test_graphiql_works_offline_as_the_signed_in_operator(page: Page, server):
    refused: list[str] = []

    def offline(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    EditorPage(page, server[1]).sign_in()

    page.goto("/graphql")
    page.get_by_role("button", name="Execute query (Ctrl-Enter)").click()

    expect(page.locator(".graphiql-response")).to_contain_text('"email": "designer@example.com"')
    assert refused == []
