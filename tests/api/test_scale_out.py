"""Several server processes on one PostgreSQL database and one Redis behave as one."""

import httpx
import pytest

from api.app import create_app
from api.settings import RateLimitSettings, Settings
from tests.support import databases
from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient
from tests.support.server import operator_token, served, serving
from tests.support.ws import graphql_ws

# Only score changes: the contact's creation is published through the other process's broker
# after its mutation answered, so its event may reach the subscriber after the SUBSCRIBE.
CHANGES = """
subscription { contactUpdated(keys: ["score"]) {
  changedKeys source contact { id value(key: "score") } } }"""


@pytest.fixture
async def shared_postgres(postgres_url: str) -> str:
    await databases.truncate_postgres(postgres_url)
    return postgres_url


async def test_a_change_through_one_process_reaches_a_subscriber_of_another(shared_postgres):
    redis_url = databases.require_redis()
    token = operator_token(shared_postgres)
    # The subscriber's server runs in this process, so that the test can wait until its broker
    # listens (Redis confirmed the SUBSCRIBE); the change goes through a `propflow serve` process.
    subscribing = Settings(
        database_url=shared_postgres,
        redis_url=redis_url,
        rate_limits=RateLimitSettings(enabled=False),
    )
    with served(shared_postgres, env={"REDIS_URL": redis_url}) as first:
        async with (
            httpx.AsyncClient(base_url=first) as http,
            serving(create_app(subscribing)) as second,
        ):
            gql = GraphQLClient(http, token)
            await create_property(gql, "Score", "NUMBER")
            contact = await create_contact(gql, email="ann@example.com")
            async with graphql_ws(second) as ws:
                await ws.init({"authorization": f"Bearer {token}"})
                await ws.subscribed("1", CHANGES)

                await gql(
                    'mutation($id: ID!) { incrementContactProperty(contactId: $id, key: "score", '
                    "by: 5) { id } }",
                    id=contact["id"],
                )
                change = (await ws.next_data("1"))["contactUpdated"]

    assert change == {
        "changedKeys": ["score"],
        "source": "OPERATOR",
        "contact": {"id": contact["id"], "value": 5},
    }
