"""The inspector fits its panel: a long property label in an "Update property" row once pushed
the row's value and its ✕ out of reach (issue 15, point 8)."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

LONG = "Favourite brand with a very long label indeed"


def test_a_long_property_label_keeps_the_update_row_inside_the_panel(editor, api, page):
    api("mutation($l: String!) { createProperty(input: {label: $l, type: TEXT}) { id } }", l=LONG)
    key = LONG.lower().replace(" ", "_")
    editor.open_graph(
        api,
        {
            "nodes": [
                {
                    "id": "u",
                    "type": "update_property",
                    "position": {"x": 40, "y": 40},
                    "config": {"updates": [{"key": key, "value": "Nike Air Max, a long value"}]},
                }
            ],
            "edges": [],
        },
    )

    editor.select("u")
    remove = page.get_by_role("button", name="Remove update 1")
    expect(remove).to_be_visible()

    panel = page.locator(".pf-side [role='tabpanel']:not([hidden])").bounding_box()
    for control in (
        remove,
        page.locator(".pf-inspector").get_by_role("button", name="Add property"),
    ):
        box = control.bounding_box()
        assert box and panel
        assert box["x"] + box["width"] <= panel["x"] + panel["width"], control
    assert page.evaluate(
        "() => { const p = document.querySelector(\".pf-side [role='tabpanel']:not([hidden])\");"
        " return p.scrollWidth <= p.clientWidth; }"
    )
