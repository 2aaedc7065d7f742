import json
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser


@pytest.fixture
def properties_page(page, server, api):
    editor = EditorPage(page, server[1])
    editor.sign_in()
    editor.open_section("Properties", "Contact properties")
    return page


def test_create_a_property_and_see_it_in_the_pickers(properties_page, server):
    page = properties_page
    page.get_by_label("Property label").fill("Favorite color")
    expect(page.get_by_label("Key preview")).to_have_text("key: favorite_color")
    page.get_by_label("Property type").select_option("SELECT")
    page.get_by_label("Options").fill("Red, Green")
    page.get_by_role("button", name="Create property").click()

    row = page.locator('tr[data-property-key="favorite_color"]')
    expect(row).to_contain_text("SELECT")
    editor = EditorPage(page, server[1])
    page.get_by_role("link", name="Flows").click()
    editor.create_flow("Colors")
    editor.add_node("condition", 300, 200)
    options = editor.field("key").locator("option").all_inner_texts()
    assert "Favorite color (SELECT)" in options


def test_the_type_is_not_editable_and_a_used_property_cannot_be_deleted(properties_page, api):
    flow = api(
        'mutation { createFlow(name: "Counter", graph: {nodes: [{id: "i", type: '
        '"increment_property", config: {key: "page_views"}}], edges: []}) { id } }'
    )
    page = properties_page
    page.reload()
    row = page.locator('tr[data-property-key="page_views"]')

    expect(row.locator("select")).to_have_count(0)
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete Page views").click()

    expect(page.get_by_role("alert")).to_contain_text("Counter")
    expect(row.get_by_role("link", name="Counter")).to_have_attribute(
        "href", f"#/flows/{flow['createFlow']['id']}"
    )


def test_hide_a_property(properties_page, api):
    page = properties_page
    with page.expect_response(lambda r: "updateProperty" in (r.request.post_data or "")):
        page.get_by_label("Hide Shoe size").check()

    expect(page.get_by_label("Hide Shoe size")).to_be_checked()
    visible = api("{ properties { key } }")["properties"]
    assert "shoe_size" not in [p["key"] for p in visible]


def test_show_contacts_opens_the_table_filtered_on_is_set(properties_page):
    link = properties_page.locator('tr[data-property-key="shoe_size"]').get_by_role(
        "link", name="Show contacts with Shoe size"
    )

    is_set = json.dumps([{"key": "shoe_size", "op": "IS_SET"}], separators=(",", ":"))
    expect(link).to_have_attribute("href", f"#/contacts?filter={quote(is_set, safe='')}")


def test_edit_the_options_of_a_select_property(properties_page, api):
    api(
        'mutation { createProperty(input: {label: "Size", type: SELECT, options: ["S", "M"]}) '
        "{ id } }"
    )
    page = properties_page
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept("S, M, L"))
    with page.expect_response(lambda r: "updateProperty" in (r.request.post_data or "")):
        page.get_by_role("button", name="Edit options of Size").click()

    expect(page.locator('tr[data-property-key="size"]')).to_contain_text("S, M, L")
    size = api('{ property(key: "size") { options } }')["property"]
    assert size["options"] == ["S", "M", "L"]


def test_a_refused_option_edit_shows_the_server_error(properties_page, api):
    api('mutation { createProperty(input: {label: "Size", type: SELECT, options: ["S"]}) { id } }')
    page = properties_page
    page.reload()
    page.once("dialog", lambda dialog: dialog.accept(" , "))
    page.get_by_role("button", name="Edit options of Size").click()

    expect(page.get_by_role("alert")).not_to_be_empty()
    assert api('{ property(key: "size") { options } }')["property"]["options"] == ["S"]


def test_rename_in_place_with_enter_and_cancel_with_escape(properties_page, api):
    page = properties_page
    row = page.locator('tr[data-property-key="shoe_size"]')

    row.get_by_role("button", name="Rename Shoe size").click()
    page.get_by_label("New label for Shoe size").fill("Shoe size (EU)")
    page.get_by_label("New label for Shoe size").press("Enter")
    expect(row.locator(".pf-property-label")).to_have_text("Shoe size (EU)")
    row.get_by_role("button", name="Rename Shoe size (EU)").click()
    page.get_by_label("New label for Shoe size (EU)").fill("Something else")
    page.get_by_label("New label for Shoe size (EU)").press("Escape")

    expect(row.locator(".pf-property-label")).to_have_text("Shoe size (EU)")
    labels = [p["label"] for p in api("{ properties { key label } }")["properties"]]
    assert "Shoe size (EU)" in labels


def test_hidden_rows_are_marked_and_a_taken_key_points_at_its_property(properties_page, api):
    page = properties_page
    page.get_by_label("Hide Lead score").check()
    expect(page.locator('tr[data-property-key="lead_score"]')).to_have_attribute(
        "data-hidden", "true"
    )

    page.get_by_label("Property label").fill("shoe size")
    page.get_by_role("button", name="Create property").click()

    expect(page.get_by_role("alert")).to_contain_text(
        "The key “shoe_size” is taken by the property “Shoe size”."
    )
    expect(page.locator('tr[data-property-key="shoe_size"]')).to_have_attribute(
        "data-conflict", "true"
    )
