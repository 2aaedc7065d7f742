from tests.support.builders import CREATE_PROPERTY, create_contact, create_property
from tests.support.graphql import GraphQLClient, code_of

PROPERTIES = """
query($includeHidden: Boolean) {
  properties(includeHidden: $includeHidden) {
    key label type options hidden builtIn createdAt contactCount createdBy { email }
  }
}"""
UPDATE = """
mutation($input: UpdatePropertyInput!) {
  updateProperty(input: $input) { id key label type options hidden }
}"""
DELETE = "mutation($id: ID!) { deleteProperty(id: $id) }"


async def test_built_in_properties_exist_in_every_workspace(gql: GraphQLClient):
    properties = (await gql(PROPERTIES))["properties"]

    assert [(p["key"], p["type"], p["builtIn"]) for p in properties] == [
        ("name", "TEXT", True),
        ("email", "EMAIL", True),
        ("phone", "PHONE", True),
    ]
    assert all(p["createdBy"] is None for p in properties)


async def test_create_property_derives_the_key_from_the_label(gql: GraphQLClient):
    created = await create_property(gql, "Favorite color", "TEXT")
    accented = await create_property(gql, "Éxtra  Crème-brûlée!", "TEXT")
    leading_digit = await create_property(gql, "3rd party id", "TEXT")

    assert created["key"] == "favorite_color"
    assert accented["key"] == "extra_creme_brulee"
    assert leading_digit["key"] == "p_3rd_party_id"


async def test_create_property_records_creator_time_and_count(gql: GraphQLClient):
    await create_property(gql, "Shoe size", "NUMBER")

    shoe = (
        await gql('{ property(key: "shoe_size") { createdBy { email } createdAt contactCount } }')
    )["property"]
    assert shoe["createdBy"] == {"email": "ops@example.com"}
    assert shoe["createdAt"].endswith("+00:00")
    assert shoe["contactCount"] == 0


async def test_create_property_takes_a_valid_explicit_key(gql: GraphQLClient):
    created = await create_property(gql, "Lead score", "NUMBER", key="score_v2")

    assert created["key"] == "score_v2"


async def test_create_property_refuses_a_malformed_key(gql: GraphQLClient):
    for bad in ("Score", "2score", "score-v2", "", "a" * 65):
        error = await gql.error(
            'mutation($key: String) { createProperty(input: {label: "X", type: TEXT, key: $key}) '
            "{ key } }",
            key=bad,
        )
        assert code_of(error) == "VALIDATION_FAILED", bad
    assert len((await gql(PROPERTIES))["properties"]) == 3


async def test_create_property_refuses_a_colliding_key(gql: GraphQLClient):
    await create_property(gql, "Favorite color", "TEXT")

    error = await gql.error(
        'mutation { createProperty(input: {label: "favorite  COLOR", type: NUMBER}) { key } }'
    )

    assert code_of(error) == "CONFLICT"
    assert error["extensions"]["key"] == "favorite_color"


async def test_create_property_refuses_a_built_in_key(gql: GraphQLClient):
    error = await gql.error(
        'mutation { createProperty(input: {label: "Email", type: TEXT}) { key } }'
    )

    assert code_of(error) == "CONFLICT"


async def test_select_property_needs_options(gql: GraphQLClient):
    error = await gql.error(
        'mutation { createProperty(input: {label: "Plan", type: SELECT}) { key } }'
    )
    created = await create_property(gql, "Plan", "SELECT", options=["Free", "Pro"])
    duplicate = await gql.error(
        CREATE_PROPERTY, input={"label": "Tier", "type": "SELECT", "options": ["A", "a"]}
    )
    not_select = await gql.error(
        'mutation { createProperty(input: {label: "Size", type: NUMBER, options: ["1"]}) { key } }'
    )

    assert code_of(error) == "VALIDATION_FAILED"
    assert created["options"] == ["Free", "Pro"]
    assert code_of(duplicate) == "VALIDATION_FAILED"
    assert code_of(not_select) == "VALIDATION_FAILED"


async def test_every_property_type_can_be_created(gql: GraphQLClient):
    for type in ("TEXT", "NUMBER", "EMAIL", "URL", "PHONE", "DATE", "BOOLEAN"):
        created = await create_property(gql, f"My {type.lower()}", type)
        assert created["type"] == type


async def test_update_property_edits_label_options_and_hidden(gql: GraphQLClient):
    plan = await create_property(gql, "Plan", "SELECT", options=["Free", "Pro"])

    updated = (
        await gql(
            UPDATE,
            input={"id": plan["id"], "label": "Pricing plan", "options": ["Free", "Pro", "Team"]},
        )
    )["updateProperty"]
    hidden = (await gql(UPDATE, input={"id": plan["id"], "hidden": True}))["updateProperty"]

    assert updated["label"] == "Pricing plan"
    assert updated["key"] == "plan"
    assert updated["options"] == ["Free", "Pro", "Team"]
    assert hidden["hidden"] is True


async def test_update_property_refuses_a_type_change(gql: GraphQLClient):
    size = await create_property(gql, "Shoe size", "NUMBER")

    error = await gql.error(UPDATE, input={"id": size["id"], "type": "TEXT", "label": "Size"})
    same_type = (await gql(UPDATE, input={"id": size["id"], "type": "NUMBER"}))["updateProperty"]

    assert code_of(error) == "TYPE_IMMUTABLE"
    assert error["extensions"] == {
        "code": "TYPE_IMMUTABLE",
        "key": "shoe_size",
        "type": "NUMBER",
        "requestedType": "TEXT",
    }
    assert "shoe_size" in error["message"] and "NUMBER" in error["message"]
    assert same_type["label"] == "Shoe size"


async def test_built_in_properties_cannot_be_retyped_hidden_or_deleted(gql: GraphQLClient):
    email = (await gql('{ property(key: "email") { id } }'))["property"]

    retype = await gql.error(UPDATE, input={"id": email["id"], "type": "TEXT"})
    hide = await gql.error(UPDATE, input={"id": email["id"], "hidden": True})
    delete = await gql.error(DELETE, id=email["id"])

    assert code_of(retype) == "TYPE_IMMUTABLE"
    assert code_of(hide) == "FORBIDDEN"
    assert code_of(delete) == "FORBIDDEN"


async def test_properties_leave_out_hidden_ones_unless_asked(gql: GraphQLClient):
    secret = await create_property(gql, "Internal note", "TEXT")
    await gql(UPDATE, input={"id": secret["id"], "hidden": True})

    default = [p["key"] for p in (await gql(PROPERTIES))["properties"]]
    everything = [p["key"] for p in (await gql(PROPERTIES, includeHidden=True))["properties"]]

    assert "internal_note" not in default
    assert "internal_note" in everything


async def test_contact_count_counts_contacts_with_a_value(gql: GraphQLClient):
    await create_property(gql, "Shoe size", "NUMBER")
    await create_contact(gql, shoe_size=42)
    await create_contact(gql, shoe_size=38)
    await create_contact(gql, name="No size")

    size = (await gql('{ property(key: "shoe_size") { contactCount } }'))["property"]

    assert size["contactCount"] == 2


async def test_delete_property_removes_definition_and_values(gql: GraphQLClient):
    size = await create_property(gql, "Shoe size", "NUMBER")
    contact = await create_contact(gql, shoe_size=42, name="Ann")

    assert (await gql(DELETE, id=size["id"]))["deleteProperty"] is True

    assert (await gql('{ property(key: "shoe_size") { key } }'))["property"] is None
    values = await gql(
        "query($id: ID!) { contact(id: $id) { properties { key } } }", id=contact["id"]
    )
    assert [v["key"] for v in values["contact"]["properties"]] == ["name"]


async def test_unknown_property_id_is_not_found(gql: GraphQLClient):
    assert code_of(await gql.error(DELETE, id="999999")) == "NOT_FOUND"
    assert code_of(await gql.error(DELETE, id="not-a-number")) == "NOT_FOUND"


PROPERTY_TYPES = "{ propertyTypes { type label operators { op label unary } } }"


async def test_property_types_publish_each_type_with_the_operators_that_fit_it(
    gql: GraphQLClient,
):
    types = {item["type"]: item for item in (await gql(PROPERTY_TYPES))["propertyTypes"]}

    assert list(types) == ["TEXT", "NUMBER", "EMAIL", "URL", "PHONE", "DATE", "BOOLEAN", "SELECT"]
    assert types["NUMBER"]["label"] == "Number"
    text_ops = [op["op"] for op in types["TEXT"]["operators"]]
    assert text_ops[0] == "CONTAINS"
    assert "GT" not in [op["op"] for op in types["BOOLEAN"]["operators"]]
    assert "CONTAINS" not in [op["op"] for op in types["NUMBER"]["operators"]]
    unary = {op["op"] for item in types.values() for op in item["operators"] if op["unary"]}
    assert unary == {"IS_SET", "IS_NOT_SET"}
    assert {"op": "GTE", "label": "≥", "unary": False} in types["DATE"]["operators"]


async def test_a_filter_the_published_table_leaves_out_is_refused(gql: GraphQLClient):
    await create_property(gql, "Subscribed", "BOOLEAN")

    error = await gql.error(
        '{ contacts(filter: [{key: "subscribed", op: GT, value: true}]) { totalCount } }'
    )

    assert code_of(error) == "VALIDATION_FAILED"
    assert "GT does not apply to the BOOLEAN property 'subscribed'" in error["message"]


async def test_property_key_is_the_key_create_property_would_derive(gql: GraphQLClient):
    query = "query($label: String!) { propertyKey(label: $label) }"
    previewed = (await gql(query, label="Éxtra  Crème-brûlée!"))["propertyKey"]
    created = await create_property(gql, "Éxtra  Crème-brûlée!", "TEXT")
    refused = await gql.error(query, label="!!!")

    assert previewed == created["key"] == "extra_creme_brulee"
    assert code_of(refused) == "VALIDATION_FAILED"


async def test_property_types_and_key_need_an_operator(anonymous: GraphQLClient):
    types = await anonymous.error(PROPERTY_TYPES)
    key = await anonymous.error('{ propertyKey(label: "Shoe size") }')

    assert code_of(types) == code_of(key) == "UNAUTHENTICATED"
