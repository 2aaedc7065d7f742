import pytest
from playwright.sync_api import expect

from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { revision draft published { version graph } } }"


@pytest.fixture
def editor(page, server, api) -> EditorPage:
    editor_page = EditorPage(page, server[1])
    editor_page.sign_in()
    return editor_page


def build_page_views(editor: EditorPage) -> tuple[str, str]:
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/pricing")
    editor.choose("limit", "every_visit")
    count = editor.add_node("increment_property", 500, 200)
    editor.choose("key", "page_views")
    editor.connect(visit, "next", count)
    expect(editor.page.locator(".pf-wire")).to_have_count(1)
    return visit, count


def test_sign_in_shows_the_flows_and_sign_out_forgets_the_token(page, editor):
    expect(page.get_by_text("ops")).to_have_count(0)
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
    graph = published["graph"]
    assert published["version"] == 1
    assert {(n["id"], n["type"]) for n in graph["nodes"]} == {
        (visit, "page_visit"),
        (count, "increment_property"),
    }
    nodes = {n["id"]: n["config"] for n in graph["nodes"]}
    assert nodes[visit]["url"] == "/pricing" and nodes[visit]["limit"] == "every_visit"
    assert nodes[count] == {"key": "page_views", "by": 1}
    assert [(e["source"], e["sourcePort"], e["target"]) for e in graph["edges"]] == [
        (visit, "next", count)
    ]


def test_the_shoe_size_question_saves_to_a_number_property(editor, api):
    flow_id = editor.create_flow("Shoe size")
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/shoes")
    ask = editor.add_node("ask_question", 500, 150)
    editor.set_text("text", "What is your shoe size?")
    options = editor.field("saveTo").locator("option").all_inner_texts()
    editor.choose("saveTo", "shoe_size")
    editor.connect(visit, "next", ask)
    editor.wait_saved()

    draft = api(FLOW, id=flow_id)["flow"]["draft"]

    assert "Shoe size (NUMBER)" in options
    config = next(n["config"] for n in draft["nodes"] if n["id"] == ask)
    assert config["saveTo"] == "shoe_size" and config["maxRetries"] == 3


def test_increment_offers_only_number_properties(editor):
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
    assert "INVALID_VALUE" in editor.issues()
    editor.publish()
    expect(editor.banner()).to_contain_text("Not published")
    assert api(FLOW, id=flow_id)["flow"]["published"] is None


def test_undo_and_redo_every_edit(editor, page):
    editor.create_flow("Undo")
    first = editor.add_node("send_message", 200, 150)
    editor.add_node("end", 500, 150)

    page.keyboard.press("Control+z")
    expect(page.locator(".pf-node")).to_have_count(1)
    page.keyboard.press("Control+z")
    expect(page.locator(".pf-node")).to_have_count(0)
    page.keyboard.press("Control+Shift+z")
    expect(editor.node(first)).to_be_visible()
    page.get_by_role("button", name="Redo").click()
    expect(page.locator(".pf-node")).to_have_count(2)


def test_reload_keeps_the_draft(editor, page):
    editor.create_flow("Keep")
    node_id = editor.add_node("send_message", 250, 200)
    editor.set_text("text", "Hello {name|there}")
    editor.wait_saved()

    page.reload()

    expect(editor.node(node_id).locator(".pf-node-summary")).to_have_text("Hello {name|there}")


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
    page.get_by_role("button", name="Reload the flow").click()
    expect(page.locator(".pf-node")).to_have_count(0)


def test_preview_answers_a_question_without_writing(editor, api):
    flow_id = editor.create_flow("Preview")
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/shoes")
    ask = editor.add_node("ask_question", 500, 150)
    editor.set_text("text", "Your size?")
    editor.choose("saveTo", "shoe_size")
    editor.connect(visit, "next", ask)
    editor.wait_saved()
    page = editor.page

    page.get_by_label("Preview URL").fill("/shoes/red")
    page.get_by_role("button", name="Visit", exact=True).click()
    expect(page.get_by_label("Preview messages")).to_have_text("Your size?")
    page.get_by_label("Preview answer").fill("43")
    page.get_by_role("button", name="Send", exact=True).click()

    expect(page.get_by_label("Preview changes")).to_have_text("shoe_size = 43")
    contacts = api("{ contacts(includeAnonymous: true) { totalCount } }")
    assert contacts["contacts"]["totalCount"] == 0
    assert api(FLOW, id=flow_id)["flow"]["published"] is None


def test_preview_runs_against_a_chosen_contact(editor, api):
    contact = api(
        'mutation { createContact(values: [{key: "email", value: "ann@example.com"}, '
        '{key: "page_views", value: 4}]) { id } }'
    )["createContact"]
    editor.create_flow("Counter preview")
    visit = editor.add_node("page_visit", 150, 150)
    editor.set_text("url", "/pricing")
    message = editor.add_node("send_message", 500, 150)
    editor.set_text("text", "Visit number {page_views}")
    editor.connect(visit, "next", message)
    page = editor.page

    page.get_by_label("Preview contact id").fill(contact["id"])
    page.get_by_label("Preview contact id").press("Tab")
    page.get_by_role("button", name="Visit", exact=True).click()

    expect(page.get_by_label("Preview messages")).to_have_text("Visit number 4")


def test_versions_open_read_only_and_restore_into_the_draft(editor, api, page):
    flow_id = editor.create_flow("Versions")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    editor.select(count)
    page.get_by_role("button", name="Delete selected").click()
    editor.wait_saved()

    page.get_by_label("Versions").select_option("1")
    expect(editor.banner()).to_contain_text("Viewing version 1, read-only.")
    expect(page.locator(".pf-node")).to_have_count(2)
    page.get_by_role("button", name="Restore into the draft").click()

    expect(editor.banner()).to_have_text("Version 1 restored into the draft.")
    draft = api(FLOW, id=flow_id)["flow"]["draft"]
    assert {n["id"] for n in draft["nodes"]} == {visit, count}


def test_decision_ports_follow_its_buttons(editor, page):
    editor.create_flow("Buttons")
    decision = editor.add_node("decision", 300, 200)
    options = editor.field("options")
    options.get_by_role("button", name="Add button").click()
    options.get_by_role("textbox", name="Button 3").fill("Maybe")
    options.get_by_role("textbox", name="Button 3").press("Tab")

    ports = editor.node(decision).locator(".pf-port")
    expect(ports).to_have_text(["Yes", "No", "Maybe"])


def test_flows_list_enables_renames_and_deletes(editor, page, api):
    flow_id = editor.create_flow("Listed")
    build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    page.get_by_role("link", name="← Flows").click()

    page.get_by_label("Enable Listed").uncheck()
    expect(page.get_by_label("Enable Listed")).not_to_be_checked()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete Listed").click()

    expect(page.get_by_text("No flows yet")).to_be_visible()
    assert api("{ flows { id } }")["flows"] == []
    assert flow_id


def test_nodes_show_how_many_runs_entered_them(editor, page, api):
    flow_id = editor.create_flow("Counted")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    for visitor in ("a", "b"):
        api(
            "mutation($k: String!, $v: String!) { trackPageView(workspaceKey: $k, visitorId: $v, "
            'url: "/pricing") { startedRuns } }',
            k=key,
            v=visitor,
        )

    page.reload()

    expect(editor.node(visit).locator(".pf-node-count")).to_have_text("2")
    expect(editor.node(count).locator(".pf-node-count")).to_have_text("2")
    assert flow_id
