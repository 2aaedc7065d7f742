"""Settings → Install the widget: the snippet to copy and the allowed origins."""

import pytest
from playwright.sync_api import expect

from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser


@pytest.fixture
def settings_page(page, server):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server[0])
    editor = EditorPage(page, server[1])
    editor.sign_in()
    editor.open_section("Settings", "Install the widget")
    return page


def test_the_snippet_has_this_server_and_the_workspace_key_ready_to_copy(settings_page, api):
    page = settings_page
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    base_url = page.evaluate("location.origin")
    snippet = f'<script src="{base_url}/widget.js" data-workspace="{key}" async></script>'

    expect(page.locator("[data-snippet]")).to_have_text(snippet)
    page.get_by_role("button", name="Copy").click()

    expect(page.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == snippet


def test_allowed_origins_are_saved_and_a_bad_one_is_named(settings_page, api):
    page = settings_page
    origins = page.get_by_label("Allowed origins")

    origins.fill("https://shop.example\nshop.example/checkout")
    page.get_by_role("button", name="Save origins").click()
    expect(page.get_by_role("alert")).to_contain_text("'shop.example/checkout' is not an origin")
    expect(origins).to_have_attribute("aria-invalid", "true")

    origins.fill("https://Shop.Example/\nhttp://localhost:3000")
    page.get_by_role("button", name="Save origins").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(origins).to_have_value("https://shop.example\nhttp://localhost:3000")
    expect(page.locator("#pf-origins-error")).to_be_empty()

    page.reload()
    expect(page.get_by_label("Allowed origins")).to_have_value(
        "https://shop.example\nhttp://localhost:3000"
    )
    saved = api("{ workspace { allowedOrigins } }")["workspace"]["allowedOrigins"]
    assert saved == ["https://shop.example", "http://localhost:3000"]
