"""A timed flow in the editor: "Lead score ≥ 50 → wait 1 minute → call a webhook", built from the
palette (whose new node types come from `nodeTypes`), previewed, and published."""

import pytest
from playwright.sync_api import expect

from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { draft published { version } } }"


@pytest.fixture
def editor(page, server, api) -> EditorPage:
    signed_in = EditorPage(page, server[1])
    signed_in.sign_in()
    return signed_in


def preview_change(editor: EditorPage, label: str, value: str) -> None:
    """Set a watched property in the preview, as an operator would elsewhere."""
    editor.page.get_by_label("Preview property").select_option(label=label)
    editor.page.get_by_label("Preview value").fill(value)
    editor.page.get_by_role("button", name="Change", exact=True).click()


def test_lead_score_then_wait_then_webhook_is_built_previewed_and_published(editor, api):
    flow_id = editor.create_flow("Hot lead")
    changed = editor.add_node("property_changed", 80, 100)
    editor.choose("key", "lead_score")
    editor.choose("op", "GTE")
    editor.set_text("value", "50")
    wait = editor.add_node("wait", 330, 100)
    editor.choose("unit", "minutes")
    hook = editor.add_node("call_webhook", 580, 100)
    editor.set_text("url", "https://hooks.example.com/lead")
    sent = editor.add_node("send_message", 580, 330)
    editor.set_text("text", "Sent to the CRM")
    editor.connect(changed, "next", wait)
    editor.connect(wait, "next", hook)
    editor.connect(hook, "ok", sent)
    editor.wait_saved()

    editor.tab("Preview")
    preview_change(editor, "Lead score", "40")
    expect(editor.page.get_by_text("No trigger fires on this change.")).to_be_visible()
    preview_change(editor, "Lead score", "55")
    expect(editor.bot_messages()).to_have_text(["Sent to the CRM"])
    for node_id in (changed, wait, hook, sent):
        expect(editor.node(node_id)).to_have_attribute("data-preview", "passed")

    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    flow = api(FLOW, id=flow_id)["flow"]
    assert flow["published"] == {"version": 1}
    nodes = {node["type"]: node["config"] for node in flow["draft"]["nodes"]}
    assert nodes["property_changed"]["op"] == "GTE"
    assert nodes["property_changed"]["value"] == 50
    assert nodes["wait"]["unit"] == "minutes"
    assert nodes["call_webhook"]["url"] == "https://hooks.example.com/lead"
