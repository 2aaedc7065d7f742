"""Fixtures: a fresh database per test (SQLite and PostgreSQL), the real app, GraphQL clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api import db
from api.app import create_app
from api.settings import Settings
from api.workspaces import service as workspaces_service
from tests.support import databases
from tests.support.graphql import GraphQLClient
from tests.support.server import serving


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return await databases.migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
async def postgres_url() -> str:
    return await databases.prepare_postgres()


@pytest.fixture(params=databases.backends())
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of each backend; `empty_db` empties it."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        return databases.fresh_sqlite_url(template, tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def empty_db(db_url: str) -> str:
    """The database of `db_url`, emptied: each test starts from nothing."""
    if db.is_postgres(db_url):
        await databases.truncate_postgres(db_url)
    return db_url


@pytest.fixture
def settings(empty_db: str) -> Settings:
    return Settings(database_url=empty_db)


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[object]:
    application = create_app(settings)
    async with LifespanManager(application) as manager:
        yield manager.app


@pytest.fixture
async def client(app: object) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
        yield http


OperatorFactory = Callable[..., Awaitable[GraphQLClient]]


@pytest.fixture
def operator_client(client: httpx.AsyncClient) -> OperatorFactory:
    """Make a signed-in GraphQL client for an operator of the given workspace."""

    async def make(email: str = "ops@example.com", workspace: str = "Acme") -> GraphQLClient:
        _, token = await workspaces_service.create_operator(email=email, workspace_name=workspace)
        return GraphQLClient(client, token)

    return make


@pytest.fixture
async def gql(operator_client: OperatorFactory) -> GraphQLClient:
    """A signed-in operator of the workspace 'Acme'."""
    return await operator_client()


@pytest.fixture
async def other_gql(operator_client: OperatorFactory) -> GraphQLClient:
    """An operator of another workspace, 'Globex'."""
    return await operator_client("spy@globex.example", "Globex")


@pytest.fixture
def anonymous(client: httpx.AsyncClient) -> GraphQLClient:
    return GraphQLClient(client, None)


@pytest.fixture
async def live_url(settings: Settings) -> AsyncIterator[str]:
    """The app served by uvicorn on a free port (for WebSockets); its base URL."""
    async with serving(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture
async def live_client(live_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=live_url) as http:
        yield http


@pytest.fixture
async def live_gql(live_client: httpx.AsyncClient) -> GraphQLClient:
    """A signed-in operator of 'Acme', over real HTTP to the served app."""
    return await live_operator(live_client, "ops@example.com", "Acme")


@pytest.fixture
async def live_other_gql(live_client: httpx.AsyncClient) -> GraphQLClient:
    """An operator of another workspace, 'Globex', over real HTTP to the served app."""
    return await live_operator(live_client, "ops@globex.example", "Globex")


async def live_operator(http: httpx.AsyncClient, email: str, workspace: str) -> GraphQLClient:
    _, token = await workspaces_service.create_operator(email=email, workspace_name=workspace)
    return GraphQLClient(http, token)
