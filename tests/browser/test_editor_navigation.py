"""Finding your way in a big flow: Fit, the minimap, search (Ctrl+F) and the keyboard."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_editor_problems import BRANDS

pytestmark = pytest.mark.browser


def test_the_minimap_moves_the_view_where_it_is_clicked(editor, api, page):
    editor.open_graph(api, BRANDS)
    editor.zoom_label().click()
    expect(editor.node("far")).to_be_hidden()  # off screen, so not drawn

    minimap = page.get_by_role("img", name="Minimap: click or drag to move the view")
    box = minimap.bounding_box()
    # The far node is the flow's bottom-right corner, and so the minimap's.
    minimap.click(position={"x": box["width"] - 14, "y": box["height"] - 8})

    expect(editor.node("far")).to_be_visible()


def test_ctrl_f_finds_a_node_by_its_text_and_centres_it(editor, api, page):
    editor.open_graph(api, BRANDS)
    editor.zoom_label().click()

    page.get_by_label("Canvas").focus()
    page.keyboard.press("Control+f")
    page.get_by_label("Find a node").fill("nobody GETS")

    expect(page.get_by_role("search").get_by_role("status")).to_have_text("1 of 1")
    expect(editor.node("far")).to_have_attribute("data-selected", "true")
    editor.wait_centred("far")
    page.get_by_label("Find a node").fill("message")
    expect(page.get_by_role("search").get_by_role("status")).to_have_text("1 of 2")
    page.get_by_label("Find a node").press("Enter")
    expect(page.get_by_role("search").get_by_role("status")).to_have_text("2 of 2")
    page.get_by_label("Find a node").press("Escape")
    expect(page.get_by_role("search")).to_be_hidden()


def test_alt_arrows_go_from_node_to_node(editor, api, page):
    editor.open_graph(api, BRANDS)
    editor.zoom_label().click()  # 100 %: the nodes, not the overview
    page.get_by_label("Canvas").focus()
    page.keyboard.press("Control+f")
    page.get_by_label("Find a node").fill("/shop")
    expect(editor.node("visit")).to_be_visible()
    editor.node("visit").focus()

    page.keyboard.press("Alt+ArrowRight")
    expect(editor.node("ask")).to_be_focused()
    expect(editor.node("ask")).to_have_attribute("data-selected", "true")
    page.keyboard.press("Alt+ArrowRight")
    expect(editor.node("thanks")).to_be_focused()
    page.keyboard.press("Alt+ArrowLeft")
    expect(editor.node("ask")).to_be_focused()


def test_fit_fits_a_wide_flow_below_a_quarter(editor, api, page):
    wide = {
        "nodes": [
            {"id": f"m{i}", "type": "send_message", "position": {"x": i * 2000, "y": 0},
             "config": {"text": f"Step {i}"}}
            for i in range(10)
        ],
        "edges": [],
    }  # fmt: skip
    editor.open_graph(api, wide)

    page.get_by_role("button", name="Fit to view").click()

    assert int(editor.zoom_label().inner_text().rstrip("%")) < 25
    expect(page.locator(".pf-overview")).to_be_visible()
