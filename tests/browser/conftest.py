"""A real `propflow serve` on a temp SQLite file and Debian's Chromium driven by Playwright.

Outside CI a missing Chromium skips the browser tests with a reason; with CI=true it fails them.
Every page collects console errors and uncaught exceptions, and a test fails if there were any.
"""

import asyncio
import os
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from api import db
from api.workspaces import service as workspaces_service
from api.workspaces.service import DEFAULT_WORKSPACE_NAME
from tests.browser.demo_shop import Shop
from tests.browser.editor_page import EditorPage
from tests.browser.widget_page import WidgetPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import operator_token, served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}, and CI=true requires it")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """One real `propflow serve` per test module: its base URL and its database URL."""
    url = f"sqlite://{tmp_path_factory.mktemp('browser') / 'editor.db'}"
    operator_token(url, "first@example.com")  # a database with a workspace is not seeded
    with served(url) as base_url:
        yield base_url, url


@pytest.fixture
def server(served_app: tuple[str, str]) -> tuple[str, str]:
    """The module's server and a token of an operator in a new workspace of this test's own,
    so tests share the server (its start-up is most of a test's time) but no data."""
    base_url, database_url = served_app
    return base_url, new_workspace_operator(database_url)


def new_workspace_operator(database_url: str) -> str:
    """A token of an operator in a new workspace of the test's own."""
    return in_process_operator_token(database_url, f"Test {uuid.uuid4().hex[:12]}")


def in_process_operator_token(
    database_url: str, workspace_name: str = DEFAULT_WORKSPACE_NAME
) -> str:
    """`propflow operator create` through the service directly (the CLI has tests of its own): a
    second Python process per test would cost more than the test."""

    async def create() -> str:
        await db.open_database(database_url)
        try:
            _, token = await workspaces_service.create_operator(
                email="designer@example.com", workspace_name=workspace_name
            )
        finally:
            await db.close_database()
        return token

    # Playwright's sync API keeps an event loop of its own in this thread.
    with ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, create()).result()


@pytest.fixture
def api(server: tuple[str, str]) -> Iterator[SyncGraphQL]:
    """GraphQL as the operator, in a workspace with three NUMBER properties."""
    base_url, token = server
    with httpx.Client(base_url=base_url) as http:
        client = SyncGraphQL(http, token)
        for label in ("Page views", "Shoe size", "Lead score"):
            client(
                "mutation($l: String!) { createProperty(input: {label: $l, type: NUMBER}) { id } }",
                l=label,
            )
        yield client


def open_page(browser: Browser, base_url: str) -> tuple[Page, list[str]]:
    """A new 1280x800 page and the list its console errors and uncaught exceptions go to."""
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: message.type == "error" and errors.append(message.text))
    opened.on("pageerror", lambda error: errors.append(str(error)))
    return opened, errors


@pytest.fixture
def page(browser: Browser, server: tuple[str, str]) -> Iterator[Page]:
    opened, errors = open_page(browser, server[0])
    yield opened
    opened.context.close()
    assert errors == [], errors


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    """A new install: served first (so it is seeded), then its first operator."""
    url = f"sqlite://{tmp_path / 'shop.db'}"
    with served(url) as base_url, httpx.Client(base_url=base_url) as http:
        yield Shop(base_url, SyncGraphQL(http, in_process_operator_token(url)))


@pytest.fixture
def widget(browser: Browser, shop: Shop) -> Iterator[WidgetPage]:
    """A visitor's browser (a context of its own) with the widget's page object."""
    page, errors = open_page(browser, shop.base_url)
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))
    yield WidgetPage(page)
    page.context.close()
    assert errors == [], errors


@pytest.fixture
def editor(page: Page, server: tuple[str, str], api: SyncGraphQL) -> EditorPage:
    """The editor signed in as the `api` fixture's operator."""
    signed_in = EditorPage(page, server[1])
    signed_in.sign_in()
    return signed_in
