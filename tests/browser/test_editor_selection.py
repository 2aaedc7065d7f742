"""Editing comforts: shift-click and a rubber band select several nodes, which move together;
copy/paste (also into another flow), duplicate, the right-click menu and tidy up, each one
undo step."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { draft } }"
CHAIN = {
    "nodes": [
        {"id": "visit", "type": "page_visit", "position": {"x": 40, "y": 40},
         "config": {"url": "/shop", "match": "contains", "limit": "every_visit"}},
        {"id": "hello", "type": "send_message", "position": {"x": 340, "y": 200},
         "config": {"text": "Hello"}},
        {"id": "bye", "type": "send_message", "position": {"x": 40, "y": 330},
         "config": {"text": "Bye"}},
    ],
    "edges": [
        {"id": "e1", "source": "visit", "sourcePort": "next", "target": "hello"},
        {"id": "e2", "source": "hello", "sourcePort": "next", "target": "bye"},
    ],
}  # fmt: skip


def draft(api, flow_id):
    return api(FLOW, id=flow_id)["flow"]["draft"]


def positions(api, flow_id):
    return {node["id"]: node["position"] for node in draft(api, flow_id)["nodes"]}


def test_shift_click_selects_several_and_they_move_together_as_one_undo_step(editor, api, page):
    flow_id = editor.open_graph(api, CHAIN)
    before = positions(api, flow_id)

    editor.select("hello")
    editor.node("bye").locator(".pf-node-header").click(modifiers=["Shift"])
    expect(page.locator(".pf-node[data-selected]")).to_have_count(2)
    header = editor.node("hello").locator(".pf-node-header").bounding_box()
    page.mouse.move(header["x"] + 30, header["y"] + 8)
    page.mouse.down()
    page.mouse.move(header["x"] + 130, header["y"] + 58, steps=5)
    page.mouse.up()
    editor.wait_saved()

    after = positions(api, flow_id)
    moved = {key: after[key]["x"] - before[key]["x"] for key in after}
    assert moved["visit"] == 0
    assert moved["hello"] == moved["bye"] > 0
    page.get_by_role("button", name="Undo").click()
    editor.wait_saved()
    assert positions(api, flow_id) == before


def test_a_shift_drag_band_selects_the_nodes_it_touches(editor, api, page):
    editor.open_graph(api, CHAIN)
    canvas = page.get_by_label("Canvas").bounding_box()
    hello = editor.node("hello").bounding_box()
    bye = editor.node("bye").bounding_box()

    page.keyboard.down("Shift")
    page.mouse.move(bye["x"] - 10, canvas["y"] + canvas["height"] - 5)
    page.mouse.down()
    page.mouse.move(hello["x"] + 20, hello["y"] + 20, steps=5)
    page.mouse.up()
    page.keyboard.up("Shift")

    selected = page.locator(".pf-node[data-selected]")
    expect(selected).to_have_count(2)
    assert sorted(selected.evaluate_all("(n) => n.map((x) => x.dataset.nodeId)")) == [
        "bye",
        "hello",
    ]


def test_copy_paste_into_another_flow_and_duplicate(editor, api, page):
    editor.open_graph(api, CHAIN)
    editor.select("hello")
    editor.node("bye").locator(".pf-node-header").click(modifiers=["Shift"])
    page.keyboard.press("Control+c")

    other = editor.open_graph(api, {"nodes": [], "edges": []}, name="Other")
    page.get_by_label("Canvas").focus()
    page.keyboard.press("Control+v")
    expect(editor.nodes()).to_have_count(2)
    expect(editor.wires()).to_have_count(1)
    page.keyboard.press("Control+d")
    expect(editor.nodes()).to_have_count(4)
    editor.wait_saved()

    pasted = draft(api, other)
    texts = sorted(node["config"]["text"] for node in pasted["nodes"])
    assert texts == ["Bye", "Bye", "Hello", "Hello"]
    assert len({node["id"] for node in pasted["nodes"]}) == 4
    assert len(pasted["edges"]) == 2
    page.get_by_role("button", name="Undo").click()
    expect(editor.nodes()).to_have_count(2)


def test_the_right_click_menu_duplicates_disconnects_and_deletes(editor, api, page):
    flow_id = editor.open_graph(api, CHAIN)

    editor.node("hello").locator(".pf-node-header").click(button="right")
    page.get_by_role("menuitem", name="Disconnect").click()
    expect(editor.wires()).to_have_count(0)
    editor.node("hello").locator(".pf-node-header").click(button="right")
    page.get_by_role("menuitem", name="Duplicate").click()
    expect(editor.nodes()).to_have_count(4)
    editor.node("bye").locator(".pf-node-header").click(button="right")
    page.get_by_role("menuitem", name="Delete").click()
    expect(editor.nodes()).to_have_count(3)
    editor.wait_saved()
    assert sorted(node["id"] for node in draft(api, flow_id)["nodes"]) == [
        "hello",
        "send_message_1",
        "visit",
    ]

    for _ in range(3):
        page.get_by_role("button", name="Undo").click()
    expect(editor.nodes()).to_have_count(3)
    expect(editor.wires()).to_have_count(2)


def test_tidy_up_lays_the_flow_out_left_to_right_in_one_undo_step(editor, api, page):
    flow_id = editor.open_graph(api, CHAIN)
    before = positions(api, flow_id)

    page.get_by_role("button", name="Tidy up").click()
    expect(page.get_by_role("button", name="Undo")).to_have_attribute(
        "title", "Undo Tidy up (Ctrl+Z)"
    )
    editor.wait_saved()

    after = positions(api, flow_id)
    assert after["visit"]["x"] < after["hello"]["x"] < after["bye"]["x"]
    page.get_by_role("button", name="Undo").click()
    editor.wait_saved()
    assert positions(api, flow_id) == before
