import pytest

from tests.support.builders import create_contact
from tests.support.graphql import GraphQLClient

NAMES = """
query($filter: [PropertyFilter!]) {
  contacts(filter: $filter, includeAnonymous: true) { edges { node { value(key: "name") } } }
}"""


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        # pypika writes "*" into the SQL instead of passing it as a parameter
        ({"key": "name", "op": "EQ", "value": "*"}, ["*"]),
        ({"key": "name", "op": "IN", "value": ["*", "o'brien"]}, ["*", "O'Brien"]),
        ({"key": "name", "op": "CONTAINS", "value": "'"}, ["O'Brien"]),
        ({"key": "name", "op": "STARTS_WITH", "value": "%"}, ["%_\\"]),
        ({"key": "name", "op": "CONTAINS", "value": "_\\"}, ["%_\\"]),
    ],
)
async def test_filter_values_with_sql_characters_match_as_plain_text(
    gql: GraphQLClient, filter: dict, expected: list[str]
):
    for name in ("*", "O'Brien", "%_\\", "Plain"):
        await create_contact(gql, name=name)

    data = await gql(NAMES, filter=[filter])

    assert sorted(edge["node"]["value"] for edge in data["contacts"]["edges"]) == expected
