"""The flow editor in Chromium against a real server: building, wiring, saving, publishing."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import open_page
from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { name revision draft published { version graph } } }"


def build_page_views(editor: EditorPage) -> tuple[str, str]:
    """Page visit on /pricing (every visit) → increment Page views by 1; the two node ids."""
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/pricing")
    editor.choose("limit", "every_visit")
    count = editor.add_node("increment_property", 500, 200)
    editor.choose("key", "page_views")
    editor.connect(visit, "next", count)
    expect(editor.wires()).to_have_count(1)
    return visit, count


def draft_of(api, flow_id: str) -> dict:
    return api(FLOW, id=flow_id)["flow"]["draft"]


def test_sign_in_shows_the_flows_and_sign_out_forgets_the_token(editor, page):
    expect(page.get_by_text("designer@example.com")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()

    expect(page.get_by_label("Operator token")).to_be_visible()
    assert page.evaluate("localStorage.getItem('propflow.token')") is None


def test_a_wrong_token_is_refused(page, server):
    page.goto("/editor/")
    page.get_by_label("Operator token").fill("pf_wrong")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_have_text("That token was not accepted.")


def test_build_and_publish_the_page_views_flow(editor, api):
    flow_id = editor.create_flow("Page views")
    visit, count = build_page_views(editor)
    expect(editor.node(count).locator(".pf-node-summary")).to_have_text("Page views + 1")
    editor.wait_saved()

    editor.publish()

    expect(editor.banner()).to_have_text("Published version 1.")
    published = api(FLOW, id=flow_id)["flow"]["published"]
    assert published["version"] == 1
    nodes = {n["id"]: (n["type"], n["config"]) for n in published["graph"]["nodes"]}
    assert nodes == {
        visit: ("page_visit", {"match": "contains", "url": "/pricing", "limit": "every_visit"}),
        count: ("increment_property", {"key": "page_views", "by": 1}),
    }
    edges = [(e["source"], e["sourcePort"], e["target"]) for e in published["graph"]["edges"]]
    assert edges == [(visit, "next", count)]


def test_the_shoe_size_question_saves_to_a_number_property(editor, api):
    flow_id = editor.create_flow("Shoe size")
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/shoes")
    ask = editor.add_node("ask_question", 500, 150)
    editor.set_text("text", "What is your shoe size?")
    offered = editor.field("saveTo").locator("option").all_inner_texts()
    editor.choose("saveTo", "shoe_size")
    editor.set_text("retryText", "A number, please.")
    editor.connect(visit, "next", ask)
    expect(editor.node(ask).locator(".pf-node-summary")).to_have_text("Save as Shoe size")
    editor.wait_saved()

    draft = draft_of(api, flow_id)

    assert "Shoe size (NUMBER)" in offered
    config = next(n["config"] for n in draft["nodes"] if n["id"] == ask)
    assert config == {
        "text": "What is your shoe size?",
        "saveTo": "shoe_size",
        "retryText": "A number, please.",
        "maxRetries": 3,
    }
    # Nothing after a question that saves its answer: the flow simply ends there.
    assert editor.issues() == []


def test_increment_offers_only_visible_number_properties(editor, api):
    api('mutation { createProperty(input: {label: "Nickname", type: TEXT}) { id } }')
    hidden = api('mutation { createProperty(input: {label: "Old score", type: NUMBER}) { id } }')
    api(
        "mutation($id: ID!) { updateProperty(input: {id: $id, hidden: true}) { id } }",
        id=hidden["createProperty"]["id"],
    )
    editor.create_flow("Picker")
    editor.add_node("increment_property", 300, 200)

    options = editor.field("key").locator("option").all_inner_texts()

    assert options == [
        "Choose a property…",
        "Page views (NUMBER)",
        "Shoe size (NUMBER)",
        "Lead score (NUMBER)",
    ]


def test_a_refused_value_marks_the_node_and_blocks_publishing(editor, api):
    flow_id = editor.create_flow("Bad value")
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/x")
    update = editor.add_node("update_property", 500, 150)
    updates = editor.field("updates")
    updates.get_by_role("button", name="Add property").click()
    updates.get_by_label("Property 1").select_option("email")
    updates.get_by_label("Value 1").fill("not-an-email")
    updates.get_by_label("Value 1").press("Tab")
    editor.connect(visit, "next", update)

    expect(editor.node(update)).to_have_attribute("data-severity", "error")
    expect(editor.node(update).locator(".pf-node-issue")).to_contain_text("not-an-email")
    assert "INVALID_VALUE" in editor.issues()
    editor.publish()

    expect(editor.banner()).to_contain_text("Not published")
    assert api(FLOW, id=flow_id)["flow"]["published"] is None


def test_clicking_an_issue_selects_its_node(editor, page):
    editor.create_flow("Issues")
    message = editor.add_node("send_message", 300, 150)
    page.keyboard.press("Escape")
    expect(page.get_by_label("Inspector")).to_contain_text("Select a node")

    page.locator(f'.pf-issues .pf-issue[data-node-id="{message}"]').first.click()

    expect(editor.node(message)).to_have_attribute("data-selected", "true")
    expect(editor.field("text")).to_be_visible()


def test_the_palette_offers_the_hand_off_with_an_optional_message(editor, api):
    flow_id = editor.create_flow("Hand off")
    visit = editor.add_node("page_visit", 100, 150)
    editor.set_text("url", "/help")
    hand_off = editor.add_node("hand_off", 450, 150)
    editor.set_text("text", "One moment: a person will answer you here.")
    editor.connect(visit, "next", hand_off)

    expect(editor.wires()).to_have_count(1)
    editor.wait_saved()
    nodes = {n["id"]: n for n in draft_of(api, flow_id)["nodes"]}
    assert nodes[hand_off]["type"] == "hand_off"
    assert nodes[hand_off]["config"]["text"] == "One moment: a person will answer you here."


def test_a_second_wire_from_a_port_replaces_the_first(editor, api):
    flow_id = editor.create_flow("Rewire")
    visit = editor.add_node("page_visit", 100, 150)
    first = editor.add_node("send_message", 450, 80)
    second = editor.add_node("end", 450, 320)
    editor.connect(visit, "next", first)
    expect(editor.wires()).to_have_count(1)

    editor.connect(visit, "next", second)

    expect(editor.wires()).to_have_count(1)
    editor.wait_saved()
    edges = draft_of(api, flow_id)["edges"]
    assert [(e["source"], e["sourcePort"], e["target"]) for e in edges] == [(visit, "next", second)]


def test_select_and_delete_a_wire_and_a_node(editor, page, api):
    flow_id = editor.create_flow("Delete")
    visit = editor.add_node("page_visit", 100, 150)
    end = editor.add_node("end", 450, 150)
    editor.connect(visit, "next", end)
    wire = editor.wires().first

    wire.locator(".pf-wire-hit").click(force=True)
    expect(wire).to_have_attribute("data-selected", "true")
    page.keyboard.press("Delete")
    expect(editor.wires()).to_have_count(0)
    editor.select(end)
    page.get_by_role("button", name="Delete selected").click()

    expect(editor.nodes()).to_have_count(1)
    editor.wait_saved()
    assert draft_of(api, flow_id) == {
        "nodes": [
            {
                "id": visit,
                "type": "page_visit",
                "position": draft_of(api, flow_id)["nodes"][0]["position"],
                "config": {"match": "contains", "limit": "once_per_visitor"},
            }
        ],
        "edges": [],
    }


def test_drag_moves_a_node_and_its_wire_follows(editor, page, api):
    flow_id = editor.create_flow("Move")
    visit = editor.add_node("page_visit", 100, 150)
    end = editor.add_node("end", 450, 150)
    editor.connect(visit, "next", end)
    before = editor.wires().first.locator(".pf-wire-line").get_attribute("d")
    box = editor.node(end).locator(".pf-node-header").bounding_box()

    page.mouse.move(box["x"] + 20, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(box["x"] + 80, box["y"] + 108, steps=5)
    page.mouse.up()

    expect(editor.wires().first.locator(".pf-wire-line")).not_to_have_attribute("d", before)
    editor.wait_saved()
    moved = next(n for n in draft_of(api, flow_id)["nodes"] if n["id"] == end)
    added = editor.node(end).evaluate("(n) => [n.offsetLeft, n.offsetTop]")
    assert [moved["position"]["x"], moved["position"]["y"]] == added


def test_pan_and_zoom(editor, page):
    editor.create_flow("View")
    node = editor.add_node("send_message", 200, 150)
    world = page.locator(".pf-world")

    page.get_by_role("button", name="Zoom in").click()
    expect(editor.zoom_label()).to_have_text("120%")
    page.get_by_role("button", name="Zoom out").click()
    expect(editor.zoom_label()).to_have_text("100%")
    canvas = page.get_by_label("Canvas").bounding_box()
    page.mouse.move(canvas["x"] + 400, canvas["y"] + 400)
    page.mouse.wheel(0, -300)
    expect(editor.zoom_label()).not_to_have_text("100%")
    before = world.evaluate("(w) => w.style.transform")
    page.mouse.move(canvas["x"] + 600, canvas["y"] + 500)
    page.mouse.down()
    page.mouse.move(canvas["x"] + 500, canvas["y"] + 450, steps=4)
    page.mouse.up()
    expect(world).not_to_have_attribute("style", f"transform: {before};")
    page.get_by_role("button", name="Fit to view").click()

    expect(editor.node(node)).to_be_in_viewport()


def test_undo_and_redo_every_edit(editor, page):
    editor.create_flow("Undo")
    first = editor.add_node("send_message", 200, 150)
    editor.set_text("text", "Hello")
    second = editor.add_node("end", 500, 150)
    editor.connect(first, "next", second)
    expect(editor.wires()).to_have_count(1)
    editor.select(first)

    page.keyboard.press("Control+z")
    expect(editor.wires()).to_have_count(0)
    page.keyboard.press("Control+z")
    expect(editor.nodes()).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(editor.node(first).locator(".pf-node-summary")).to_have_text("…")
    page.keyboard.press("Control+Shift+z")
    expect(editor.node(first).locator(".pf-node-summary")).to_have_text("Hello")
    page.get_by_role("button", name="Redo").click()
    page.get_by_role("button", name="Redo").click()

    expect(editor.wires()).to_have_count(1)
    expect(page.get_by_role("button", name="Redo")).to_be_disabled()


def test_undo_brings_back_a_deleted_node_with_its_wires(editor, page):
    editor.create_flow("Undelete")
    visit = editor.add_node("page_visit", 100, 150)
    message = editor.add_node("send_message", 400, 150)
    end = editor.add_node("end", 700, 150)
    editor.connect(visit, "next", message)
    editor.connect(message, "next", end)
    expect(editor.wires()).to_have_count(2)
    editor.select(message)
    page.keyboard.press("Delete")
    expect(editor.wires()).to_have_count(0)

    page.get_by_role("button", name="Undo").click()

    expect(editor.node(message)).to_be_visible()
    expect(editor.wires()).to_have_count(2)


def test_reload_keeps_the_draft(editor, page):
    editor.create_flow("Keep")
    node_id = editor.add_node("send_message", 250, 200)
    editor.set_text("text", "Hello ")
    editor.field("text").get_by_label("Insert property").select_option("name")
    expect(editor.node(node_id).locator(".pf-node-summary")).to_have_text("Hello {name}")
    editor.wait_saved()

    page.reload()

    expect(editor.node(node_id).locator(".pf-node-summary")).to_have_text("Hello {name}")
    expect(editor.save_status()).to_have_text("Saved")


def test_rename_in_the_editor_is_saved(editor, page, api):
    flow_id = editor.create_flow("Old name")
    name = page.get_by_label("Flow name")
    name.fill("New name")
    name.press("Enter")
    name.press("Tab")

    editor.wait_saved()
    assert api(FLOW, id=flow_id)["flow"]["name"] == "New name"


def test_a_save_from_another_tab_is_a_conflict_with_a_reload(editor, page, api):
    flow_id = editor.create_flow("Two tabs")
    editor.add_node("send_message", 250, 200)
    editor.wait_saved()
    revision = api(FLOW, id=flow_id)["flow"]["revision"]
    api(
        "mutation($id: ID!, $rev: Int) { saveFlowDraft(id: $id, graph: {nodes: [], edges: []}, "
        "expectedRevision: $rev) { id } }",
        id=flow_id,
        rev=revision,
    )

    editor.add_node("end", 500, 200)

    expect(editor.banner()).to_contain_text("changed in another tab")
    expect(editor.save_status()).to_have_attribute("data-state", "conflict")
    assert draft_of(api, flow_id)["nodes"] == []
    page.get_by_role("button", name="Reload the flow").click()
    expect(editor.nodes()).to_have_count(0)
    expect(editor.banner()).to_be_hidden()


def test_after_a_conflict_keep_my_version_overwrites_on_request(editor, page, browser, server, api):
    flow_id = editor.create_flow("Mine")
    first = editor.add_node("send_message", 250, 200)
    editor.wait_saved()
    second_tab, errors = open_page(browser, server[0])
    other = EditorPage(second_tab, server[1])
    other.sign_in()
    other.open_flow(flow_id)
    other.add_node("end", 500, 300)
    other.wait_saved()
    second_tab.context.close()
    assert errors == []

    editor.add_node("condition", 400, 400)
    expect(editor.banner()).to_contain_text("changed in another tab")
    page.get_by_role("button", name="Keep my version").click()

    editor.wait_saved()
    types = sorted(n["type"] for n in draft_of(api, flow_id)["nodes"])
    assert types == ["condition", "send_message"]
    assert first in editor.node_ids()


def test_decision_ports_follow_its_buttons(editor, page, api):
    flow_id = editor.create_flow("Buttons")
    decision = editor.add_node("decision", 100, 200)
    options = editor.field("options")
    options.get_by_role("button", name="Add button").click()
    options.get_by_role("textbox", name="Button 3").fill("Maybe")
    options.get_by_role("textbox", name="Button 3").press("Tab")
    ports = editor.node(decision).locator(".pf-port")
    expect(ports).to_have_text(["Yes", "No", "Maybe"])
    no = editor.add_node("send_message", 500, 150)
    maybe = editor.add_node("end", 500, 350)
    editor.connect(decision, "1", no)
    editor.connect(decision, "2", maybe)
    editor.select(decision)

    options.get_by_role("button", name="Remove button 1").click()

    expect(ports).to_have_text(["No", "Maybe"])
    editor.wait_saved()
    edges = draft_of(api, flow_id)["edges"]
    assert sorted((e["sourcePort"], e["target"]) for e in edges) == [("0", no), ("1", maybe)]


def test_condition_value_follows_the_operator_and_property(editor, api):
    flow_id = editor.create_flow("Condition")
    condition = editor.add_node("condition", 300, 200)
    editor.choose("key", "lead_score")
    editor.choose("op", "GT")
    expect(editor.field("value").locator("input")).to_have_attribute("type", "number")
    editor.set_text("value", "10")
    expect(editor.node(condition).locator(".pf-node-summary")).to_have_text("Lead score > 10")
    editor.choose("op", "IS_SET")
    expect(editor.field("value")).to_contain_text("No value needed.")
    editor.choose("op", "IN")
    editor.set_text("value", "1, 2, 3")
    editor.wait_saved()

    config = draft_of(api, flow_id)["nodes"][0]["config"]

    assert config == {"key": "lead_score", "op": "IN", "value": [1, 2, 3]}


def test_versions_open_read_only_and_restore_into_the_draft(editor, api, page):
    flow_id = editor.create_flow("Versions")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    editor.select(visit)
    editor.set_text("url", "/v2")
    editor.select(count)
    page.get_by_role("button", name="Delete selected").click()
    editor.wait_saved()
    editor.select(visit)
    url = editor.field("url").locator("input")

    editor.tab("Versions")
    page.get_by_role("button", name="Open version 1").click()
    expect(editor.banner()).to_contain_text("Viewing version 1, read-only.")
    expect(editor.nodes()).to_have_count(2)
    editor.tab("Inspector")
    expect(url).to_have_value("/pricing")
    expect(url).to_be_disabled()
    expect(page.locator('.pf-palette-item[data-node-type="end"]')).to_be_disabled()
    page.get_by_role("button", name="Restore into the draft").click()

    expect(editor.banner()).to_have_text("Version 1 restored into the draft.")
    draft = draft_of(api, flow_id)
    assert {n["id"] for n in draft["nodes"]} == {visit, count}
    expect(url).to_have_value("/pricing")
    expect(url).to_be_enabled()
    editor.choose("limit", "once_per_visitor")
    expect(editor.node(visit).locator(".pf-node-summary")).to_have_text(
        "URL contains /pricing · once"
    )
    editor.wait_saved()
    expect(editor.banner()).not_to_contain_text("changed in another tab")
    config = next(n["config"] for n in draft_of(api, flow_id)["nodes"] if n["id"] == visit)
    assert config == {"match": "contains", "url": "/pricing", "limit": "once_per_visitor"}


def test_back_to_the_draft_shows_the_latest_draft_and_edits_it_without_conflict(editor, api, page):
    flow_id = editor.create_flow("Back")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    editor.tab("Versions")
    page.get_by_role("button", name="Open version 1").click()
    expect(editor.banner()).to_contain_text("Viewing version 1, read-only.")
    flow = api(FLOW, id=flow_id)["flow"]
    api(
        "mutation($id: ID!, $g: JSON!, $rev: Int) { saveFlowDraft(id: $id, graph: $g, "
        "expectedRevision: $rev) { id } }",
        id=flow_id,
        g={**flow["draft"], "edges": []},
        rev=flow["revision"],
    )

    page.get_by_role("button", name="Back to the draft").click()
    expect(editor.wires()).to_have_count(0)
    editor.connect(visit, "next", count)

    expect(editor.wires()).to_have_count(1)
    editor.wait_saved()
    assert len(draft_of(api, flow_id)["edges"]) == 1


def test_publishing_turns_the_flow_on_and_the_editor_turns_it_off(editor, page, api):
    flow_id = editor.create_flow("Switch")
    expect(page.get_by_label("Enabled")).to_be_disabled()
    build_page_views(editor)
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    expect(page.get_by_label("Enabled")).to_be_checked()

    page.get_by_label("Enabled").uncheck()

    expect(editor.banner()).to_have_text("The flow is off.")
    query = "query($id: ID!) { flow(id: $id) { enabled } }"
    assert api(query, id=flow_id)["flow"]["enabled"] is False


def test_flows_list_renames_enables_and_deletes(editor, page, api):
    editor.create_flow("Listed")
    build_page_views(editor)
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    page.get_by_role("link", name="← Flows").click()

    page.get_by_role("button", name="Rename Listed").click()
    page.get_by_label("New name for Listed").fill("Pricing views")
    page.get_by_label("New name for Listed").press("Enter")
    expect(page.get_by_role("link", name="Pricing views")).to_be_visible()
    # The box unchecks at once; the server has it once setFlowEnabled(enabled: false) answered.
    with page.expect_response(lambda r: r.ok and '"on":false' in (r.request.post_data or "")):
        page.get_by_label("Enable Pricing views").uncheck()
    expect(page.get_by_label("Enable Pricing views")).not_to_be_checked()
    flows = api("{ flows { name enabled } }")["flows"]
    assert flows == [{"name": "Pricing views", "enabled": False}]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Pricing views").click()

    expect(page.get_by_text("No flows yet")).to_be_visible()
    assert api("{ flows { id } }")["flows"] == []


def test_ctrl_s_saves_the_text_being_typed_as_one_undo_step(editor, page, api):
    flow_id = editor.create_flow("Typing")
    message = editor.add_node("send_message", 250, 200)
    editor.wait_saved()
    text = editor.field("text").locator("textarea")
    text.click()
    text.press_sequentially("Hi there")

    page.keyboard.press("Control+s")

    editor.wait_saved()
    expect(text).to_be_focused()
    (node,) = draft_of(api, flow_id)["nodes"]
    assert node["config"]["text"] == "Hi there"
    page.get_by_role("button", name="Undo").click()
    expect(editor.node(message).locator(".pf-node-summary")).to_have_text("…")
    expect(text).to_have_value("")


def test_delete_key_deletes_only_from_the_canvas(editor, page):
    editor.create_flow("Keys")
    visit = editor.add_node("page_visit", 100, 150)
    zoom_in = page.get_by_role("button", name="Zoom in")

    zoom_in.focus()
    page.keyboard.press("Backspace")
    page.keyboard.press("Delete")
    expect(editor.node(visit)).to_be_visible()
    editor.node(visit).focus()
    page.keyboard.press("Delete")

    expect(editor.nodes()).to_have_count(0)


def test_output_ports_are_named_for_screen_readers(editor, page):
    editor.create_flow("Ports")
    visit = editor.add_node("page_visit", 100, 150)
    editor.set_text("url", "/pricing")

    port = editor.node(visit).locator(".pf-port")

    expect(port).to_have_attribute("aria-label", "Output next of URL contains /pricing · once")


def test_a_never_published_flow_is_listed_as_off(editor, page):
    editor.create_flow("Unpublished")
    expect(page.get_by_label("Enabled")).not_to_be_checked()
    page.get_by_role("link", name="← Flows").click()

    toggle = page.get_by_label("Enable Unpublished")

    expect(toggle).not_to_be_checked()
    expect(toggle).to_be_disabled()
