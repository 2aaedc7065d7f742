"""GraphQL over HTTP: `application/graphql-response+json` with the spec's status codes for a
client that accepts it, `application/json` with 200 for everyone else (api/graphql_http.py)."""

from __future__ import annotations

import sqlite3
from typing import Any

import httpx
import pytest
from starlette.datastructures import Headers

from api.graphql_http import accepts_graphql_response
from tests.api.test_faults import ON_SQLITE, key, locked_database  # noqa: F401 (fixtures)
from tests.support.graphql import GraphQLClient, code_of
from tests.support.visitor import TRACK

SPEC = "application/graphql-response+json"
SPEC_FIRST = f"{SPEC}, application/json;q=0.9"


async def send(gql: GraphQLClient, accept: str, **body: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {gql.token}", "Accept": accept}
    return await gql.http.post("/graphql", json=body, headers=headers)


@pytest.mark.parametrize(
    ("accept", "spec"),
    [
        (SPEC_FIRST, True),
        (SPEC, True),
        ("application/json, application/graphql-response+json", True),
        ("application/json", False),
        ("application/json, application/graphql-response+json;q=0.5", False),
        ("*/*", False),
        ("", False),
        ("application/graphql-response+json;q=0", False),
    ],
)
def test_the_spec_media_type_is_chosen_only_when_the_client_prefers_it(accept: str, spec: bool):
    assert accepts_graphql_response(Headers({"accept": accept})) is spec


async def test_an_executed_query_is_200_under_the_media_type_asked_for(gql: GraphQLClient):
    spec = await send(gql, SPEC_FIRST, query="{ me { email } }")
    plain = await send(gql, "application/json", query="{ me { email } }")

    assert spec.status_code == plain.status_code == 200
    assert spec.headers["content-type"] == f"{SPEC}; charset=utf-8"
    assert plain.headers["content-type"] == "application/json"
    assert spec.json() == plain.json() == {"data": {"me": {"email": "ops@example.com"}}}


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("{ me { email }", "VALIDATION_FAILED"),  # unparsable
        ("{ me { noSuchField } }", "VALIDATION_FAILED"),  # invalid
        ("{ " + "a: me { email } " * 16 + "}", "LIMIT_EXCEEDED"),  # over the alias limit
    ],
)
async def test_a_document_refused_before_execution_is_400_without_data(
    gql: GraphQLClient, query: str, code: str
):
    spec = await send(gql, SPEC_FIRST, query=query)
    plain = await send(gql, "application/json", query=query)

    assert spec.status_code == 400
    assert "data" not in spec.json()
    assert code_of(spec.json()["errors"][0]) == code
    assert plain.status_code == 200
    assert plain.json()["data"] is None


async def test_a_field_error_after_execution_started_is_200(gql: GraphQLClient):
    response = await send(gql, SPEC_FIRST, query='{ contact(id: "999") { id } }')

    assert response.status_code == 200
    assert "data" in response.json()


async def test_a_body_that_is_not_json_is_400_under_either_media_type(gql: GraphQLClient):
    for accept in (SPEC_FIRST, "application/json"):
        response = await gql.http.post(
            "/graphql",
            content=b"{not json",
            headers={"Content-Type": "application/json", "Accept": accept},
        )
        assert response.status_code == 400
        assert code_of(response.json()["errors"][0]) == "BAD_REQUEST"
    assert response.headers["content-type"] == "application/json"


@ON_SQLITE
async def test_a_dependency_briefly_away_is_503_with_retry_after(
    gql: GraphQLClient,
    key: str,  # noqa: F811
    locked_database: sqlite3.Connection,  # noqa: F811
):
    variables = {"key": key, "visitor": "v-1", "url": "/pricing", "eventId": "e-1"}

    spec = await send(gql, SPEC_FIRST, query=TRACK, variables=variables)
    plain = await send(gql, "application/json", query=TRACK, variables=variables)

    assert spec.status_code == 503
    assert spec.headers["Retry-After"] == "1"
    assert code_of(spec.json()["errors"][0]) == "UNAVAILABLE"
    assert plain.status_code == 200
    assert code_of(plain.json()["errors"][0]) == "UNAVAILABLE"
