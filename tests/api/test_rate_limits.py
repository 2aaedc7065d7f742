"""Rate limits: each one trips with LIMIT_EXCEEDED and retryAfter, before anything is written.

Limits here are tiny and an hour long, so that a test trips them in a few requests whatever
the machine's speed. Every other limit is off unless the test turns it on.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import redis
from asgi_lifespan import LifespanManager
from tortoise import Tortoise

from api import cli, db
from api.app import create_app
from api.errors import LimitExceededError
from api.rate_limits import Limit, RateLimiter
from api.rates import Rate
from api.settings import RateLimitSettings, Settings, SettingsError
from api.workspaces import service as workspaces_service
from tests.support import databases
from tests.support.builders import workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.private_redis import private_redis_server
from tests.support.server import free_port, operator_token, served, serving
from tests.support.visitor import REPLY, SEND, TRACK, Visitor
from tests.support.ws import graphql_ws

HOUR = 3600
NONE_BUT = {"visitor_events": None, "new_visitors": None}
NONE_BUT |= {"failed_sign_ins": None, "operator_requests": None}
CONTACTS = "{ contacts(first: 10, includeAnonymous: true) { edges { node { id } } } }"

AppFactory = Callable[..., Awaitable[Any]]


def only(**rates: Rate | None) -> RateLimitSettings:
    """These limits, and no other."""
    return RateLimitSettings(**(NONE_BUT | rates))


@pytest.fixture
async def app_with(empty_db: str) -> AsyncIterator[AppFactory]:
    """Start the app with these rate limit settings."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(limits: RateLimitSettings) -> Any:
            app = create_app(Settings(database_url=empty_db, rate_limits=limits))
            return (await stack.enter_async_context(LifespanManager(app))).app

        yield start


@contextlib.asynccontextmanager
async def client_of(app: Any, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 123))
    async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
        yield http


async def operator(http: httpx.AsyncClient, email: str = "ops@example.com") -> GraphQLClient:
    _, token = await workspaces_service.create_operator(email=email, workspace_name=email)
    return GraphQLClient(http, token)


async def rows() -> dict[str, int]:
    """Every table's row count."""
    models = Tortoise.apps[db.APP_LABEL]
    return {name: await model.all().count() for name, model in models.items()}


def assert_limited(error: dict[str, Any], limit: Limit) -> None:
    assert code_of(error) == "LIMIT_EXCEEDED", error
    assert error["extensions"]["limit"] == limit.value
    retry_after = error["extensions"]["retryAfter"]
    assert isinstance(retry_after, int) and retry_after >= 1


async def test_visitor_events_trip_per_visitor_after_the_burst(app_with: AppFactory):
    app = await app_with(only(visitor_events=Rate(1, HOUR, burst=3)))
    async with client_of(app) as http:
        key = await workspace_key(await operator(http))
        ann, bob = (Visitor(GraphQLClient(http, None), key) for _ in range(2))
        for n in range(3):
            await ann.visit("/pricing", event_id=f"e{n}")
        before = await rows()

        assert_limited(await ann.error(TRACK, url="/pricing", eventId="e3"), Limit.VISITOR_EVENTS)
        assert_limited(await ann.error(REPLY, text="hi"), Limit.VISITOR_EVENTS)
        assert_limited(await ann.error(SEND, text="hi"), Limit.VISITOR_EVENTS)
        assert await rows() == before
        assert (await bob.visit("/pricing"))["contactId"]


async def test_new_visitors_trip_per_client_address(app_with: AppFactory):
    app = await app_with(only(new_visitors=Rate(2, HOUR, burst=2)))
    async with client_of(app) as http, client_of(app, "198.51.100.7") as other_http:
        key = await workspace_key(await operator(http))
        ann, bob, cid = (Visitor(GraphQLClient(http, None), key) for _ in range(3))
        await ann.visit("/")
        await bob.visit("/")
        before = await rows()

        assert_limited(await cid.error(TRACK, url="/", eventId="x"), Limit.NEW_VISITORS)
        assert await rows() == before
        assert (await ann.visit("/"))["contactId"]  # known visitors still come in
        assert await Visitor(GraphQLClient(other_http, None), key, cid.id).visit("/")


async def test_failed_sign_ins_trip_per_address_before_the_token_is_looked_up(
    app_with: AppFactory,
):
    app = await app_with(only(failed_sign_ins=Rate(2, HOUR, burst=2)))
    async with client_of(app) as http, client_of(app, "198.51.100.7") as other_http:
        good = await operator(http)
        wrong = GraphQLClient(http, "not-a-token")
        for _ in range(2):
            assert code_of(await wrong.error(CONTACTS)) == "UNAUTHENTICATED"

        assert_limited(await wrong.error(CONTACTS), Limit.FAILED_SIGN_INS)
        assert_limited(await good.error(CONTACTS), Limit.FAILED_SIGN_INS)
        assert await GraphQLClient(other_http, good.token)(CONTACTS)


async def test_a_wrong_token_over_the_websocket_counts_as_a_failed_sign_in(empty_db: str):
    settings = Settings(
        database_url=empty_db, rate_limits=only(failed_sign_ins=Rate(2, HOUR, burst=2))
    )
    async with serving(create_app(settings)) as base_url:
        for _ in range(2):
            async with graphql_ws(base_url) as ws:
                await ws.send(
                    {"type": "connection_init", "payload": {"authorization": "Bearer not-a-token"}}
                )
                assert await ws.closed_with() == 4403
        async with httpx.AsyncClient(base_url=base_url) as http:
            error = await GraphQLClient(http, "not-a-token").error(CONTACTS)

    assert_limited(error, Limit.FAILED_SIGN_INS)


async def test_operator_requests_trip_per_token(app_with: AppFactory):
    app = await app_with(only(operator_requests=Rate(1, HOUR, burst=2)))
    async with client_of(app) as http:
        ann, bob = await operator(http), await operator(http, "bob@example.com")
        for _ in range(2):
            await ann(CONTACTS)

        assert_limited(await ann.error(CONTACTS), Limit.OPERATOR_REQUESTS)
        assert await bob(CONTACTS)


async def test_export_and_import_answer_429_with_retry_after(app_with: AppFactory):
    app = await app_with(only(operator_requests=Rate(1, HOUR, burst=1)))
    async with client_of(app) as http:
        gql = await operator(http)
        headers = {"Authorization": f"Bearer {gql.token}"}
        assert (await http.get("/export/contacts.csv", headers=headers)).status_code == 200
        before = await rows()

        export = await http.get("/export/contacts.csv", headers=headers)
        imported = await http.post(
            "/import/contacts.csv", content=b"email\nann@example.com\n", headers=headers
        )

    for response in (export, imported):
        assert response.status_code == 429
        assert int(response.headers["Retry-After"]) >= 1
        assert response.json()["code"] == "LIMIT_EXCEEDED"
    assert await rows() == before


async def test_rate_limits_off_let_a_burst_through(app_with: AppFactory):
    app = await app_with(RateLimitSettings(enabled=False))
    async with client_of(app) as http:
        gql = await operator(http)
        key = await workspace_key(gql)
        for _ in range(150):  # well past every default burst
            await Visitor(GraphQLClient(http, None), key, "ann").visit("/")
        wrong = GraphQLClient(http, "not-a-token")
        for _ in range(25):
            assert code_of(await wrong.error(CONTACTS)) == "UNAUTHENTICATED"


async def test_limits_are_on_at_their_defaults(app_with: AppFactory):
    app = await app_with(RateLimitSettings())
    async with client_of(app) as http:
        key = await workspace_key(await operator(http))
        variables = {"key": key, "visitor": "ann", "url": "/"}
        # At once: the burst of 20 is counted before any of them reaches the database.
        answers = await asyncio.gather(
            *(GraphQLClient(http, None).execute(TRACK, **variables) for _ in range(21))
        )

    refused = [answer["errors"][0] for answer in answers if answer.get("errors")]
    assert len(refused) == 1
    assert_limited(refused[0], Limit.VISITOR_EVENTS)


@pytest.mark.parametrize("trusted", [False, True])
def test_x_forwarded_for_is_honoured_only_from_a_trusted_proxy(empty_db: str, trusted: bool):
    environment = {"PROPFLOW_RATE_LIMIT_FAILED_SIGN_INS": "1/hour"}
    if trusted:
        environment["PROPFLOW_TRUSTED_PROXIES"] = "127.0.0.1"
    with served(empty_db, env=environment) as base_url, httpx.Client(base_url=base_url) as http:

        def sign_in_from(address: str) -> str:
            response = http.post(
                "/graphql",
                json={"query": CONTACTS},
                headers={"Authorization": "Bearer wrong", "X-Forwarded-For": address},
            )
            return code_of(response.json()["errors"][0])

        assert sign_in_from("203.0.113.1") == "UNAUTHENTICATED"
        assert sign_in_from("203.0.113.1") == "LIMIT_EXCEEDED"
        # Another forwarded address is another client only when the peer is trusted.
        assert sign_in_from("203.0.113.2") == ("UNAUTHENTICATED" if trusted else "LIMIT_EXCEEDED")


def test_two_processes_share_their_counts_through_redis(empty_db: str):
    redis_url = databases.require_redis()
    prefix = f"propflow-test-{uuid.uuid4()}"
    token = operator_token(empty_db)
    environment = {
        "REDIS_URL": redis_url,
        "PROPFLOW_RATE_LIMIT_PREFIX": prefix,
        "PROPFLOW_RATE_LIMIT_VISITOR_EVENTS": "2/hour",
    }
    try:
        with (
            served(empty_db, env=environment) as first,
            served(empty_db, env=environment) as second,
            httpx.Client() as http,
        ):
            headers = {"Authorization": f"Bearer {token}"}
            query = {"query": "{ workspace { publicKey } }"}
            key = http.post(f"{first}/graphql", json=query, headers=headers).json()
            variables = {"key": key["data"]["workspace"]["publicKey"], "visitor": "ann", "url": "/"}
            answers = [
                http.post(f"{base}/graphql", json={"query": TRACK, "variables": variables}).json()
                for base in (first, second, first, second)
            ]
    finally:
        _forget_keys(redis_url, prefix)

    assert [bool(answer.get("errors")) for answer in answers] == [False, False, True, True]
    assert code_of(answers[-1]["errors"][0]) == "LIMIT_EXCEEDED"


async def test_the_memory_storage_forgets_expired_hits():
    settings = Settings(rate_limits=only(new_visitors=Rate(1, HOUR, burst=1)))
    limiter = RateLimiter.from_settings(settings)
    for n in range(100):
        await limiter.hit(Limit.NEW_VISITORS, f"10.0.0.{n}")
    storage = limiter.strategy.storage

    storage.sweep(time.time())
    assert len(storage.events) == 100
    storage.sweep(time.time() + HOUR + 1)
    assert storage.events == {}


async def test_processes_sharing_an_operator_window_admit_exactly_its_hits():
    # Each process takes a token's hits from Redis in leases (api/hit_leases.py): never more
    # than the window holds, and all of it while no lease lapses unspent.
    with private_redis_server() as redis_server:
        settings = Settings(
            redis_url=redis_server.url,
            rate_limits=only(operator_requests=Rate(1, HOUR, burst=5)),
        )
        first, second = RateLimiter.from_settings(settings), RateLimiter.from_settings(settings)
        admitted = []
        try:
            for limiter in [first, second] * 4:
                try:
                    await limiter.hit(Limit.OPERATOR_REQUESTS, "pf_token")
                    admitted.append(True)
                except LimitExceededError as error:
                    assert error.details["retryAfter"] > 0
                    admitted.append(False)
            await second.hit(Limit.OPERATOR_REQUESTS, "pf_another_token")
        finally:
            await first.close()
            await second.close()

    assert admitted == [True] * 5 + [False] * 3


async def test_a_busy_token_asks_redis_once_per_many_requests():
    with private_redis_server() as redis_server:
        settings = Settings(
            redis_url=redis_server.url,
            rate_limits=only(operator_requests=Rate(500, 1, burst=1000)),
        )
        limiter = RateLimiter.from_settings(settings)
        try:
            await asyncio.gather(
                *(limiter.hit(Limit.OPERATOR_REQUESTS, "pf_t") for _ in range(300))
            )
        finally:
            await limiter.close()
        with redis.Redis.from_url(redis_server.url) as client:
            stats = client.info("commandstats")

    scripts_run = sum(
        stats.get(f"cmdstat_{name}", {}).get("calls", 0) for name in ("evalsha", "eval")
    )
    assert 0 < scripts_run <= 12  # leases of 1, 2, 4, ... 100 hits: was one per request


async def test_a_redis_outage_lets_requests_through():
    settings = Settings(
        redis_url=f"redis://127.0.0.1:{free_port()}",
        rate_limits=RateLimitSettings(failed_sign_ins=Rate(1, HOUR, burst=1)),
    )
    limiter = RateLimiter.from_settings(settings)
    try:
        for _ in range(3):
            await limiter.hit(Limit.FAILED_SIGN_INS, "203.0.113.1")
    finally:
        await limiter.close()


async def test_a_frozen_redis_holds_no_request_for_long():
    with private_redis_server() as redis:
        settings = Settings(
            redis_url=redis.url,
            rate_limits=RateLimitSettings(failed_sign_ins=Rate(1, HOUR, burst=1)),
        )
        limiter = RateLimiter.from_settings(settings)
        redis.freeze()
        try:
            # Each once waited for the socket's own timeout, request after request.
            async with asyncio.timeout(3):
                for n in range(20):
                    await limiter.hit(Limit.FAILED_SIGN_INS, f"203.0.113.{n}")
        finally:
            redis.thaw()
            await limiter.close()


@pytest.mark.parametrize(
    ("text", "rate", "window"),
    [
        ("10/second burst 20", Rate(10, 1, burst=20), "20 per 2 second"),
        ("60/minute", Rate(60, 60, burst=60), "60 per 60 second"),
        ("50 per second burst 100", Rate(50, 1, burst=100), "100 per 2 second"),
        ("3/10 seconds burst 4", Rate(3, 10, burst=4), "4 per 14 second"),
    ],
)
def test_a_rate_with_a_burst_is_a_moving_window_of_the_burst(text: str, rate: Rate, window: str):
    assert Rate.parse(text) == rate
    assert repr(rate.window(Limit.VISITOR_EVENTS.value)) == window


def test_each_limit_and_the_switch_come_from_the_environment(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PROPFLOW_RATE_LIMITS", "off")
    monkeypatch.setenv("PROPFLOW_RATE_LIMIT_NEW_VISITORS", "5/minute")
    monkeypatch.setenv("PROPFLOW_RATE_LIMIT_OPERATOR_REQUESTS", "off")
    monkeypatch.setenv("PROPFLOW_TRUSTED_PROXIES", "10.0.0.1, 172.16.0.0/12")

    settings = Settings.from_env()

    assert settings.rate_limits.enabled is False
    assert settings.rate_limits.new_visitors == Rate(5, 60, burst=5)
    assert settings.rate_limits.operator_requests is None
    assert settings.rate_limits.visitor_events == RateLimitSettings().visitor_events
    assert settings.trusted_proxies == ("10.0.0.1", "172.16.0.0/12")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PROPFLOW_RATE_LIMITS", "sometimes"),
        ("PROPFLOW_RATE_LIMIT_VISITOR_EVENTS", "lots"),
        ("PROPFLOW_RATE_LIMIT_FAILED_SIGN_INS", "10/second burst 5"),
        ("PROPFLOW_TRUSTED_PROXIES", "nginx"),
    ],
)
def test_a_bad_setting_stops_serve_with_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str, value: str
):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError):
        Settings.from_env()

    assert cli.main(["serve", "--db", "sqlite://:memory:"]) == 2
    assert capsys.readouterr().err.startswith(f"propflow: {name}")


def _forget_keys(redis_url: str, prefix: str) -> None:
    with redis.Redis.from_url(redis_url) as client:
        for name in client.scan_iter(match=f"{prefix}*"):
            client.delete(name)


async def test_a_large_body_with_a_wrong_token_counts_as_a_failed_sign_in(app_with: AppFactory):
    app = await app_with(only(failed_sign_ins=Rate(1, HOUR, burst=1)))
    async with client_of(app) as http:
        body = {"query": "{ __typename }", "variables": {"x": "a" * (1024 * 1024)}}
        headers = {"Authorization": "Bearer not-a-token"}
        assert (await http.post("/graphql", json=body, headers=headers)).status_code == 413

        wrong = GraphQLClient(http, "not-a-token")
        assert_limited(await wrong.error(CONTACTS), Limit.FAILED_SIGN_INS)
