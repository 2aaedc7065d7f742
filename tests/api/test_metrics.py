"""/metrics in Prometheus's format, counted from known traffic; JSON log lines carrying the
request id that the response echoes."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api import log_format
from api.rates import Rate
from api.settings import RateLimitSettings, Settings
from tests.api.test_faults import ON_SQLITE, key, locked_database  # noqa: F401 (fixtures)
from tests.support.builders import workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.visitor import TRACK, Visitor
from tests.support.ws import graphql_ws

CHANGES = "subscription { contactUpdated { changedKeys } }"


async def scrape(http: httpx.AsyncClient) -> dict[tuple[str, tuple], float]:
    """Every sample of /metrics, by name and labels."""
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def grew(before: dict, after: dict, name: str, **labels: str) -> float:
    sample = (name, tuple(sorted(labels.items())))
    return after.get(sample, 0.0) - before.get(sample, 0.0)


@pytest.fixture
def settings(empty_db: str) -> Settings:
    """Two visitor events a minute: the third is refused by the rate limit."""
    limits = RateLimitSettings(visitor_events=Rate(2, 60, burst=2))
    return Settings(database_url=empty_db, rate_limits=limits)


async def test_operations_page_views_commits_and_refusals_are_counted(
    gql: GraphQLClient, client: httpx.AsyncClient
):
    visitor = Visitor(gql, await workspace_key(gql))
    before = await scrape(client)

    for _ in range(2):
        await gql("query Me { me { email } }")
    await gql.error("query Broken { me { nope } }")
    await visitor.visit("/pricing", event_id="e-1")
    await visitor.visit("/pricing", event_id="e-1")
    await visitor.error(TRACK, url="/pricing", eventId="e-2")
    await Visitor(gql, "no-such-key").error(TRACK, url="/pricing")
    after = await scrape(client)

    requests = "propflow_graphql_requests_total"
    assert grew(before, after, requests, operation="Me", code="OK") == 2
    assert grew(before, after, requests, operation="Broken", code="VALIDATION_FAILED") == 1
    assert grew(before, after, requests, operation="anonymous", code="LIMIT_EXCEEDED") == 1
    assert (
        grew(before, after, "propflow_graphql_request_seconds_count", operation="Me", code="OK")
        == 2
    )
    assert grew(before, after, "propflow_page_views_total", outcome="accepted") == 1
    assert grew(before, after, "propflow_page_views_total", outcome="duplicate") == 1
    assert grew(before, after, "propflow_page_views_total", outcome="refused") == 2
    assert grew(before, after, "propflow_rate_limit_refusals_total", limit="visitorEvents") == 1
    assert grew(before, after, "propflow_group_commit_size_count") == 2
    assert after[("propflow_broker_backlog_events", ())] == 0


async def test_a_hostile_client_cannot_grow_the_operation_names_without_bound(
    gql: GraphQLClient, client: httpx.AsyncClient
):
    await gql("query ThisNameIsWayTooLong" + "X" * 60 + " { me { email } }")
    after = await scrape(client)

    names = {dict(labels).get("operation") for (_, labels) in after}
    assert "other" in names
    assert not any(name and name.startswith("ThisNameIsWayTooLong") for name in names)


async def test_open_websockets_and_subscriptions_are_gauged(
    live_gql: GraphQLClient, live_url: str, live_client: httpx.AsyncClient
):
    before = await scrape(live_client)
    async with graphql_ws(live_url) as ws:
        await ws.init({"authorization": f"Bearer {live_gql.token}"})
        await ws.subscribed("1", CHANGES)
        during = await scrape(live_client)

    assert grew(before, during, "propflow_open_websockets") == 1
    assert grew(before, during, "propflow_open_subscriptions") == 1


@pytest.fixture
def json_lines() -> Iterator[io.StringIO]:
    """The `propflow` logger writing JSON to a buffer, given back as it was afterwards."""
    logger = logging.getLogger("propflow")
    saved = list(logger.handlers), logger.propagate, logger.level
    buffer = io.StringIO()
    logger.handlers[:] = [logging.StreamHandler(buffer)]
    log_format.configure("info", "json")
    yield buffer
    logger.handlers[:], logger.propagate, logger.level = saved


@ON_SQLITE
async def test_json_log_lines_carry_the_request_id_the_response_echoes(
    gql: GraphQLClient,
    key: str,  # noqa: F811
    locked_database: sqlite3.Connection,  # noqa: F811
    json_lines: io.StringIO,
):
    variables = {"key": key, "visitor": "v-1", "url": "/pricing", "eventId": "e-1"}
    response = await gql.http.post(
        "/graphql",
        json={"query": TRACK, "variables": variables},
        headers={"X-Request-ID": "support-ticket-4711"},
    )

    assert response.headers["X-Request-ID"] == "support-ticket-4711"
    lines = [json.loads(line) for line in json_lines.getvalue().splitlines()]
    assert lines, "the unavailable database is logged"
    assert {line["requestId"] for line in lines} == {"support-ticket-4711"}
    (refused,) = [line for line in lines if line["logger"] == "propflow.graphql"]
    assert refused["level"] == "WARNING"
    assert "unavailable" in refused["message"]
    assert refused["time"].endswith("+00:00")
