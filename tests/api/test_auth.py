import pytest

from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient, code_of

OPERATIONS = [
    "{ workspace { id } }",
    "{ properties { key } }",
    '{ property(key: "email") { key } }',
    "{ contacts { totalCount } }",
    '{ contact(id: "1") { id } }',
    'mutation { createProperty(input: {label: "X", type: TEXT}) { key } }',
    'mutation { updateProperty(input: {id: "1", label: "X"}) { key } }',
    'mutation { deleteProperty(id: "1") }',
    "mutation { createContact(values: []) { id } }",
    'mutation { setContactProperties(contactId: "1", values: []) { id } }',
    'mutation { incrementContactProperty(contactId: "1", key: "x") { id } }',
    'mutation { deleteContact(id: "1") }',
]


@pytest.mark.parametrize("operation", OPERATIONS)
async def test_every_operation_needs_a_valid_token(anonymous: GraphQLClient, gql, operation):
    missing = await anonymous.error(operation)
    anonymous.token = "pf_wrong"
    wrong = await anonymous.error(operation)

    assert code_of(missing) == "UNAUTHENTICATED"
    assert code_of(wrong) == "UNAUTHENTICATED"


async def test_a_second_operator_of_a_workspace_sees_the_same_data(operator_client):
    first = await operator_client("one@acme.example", "Acme")
    second = await operator_client("two@acme.example", "Acme")
    await create_property(first, "Shoe size", "NUMBER")

    assert (await second('{ property(key: "shoe_size") { key } }'))["property"] is not None
    assert (await first("{ workspace { id } }")) == (await second("{ workspace { id } }"))


async def test_another_workspaces_contact_is_not_found(gql, other_gql):
    await create_property(gql, "Shoe size", "NUMBER")
    contact = await create_contact(gql, email="ann@example.com", shoe_size=40)
    ref = {"id": contact["id"]}

    assert (await other_gql("query($id: ID!) { contact(id: $id) { id } }", **ref))[
        "contact"
    ] is None
    for mutation in [
        'mutation($id: ID!) { setContactProperties(contactId: $id, values: [{key: "name", '
        'value: "x"}]) { id } }',
        'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "shoe_size") { id } }',
        "mutation($id: ID!) { deleteContact(id: $id) }",
    ]:
        assert code_of(await other_gql.error(mutation, **ref)) in ("NOT_FOUND", "VALIDATION_FAILED")
    assert (await other_gql("{ contacts(includeAnonymous: true) { totalCount } }"))["contacts"][
        "totalCount"
    ] == 0
    value = await gql('query($id: ID!) { contact(id: $id) { value(key: "shoe_size") } }', **ref)
    assert value["contact"]["value"] == 40


async def test_another_workspaces_property_is_not_found(gql, other_gql):
    size = await create_property(gql, "Shoe size", "NUMBER")

    update = await other_gql.error(
        'mutation($id: ID!) { updateProperty(input: {id: $id, label: "Hacked"}) { key } }',
        id=size["id"],
    )
    delete = await other_gql.error("mutation($id: ID!) { deleteProperty(id: $id) }", id=size["id"])

    assert code_of(update) == "NOT_FOUND"
    assert code_of(delete) == "NOT_FOUND"
    assert (await other_gql('{ property(key: "shoe_size") { key } }'))["property"] is None
    assert (await gql('{ property(key: "shoe_size") { label } }'))["property"][
        "label"
    ] == "Shoe size"


async def test_unexpected_errors_are_masked_and_logged(gql, monkeypatch, caplog):
    from api.properties import service

    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(service, "list_properties", broken)
    error = await gql.error("{ properties { key } }")

    assert error["message"] == "Unexpected error."
    assert "extensions" not in error or "secret" not in str(error["extensions"])
    assert "secret internals" in caplog.text


async def test_graphql_syntax_errors_are_not_masked(gql):
    error = await gql.error("{ propertiez { key } }")

    assert "propertiez" in error["message"]
