import csv
import io
import json

import httpx
import pytest

from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient

CONTACTS = """
{ contacts(includeAnonymous: true, sort: [{key: "createdAt"}]) {
    totalCount edges { node { email properties { key value } history { source } } } } }"""


@pytest.fixture
async def sizes(gql: GraphQLClient) -> None:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Plan", "SELECT", options=["Free", "Pro"])


async def upload(
    client: httpx.AsyncClient, gql: GraphQLClient, body: bytes | str, **params: str
) -> httpx.Response:
    content = body.encode() if isinstance(body, str) else body
    return await client.post(
        "/import/contacts.csv",
        content=content,
        params=params,
        headers={"Authorization": f"Bearer {gql.token}", "Content-Type": "text/csv"},
    )


async def listed(gql: GraphQLClient) -> dict:
    contacts = (await gql(CONTACTS))["contacts"]
    return {
        edge["node"]["email"]: {p["key"]: p["value"] for p in edge["node"]["properties"]}
        for edge in contacts["edges"]
    }


async def test_import_creates_and_updates_by_email(client, gql, sizes):
    await create_contact(gql, email="ann@example.com", shoe_size=38)
    body = "Email,Shoe size,plan\r\nann@EXAMPLE.com,39,pro\r\nbob@example.com,44,\r\n"

    response = await upload(client, gql, body)

    assert response.status_code == 200, response.text
    assert response.json() | {"skippedColumns": []} == {
        "created": 1, "updated": 1, "unchanged": 0, "failed": 0, "dryRun": False,
        "skippedColumns": [], "failedRowsCsv": None,
    }  # fmt: skip
    assert await listed(gql) == {
        "ann@example.com": {"email": "ann@example.com", "shoe_size": 39, "plan": "Pro"},
        "bob@example.com": {"email": "bob@example.com", "shoe_size": 44},
    }
    history = (await gql(CONTACTS))["contacts"]["edges"][1]["node"]["history"]
    assert {h["source"] for h in history} == {"IMPORT"}


async def test_a_bad_row_fails_alone_with_an_error_file(client, gql, sizes):
    body = "email,shoe_size\ncleo@example.com,37\ndan@example.com,huge\n,40\n"

    report = (await upload(client, gql, body)).json()

    assert (report["created"], report["failed"]) == (1, 2)
    rows = list(csv.reader(io.StringIO(report["failedRowsCsv"])))
    assert rows[0] == ["email", "shoe_size", "error"]
    assert rows[1][:2] == ["dan@example.com", "huge"]
    assert "shoe_size" in rows[1][2] and "NUMBER" in rows[1][2] and "huge" in rows[1][2]
    assert "needs an email or an id" in rows[2][2]
    assert set(await listed(gql)) == {"cleo@example.com"}


async def test_a_dry_run_reports_and_writes_nothing(client, gql, sizes):
    await create_contact(gql, email="ann@example.com")
    body = "email,shoe_size\nann@example.com,40\nnew@example.com,41\nnew@example.com,42\nx@,1\n"

    report = (await upload(client, gql, body, dryRun="true")).json()

    assert (report["created"], report["updated"], report["failed"]) == (1, 2, 1)
    assert report["dryRun"] is True
    assert await listed(gql) == {"ann@example.com": {"email": "ann@example.com"}}


async def test_rows_can_target_a_contact_by_id(client, gql, sizes):
    contact = await create_contact(gql, email="ann@example.com")
    body = f"id,shoe_size\n{contact['id']},36\n999999,35\n"

    report = (await upload(client, gql, body)).json()

    assert (report["updated"], report["failed"]) == (1, 1)
    assert (await listed(gql))["ann@example.com"]["shoe_size"] == 36


async def test_unknown_columns_are_skipped_or_refused(client, gql, sizes):
    body = "email,favourite colour\nann@example.com,red\n"

    skipped = (await upload(client, gql, body)).json()
    refused = await upload(client, gql, body, skipUnknown="false")

    assert skipped["skippedColumns"] == ["favourite colour"]
    assert refused.status_code == 400
    assert "favourite colour" in refused.json()["error"]


async def test_a_mapping_names_the_property_of_a_column(client, gql, sizes):
    body = "E-mail address,Size (EU)\nann@example.com,41\n"
    mapping = json.dumps({"E-mail address": "email", "Size (EU)": "shoe_size"})

    await upload(client, gql, body, mapping=mapping)

    assert await listed(gql) == {"ann@example.com": {"email": "ann@example.com", "shoe_size": 41}}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"email,shoe_size\n\xff\xfeann@example.com,1\n", "not UTF-8"),
        ('email,shoe_size\n"ann@example.com,1\n', "not valid CSV"),
        ("", "no header"),
        ("email\nann@example.com,1,2\n", "has 3 cells"),
    ],
)
async def test_a_malformed_file_is_refused_and_nothing_written(client, gql, sizes, body, words):
    response = await upload(client, gql, body)

    assert response.status_code == 400
    assert words in response.json()["error"]
    assert await listed(gql) == {}


async def test_import_needs_a_token(client, sizes, gql):
    response = await client.post("/import/contacts.csv", content=b"email\nx@example.com\n")

    assert response.status_code == 401


async def test_a_large_file_imports_in_batches(client, gql, sizes, monkeypatch):
    from api.contacts import importing

    monkeypatch.setattr(importing, "BATCH_SIZE", 7)
    lines = ["email,shoe_size"] + [f"user{n}@example.com,{30 + n % 10}" for n in range(50)]

    report = (await upload(client, gql, "\n".join(lines) + "\n")).json()

    assert report["created"] == 50
    assert (await gql("{ contacts { totalCount } }"))["contacts"]["totalCount"] == 50


async def test_a_column_mapped_to_nothing_is_skipped_even_when_its_header_matches(
    client, gql, sizes
):
    body = "email,shoe_size,notes\nann@example.com,41,hello\n"
    mapping = json.dumps({"shoe_size": "", "notes": ""})

    report = (await upload(client, gql, body, mapping=mapping, skipUnknown="false")).json()

    assert (report["created"], report["skippedColumns"]) == (1, [])
    assert await listed(gql) == {"ann@example.com": {"email": "ann@example.com"}}
