"""A decision saves the choice as a contact property: the inspector's picker and values."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

FLOW = "query($id: ID!) { flow(id: $id) { draft } }"


def test_a_decision_saves_the_choice_with_a_value_per_button(editor, api, page):
    api(
        'mutation { createProperty(input: {label: "Brand", type: SELECT, '
        'options: ["Nike", "Asics", "Other"]}) { id } }'
    )
    flow_id = editor.create_flow("Brands")
    decision = editor.add_node("decision", 300, 150)
    editor.set_text("text", "Which brand do you like?")
    expect(editor.field("values")).to_contain_text("Choose a property above")

    editor.choose("saveTo", "brand")
    expect(page.get_by_label("Value saved for Yes")).to_be_visible()
    page.get_by_label("Value saved for Yes").select_option("Nike")
    editor.wait_saved()

    (node,) = [n for n in api(FLOW, id=flow_id)["flow"]["draft"]["nodes"] if n["id"] == decision]
    assert node["config"]["saveTo"] == "brand"
    assert node["config"]["values"] == {"Yes": "Nike"}
    # "No" saves its label, which Brand does not offer: named at once, in plain words.
    expect(page.locator('.pf-issue[data-code="INVALID_VALUE"]')).to_contain_text(
        "'Which brand do you like?'"
    )
    expect(editor.node(decision).locator(".pf-node-summary")).to_contain_text("saves Brand")
