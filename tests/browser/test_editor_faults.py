"""The editor's autosave while the server cannot write: it says "Saving failed, retrying" and
saves by itself once the server can again.

The fault is real: another connection holds the SQLite file's write lock, and the server
(waiting 200 ms for it) answers UNAVAILABLE.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from tests.browser.conftest import new_workspace_operator, open_page
from tests.browser.editor_page import EditorPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import operator_token, served

pytestmark = pytest.mark.browser

DRAFT = "query($id: ID!) { flow(id: $id) { draft } }"
# Retried after 1, 2, 4… s: the save after the lock goes comes within a few seconds.
RETRIED_WITHIN_MS = 20_000


@pytest.fixture(scope="module")
def lockable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """A server on a SQLite file whose write lock the test can take: base URL, URL, file."""
    path = tmp_path_factory.mktemp("locked") / "editor.db"
    url = f"sqlite://{path}?busy_timeout=200"
    operator_token(url, "first@example.com")
    with served(url) as base_url:
        yield base_url, url, path


def test_a_save_while_the_database_is_locked_is_retried_and_lands_once_it_is_free(
    browser: Browser, lockable: tuple[str, str, Path]
):
    base_url, url, path = lockable
    token = new_workspace_operator(url)
    page, errors = open_page(browser, base_url)
    editor = EditorPage(page, token)
    editor.sign_in()
    flow_id = editor.create_flow("Saved later")
    editor.wait_saved()

    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    editor.add_node("send_message", 250, 200)
    expect(editor.save_status()).to_have_text("Saving failed, retrying")
    holder.execute("ROLLBACK")
    holder.close()

    expect(editor.save_status()).to_have_attribute("data-state", "saved", timeout=RETRIED_WITHIN_MS)
    page.context.close()
    with httpx.Client(base_url=base_url) as http:
        draft = SyncGraphQL(http, token)(DRAFT, id=flow_id)["flow"]["draft"]
    assert [node["type"] for node in draft["nodes"]] == ["send_message"]
    assert errors == [], errors
