"""Automatic persisted queries as Apollo Client 4.3.8's `PersistedQueryLink` sends them (the
requests below are the ones it sent, byte for byte, recorded against `propflow serve`), and
documents registered ahead of time from a manifest."""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.persisted_queries.cache import InProcessQueryCache, RedisQueryCache
from api.persisted_queries.manifest import ManifestError, read_manifest
from api.settings import Settings, SettingsError
from api.workspaces import service as workspaces_service
from tests.api.test_cli import propflow
from tests.support import databases
from tests.support.graphql import GraphQLClient, code_of

# What PersistedQueryLink sends: Apollo's printed document, its SHA-256, its Accept header.
QUERY = "query PropertyTypes {\n  propertyTypes {\n    type\n    __typename\n  }\n}"
SHA256 = "57ddd60a3cc489a555197b65a2d8ff65eb87accb2c94dc9b81e9ca7ee4080303"
APOLLO_HEADERS = {
    "accept": "application/graphql-response+json,application/json;q=0.9",
    "content-type": "application/json",
}
HASH_ONLY = (
    '{"operationName":"PropertyTypes","variables":{},"extensions":{"clientLibrary":'
    '{"name":"@apollo/client","version":"4.3.8"},"persistedQuery":{"version":1,'
    '"sha256Hash":"57ddd60a3cc489a555197b65a2d8ff65eb87accb2c94dc9b81e9ca7ee4080303"}}}'
)
WITH_QUERY = HASH_ONLY[:-1] + ',"query":' + json.dumps(QUERY) + "}"
HASH_ONLY_GET = (
    "/graphql?operationName=PropertyTypes&variables=%7B%7D&extensions=%7B%22clientLibrary%22"
    "%3A%7B%22name%22%3A%22%40apollo%2Fclient%22%2C%22version%22%3A%224.3.8%22%7D%2C%22"
    "persistedQuery%22%3A%7B%22version%22%3A1%2C%22sha256Hash%22%3A%22" + SHA256 + "%22%7D%7D"
)


def test_the_recorded_requests_name_the_query_by_its_sha256():
    assert hashlib.sha256(QUERY.encode()).hexdigest() == SHA256


def headers(gql: GraphQLClient, **more: str) -> dict[str, str]:
    return {**APOLLO_HEADERS, "authorization": f"Bearer {gql.token}", **more}


async def post(gql: GraphQLClient, body: str, **more: str) -> httpx.Response:
    return await gql.http.post("/graphql", content=body, headers=headers(gql, **more))


async def test_persisted_query_link_over_post_sends_the_text_once(gql: GraphQLClient):
    unknown = await post(gql, HASH_ONLY)
    stored = await post(gql, WITH_QUERY)
    by_hash = await post(gql, HASH_ONLY)

    assert unknown.status_code == 404
    assert unknown.headers["content-type"].startswith("application/graphql-response+json")
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert stored.status_code == by_hash.status_code == 200
    assert by_hash.json() == stored.json()
    assert {"type": "EMAIL", "__typename": "PropertyTypeInfo"} in by_hash.json()["data"][
        "propertyTypes"
    ]


async def test_persisted_query_link_over_get_falls_back_to_post(gql: GraphQLClient):
    unknown = await gql.http.get(HASH_ONLY_GET, headers=headers(gql))
    stored = await post(gql, WITH_QUERY)
    by_hash = await gql.http.get(HASH_ONLY_GET, headers=headers(gql))

    assert code_of(unknown.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"
    assert stored.status_code == by_hash.status_code == 200
    assert by_hash.json() == stored.json()


async def test_a_get_by_hash_from_any_client_is_answered_not_graphiql(gql: GraphQLClient):
    """curl's `Accept: */*` would otherwise get the GraphiQL page."""
    await post(gql, WITH_QUERY)

    response = await gql.http.get(
        HASH_ONLY_GET, headers={"authorization": f"Bearer {gql.token}", "accept": "*/*"}
    )

    assert response.headers["content-type"] == "application/json"
    assert response.json()["data"]["propertyTypes"]


async def test_a_missing_hash_is_a_200_answer_under_application_json(gql: GraphQLClient):
    """urql and Apollo Client 3 read the error from a 200 application/json body."""
    response = await post(gql, HASH_ONLY, accept="application/json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert code_of(response.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"


async def test_a_text_that_is_not_its_hash_is_refused_and_not_stored(gql: GraphQLClient):
    other = WITH_QUERY.replace("__typename\\n", "label\\n")

    refused = await post(gql, other)
    after = await post(gql, HASH_ONLY)

    assert refused.status_code == 400
    assert refused.json()["errors"][0] == {
        "message": "The query's SHA-256 is not extensions.persistedQuery.sha256Hash.",
        "extensions": {"code": "BAD_REQUEST"},
    }
    assert code_of(after.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"


async def test_an_invalid_document_is_answered_but_not_stored(gql: GraphQLClient):
    query = "query Nope { noSuchField }"
    sha256 = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": sha256}}

    invalid = await post(gql, json.dumps({"query": query, "extensions": extensions}))
    after = await post(gql, json.dumps({"extensions": extensions}))

    assert invalid.status_code == 400
    assert code_of(invalid.json()["errors"][0]) == "VALIDATION_FAILED"
    assert code_of(after.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "persisted",
    [
        {"version": 2, "sha256Hash": SHA256},
        {"version": 1, "sha256Hash": "not-a-hash"},
        {"version": 1},
        "57ddd60a",
    ],
)
async def test_a_malformed_persisted_query_extension_is_a_bad_request(
    gql: GraphQLClient, persisted: Any
):
    response = await post(gql, json.dumps({"extensions": {"persistedQuery": persisted}}))

    assert response.status_code == 400
    assert code_of(response.json()["errors"][0]) == "BAD_REQUEST"
    assert "sha256Hash" in response.json()["errors"][0]["message"]


async def test_the_cache_keeps_the_most_recently_used_within_its_bounds():
    cache = InProcessQueryCache(max_entries=2, max_chars=1000)
    for name in ("a", "b"):
        await cache.put(name, f"query {name} {{ __typename }}")
    await cache.get("a")
    await cache.put("c", "query c { __typename }")
    await cache.put("d", "x" * 1000)

    assert [await cache.get(name) for name in "abc"] == [None, None, None]
    assert await cache.get("d") == "x" * 1000


@pytest.mark.redis
async def test_with_redis_a_stored_text_is_found_by_every_process(empty_db: str):
    """Stored through the app, the text is in Redis, where another process's cache finds it."""
    redis_url = databases.require_redis()
    shared = Settings(database_url=empty_db, redis_url=redis_url)
    query = f"query Unique{secrets.token_hex(6)} {{ propertyTypes {{ type }} }}"
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": _sha256(query)}}
    async with _client(shared) as http:
        gql = await _operator(http)
        stored = await http.post(
            "/graphql", json={"query": query, "extensions": extensions}, headers=_auth(gql)
        )
    other_process = RedisQueryCache(redis_url)
    try:
        found = await other_process.get(_sha256(query))
    finally:
        await other_process.close()

    assert stored.status_code == 200, stored.text
    assert found == query


@pytest.mark.redis
async def test_the_redis_cache_keeps_the_newest_within_its_bound():
    cache = RedisQueryCache(
        databases.require_redis(), prefix=f"test-apq-{secrets.token_hex(4)}", max_entries=2
    )
    try:
        for name in ("a", "b", "c"):
            await cache.put(name, f"query {name} {{ __typename }}")
        kept = [await cache.get(name) for name in "abc"]
        await cache.client.delete(*await cache.client.keys(f"{cache.prefix}:*"))
    finally:
        await cache.close()

    assert kept == [None, "query b { __typename }", "query c { __typename }"]


# Documents registered ahead of time


def apollo_manifest(*queries: str) -> str:
    return json.dumps(
        {
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [
                {"id": _sha256(query), "name": f"Op{index}", "type": "query", "body": query}
                for index, query in enumerate(queries)
            ],
        }
    )


def test_manifests_of_apollo_and_graphql_codegen_are_read():
    codegen = json.dumps({SHA256: QUERY})
    codegen_6 = json.dumps({f"sha256:{SHA256}": QUERY})  # @graphql-codegen/client-preset 6.2

    apollo = read_manifest(apollo_manifest(QUERY))
    generated = read_manifest(codegen) + read_manifest(codegen_6)

    assert [(d.id, d.body, d.name) for d in apollo] == [(SHA256, QUERY, "Op0")]
    assert [(d.id, d.body) for d in generated] == [(SHA256, QUERY)] * 2


@pytest.mark.parametrize(
    ("manifest", "says"),
    [
        ("[1]", "must be a JSON object"),
        ('{"format": "relay", "operations": []}', "Unknown manifest format 'relay'"),
        ('{"format": "apollo-persisted-query-manifest", "version": 2}', "version 2"),
        (json.dumps({"0" * 64: QUERY}), "is not the SHA-256 of its text"),
        (json.dumps({hashlib.sha1(QUERY.encode()).hexdigest(): QUERY}), "hashAlgorithm"),
    ],
)
def test_a_bad_manifest_is_refused_naming_what_is_wrong(manifest: str, says: str):
    with pytest.raises(ManifestError, match=says):
        read_manifest(manifest)


async def test_a_document_id_names_a_document_as_graphql_codegen_sends_it(
    empty_db: str, tmp_path: Path
):
    """{"documentId": "sha256:…"} over POST and GET, as Codegen's persisted documents send it."""
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({f"sha256:{SHA256}": QUERY}))
    assert propflow("persisted-queries", "load", str(manifest), "--db", empty_db).returncode == 0
    async with _client(Settings(database_url=empty_db)) as http:
        gql = await _operator(http)
        posted = await http.post(
            "/graphql", json={"documentId": f"sha256:{SHA256}"}, headers=_auth(gql)
        )
        got = await http.get(
            "/graphql", params={"documentId": f"sha256:{SHA256}"}, headers=_auth(gql)
        )
        unknown = await http.post(
            "/graphql", json={"documentId": "sha256:" + "0" * 64}, headers=_auth(gql)
        )
        malformed = await http.post("/graphql", json={"documentId": SHA256}, headers=_auth(gql))

    assert posted.json()["data"]["propertyTypes"], posted.text
    assert got.json() == posted.json()
    assert code_of(unknown.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(malformed.json()["errors"][0]) == "BAD_REQUEST"


def test_registered_only_needs_production(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROPFLOW_PERSISTED_QUERIES", "registered")

    with pytest.raises(SettingsError, match="needs PROPFLOW_PRODUCTION=true"):
        Settings.from_env()


def test_loading_a_manifest_checks_each_document_against_the_schema(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'load.db'}"
    good = tmp_path / "good.json"
    good.write_text(apollo_manifest(QUERY))
    bad = tmp_path / "bad.json"
    bad.write_text(apollo_manifest("query Nope { noSuchField }"))

    loaded = propflow("persisted-queries", "load", str(good), "--db", url)
    again = propflow("persisted-queries", "load", str(good), "--db", url)
    refused = propflow("persisted-queries", "load", str(bad), "--db", url)

    assert loaded.returncode == again.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == "Registered 1 document(s); 0 already registered"
    assert again.stdout.strip() == "Registered 0 document(s); 1 already registered"
    assert refused.returncode == 2
    assert "Op0" in refused.stderr and "noSuchField" in refused.stderr


async def test_in_production_only_registered_documents_are_served(empty_db: str, tmp_path: Path):
    """With PROPFLOW_PERSISTED_QUERIES=registered: a registered document runs by hash or by
    text; any other document is refused, even sent with its hash."""
    manifest = tmp_path / "manifest.json"
    manifest.write_text(apollo_manifest(QUERY))
    loaded = propflow("persisted-queries", "load", str(manifest), "--db", empty_db)
    assert loaded.returncode == 0, loaded.stderr
    production = Settings(database_url=empty_db, production=True, registered_documents_only=True)
    other = "query Other { propertyTypes { label } }"
    other_extensions = {"persistedQuery": {"version": 1, "sha256Hash": _sha256(other)}}
    async with _client(production) as http:
        gql = await _operator(http)
        by_hash = await post(gql, HASH_ONLY)
        by_text = await http.post("/graphql", json={"query": QUERY}, headers=_auth(gql))
        free = await http.post("/graphql", json={"query": other}, headers=_auth(gql))
        unknown = await http.post(
            "/graphql", json={"extensions": other_extensions}, headers=_auth(gql)
        )
        sent = await http.post(
            "/graphql", json={"query": other, "extensions": other_extensions}, headers=_auth(gql)
        )

    assert by_hash.status_code == by_text.status_code == 200
    assert by_hash.json()["data"] == by_text.json()["data"]
    assert code_of(free.json()["errors"][0]) == "PERSISTED_QUERY_NOT_IN_LIST"
    assert code_of(unknown.json()["errors"][0]) == "PERSISTED_QUERY_NOT_FOUND"
    assert code_of(sent.json()["errors"][0]) == "PERSISTED_QUERY_NOT_IN_LIST"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _auth(gql: GraphQLClient) -> dict[str, str]:
    return {"authorization": f"Bearer {gql.token}"}


@contextlib.asynccontextmanager
async def _client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app of `settings` under its lifespan, with an HTTP client."""
    async with LifespanManager(create_app(settings)) as manager:
        transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
            yield http


async def _operator(http: httpx.AsyncClient) -> GraphQLClient:
    _, token = await workspaces_service.create_operator(
        email="ops@example.com", workspace_name="Acme"
    )
    return GraphQLClient(http, token)
