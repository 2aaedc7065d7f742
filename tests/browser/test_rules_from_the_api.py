"""The pages read the rules they need from the API (property types, the operators that fit
each, derived keys) and go live through the vendored graphql-ws client, reconnecting by the
shared rules (editor_static/js/api.js)."""

import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.contacts_page import ContactsPage
from tests.browser.editor_page import EditorPage

pytestmark = pytest.mark.browser

PROPERTY_TYPES = "{ propertyTypes { type label operators { op label unary } } }"


@pytest.fixture
def contacts(page, server, api):
    for size in (38, 40, 44):
        api(
            "mutation($v: [PropertyValueInput!]!) { createContact(values: $v) { id } }",
            v=[
                {"key": "email", "value": f"size{size}@example.com"},
                {"key": "shoe_size", "value": size},
            ],
        )
    return ContactsPage(page, server[1])


def test_the_filter_bar_offers_the_operators_the_api_publishes(contacts, api):
    api('mutation { createProperty(input: {label: "Subscribed", type: BOOLEAN}) { id } }')
    published = {item["type"]: item["operators"] for item in api(PROPERTY_TYPES)["propertyTypes"]}
    contacts.open()
    operator = contacts.page.get_by_label("Filter operator")

    for key, type in (("name", "TEXT"), ("shoe_size", "NUMBER"), ("subscribed", "BOOLEAN")):
        contacts.page.get_by_label("Filter property").select_option(key)
        offered = operator.locator("option").evaluate_all(
            "options => options.map((o) => ({ op: o.value, label: o.textContent }))"
        )
        assert offered == [{"op": o["op"], "label": o["label"]} for o in published[type]], key


def test_a_list_filter_takes_comma_separated_numbers(contacts):
    contacts.open()

    contacts.add_filter("shoe_size", "IN", "38, 44")

    expect(contacts.filter_texts()).to_have_text(["Shoe size is one of 38, 44"])
    expect(contacts.total()).to_have_text("2 contacts")


def test_a_unary_filter_asks_for_no_value(contacts):
    contacts.open()
    contacts.page.get_by_label("Filter property").select_option("shoe_size")

    contacts.page.get_by_label("Filter operator").select_option("IS_NOT_SET")

    expect(contacts.page.get_by_label("Filter value")).to_have_count(0)


def test_the_key_preview_is_the_key_the_server_derives(page, server):
    EditorPage(page, server[1]).sign_in()
    EditorPage(page, server[1]).open_section("Properties", "Contact properties")
    label = page.get_by_label("Property label")
    preview = page.get_by_label("Key preview")

    with page.expect_request(lambda r: "propertyKey" in (r.post_data or "")):
        label.fill("3rd party ID")
    expect(preview).to_have_text("key: p_3rd_party_id")
    label.fill("!!!")
    expect(preview).to_have_text("")
    expect(page.get_by_label("Property type").locator("option")).to_have_text(
        ["Text", "Number", "Email", "URL", "Phone", "Date", "Yes/no", "Select"]
    )


def test_the_live_table_reconnects_after_a_drop_and_stops_when_refused(contacts):
    sockets: list[WebSocketRoute] = []

    def forward(socket: WebSocketRoute) -> None:
        socket.connect_to_server()
        sockets.append(socket)

    contacts.page.route_web_socket(re.compile(r"/graphql$"), forward)
    contacts.open()
    live = contacts.live()
    expect(live).to_have_attribute("data-live", "on")

    sockets[0].close(code=1012, reason="Service Restart")
    expect(live).to_have_attribute("data-live", "off")
    expect(live).to_have_attribute("data-live", "on")  # after retryDelay(0), one second
    sockets[1].close(code=4403, reason="Forbidden")

    expect(contacts.page.get_by_role("alert")).to_have_text(re.compile("Forbidden"))
    expect(live).to_have_attribute("data-live", "off")
    assert len(sockets) == 2
