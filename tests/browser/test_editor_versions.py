"""Versions compared (nodes added, removed, changed with their fields, marked on the canvas),
a read-only version with every editing control off, and the preview's smaller fixes."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_editor_selection import CHAIN

pytestmark = pytest.mark.browser

PUBLISH = "mutation($id: ID!) { publishFlow(id: $id) { id } }"


def test_comparing_a_version_with_the_draft_lists_and_marks_the_changes(editor, api, page):
    flow_id = editor.open_graph(api, CHAIN)
    api(PUBLISH, id=flow_id)
    page.reload()
    expect(page.locator(".pf-issues h3")).not_to_have_text("Checking…")
    editor.select("hello")
    editor.set_text("text", "Hello again")
    editor.select("bye")
    page.get_by_role("button", name="Delete selected").click()
    added = editor.add_node("end", 500, 300)
    editor.wait_saved()

    editor.tab("Versions")
    page.get_by_label("Compare version").select_option("1")
    page.get_by_label("Compare with").select_option("draft")
    page.get_by_role("button", name="Compare", exact=True).click()

    diff = page.locator(".pf-diff")
    expect(diff.locator('[data-diff="added"]')).to_have_text(["End: End of the flow"])
    expect(diff.locator('[data-diff="removed"]')).to_have_text(["Send a message: Bye"])
    expect(diff.locator('[data-diff="changed"]')).to_have_text(
        ["Send a message: Hello again — Message, wires"]
    )
    expect(editor.node(added)).to_have_attribute("data-diff", "added")
    expect(editor.node("hello")).to_have_attribute("data-diff", "changed")
    page.get_by_role("button", name="Clear comparison").click()
    expect(editor.node("hello")).not_to_have_attribute("data-diff", "changed")


def test_a_read_only_version_turns_every_editing_control_off(editor, api, page):
    flow_id = editor.open_graph(api, CHAIN)
    api(PUBLISH, id=flow_id)
    page.reload()
    expect(page.locator(".pf-issues h3")).not_to_have_text("Checking…")

    editor.tab("Versions")
    page.get_by_role("button", name="Open version 1").click()
    expect(editor.banner()).to_contain_text("read-only")

    for name in ("Save", "Publish", "Delete selected", "Tidy up", "Undo", "Redo"):
        expect(page.get_by_role("button", name=name, exact=True)).to_be_disabled()
    expect(page.get_by_label("Flow name")).to_be_disabled()
    page.get_by_role("button", name="Back to the draft").click()
    expect(page.get_by_role("button", name="Publish", exact=True)).to_be_enabled()
    expect(page.get_by_label("Flow name")).to_be_enabled()


def test_the_preview_url_follows_the_trigger_and_its_path_clears_off_the_tab(editor, api, page):
    editor.open_graph(api, CHAIN)
    editor.select("visit")
    editor.set_text("url", "/sale")

    editor.tab("Preview")
    expect(page.get_by_label("Preview URL")).to_have_value("/sale")
    page.get_by_role("button", name="Visit", exact=True).click()
    expect(editor.node("hello")).to_have_attribute("data-preview", "passed")

    editor.tab("Versions")
    expect(editor.node("hello")).not_to_have_attribute("data-preview", "passed")
    editor.tab("Preview")
    expect(editor.node("hello")).to_have_attribute("data-preview", "passed")
