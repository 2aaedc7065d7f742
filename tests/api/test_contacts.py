import pytest

from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient, code_of

CONTACT = """
query($id: ID!) {
  contact(id: $id) {
    id email visitorId createdAt updatedAt
    properties { key type value updatedAt }
    history { key oldValue newValue source sourceId at }
  }
}"""
SET = """
mutation($id: ID!, $values: [PropertyValueInput!]!) {
  setContactProperties(contactId: $id, values: $values) { id email }
}"""
INCREMENT = """
mutation($id: ID!, $key: String!, $by: Float) {
  incrementContactProperty(contactId: $id, key: $key, by: $by) { value(key: $key) }
}"""


@pytest.fixture
async def contact(gql: GraphQLClient) -> dict:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Plan", "SELECT", options=["Free", "Pro"])
    for label, type in [("Site", "URL"), ("Birthday", "DATE"), ("Subscribed", "BOOLEAN")]:
        await create_property(gql, label, type)
    return await create_contact(gql, email="ann@example.com", name="Ann")


async def values_of(gql: GraphQLClient, contact_id: str) -> dict:
    data = await gql(CONTACT, id=contact_id)
    return {value["key"]: value["value"] for value in data["contact"]["properties"]}


@pytest.mark.parametrize(
    ("key", "given", "stored"),
    [
        ("shoe_size", 42, 42),
        ("shoe_size", 42.5, 42.5),
        ("shoe_size", "41", 41),
        ("email", "Ann.Lee@EXAMPLE.com", "Ann.Lee@example.com"),
        ("phone", "+44 20 7946 0958", "+442079460958"),
        ("site", "https://shop.example.com/a?b=1", "https://shop.example.com/a?b=1"),
        ("birthday", "1990-02-28", "1990-02-28"),
        ("subscribed", True, True),
        ("subscribed", "no", False),
        ("plan", "pro", "Pro"),
        ("name", "Ann ❤ Lee", "Ann ❤ Lee"),
    ],
)
async def test_set_values_are_normalized_by_type(
    gql: GraphQLClient, contact: dict, key: str, given: object, stored: object
):
    await gql(SET, id=contact["id"], values=[{"key": key, "value": given}])

    value = (await values_of(gql, contact["id"]))[key]
    assert value == stored
    assert type(value) is type(stored)


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("shoe_size", "abc"),
        ("shoe_size", True),
        ("shoe_size", "NaN"),
        ("shoe_size", "1e309"),
        ("shoe_size", "Infinity"),
        ("email", "not-an-email"),
        ("phone", "12345"),
        ("site", "ftp://example.com"),
        ("site", "https://"),
        ("birthday", "28/02/1990"),
        ("subscribed", "maybe"),
        ("plan", "Enterprise"),
        ("name", "x" * 10_001),
        ("name", 42),
    ],
)
async def test_bad_values_are_refused_naming_property_type_and_value(
    gql: GraphQLClient, contact: dict, key: str, bad: object
):
    # A NUL character never reaches a service over GraphQL: the edge refuses it
    # (tests/api/test_edge.py), and normalize_value refuses it on every other path.
    before = await gql(CONTACT, id=contact["id"])

    error = await gql.error(SET, id=contact["id"], values=[{"key": key, "value": bad}])

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["key"] == key
    assert error["extensions"]["type"]
    assert f"'{key}'" in error["message"]
    assert await gql(CONTACT, id=contact["id"]) == before


async def test_a_bad_value_leaves_the_other_values_of_the_request_unwritten(
    gql: GraphQLClient, contact: dict
):
    error = await gql.error(
        SET,
        id=contact["id"],
        values=[{"key": "name", "value": "Changed"}, {"key": "shoe_size", "value": "huge"}],
    )

    assert error["extensions"]["key"] == "shoe_size"
    assert (await values_of(gql, contact["id"]))["name"] == "Ann"


async def test_an_unknown_key_is_refused_naming_it(gql: GraphQLClient, contact: dict):
    error = await gql.error(
        SET, id=contact["id"], values=[{"key": "favorite_color", "value": "red"}]
    )

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["key"] == "favorite_color"


async def test_a_null_value_clears_the_property(gql: GraphQLClient, contact: dict):
    await gql(SET, id=contact["id"], values=[{"key": "name", "value": None}])

    assert "name" not in await values_of(gql, contact["id"])


async def test_setting_email_makes_it_the_contact_email(gql: GraphQLClient, contact: dict):
    updated = await gql(
        SET, id=contact["id"], values=[{"key": "email", "value": "new@Example.com"}]
    )

    assert updated["setContactProperties"]["email"] == "new@example.com"


async def test_every_change_is_recorded_with_source_and_old_value(
    gql: GraphQLClient, contact: dict
):
    await gql(SET, id=contact["id"], values=[{"key": "name", "value": "Ann Lee"}])
    await gql(SET, id=contact["id"], values=[{"key": "name", "value": "Ann Lee"}])

    history = (await gql(CONTACT, id=contact["id"]))["contact"]["history"]

    names = [(h["oldValue"], h["newValue"]) for h in history if h["key"] == "name"]
    assert names == [("Ann", "Ann Lee"), (None, "Ann")]
    assert {h["source"] for h in history} == {"OPERATOR"}
    assert all(h["sourceId"] for h in history)


async def test_increment_adds_atomically_from_zero_when_unset(gql: GraphQLClient, contact: dict):
    first = await gql(INCREMENT, id=contact["id"], key="shoe_size", by=1)
    second = await gql(INCREMENT, id=contact["id"], key="shoe_size", by=2.5)
    third = await gql(INCREMENT, id=contact["id"], key="shoe_size", by=-0.5)

    assert first["incrementContactProperty"]["value"] == 1
    assert second["incrementContactProperty"]["value"] == 3.5
    assert third["incrementContactProperty"]["value"] == 3
    history = (await gql(CONTACT, id=contact["id"]))["contact"]["history"]
    assert [(h["oldValue"], h["newValue"]) for h in history if h["key"] == "shoe_size"] == [
        (3.5, 3),
        (1, 3.5),
        (None, 1),
    ]


async def test_increment_defaults_to_one(gql: GraphQLClient, contact: dict):
    result = await gql(
        'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "shoe_size") '
        '{ value(key: "shoe_size") } }',
        id=contact["id"],
    )

    assert result["incrementContactProperty"]["value"] == 1


async def test_increment_refuses_a_non_number_property(gql: GraphQLClient, contact: dict):
    error = await gql.error(INCREMENT, id=contact["id"], key="name", by=1)

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["key"] == "name"


async def test_increment_refuses_an_infinite_amount_or_result(gql: GraphQLClient, contact: dict):
    await gql(SET, id=contact["id"], values=[{"key": "shoe_size", "value": 1e308}])

    literal = await gql.error(
        'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "shoe_size", '
        "by: 1e309) { id } }",
        id=contact["id"],
    )
    overflow = await gql.error(INCREMENT, id=contact["id"], key="shoe_size", by=1e308)

    assert code_of(literal) == "VALIDATION_FAILED"
    assert code_of(overflow) == "VALIDATION_FAILED"
    assert (await values_of(gql, contact["id"]))["shoe_size"] == 1e308


async def test_create_contact_validates_every_value_first(gql: GraphQLClient, contact: dict):
    count = (await gql("{ contacts(includeAnonymous: true) { totalCount } }"))["contacts"]

    error = await gql.error(
        'mutation { createContact(values: [{key: "name", value: "Bo"}, '
        '{key: "email", value: "nope"}]) { id } }'
    )

    assert code_of(error) == "VALIDATION_FAILED"
    assert (await gql("{ contacts(includeAnonymous: true) { totalCount } }"))["contacts"] == count


async def test_value_and_properties_by_key(gql: GraphQLClient, contact: dict):
    data = await gql(
        'query($id: ID!) { contact(id: $id) { value(key: "name") unset: value(key: "shoe_size") '
        'properties(keys: ["email"]) { key type value } } }',
        id=contact["id"],
    )

    assert data["contact"]["value"] == "Ann"
    assert data["contact"]["unset"] is None
    assert data["contact"]["properties"] == [
        {"key": "email", "type": "EMAIL", "value": "ann@example.com"}
    ]


async def test_value_of_an_unknown_key_is_refused(gql: GraphQLClient, contact: dict):
    error = await gql.error(
        'query($id: ID!) { contact(id: $id) { value(key: "nope") } }', id=contact["id"]
    )

    assert code_of(error) == "VALIDATION_FAILED"


async def test_delete_contact(gql: GraphQLClient, contact: dict):
    deleted = await gql("mutation($id: ID!) { deleteContact(id: $id) }", id=contact["id"])

    assert deleted["deleteContact"] is True
    assert (await gql(CONTACT, id=contact["id"]))["contact"] is None
    again = await gql.error("mutation($id: ID!) { deleteContact(id: $id) }", id=contact["id"])
    assert code_of(again) == "NOT_FOUND"
