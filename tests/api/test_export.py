import csv
import io
import json

import httpx
import pytest

from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient


@pytest.fixture
async def shop(gql: GraphQLClient) -> None:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Note", "TEXT")
    await create_contact(gql, email="ann@example.com", name='Ann, "the" buyer', shoe_size=38)
    await create_contact(gql, email="bob@example.com", name='=HYPERLINK("x")', note="-2+3")
    await create_contact(gql, email="cleo@example.com", name="@cleo", note="line\nbreak")
    await create_contact(gql, name="Anonymous", shoe_size=-5)


def export(client: httpx.AsyncClient, gql: GraphQLClient, **params) -> httpx.Response:
    return client.get(
        "/export/contacts.csv", params=params, headers={"Authorization": f"Bearer {gql.token}"}
    )


def rows_of(response: httpx.Response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.text)))


async def test_export_streams_header_and_filtered_rows(client, gql, shop):
    response = await export(
        client,
        gql,
        columns="email,shoe_size",
        filter=json.dumps([{"key": "shoe_size", "op": "IS_SET"}]),
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert rows_of(response) == [["Email", "Shoe size"], ["ann@example.com", "38"]]


async def test_export_heads_columns_by_key_on_request_and_refuses_other_styles(client, gql, shop):
    by_key = await export(client, gql, columns="id,visitorId,email", headers="keys")
    other = await export(client, gql, headers="fancy")

    assert rows_of(by_key)[0] == ["id", "visitorId", "email"]
    assert other.status_code == 400
    assert other.json()["parameter"] == "headers"


async def test_export_quotes_per_rfc_4180(client, gql, shop):
    response = await export(client, gql, columns="name,note")

    assert '"Ann, ""the"" buyer"' in response.text
    assert response.text.endswith("\r\n")
    assert rows_of(response)[3] == ["'@cleo", "line\nbreak"]


async def test_export_neutralises_spreadsheet_formulas(client, gql, shop):
    rows = rows_of(await export(client, gql, columns="name,note", includeAnonymous="true"))

    assert rows[2] == ['\'=HYPERLINK("x")', "'-2+3"]
    assert rows[3][0] == "'@cleo"


async def test_export_keeps_negative_numbers_as_numbers(client, gql, shop):
    rows = rows_of(await export(client, gql, columns="shoe_size", includeAnonymous="true"))

    assert rows[-1] == ["-5"]


async def test_export_defaults_to_id_and_visible_properties(client, gql, shop):
    header = rows_of(await export(client, gql))[0]

    assert header == ["id", "Name", "Email", "Phone", "Shoe size", "Note"]


async def test_export_walks_every_batch(client, gql, monkeypatch, shop):
    from api.contacts import listing

    monkeypatch.setattr(listing, "MAX_PAGE_SIZE", 2)
    original = listing.iterate_contacts

    def small_batches(*args, **kwargs):
        return original(*args, **{**kwargs, "batch_size": 1})

    monkeypatch.setattr(listing, "iterate_contacts", small_batches)
    rows = rows_of(await export(client, gql, columns="email", includeAnonymous="true"))

    assert len(rows) == 1 + 4


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"columns": "email,nope"}, "nope"),
        ({"filter": "not json"}, "filter"),
        ({"filter": json.dumps({"key": "x"})}, "filter"),
        ({"filter": json.dumps([{"key": "shoe_size", "op": "GT", "value": "big"}])}, "shoe_size"),
        ({"filter": json.dumps([{"key": "shoe_size", "op": "BETWEEN"}])}, "BETWEEN"),
    ],
)
async def test_export_refuses_bad_columns_and_filters(client, gql, shop, params, message):
    response = await export(client, gql, **params)

    assert response.status_code == 400
    assert message in response.json()["error"]


async def test_export_needs_a_bearer_token(client, shop):
    response = await client.get("/export/contacts.csv")
    wrong = await client.get("/export/contacts.csv", headers={"Authorization": "Bearer nope"})

    assert response.status_code == 401
    assert wrong.status_code == 401


async def test_export_shows_only_the_operators_workspace(client, gql, other_gql, shop):
    rows = rows_of(await export(client, other_gql, includeAnonymous="true"))

    assert rows == [["id", "Name", "Email", "Phone"]]


async def test_export_writes_each_type_of_value_as_the_api_shows_it(client, gql, shop):
    await create_property(gql, "Birthday", "DATE")
    await create_property(gql, "Subscribed", "BOOLEAN")
    await create_property(gql, "Plan", "SELECT", options=["Free", "Pro"])
    await create_contact(
        gql, email="dee@example.com", shoe_size=40.5, birthday="1990-05-01", subscribed=False
    )
    await create_contact(gql, email="eve@example.com", subscribed=True, plan="Pro")

    response = await export(
        client, gql, columns="email,shoe_size,birthday,subscribed,plan", headers="keys"
    )

    assert rows_of(response)[-2:] == [
        ["dee@example.com", "40.5", "1990-05-01", "false", ""],
        ["eve@example.com", "", "", "true", "Pro"],
    ]
