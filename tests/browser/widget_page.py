"""The visitor widget on a web page, as a test sees it: the chat bubble in its shadow root,
located by role and label (Playwright pierces open shadow roots), waited on, never slept on."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Locator, Page, Request, Response, expect

TRACK_CALL = "trackPageView"


class WidgetPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator("propflow-widget")

    def open(self, url: str) -> dict[str, Any]:
        """Go to `url` and return the result of the page view the widget reports."""
        with self.page.expect_response(self.is_page_view) as response:
            self.page.goto(url)
        expect(self.bubble()).to_be_visible()
        return response.value.json()["data"][TRACK_CALL]

    def reload(self) -> dict[str, Any]:
        with self.page.expect_response(self.is_page_view) as response:
            self.page.reload()
        return response.value.json()["data"][TRACK_CALL]

    def navigate_in_app(self, path: str) -> dict[str, Any]:
        """A single-page app's navigation: history.pushState, no page load."""
        with self.page.expect_response(self.is_page_view) as response:
            self.page.evaluate("(path) => history.pushState({}, '', path)", path)
        return response.value.json()["data"][TRACK_CALL]

    def bubble(self) -> Locator:
        return self.root.get_by_role("button", name="Chat with us")

    def panel(self) -> Locator:
        return self.root.get_by_role("dialog", name="Chat")

    def bot_messages(self) -> Locator:
        return self.root.locator('[data-from="bot"]')

    def last_bot_message(self) -> Locator:
        return self.bot_messages().last

    def choice(self, label: str) -> Locator:
        return self.root.get_by_role("group", name="Choose an answer").get_by_role(
            "button", name=label
        )

    def choose(self, label: str) -> None:
        self.choice(label).click()

    def answer_box(self) -> Locator:
        return self.root.get_by_label("Your message")

    def answer(self, text: str) -> None:
        self.answer_box().fill(text)
        self.answer_box().press("Enter")

    def visitor_id(self, key: str) -> str:
        return self.page.evaluate("(key) => localStorage.getItem(`propflow.visitor.${key}`)", key)

    @staticmethod
    def is_page_view(response: Response) -> bool:
        return WidgetPage.is_page_view_request(response.request)

    @staticmethod
    def is_page_view_request(request: Request) -> bool:
        """The widget's trackPageView, sent as its text or as a persisted query's hash alone:
        known either way by its variables, the page's URL (`u`) and the event id (`e`)."""
        if request.method != "POST" or "/graphql" not in request.url:
            return False
        variables = json.loads(request.post_data or "{}").get("variables") or {}
        return {"u", "e"} <= variables.keys()
