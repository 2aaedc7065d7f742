"""A real `propflow serve` on a temp SQLite file and Debian's Chromium driven by Playwright.

Outside CI a missing Chromium skips the browser tests with a reason; with CI=true it fails them.
Every page collects console errors and uncaught exceptions, and a test fails if there were any.
"""

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

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
PROPFLOW = str(Path(sys.executable).parent / "propflow")
VIEWPORT = {"width": 1280, "height": 800}


def operator_token(database_url: str, email: str = "designer@example.com") -> str:
    """Create an operator with the CLI; its token is the last line it prints."""
    result = subprocess.run(
        [PROPFLOW, "operator", "create", "--email", email, "--db", database_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1]


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


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The base URL of a fresh server and an operator token for it."""
    url = f"sqlite://{tmp_path / 'editor.db'}"
    token = operator_token(url)
    with served(url) as base_url:
        yield base_url, token


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
