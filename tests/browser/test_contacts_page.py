import json
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from tests.browser.contacts_page import ContactsPage

pytestmark = pytest.mark.browser

CREATE = "mutation($values: [PropertyValueInput!]!) { createContact(values: $values) { id } }"
SET = """mutation($id: ID!, $values: [PropertyValueInput!]!) {
  setContactProperties(contactId: $id, values: $values) { id } }"""


@pytest.fixture
def contacts(page, server, api):
    return ContactsPage(page, server[1])


@pytest.fixture
def people(api):
    """Contacts by email: ann 38, bob 44, cleo 40 and dan with no shoe size; their ids."""
    sizes = {"ann": 38, "bob": 44, "cleo": 40, "dan": None}
    ids = {}
    for name, size in sizes.items():
        values: list[dict[str, object]] = [{"key": "email", "value": f"{name}@example.com"}]
        if size is not None:
            values.append({"key": "shoe_size", "value": size})
        ids[name] = api(CREATE, values=values)["createContact"]["id"]
    return ids


def test_filter_sort_choose_columns_and_export(contacts, people):
    contacts.open()
    expect(contacts.total()).to_have_text("4 contacts")

    contacts.add_filter("shoe_size", "GTE", "40")
    expect(contacts.total()).to_have_text("2 contacts")
    expect(contacts.filter_texts()).to_have_text(["Shoe size ≥ 40"])
    for label in ("Name", "Phone", "Page views", "Lead score"):
        contacts.show_column(label, False)
    contacts.sort_by("Shoe size")
    assert contacts.column("shoe_size") == ["40", "44"]
    contacts.sort_by("Shoe size")
    assert contacts.column("shoe_size") == ["44", "40"]

    exported = contacts.export().splitlines()
    assert exported[0] == "id,visitorId,Email,Shoe size"
    assert [line.split(",", 2)[2] for line in exported[1:]] == [
        "bob@example.com,44",
        "cleo@example.com,40",
    ]


def test_chosen_columns_are_remembered(contacts, people):
    contacts.open()
    expect(contacts.page.locator("th")).to_contain_text(["Name"])

    contacts.show_column("Name", False)
    contacts.page.reload()
    contacts.wait_loaded()

    expect(contacts.page.locator("th", has_text="Name")).to_have_count(0)
    expect(contacts.cell(people["ann"], "shoe_size")).to_have_text("38")


def test_a_background_change_appears_in_the_open_table(contacts, people, api):
    contacts.open()
    expect(contacts.live()).to_have_attribute("data-live", "on")

    api(SET, id=people["ann"], values=[{"key": "shoe_size", "value": 45}])

    expect(contacts.cell(people["ann"], "shoe_size")).to_have_text("45")
    expect(contacts.row(people["ann"])).to_have_attribute("data-flash", "updated")


def test_a_new_contact_appears_in_the_open_table(contacts, people, api):
    contacts.open()
    expect(contacts.live()).to_have_attribute("data-live", "on")
    expect(contacts.total()).to_have_text("4 contacts")

    created = api(
        'mutation { createContact(values: [{key: "email", value: "new@example.com"}]) { id } }'
    )["createContact"]

    expect(contacts.row(created["id"])).to_have_attribute("data-flash", "added")
    expect(contacts.total()).to_have_text("5 contacts")


def test_the_filter_hash_parameter_presets_a_filter(contacts, people):
    query = "filter=" + quote(json.dumps([{"key": "shoe_size", "op": "IS_SET"}]))

    contacts.open(query)

    expect(contacts.filter_texts()).to_have_text(["Shoe size is set"])
    expect(contacts.total()).to_have_text("3 contacts")
    contacts.filters().get_by_role("button", name="Remove filter Shoe size is set").click()
    expect(contacts.total()).to_have_text("4 contacts")


def test_anonymous_visitors_are_listed_on_request(contacts, people, api):
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    api(
        'mutation($k: String!) { trackPageView(workspaceKey: $k, visitorId: "v1", url: "/") '
        "{ contactId } }",
        k=key,
    )
    contacts.open()
    expect(contacts.total()).to_have_text("4 contacts")

    contacts.page.get_by_label("Include anonymous visitors").check()

    expect(contacts.total()).to_have_text("5 contacts")


def test_a_row_opens_the_contact_and_an_edit_shows_in_history(contacts, people):
    contacts.open()
    contacts.row(people["ann"]).get_by_role("link").first.click()
    expect(contacts.page.locator(".pf-contact")).to_have_attribute("data-state", "ready")

    contacts.set_field("shoe_size", "41")

    latest = contacts.history().first
    expect(latest).to_contain_text("Shoe size")
    expect(latest).to_contain_text("38 → 41")
    expect(latest).to_contain_text("designer@example.com")
    contacts.field("shoe_size").get_by_role("button", name="Increase Shoe size").click()
    expect(contacts.field("shoe_size").locator("input")).to_have_value("42")
    expect(contacts.history().first).to_contain_text("41 → 42")


def test_a_refused_value_is_explained_in_plain_words_and_the_stored_one_restored(
    contacts, people, api
):
    contacts.open()
    contacts.open_contact(people["bob"])

    contacts.set_field("email", "not-an-email")

    expect(contacts.field_error("email")).to_have_text(
        "“not-an-email” is not an email address (like name@example.com)."
        " The saved value is back in the field."
    )
    expect(contacts.field("email").locator("input")).to_have_value("bob@example.com")
    stored = api("query($id: ID!) { contact(id: $id) { email } }", id=people["bob"])
    assert stored["contact"]["email"] == "bob@example.com"
    contacts.set_field("email", "bob@shop.example")
    expect(contacts.field_error("email")).to_be_empty()


def test_the_history_updates_when_a_flow_or_operator_changes_the_contact(contacts, people, api):
    contacts.open()
    contacts.open_contact(people["cleo"])
    expect(contacts.page.locator(".pf-contact")).to_have_attribute("data-live", "on")

    api(SET, id=people["cleo"], values=[{"key": "lead_score", "value": 7}])

    expect(contacts.history().first).to_contain_text("Lead score")
    expect(contacts.field("lead_score").locator("input")).to_have_value("7")


def test_import_with_one_bad_row_reports_counts_and_the_failed_rows(contacts, people, tmp_path):
    upload = tmp_path / "people.csv"
    upload.write_text("Email,Shoe size,Favourite\nann@example.com,41,x\nzoe@example.com,huge,y\n")
    contacts.open()

    contacts.import_file(upload)
    expect(contacts.mapping_of("Shoe size")).to_have_value("shoe_size")
    expect(contacts.mapping_of("Favourite")).to_have_value("")
    contacts.run_import(dry_run=True)
    expect(contacts.import_report()).to_contain_text("0 created, 1 updated, 0 unchanged, 1 failed")
    expect(contacts.cell(people["ann"], "shoe_size")).to_have_text("38")

    contacts.run_import(dry_run=False)
    expect(contacts.import_report()).to_contain_text("0 created, 1 updated, 0 unchanged, 1 failed")
    failed = contacts.failed_rows()
    assert failed.splitlines()[0] == "Email,Shoe size,Favourite,error"
    assert failed.splitlines()[1].startswith("zoe@example.com,huge,y,")
    assert "NUMBER" in failed
    expect(contacts.cell(people["ann"], "shoe_size")).to_have_text("41")


def test_load_more_pages_by_cursor(contacts, api):
    for n in range(55):
        api(CREATE, values=[{"key": "email", "value": f"p{n:02}@example.com"}])
    contacts.open()
    expect(contacts.rows()).to_have_count(50)
    expect(contacts.total()).to_have_text("55 contacts")

    contacts.page.get_by_role("button", name="Load more").click()

    expect(contacts.rows()).to_have_count(55)
    expect(contacts.page.get_by_role("button", name="Load more")).to_be_hidden()
    assert contacts.column("email")[-1] == "p54@example.com"


def test_hidden_properties_are_under_a_toggle(contacts, people, api):
    lead_score = api('{ property(key: "lead_score") { id } }')["property"]["id"]
    api(
        "mutation($id: ID!) { updateProperty(input: {id: $id, hidden: true}) { id } }",
        id=lead_score,
    )
    contacts.open()
    contacts.open_contact(people["ann"])
    expect(contacts.field("lead_score")).to_be_hidden()

    contacts.page.get_by_text("Hidden properties (1)").click()

    expect(contacts.field("lead_score")).to_be_visible()


def test_the_contact_column_names_anonymous_visitors_and_created_sorts(contacts, people, api):
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    visitor = api(
        'mutation($k: String!) { trackPageView(workspaceKey: $k, visitorId: "v9", url: "/") '
        "{ contactId } }",
        k=key,
    )["trackPageView"]["contactId"]
    contacts.open()
    # The filter form starts empty, not with a "Name contains" row.
    expect(contacts.page.get_by_label("Filter property")).to_have_value("")
    expect(contacts.page.get_by_label("Filter operator")).to_be_hidden()
    contacts.page.get_by_label("Include anonymous visitors").check()
    contacts.wait_loaded()
    contacts.show_column("Name", False)

    expect(contacts.cell(visitor, "contact")).to_have_text("Anonymous visitor v9")
    expect(contacts.cell(visitor, "email")).to_have_text("")
    contacts.sort_by("Created")
    contacts.sort_by("Created")
    assert contacts.rows().first.get_attribute("data-contact-id") == visitor


def test_the_search_box_finds_contacts_by_email_or_name(contacts, people):
    contacts.open()
    expect(contacts.total()).to_have_text("4 contacts")

    contacts.page.get_by_label("Search contacts").fill("BOB@")

    expect(contacts.total()).to_have_text("1 contact")
    expect(contacts.row(people["bob"])).to_be_visible()
    contacts.page.get_by_label("Search contacts").fill("")
    expect(contacts.total()).to_have_text("4 contacts")


def test_last_seen_shows_the_latest_page_view_and_sorts(contacts, people, api):
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    view = (
        "mutation($k: String!, $v: String!) { trackPageView(workspaceKey: $k, visitorId: $v, "
        'url: "/") { contactId } }'
    )
    early = api(view, k=key, v="early")["trackPageView"]["contactId"]
    late = api(view, k=key, v="late")["trackPageView"]["contactId"]
    contacts.open()
    contacts.page.get_by_label("Include anonymous visitors").check()
    contacts.wait_loaded()

    expect(contacts.cell(people["ann"], "lastSeenAt")).to_have_text("Never")
    expect(contacts.cell(late, "lastSeenAt")).not_to_have_text("Never")
    contacts.sort_by("Last seen")
    contacts.sort_by("Last seen")
    expect(contacts.rows().first).to_have_attribute("data-contact-id", late)
    expect(contacts.rows().nth(1)).to_have_attribute("data-contact-id", early)


def test_sortable_headers_look_like_the_contact_header(contacts, people):
    contacts.open()
    size = "(e) => getComputedStyle(e).fontSize"

    plain = contacts.page.locator(".pf-contacts-table th").first.evaluate(size)
    sortable = contacts.page.get_by_role("button", name="Sort by Last seen").evaluate(size)

    assert sortable == plain
