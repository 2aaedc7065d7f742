"""Problems in plain words: named by the node's text and the button's label, shown in full in
the Issues panel and on hover, and a click selects and centres the node."""

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

BRANDS = {
    "nodes": [
        {"id": "visit", "type": "page_visit", "position": {"x": 0, "y": 0},
         "config": {"url": "/shop", "match": "contains", "limit": "every_visit"}},
        {"id": "ask", "type": "decision", "position": {"x": 300, "y": 0},
         "config": {"text": "Which brand do you like?", "options": ["Nike", "Asics"]}},
        {"id": "thanks", "type": "send_message", "position": {"x": 600, "y": 0},
         "config": {"text": "Asics it is!"}},
        {"id": "far", "type": "send_message", "position": {"x": 3000, "y": 2000},
         "config": {"text": "Nobody gets here"}},
    ],
    "edges": [
        {"id": "e1", "source": "visit", "sourcePort": "next", "target": "ask"},
        {"id": "e2", "source": "ask", "sourcePort": "1", "target": "thanks"},
    ],
}  # fmt: skip


def test_problems_are_plain_sentences_and_an_open_end_is_no_problem(editor, api, page):
    editor.open_graph(api, BRANDS)

    issues = page.locator(".pf-issues .pf-issue")
    expect(issues).to_have_text(
        [
            "'Nobody gets here' never runs: no wire leads to it from a trigger",
            "'Which brand do you like?' — button 'Nike' leads nowhere",
        ],
        ignore_case=False,
    )
    # "Asics it is!" has nothing after it: the flow ends there, no warning.
    expect(editor.node("thanks")).not_to_have_attribute("data-severity", "warning")
    expect(editor.node("ask").locator(".pf-node-issue")).to_have_attribute(
        "title", "'Which brand do you like?' — button 'Nike' leads nowhere"
    )


def test_clicking_a_problem_selects_and_centres_its_node(editor, api, page):
    editor.open_graph(api, BRANDS)

    page.locator('.pf-issues .pf-issue[data-code="UNREACHABLE_NODE"]').click()

    expect(editor.node("far")).to_have_attribute("data-selected", "true")
    expect(editor.field("text").locator("textarea")).to_have_value("Nobody gets here")
    editor.wait_centred("far")
