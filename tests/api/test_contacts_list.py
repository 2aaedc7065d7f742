import logging

import pytest

from tests.support.builders import create_contact, create_property, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import Visitor

LIST = """
query($first: Int, $after: String, $filter: [PropertyFilter!], $sort: [ContactSort!],
      $includeAnonymous: Boolean) {
  contacts(first: $first, after: $after, filter: $filter, sort: $sort,
           includeAnonymous: $includeAnonymous) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { cursor node { id value(key: "name") } }
  }
}"""


@pytest.fixture
async def people(gql: GraphQLClient) -> None:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Plan", "SELECT", options=["Free", "Pro", "Team"])
    await create_property(gql, "Birthday", "DATE")
    await create_property(gql, "Subscribed", "BOOLEAN")
    await create_contact(
        gql,
        name="Ann",
        email="ann@example.com",
        shoe_size=38,
        plan="Pro",
        birthday="1990-05-01",
        subscribed=True,
    )
    await create_contact(
        gql, name="Bob", email="bob@shop.example", shoe_size=44, plan="Free", birthday="1985-12-24"
    )
    await create_contact(gql, name="Cleo", email="cleo@example.com", shoe_size=9, subscribed=False)
    await create_contact(gql, name="Dan", email="dan@example.org")
    await create_contact(gql, name="Anonymous visitor", shoe_size=40)


async def names(gql: GraphQLClient, **variables) -> list[str]:
    data = await gql(LIST, **variables)
    return [edge["node"]["value"] for edge in data["contacts"]["edges"]]


async def test_default_list_shows_only_contacts_with_an_email(gql: GraphQLClient, people):
    default = await gql(LIST)
    everyone = await gql(LIST, includeAnonymous=True)

    assert default["contacts"]["totalCount"] == 4
    assert everyone["contacts"]["totalCount"] == 5


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ({"key": "shoe_size", "op": "EQ", "value": 44}, ["Bob"]),
        ({"key": "shoe_size", "op": "NEQ", "value": 44}, ["Ann", "Cleo", "Dan"]),
        ({"key": "shoe_size", "op": "GT", "value": 38}, ["Bob"]),
        ({"key": "shoe_size", "op": "GTE", "value": 38}, ["Ann", "Bob"]),
        ({"key": "shoe_size", "op": "LT", "value": 38}, ["Cleo"]),
        ({"key": "shoe_size", "op": "LTE", "value": "38"}, ["Ann", "Cleo"]),
        ({"key": "shoe_size", "op": "IN", "value": [9, 44]}, ["Bob", "Cleo"]),
        ({"key": "shoe_size", "op": "IS_SET"}, ["Ann", "Bob", "Cleo"]),
        ({"key": "shoe_size", "op": "IS_NOT_SET"}, ["Dan"]),
        ({"key": "email", "op": "CONTAINS", "value": "EXAMPLE.COM"}, ["Ann", "Cleo"]),
        ({"key": "email", "op": "STARTS_WITH", "value": "b"}, ["Bob"]),
        ({"key": "name", "op": "EQ", "value": "ann"}, ["Ann"]),
        ({"key": "name", "op": "CONTAINS", "value": "%"}, []),
        ({"key": "name", "op": "CONTAINS", "value": "_"}, []),
        ({"key": "plan", "op": "IN", "value": ["pro", "team"]}, ["Ann"]),
        ({"key": "birthday", "op": "LT", "value": "1989-01-01"}, ["Bob"]),
        ({"key": "birthday", "op": "GTE", "value": "1990-05-01"}, ["Ann"]),
        ({"key": "subscribed", "op": "EQ", "value": False}, ["Cleo"]),
    ],
)
async def test_filter_operators_compare_by_type(gql: GraphQLClient, people, filter, expected):
    assert sorted(await names(gql, filter=[filter])) == expected


@pytest.mark.parametrize(
    ("op", "value"), [("EQ", "émile zola"), ("STARTS_WITH", "é"), ("CONTAINS", "ZOLA")]
)
async def test_text_compares_without_case_beyond_ascii(gql: GraphQLClient, op, value):
    await create_contact(gql, name="Émile Zola", email="emile@example.com")

    assert await names(gql, filter=[{"key": "name", "op": op, "value": value}]) == ["Émile Zola"]


async def test_numbers_compare_as_numbers_not_text(gql: GraphQLClient, people):
    # As text, "9" > "38" > "100"; as numbers 9 < 38 < 100.
    assert await names(gql, filter=[{"key": "shoe_size", "op": "LT", "value": 10}]) == ["Cleo"]


async def test_several_filters_are_anded(gql: GraphQLClient, people):
    filters = [
        {"key": "shoe_size", "op": "GT", "value": 5},
        {"key": "email", "op": "CONTAINS", "value": "example.com"},
        {"key": "plan", "op": "IS_NOT_SET"},
    ]

    assert await names(gql, filter=filters) == ["Cleo"]


@pytest.mark.parametrize(
    ("filter", "key"),
    [
        ({"key": "nope", "op": "EQ", "value": 1}, "nope"),
        ({"key": "shoe_size", "op": "GT", "value": "big"}, "shoe_size"),
        ({"key": "shoe_size", "op": "CONTAINS", "value": "4"}, "shoe_size"),
        ({"key": "shoe_size", "op": "IN", "value": 4}, "shoe_size"),
        ({"key": "shoe_size", "op": "EQ"}, "shoe_size"),
        ({"key": "subscribed", "op": "GT", "value": True}, "subscribed"),
        ({"key": "birthday", "op": "GT", "value": "yesterday"}, "birthday"),
        ({"key": "name", "op": "CONTAINS", "value": ""}, "name"),
    ],
)
async def test_bad_filters_are_refused_naming_the_key(gql: GraphQLClient, people, filter, key):
    error = await gql.error(LIST, filter=[filter])

    assert code_of(error) == "VALIDATION_FAILED"
    assert key in error["message"]


async def test_sort_by_property_puts_unset_values_last(gql: GraphQLClient, people):
    ascending = await names(gql, sort=[{"key": "shoe_size"}], includeAnonymous=True)
    descending = await names(
        gql, sort=[{"key": "shoe_size", "direction": "DESC"}], includeAnonymous=True
    )

    assert ascending == ["Cleo", "Ann", "Anonymous visitor", "Bob", "Dan"]
    assert descending == ["Bob", "Anonymous visitor", "Ann", "Cleo", "Dan"]


async def test_sort_by_text_date_and_created_at(gql: GraphQLClient, people):
    assert await names(gql, sort=[{"key": "name", "direction": "DESC"}]) == [
        "Dan",
        "Cleo",
        "Bob",
        "Ann",
    ]
    assert await names(gql, sort=[{"key": "birthday"}]) == ["Bob", "Ann", "Cleo", "Dan"]
    assert await names(gql, sort=[{"key": "createdAt", "direction": "DESC"}]) == [
        "Dan",
        "Cleo",
        "Bob",
        "Ann",
    ]


async def test_equal_values_go_by_id_in_the_direction_of_the_sort(gql: GraphQLClient, people):
    await create_contact(gql, name="Eve", email="eve@example.com", shoe_size=44)
    await create_contact(gql, name="Finn", email="finn@example.com", shoe_size=38)

    ascending = await names(gql, sort=[{"key": "shoe_size"}])
    descending = await names(gql, sort=[{"key": "shoe_size", "direction": "DESC"}])

    assert ascending == ["Cleo", "Ann", "Finn", "Bob", "Eve", "Dan"]
    assert descending == ["Eve", "Bob", "Finn", "Ann", "Cleo", "Dan"]


async def test_sort_by_an_unknown_key_is_refused(gql: GraphQLClient, people):
    error = await gql.error(LIST, sort=[{"key": "nope"}])

    assert code_of(error) == "VALIDATION_FAILED"


@pytest.mark.parametrize(
    "sort",
    [
        [],
        [{"key": "shoe_size"}],
        [{"key": "shoe_size", "direction": "DESC"}],
        [{"key": "plan"}, {"key": "name", "direction": "DESC"}],
        [{"key": "birthday", "direction": "DESC"}],
        [{"key": "subscribed"}],
    ],
)
async def test_cursor_pages_walk_every_contact_once(gql: GraphQLClient, people, sort):
    everyone = await names(gql, sort=sort, includeAnonymous=True, first=50)
    walked, after = [], None
    while True:
        data = (await gql(LIST, first=2, after=after, sort=sort, includeAnonymous=True))["contacts"]
        walked += [edge["node"]["value"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]

    assert walked == everyone
    assert len(walked) == 5


async def test_cursor_stays_correct_while_contacts_are_added(gql: GraphQLClient, people):
    first_page = (await gql(LIST, first=2, sort=[{"key": "shoe_size"}]))["contacts"]
    await create_contact(gql, name="Early", email="e@example.com", shoe_size=1)
    await create_contact(gql, name="Late", email="l@example.com", shoe_size=100)

    rest = await names(gql, after=first_page["pageInfo"]["endCursor"], sort=[{"key": "shoe_size"}])

    assert [e["node"]["value"] for e in first_page["edges"]] == ["Cleo", "Ann"]
    assert rest == ["Bob", "Late", "Dan"]


async def test_a_forged_cursor_is_refused(gql: GraphQLClient, people):
    for cursor in ("garbage", "W1tdLDFd", "W1siYSJdLCJ4Il0"):
        error = await gql.error(LIST, after=cursor, sort=[{"key": "shoe_size"}])
        assert code_of(error) == "VALIDATION_FAILED"


async def test_first_above_500_is_refused(gql: GraphQLClient):
    error = await gql.error(LIST, first=501)

    assert code_of(error) == "LIMIT_EXCEEDED"


async def test_first_zero_returns_only_the_count(gql: GraphQLClient, people):
    data = (await gql(LIST, first=0))["contacts"]

    assert data["edges"] == []
    assert data["totalCount"] == 4
    assert data["pageInfo"]["hasNextPage"] is True


VALUES = """
query($key: String!) {
  contacts(sort: [{key: "name"}]) { edges { node { value(key: $key) ...Set } } }
}
fragment Set on Contact { properties(keys: ["plan", "shoe_size"]) { key value updatedAt } }"""


async def test_a_page_answers_values_and_properties_read_with_it(gql: GraphQLClient, people):
    nodes = [edge["node"] for edge in (await gql(VALUES, key="plan"))["contacts"]["edges"]]
    one = (await gql('{ contact(id: "1") { value(key: "plan") properties { key } } }'))["contact"]

    assert [node["value"] for node in nodes] == ["Pro", "Free", None, None]
    assert [[(p["key"], p["value"]) for p in node["properties"]] for node in nodes] == [
        [("shoe_size", 38), ("plan", "Pro")],
        [("shoe_size", 44), ("plan", "Free")],
        [("shoe_size", 9)],
        [],
    ]
    assert nodes[0]["properties"][0]["updatedAt"].endswith("+00:00")
    assert one["value"] == "Pro"
    assert [p["key"] for p in one["properties"]] == [
        "name", "email", "shoe_size", "plan", "birthday", "subscribed"
    ]  # fmt: skip


async def test_an_unknown_value_key_is_refused_on_a_page_and_alone(gql: GraphQLClient, people):
    on_page = await gql.error(VALUES, key="nope")
    alone = await gql.error('{ contact(id: "1") { value(key: "nope") } }')

    for error in (on_page, alone):
        assert code_of(error) == "VALIDATION_FAILED"
        assert "'nope'" in error["message"]


def contact_counts(caplog: pytest.LogCaptureFixture) -> int:
    """How many COUNTs over the contacts list ran (tortoise logs every statement it sends)."""
    statements = [record.getMessage() for record in caplog.records]
    return sum('COUNT(*) "n" FROM "contact"' in statement for statement in statements)


async def test_total_count_is_counted_only_when_asked_for(gql: GraphQLClient, people, caplog):
    caplog.set_level(logging.DEBUG, logger="tortoise.db_client")
    big_feet = [{"key": "shoe_size", "op": "GT", "value": 39}]

    page = await gql(
        "query($f: [PropertyFilter!]) { contacts(filter: $f) { edges { node { id } } } }",
        f=big_feet,
    )
    assert len(page["contacts"]["edges"]) == 1  # Bob; the anonymous 40 is not listed
    assert contact_counts(caplog) == 0

    counted = await gql(
        "query($f: [PropertyFilter!]) { contacts(filter: $f, first: 1) { totalCount } }",
        f=big_feet,
    )
    assert counted["contacts"]["totalCount"] == 1
    assert contact_counts(caplog) == 1


SEARCH = """
query($search: String, $includeAnonymous: Boolean) {
  contacts(search: $search, includeAnonymous: $includeAnonymous) {
    totalCount edges { node { value(key: "name") } }
  }
}"""


async def test_search_matches_email_or_name_in_any_case(gql: GraphQLClient, people):
    async def found(text: str, anonymous: bool = False) -> list[str]:
        data = await gql(SEARCH, search=text, includeAnonymous=anonymous)
        return sorted(edge["node"]["value"] for edge in data["contacts"]["edges"])

    assert await found("SHOP.example") == ["Bob"]
    assert await found("an") == ["Ann", "Dan"]
    assert await found("visitor", anonymous=True) == ["Anonymous visitor"]
    assert await found("%") == []


async def test_a_search_over_200_characters_is_refused(gql: GraphQLClient, people):
    result = await gql.error(SEARCH, search="x" * 201)

    assert code_of(result) == "VALIDATION_FAILED"


SEEN = """
query($first: Int, $after: String, $sort: [ContactSort!]) {
  contacts(first: $first, after: $after, sort: $sort, includeAnonymous: true) {
    pageInfo { hasNextPage endCursor }
    edges { node { id lastSeenAt } }
  }
}"""


async def test_sort_by_last_seen_puts_the_latest_page_view_first_and_never_seen_last(
    gql: GraphQLClient, people
):
    key = await workspace_key(gql)
    early, late = Visitor(gql, key), Visitor(gql, key)
    early_id = (await early.visit("/shoes"))["contactId"]
    late_id = (await late.visit("/shoes"))["contactId"]
    await early.visit("/pricing")  # seen again: now the latest
    sort = [{"key": "lastSeenAt", "direction": "DESC"}]

    walked, after = [], None
    while True:
        data = (await gql(SEEN, first=1, after=after, sort=sort))["contacts"]
        walked += [edge["node"] for edge in data["edges"]]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]

    assert [node["id"] for node in walked[:2]] == [early_id, late_id]
    assert walked[0]["lastSeenAt"] > walked[1]["lastSeenAt"]
    assert len(walked) == 7
    assert all(node["lastSeenAt"] is None for node in walked[2:])
    ascending = (await gql(SEEN, first=50, sort=[{"key": "lastSeenAt"}]))["contacts"]["edges"]
    assert [edge["node"]["id"] for edge in ascending[:2]] == [late_id, early_id]
