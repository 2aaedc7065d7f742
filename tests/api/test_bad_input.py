"""Input that once slipped past validation: each gets a clear refusal, never "Unexpected error."
nor a body that is not JSON."""

import base64
import json
import random
import string
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.properties import service as properties_service
from api.workspaces.service import as_origin
from tests.support.builders import create_contact, create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import Visitor

PAGE_VIEWS_FLOW = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "flows" / "page_views.json").read_text()
)
SET = """
mutation($id: ID!, $values: [PropertyValueInput!]!) {
  setContactProperties(contactId: $id, values: $values) { id }
}"""


def strict_json(response: httpx.Response) -> dict:
    """The body as JSON that browsers accept too (no NaN or Infinity)."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} in the response body: {response.text[:200]}")

    return json.loads(response.text, parse_constant=refuse)


async def post(client: httpx.AsyncClient, gql: GraphQLClient, body: str) -> dict:
    response = await client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "application/json"},
    )
    return strict_json(response)


@pytest.fixture
async def contact(gql: GraphQLClient) -> dict:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Site", "URL")
    return await create_contact(gql, email="ann@example.com")


@pytest.mark.parametrize(
    ("key", "raw_value"),
    [
        ("shoe_size", "1e309"),
        ("shoe_size", "1" + "0" * 400),
        ("site", '"http://[::1"'),
    ],
)
async def test_a_value_that_once_crashed_is_refused_in_plain_json(
    client: httpx.AsyncClient, gql: GraphQLClient, contact: dict, key: str, raw_value: str
):
    body = (
        '{"query": ' + json.dumps(SET) + ', "variables": {"id": "' + contact["id"] + '", '
        '"values": [{"key": "' + key + '", "value": ' + raw_value + "}]}}"
    )

    error = (await post(client, gql, body))["errors"][0]

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["key"] == key


@pytest.mark.parametrize(
    ("query", "variables", "words"),
    [
        ("query($f: Int) { contacts(first: $f) { totalCount } }", {"f": "abc"}, "Int"),
        (
            'mutation($t: PropertyType!) { createProperty(input: {label: "X", type: $t}) { id } }',
            {"t": "COLOUR"},
            "COLOUR",
        ),
    ],
)
async def test_a_variable_of_the_wrong_type_is_refused_naming_it(
    gql: GraphQLClient, query: str, variables: dict, words: str
):
    error = await gql.error(query, **variables)

    assert code_of(error) == "VALIDATION_FAILED"
    assert words in error["message"]


async def test_a_huge_node_position_is_a_document_problem(gql: GraphQLClient):
    graph = '{"nodes": [{"id": "a", "type": "end", "position": {"x": 1' + "0" * 400 + ', "y": 0}}]}'
    report = await gql(
        "query($g: JSON!) { validateFlow(graph: $g) { valid issues { code message } } }",
        g=json.loads(graph),
    )

    assert report["validateFlow"]["valid"] is False
    assert "finite numbers" in report["validateFlow"]["issues"][0]["message"]


async def test_the_longest_text_is_stored_on_every_database(gql: GraphQLClient):
    await create_property(gql, "Notes", "TEXT")
    notes = "".join(random.choice(string.ascii_letters + string.digits) for _ in range(10_000))

    contact = await create_contact(gql, email="long@example.com", notes=notes)

    stored = await gql(
        'query($id: ID!) { contact(id: $id) { value(key: "notes") } }', id=contact["id"]
    )
    assert stored["contact"]["value"] == notes


async def test_a_body_nested_beyond_the_parser_is_a_clear_400(client: httpx.AsyncClient):
    body = '{"query": "{ __typename }", "variables": {"g": ' + "[" * 100_000 + "]" * 100_000 + "}}"

    response = await client.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert "JSON" in response.text


NOT_ROW_IDS = [str(2**31), str(2**63), "9" * 30, "²", "-1", "0", "1.0", " 1", "0x1"]
ID_OPERATIONS = [
    "mutation($id: ID!) { deleteContact(id: $id) }",
    "mutation($id: ID!) { deleteFlow(id: $id) }",
    "mutation($id: ID!) { deleteProperty(id: $id) }",
    "mutation($id: ID!) { publishFlow(id: $id) { id } }",
    "mutation($id: ID!) { setFlowEnabled(id: $id, enabled: true) { id } }",
    "mutation($id: ID!) { restoreFlowVersion(id: $id, version: 1) { id } }",
    "mutation($id: ID!) { saveFlowDraft(id: $id, graph: {nodes: [], edges: []}) { id } }",
    'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "shoe_size") { id } }',
    "mutation($id: ID!) { setContactProperties(contactId: $id, values: []) { id } }",
    'mutation($id: ID!) { updateProperty(input: {id: $id, label: "X"}) { id } }',
    "query($id: ID!) { flowRuns(flowId: $id) { id } }",
    "query($id: ID!) { simulateFlow(graph: {nodes: []}, events: [], contactId: $id) { path } }",
]


@pytest.mark.parametrize("operation", ID_OPERATIONS)
async def test_an_id_that_names_no_row_is_not_found(
    gql: GraphQLClient, contact: dict, operation: str
):
    for row_id in NOT_ROW_IDS:
        error = await gql.error(operation, id=row_id)

        assert code_of(error) == "NOT_FOUND", (row_id, error)
        assert error["extensions"]["id"] == row_id


async def test_an_id_that_names_no_row_finds_nothing(gql: GraphQLClient):
    for row_id in NOT_ROW_IDS:
        found = await gql(
            "query($id: ID!) { contact(id: $id) { id } flow(id: $id) { id } }", id=row_id
        )

        assert found == {"contact": None, "flow": None}, row_id


async def test_a_page_view_of_a_url_that_cannot_be_split_counts_and_starts_nothing(
    gql: GraphQLClient,
):
    await create_property(gql, "Page views", "NUMBER")
    await publish_flow(gql, "Page views", PAGE_VIEWS_FLOW)
    visitor = Visitor(gql, await workspace_key(gql))

    odd = await visitor.visit("[")
    pricing = await visitor.visit("https://shop.example/pricing")

    assert (odd["startedRuns"], pricing["startedRuns"]) == (0, 1)
    assert odd["contactId"] == pricing["contactId"]


def cursor_of(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


BAD_CURSORS = [
    ("", "!!!"),
    ("", cursor_of("[" * 3000 + "]" * 3000)),
    ("", cursor_of("[[], 1" + "0" * 5000 + "]")),
    ("", cursor_of(f"[[], {2**63}]")),
    ("", cursor_of(f"[[], {2**31}]")),
    ("", cursor_of("[[], true]")),
    ("", cursor_of('{"a": 1, "b": 2}')),
    ("createdAt", cursor_of(f"[[{2**63}], 1]")),
    ("shoe_size", cursor_of(f"[[{10**400}], 1]")),
    ("shoe_size", cursor_of("[[1e400], 1]")),
    ("shoe_size", cursor_of('[["big"], 1]')),
    ("site", cursor_of('[["\\ud800"], 1]')),
    ("site", cursor_of('[["a\\u0000"], 1]')),
    ("site", cursor_of('[[{"a": [1]}], 1]')),
    ("site", cursor_of('{"a": 1, "b": 2}')),
]


@pytest.mark.parametrize(("sort", "cursor"), BAD_CURSORS)
async def test_a_bad_cursor_is_refused_naming_it(
    gql: GraphQLClient, contact: dict, sort: str, cursor: str
):
    error = await gql.error(
        "query($after: String, $sort: [ContactSort!]) {"
        " contacts(after: $after, sort: $sort) { totalCount } }",
        after=cursor,
        sort=[{"key": sort}] if sort else [],
    )

    assert code_of(error) == "VALIDATION_FAILED", error
    assert error["extensions"]["field"] == "after"


def export(client: httpx.AsyncClient, gql: GraphQLClient, **params: str) -> Any:
    return client.get(
        "/export/contacts.csv", params=params, headers={"Authorization": f"Bearer {gql.token}"}
    )


@pytest.mark.parametrize(
    ("parameter", "raw", "words"),
    [
        ("filter", "[" * 3000 + "]" * 3000, "nested"),
        ("filter", '[{"key": "shoe_size", "op": "IN", "value": [[[[[[[[1]]]]]]]]}]', "nested"),
        ("filter", '[{"key": "shoe_size", "op": "EQ", "value": 1' + "0" * 5000 + "}]", "digits"),
        ("filter", '[{"key": "shoe_size", "op": "GT", "value": 1' + "0" * 4000 + "}]", "finite"),
        ("filter", '[{"key": "name", "op": "EQ", "value": "\\ud800"}]', "Unicode"),
        ("filter", '[{"key\\udfff": "name", "op": "IS_SET"}]', "Unicode"),
        ("filter", '[{"key": "name", "op": "EQ", "value": "a\\u0000"}]', "NUL"),
        ("filter", '{"key": "name"}', "list of objects"),
        ("filter", "[1, 2]", "list of objects"),
        ("filter", '"name"', "list of objects"),
        ("filter", "[{", "not valid JSON"),
        ("filter", "x" * 40_000, "characters"),
        ("sort", '[{"key": "name", "direction": "UP"}]', "direction"),
        ("sort", "[[]]", "list of objects"),
        ("columns", "email,nope", "nope"),
        ("columns", "x" * 40_000, "characters"),
    ],
)
async def test_a_bad_export_parameter_is_a_clear_400(
    client: httpx.AsyncClient,
    gql: GraphQLClient,
    contact: dict,
    parameter: str,
    raw: str,
    words: str,
):
    response = await export(client, gql, **{parameter: raw})

    assert response.status_code == 400, response.text
    body = strict_json(response)
    assert body["code"] == "VALIDATION_FAILED"
    assert words in body["error"]
    assert len(response.text) < 10_000


async def test_many_unknown_columns_are_named_briefly(
    client: httpx.AsyncClient, gql: GraphQLClient, contact: dict
):
    response = await export(client, gql, columns=",".join(f"c{n}" + "x" * 100 for n in range(200)))

    body = strict_json(response)
    assert response.status_code == 400
    assert body["parameter"] == "columns"
    assert len(body["columns"]) == 10
    assert body["error"].endswith("and 190 more")


def upload(client: httpx.AsyncClient, gql: GraphQLClient, body: str, **params: str) -> Any:
    return client.post(
        "/import/contacts.csv",
        content=body.encode(),
        params=params,
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "text/csv"},
    )


async def contact_count(gql: GraphQLClient) -> int:
    found = await gql("{ contacts(includeAnonymous: true) { totalCount } }")
    return found["contacts"]["totalCount"]


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ('{"a": ' * 3000 + "1" + "}" * 3000, "nested"),
        ('{"a": "\\ud800"}', "Unicode"),
        ("{", "not valid JSON"),
        ('["email"]', "JSON object"),
        ('{"Email": 1}', "JSON object"),
    ],
)
async def test_a_bad_import_mapping_is_refused_and_writes_nothing(
    client: httpx.AsyncClient, gql: GraphQLClient, contact: dict, mapping: str, words: str
):
    response = await upload(client, gql, "Email\r\nnew@example.com\r\n", mapping=mapping)

    assert response.status_code == 400, response.text
    body = strict_json(response)
    assert (body["code"], body["parameter"]) == ("VALIDATION_FAILED", "mapping")
    assert words in body["error"]
    assert await contact_count(gql) == 1


@pytest.mark.parametrize("row_id", ["²", "9" * 30, str(2**63), "-3", "0"])
async def test_an_import_id_that_names_no_contact_fails_its_row(
    client: httpx.AsyncClient, gql: GraphQLClient, contact: dict, row_id: str
):
    response = await upload(client, gql, f"id,Shoe size\r\n{row_id},41\r\n")

    assert response.status_code == 200, response.text
    report = strict_json(response)
    assert (report["created"], report["updated"], report["failed"]) == (0, 0, 1)
    assert f"no contact with id {row_id}" in report["failedRowsCsv"]


ORIGINS = """
mutation($origins: [String!]!) { updateWorkspaceSettings(allowedOrigins: $origins) {
  allowedOrigins } }"""


@pytest.mark.parametrize(
    "bad",
    [
        "https://exa mple.com",
        "https://ex\tample.com",
        "https://a..example",
        "https://-shop.example",
        "https://shop.example.",
        "https://" + "a" * 64 + ".example",
        "https://shop.example:99999",
        "https://shop.example:0",
        "http://[::1",
        "http://[fe80::1%25eth0]",
        "https://shop<.example",
    ],
)
async def test_an_allowed_origin_must_be_a_plain_origin(gql: GraphQLClient, bad: str):
    error = await gql.error(ORIGINS, origins=[bad])

    assert code_of(error) == "VALIDATION_FAILED"
    assert error["extensions"]["value"] == bad


async def test_an_allowed_origin_is_stored_as_its_ascii_form(gql: GraphQLClient):
    stored = await gql(
        ORIGINS, origins=["https://Bücher.example", "http://[::1]:8080", "http://a_b.test"]
    )

    assert stored["updateWorkspaceSettings"]["allowedOrigins"] == [
        "https://xn--bcher-kva.example",
        "http://[::1]:8080",
        "http://a_b.test",
    ]


def test_an_origin_with_a_lone_surrogate_is_refused():
    """The edge refuses it in any GraphQL variable; the validator does not rely on that."""
    assert as_origin("https://\ud800.example") is None


async def test_a_nul_character_never_reaches_the_database(
    client: httpx.AsyncClient, gql: GraphQLClient, contact: dict
):
    """PostgreSQL stores NUL in no text. The edge refuses it in GraphQL requests; the paths
    around or below it refuse it too."""
    contains = json.dumps([{"key": "email", "op": "CONTAINS", "value": "a\x00"}])
    workspace_id = int((await gql("{ workspace { id } }"))["workspace"]["id"])

    response = await export(client, gql, filter=contains)

    assert response.status_code == 400
    assert "NUL" in strict_json(response)["error"]
    assert await properties_service.get_by_key(workspace_id, "shoe\x00size") is None


@pytest.mark.parametrize(
    "operation",
    [
        "{ contacts(first: 9223372036854775808) { totalCount } }",
        'query { flowRuns(flowId: "1", first: 2147483648) { id } }',
        '{ contact(id: "1") { history(first: 2147483648) { key } } }',
        'mutation { restoreFlowVersion(id: "1", version: 2147483648) { id } }',
        'mutation { incrementContactProperty(contactId: "1", key: "shoe_size", by: 1e309) { id } }',
        'mutation { incrementContactProperty(contactId: "1", key: "shoe_size", by: 1e308) { id } }',
        "{ contacts(first: -1) { totalCount } }",
    ],
)
async def test_a_number_beyond_range_is_validation_failed(
    gql: GraphQLClient, contact: dict, operation: str
):
    await gql(SET, id=contact["id"], values=[{"key": "shoe_size", "value": 1e308}])

    error = await gql.error(operation)

    assert code_of(error) == "VALIDATION_FAILED", error
