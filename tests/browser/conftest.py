"""A real `propflow serve` on a temp SQLite file and Debian's Chromium driven by Playwright."""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.api.test_concurrency import operator_token
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import served

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{message} (CI=true: it must be)")
        pytest.skip(message)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The base URL of a fresh server and an operator token for it."""
    url = f"sqlite://{tmp_path / 'editor.db'}"
    token = operator_token(url)
    with served(url) as base_url:
        yield base_url, token


@pytest.fixture
def api(server: tuple[str, str]) -> Iterator[SyncGraphQL]:
    base_url, token = server
    with httpx.Client(base_url=base_url) as http:
        client = SyncGraphQL(http, token)
        for label in ("Page views", "Shoe size", "Lead score"):
            client(
                "mutation($l: String!) { createProperty(input: {label: $l, type: NUMBER}) { id } }",
                l=label,
            )
        yield client


@pytest.fixture
def page(browser: Browser, server: tuple[str, str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server[0])
    opened = context.new_page()
    errors: list[str] = []
    opened.on("console", lambda message: message.type == "error" and errors.append(message.text))
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == [], errors
