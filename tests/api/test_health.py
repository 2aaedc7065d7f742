import gc
from urllib.parse import urlsplit

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings
from tests.support.private_redis import PrivateRedis, private_redis_server
from tests.support.tcp_proxy import TcpProxy


async def test_healthz_answers_ok_once_the_database_is_reachable(client: httpx.AsyncClient):
    response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_graphiql_is_served_on_get_outside_production(client: httpx.AsyncClient):
    response = await client.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_readyz_reports_the_database_and_the_broker(client: httpx.AsyncClient):
    response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


async def test_readyz_fails_naming_the_broker_while_redis_is_down(empty_db: str):
    with private_redis_server() as private_redis:
        response, alive = await ready_and_alive_after_killing(empty_db, private_redis)

    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "ok", "broker": "unavailable"}
    assert alive.status_code == 200  # liveness does not restart a process for Redis's sake


async def ready_and_alive_after_killing(
    database_url: str, private_redis: PrivateRedis
) -> tuple[httpx.Response, httpx.Response]:
    application = create_app(Settings(database_url=database_url, redis_url=private_redis.url))
    async with LifespanManager(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
            assert (await http.get("/readyz")).status_code == 200
            private_redis.kill()

            return await http.get("/readyz"), await http.get("/healthz")


@pytest.mark.postgres
async def test_readyz_fails_naming_the_database_while_postgres_is_out_of_reach(
    postgres_url: str,
):
    parts = urlsplit(postgres_url)
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    application = create_app(Settings(database_url=proxy.url(postgres_url)))
    try:
        async with LifespanManager(application) as manager:
            transport = httpx.ASGITransport(app=manager.app)  # type: ignore[arg-type]
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                assert (await http.get("/readyz")).status_code == 200
                await proxy.cut()
                down = await http.get("/readyz")
                await proxy.start()
                back = await http.get("/readyz")
    finally:
        await proxy.cut()

    assert down.status_code == 503
    assert down.json() == {"status": "unavailable", "database": "unavailable", "broker": "ok"}
    assert back.status_code == 200


async def test_a_started_app_leaves_what_it_built_to_start_out_of_garbage_collections(
    empty_db: str,
):
    # Full collections walked those objects several times a second under load (api/app.py).
    app = create_app(Settings(database_url=empty_db))

    async with LifespanManager(app):
        frozen_while_serving = gc.get_freeze_count()

    assert frozen_while_serving > 100_000
    assert gc.get_freeze_count() == 0  # the next app of a test process starts from scratch
