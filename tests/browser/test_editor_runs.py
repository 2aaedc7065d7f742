"""The editor's views of running: the preview chat (simulateFlow) and per-node run counts."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_editor import build_page_views

pytestmark = pytest.mark.browser


def test_preview_answers_a_question_and_shows_the_change_without_writing(editor, api):
    flow_id = editor.create_flow("Preview")
    visit = editor.add_node("page_visit", 100, 150)
    editor.set_text("url", "/shoes")
    ask = editor.add_node("ask_question", 400, 150)
    editor.set_text("text", "Your size?")
    editor.choose("saveTo", "shoe_size")
    editor.connect(visit, "next", ask)
    editor.wait_saved()

    editor.preview_visit("/shoes/red")
    expect(editor.bot_messages()).to_have_text(["Your size?"])
    expect(editor.node(ask)).to_have_attribute("data-preview", "waiting")
    editor.preview_answer("43")

    expect(editor.page.get_by_label("Preview changes")).to_have_text("Shoe size = 43")
    expect(editor.page.locator('.pf-chat-line[data-who="visitor"]')).to_have_text(["43"])
    contacts = api("{ contacts(includeAnonymous: true) { totalCount } }")
    assert contacts["contacts"]["totalCount"] == 0
    assert (
        api("query($id: ID!) { flow(id: $id) { published { version } } }", id=flow_id)["flow"][
            "published"
        ]
        is None
    )


def test_preview_clicks_a_button(editor):
    editor.create_flow("Buttons preview")
    visit = editor.add_node("page_visit", 100, 150)
    editor.set_text("url", "/pricing")
    decision = editor.add_node("decision", 400, 150)
    editor.set_text("text", "Team or solo?")
    score = editor.add_node("increment_property", 700, 100)
    editor.choose("key", "lead_score")
    editor.set_text("by", "5")
    editor.connect(visit, "next", decision)
    editor.connect(decision, "0", score)

    editor.preview_visit("/pricing")
    editor.page.get_by_role("button", name="Yes", exact=True).click()

    expect(editor.page.get_by_label("Preview changes")).to_have_text("Lead score + 5")
    expect(editor.node(score)).to_have_attribute("data-preview", "passed")


def test_preview_runs_against_a_chosen_contact(editor, api):
    contact = api(
        'mutation { createContact(values: [{key: "email", value: "ann@example.com"}, '
        '{key: "page_views", value: 4}]) { id } }'
    )["createContact"]
    editor.create_flow("Counter preview")
    visit = editor.add_node("page_visit", 100, 150)
    editor.set_text("url", "/pricing")
    message = editor.add_node("send_message", 400, 150)
    editor.set_text("text", "Visit number {page_views}")
    editor.connect(visit, "next", message)
    editor.tab("Preview")

    editor.page.get_by_label("Preview contact", exact=True).select_option(contact["id"])
    editor.preview_visit("/pricing")

    expect(editor.bot_messages()).to_have_text(["Visit number 4"])


def test_nodes_show_how_many_runs_entered_them(editor, page, api):
    editor.create_flow("Counted")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    expect(page.get_by_label("Enabled")).to_be_checked()
    track_visits(api, "a", "b")

    page.reload()

    expect(editor.node(visit).locator(".pf-node-count")).to_have_text("2")
    expect(editor.node(count).locator(".pf-node-count")).to_have_text("2")


def test_preview_offers_anonymous_visitors_by_visitor_id(editor, api):
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    api(
        'mutation($k: String!) { trackPageView(workspaceKey: $k, visitorId: "visitor-7", '
        'url: "/nowhere") { startedRuns } }',
        k=key,
    )
    editor.create_flow("Anonymous preview")
    editor.tab("Preview")

    chooser = editor.page.get_by_label("Preview contact", exact=True)

    expect(chooser.locator("option")).to_have_text(
        ["An empty contact (a new visitor)", "Visitor visitor-7"]
    )


def test_run_counts_follow_publishing_and_the_version_shown(editor, page, api):
    editor.create_flow("Recounted")
    visit, count = build_page_views(editor)
    editor.wait_saved()
    editor.publish()
    expect(editor.banner()).to_have_text("Published version 1.")
    visits = editor.node(visit).locator(".pf-node-count")
    track_visits(api, "a", "b")
    page.reload()
    expect(visits).to_have_text("2")
    editor.select(count)
    editor.set_text("by", "2")

    editor.publish()

    expect(editor.banner()).to_have_text("Published version 2.")
    expect(visits).to_have_count(0)
    track_visits(api, "c")
    page.reload()
    expect(visits).to_have_text("1")
    editor.tab("Versions")
    page.get_by_role("button", name="Open version 1").click()
    expect(editor.banner()).to_contain_text("Viewing version 1")
    expect(visits).to_have_count(0)
    page.get_by_role("button", name="Open version 2").click()
    expect(editor.banner()).to_contain_text("Viewing version 2")
    expect(visits).to_have_text("1")


def track_visits(api, *visitors: str) -> None:
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    for visitor in visitors:
        api(
            "mutation($k: String!, $v: String!) { trackPageView(workspaceKey: $k, visitorId: $v, "
            'url: "/pricing") { startedRuns } }',
            k=key,
            v=visitor,
        )
