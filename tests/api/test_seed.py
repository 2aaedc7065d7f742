"""The seed: a new install's Default workspace, ready for the README walkthrough and the demo."""

import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from api import seed
from api.app import create_app
from api.cli import _parser
from api.settings import Settings
from api.workspaces import service as workspaces_service
from tests.support.graphql import GraphQLClient
from tests.support.server import PROPFLOW, operator_token, served

WORKSPACE = """{
  workspace { name }
  properties { key label type options }
  flows { name published { version } }
}"""
PUBLISH = "mutation($id: ID!) { publishFlow(id: $id) { published { version } } }"


@asynccontextmanager
async def default_operator(url: str) -> AsyncIterator[GraphQLClient]:
    """An operator of the Default workspace, on the app serving `url`."""
    application = create_app(Settings(database_url=url))
    async with LifespanManager(application) as manager:
        _, token = await workspaces_service.create_operator(email="you@example.com")
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
            yield GraphQLClient(http, token)


async def test_seeding_a_new_database_creates_properties_and_draft_flows(empty_db):
    assert await seed.seed_new_database(empty_db) is True
    assert await seed.seed_new_database(empty_db) is False


async def test_the_seeded_default_workspace_has_the_demo_properties_and_drafts(empty_db):
    await seed.seed_new_database(empty_db)
    async with default_operator(empty_db) as gql:
        data = await gql(WORKSPACE)
        flows = await gql("{ flows { id } }")
        published = [await gql(PUBLISH, id=flow["id"]) for flow in flows["flows"]]

    custom = {p["key"]: (p["type"], p["options"]) for p in data["properties"]}
    assert data["workspace"]["name"] == "Default"
    assert custom == {
        "name": ("TEXT", None), "email": ("EMAIL", None), "phone": ("PHONE", None),
        "page_views": ("NUMBER", None), "shoe_size": ("NUMBER", None),
        "lead_score": ("NUMBER", None), "brand": ("SELECT", ["Nike", "Adidas", "Asics"]),
    }  # fmt: skip
    assert data["flows"] == [
        {"name": "Page views", "published": None},
        {"name": "Shoe brands", "published": None},
    ]
    assert [p["publishFlow"]["published"] for p in published] == [{"version": 1}] * 2


async def test_a_database_with_a_workspace_is_not_seeded(empty_db):
    async with default_operator(empty_db):
        pass

    assert await seed.seed_new_database(empty_db) is False
    async with default_operator(empty_db) as gql:
        assert (await gql(WORKSPACE))["flows"] == []


def test_serve_seeds_a_new_database_before_operators_exist(tmp_path: Path):
    url = f"sqlite://{tmp_path / 'new.db'}"
    with served(url) as base_url:
        token = operator_token(url)
        response = httpx.post(
            f"{base_url}/graphql",
            json={"query": "{ flows { name } }"},
            headers={"Authorization": f"Bearer {token}"},
        )

    assert [f["name"] for f in response.json()["data"]["flows"]] == ["Page views", "Shoe brands"]


def test_serve_has_a_flag_to_skip_the_seed(tmp_path: Path):
    assert _parser().parse_args(["serve"]).seed is True
    assert _parser().parse_args(["serve", "--no-seed"]).seed is False
    assert (
        "--no-seed"
        in subprocess.run(
            [PROPFLOW, "serve", "--help"], capture_output=True, text=True, check=True
        ).stdout
    )
