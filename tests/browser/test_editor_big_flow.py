"""A 1,000-node flow opens, fits on one screen and takes an edit."""

import pytest
from playwright.sync_api import expect

from tests.support.big_flow import big_flow

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { draft } }"


def test_a_thousand_node_flow_opens_fits_and_takes_an_edit(editor, api, page):
    flow_id = editor.open_graph(api, big_flow(1_000))

    expect(editor.nodes()).to_have_count(1_000)
    expect(editor.wires()).to_have_count(1_000 + 332)
    assert editor.issues() == []
    # Fit shows the whole flow: far below 25 %, drawn as an overview.
    page.get_by_role("button", name="Fit to view").click()
    expect(page.locator(".pf-overview")).to_be_visible()
    assert int(editor.zoom_label().inner_text().rstrip("%")) < 25

    editor.zoom_label().click()
    expect(page.locator(".pf-overview")).to_be_hidden()
    shown = page.evaluate(
        """() => [...document.querySelectorAll('.pf-node[data-node-type="send_message"]')]
                 .find((node) => node.checkVisibility() && (() => {
                   const r = node.querySelector(".pf-node-header").getBoundingClientRect();
                   const c = document.querySelector(".pf-canvas").getBoundingClientRect();
                   return r.left > c.left && r.right < c.right - 50
                     && r.top > c.top && r.bottom < c.bottom - 80;
                 })())?.dataset.nodeId"""
    )
    editor.select(shown)
    editor.set_text("text", "Edited in a big flow")
    editor.wait_saved()

    draft = api(FLOW, id=flow_id)["flow"]["draft"]
    (edited,) = [node for node in draft["nodes"] if node["id"] == shown]
    assert edited["config"]["text"] == "Edited in a big flow"
    assert len(draft["nodes"]) == 1_000
