"""Token lifecycle: `operator token` and `operator revoke`, lastUsedAt, and the open sockets a
revoked token or a deleted operator loses within 5 s, on one process and across processes."""

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from api.app import create_app
from api.errors import UnauthenticatedError
from api.settings import Settings
from api.workspaces import service as workspaces_service
from api.workspaces.models import Operator, OperatorToken
from tests.support import databases
from tests.support.builders import create_contact
from tests.support.graphql import GraphQLClient, code_of
from tests.support.server import operator_token, served, serving
from tests.support.ws import GraphQLWebSocket, graphql_ws

PROPFLOW = str(Path(sys.executable).parent / "propflow")
CLOSED_WITHIN_SECONDS = 5
WHO = "{ workspace { id } }"
CHANGES = "subscription { contactUpdated { changedKeys contact { id } } }"
SET_NAME = """
mutation($id: ID!, $name: JSON!) {
  setContactProperties(contactId: $id, values: [{key: "name", value: $name}]) { id }
}"""


async def propflow(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run the real CLI without blocking the event loop; exit status, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        PROPFLOW,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    out, err = await process.communicate()
    return int(process.returncode or 0), out.decode(), err.decode()


async def subscribed(ws: GraphQLWebSocket, token: str, *, in_process: bool = True) -> None:
    """Sign in and subscribe; to an app served in this process, until its broker listens."""
    assert (await ws.init({"authorization": f"Bearer {token}"}))["type"] == "connection_ack"
    if in_process:
        await ws.subscribed("1", CHANGES)
    else:  # only the sign-in matters: revocation closes the socket, listening or not
        await ws.subscribe("1", CHANGES)


async def closed_code(ws: GraphQLWebSocket) -> int | None:
    """The close code, which must come within the promised bound."""
    async with asyncio.timeout(CLOSED_WITHIN_SECONDS):
        return await ws.closed_with()


@pytest.fixture
async def broker_only_url(settings: Settings) -> AsyncIterator[str]:
    """The app with its re-check out of the way: only the revocation event can close a socket."""
    async with serving(create_app(replace(settings, session_recheck_seconds=3600))) as base_url:
        yield base_url


async def test_revoke_refuses_every_token_of_the_operator_at_once(settings, gql, operator_client):
    _, second_token = await workspaces_service.issue_token(
        email="ops@example.com", workspace_name="Acme"
    )
    colleague = await operator_client("two@example.com", "Acme")
    await gql(WHO)

    status, out, err = await propflow(
        "operator", "revoke", "--email", "ops@example.com", "--workspace", "Acme",
        "--db", settings.database_url,
    )  # fmt: skip

    assert status == 0, err
    assert out.strip() == "Revoked 2 token(s) of ops@example.com in workspace 'Acme'"
    assert code_of(await gql.error(WHO)) == "UNAUTHENTICATED"
    assert code_of(await GraphQLClient(gql.http, second_token).error(WHO)) == "UNAUTHENTICATED"
    await colleague(WHO)
    assert await OperatorToken.filter(operator__email="ops@example.com").count() == 0


async def test_token_issues_another_working_token(settings, gql, client):
    status, out, err = await propflow(
        "operator", "token", "--email", "OPS@example.com", "--workspace", "Acme",
        "--db", settings.database_url,
    )  # fmt: skip

    assert status == 0, err
    token = out.strip().splitlines()[-1]
    assert token.startswith("pf_") and token != gql.token
    assert await GraphQLClient(client, token)(WHO) == await gql(WHO)


@pytest.mark.parametrize("command", ["token", "revoke"])
@pytest.mark.parametrize(
    ("email", "workspace"), [("nobody@example.com", "Acme"), ("ops@example.com", "Globex")]
)
async def test_an_unknown_operator_is_one_clear_line(settings, gql, command, email, workspace):
    status, out, err = await propflow(
        "operator", command, "--email", email, "--workspace", workspace,
        "--db", settings.database_url,
    )  # fmt: skip

    assert status == 2
    assert out == ""
    assert err.strip() == (
        f"propflow: No operator {email} in workspace '{workspace}': "
        "create one with `propflow operator create`"
    )
    assert await OperatorToken.all().count() == 1
    await gql(WHO)


async def test_last_used_at_is_written_once_a_minute_not_on_every_request(gql, monkeypatch):
    assert (await OperatorToken.get()).last_used_at is None

    await asyncio.gather(*(gql(WHO) for _ in range(20)))
    first = (await OperatorToken.get()).last_used_at
    assert first is not None
    for _ in range(5):
        await gql(WHO)
    unchanged = (await OperatorToken.get()).last_used_at
    a_minute_on = first + timedelta(minutes=1, seconds=1)
    monkeypatch.setattr(workspaces_service, "_now", lambda: a_minute_on)
    await gql(WHO)
    await gql(WHO)

    token = await OperatorToken.get()
    assert first >= token.created_at
    assert unchanged == first
    assert token.last_used_at == a_minute_on


async def test_requests_signing_in_at_once_with_one_token_read_it_once(gql, monkeypatch):
    # A remembered sign-in expires (or none is kept, without Redis): the requests in flight
    # then all needed the row at once, and read it one after another.
    reads = []
    read = OperatorToken.get_or_none

    def counted(*args, **kwargs):
        reads.append(kwargs)
        return read(*args, **kwargs)

    monkeypatch.setattr(OperatorToken, "get_or_none", counted)
    workspaces_service.forget_sign_ins(None)

    operators = await asyncio.gather(
        *(workspaces_service.authenticate(gql.token) for _ in range(20))
    )
    revoked = await asyncio.gather(
        *(workspaces_service.authenticate("pf_unknown") for _ in range(2)),
        return_exceptions=True,
    )

    assert len({operator.id for operator in operators}) == 1
    assert [type(error) for error in revoked] == [UnauthenticatedError] * 2
    assert len(reads) == 2


async def test_a_read_left_in_flight_by_a_closed_event_loop_is_not_waited_for(gql):
    stale_loop = asyncio.new_event_loop()
    digest = workspaces_service.token_hash(gql.token)
    workspaces_service._reading[digest] = stale_loop.create_future()
    stale_loop.close()
    workspaces_service.forget_sign_ins(None)

    async with asyncio.timeout(5):
        operator = await workspaces_service.authenticate(gql.token)

    assert operator.email


async def test_revocation_closes_the_operators_open_subscriptions(broker_only_url):
    _, token = await workspaces_service.create_operator(
        email="ops@example.com", workspace_name="Acme"
    )
    _, colleague_token = await workspaces_service.create_operator(
        email="two@example.com", workspace_name="Acme"
    )
    async with (
        httpx.AsyncClient(base_url=broker_only_url) as http,
        graphql_ws(broker_only_url) as mine,
        graphql_ws(broker_only_url) as theirs,
    ):
        colleague = GraphQLClient(http, colleague_token)
        contact = await create_contact(colleague, email="ann@example.com")
        await subscribed(mine, token)
        await subscribed(theirs, colleague_token)

        await workspaces_service.revoke_tokens(email="ops@example.com", workspace_name="Acme")

        assert await closed_code(mine) == 4403
        await colleague(SET_NAME, id=contact["id"], name="Ann")
        change = (await theirs.next_data("1"))["contactUpdated"]

    assert change == {"changedKeys": ["name"], "contact": {"id": contact["id"]}}


async def test_a_revocation_no_server_heard_is_found_by_the_re_check(settings, live_url):
    _, token = await workspaces_service.create_operator(
        email="ops@example.com", workspace_name="Acme"
    )
    async with graphql_ws(live_url) as ws:
        await subscribed(ws, token)

        # The CLI is another process, with no Redis to carry its event to this server.
        status, _, err = await propflow(
            "operator", "revoke", "--email", "ops@example.com", "--workspace", "Acme",
            "--db", settings.database_url,
        )  # fmt: skip

        assert status == 0, err
        assert await closed_code(ws) == 4403


async def test_a_deleted_operators_socket_is_closed(live_url, live_gql):
    async with graphql_ws(live_url) as ws:
        await subscribed(ws, str(live_gql.token))

        await Operator.filter(email="ops@example.com").delete()

        assert await closed_code(ws) == 4403


async def test_revocation_closes_sockets_and_refuses_remembered_tokens_on_every_process(empty_db):
    redis_url = databases.require_redis()
    # No re-check, and sign-ins remembered for an hour: only the revocation event, through
    # Redis, can close the sockets and make the processes forget the token.
    environment = {"REDIS_URL": redis_url, "PROPFLOW_SESSION_RECHECK_SECONDS": "3600"}
    token = operator_token(empty_db)
    with (
        served(empty_db, env=environment) as first,
        served(empty_db, env=environment) as second,
    ):
        async with (
            httpx.AsyncClient(base_url=first) as one_http,
            httpx.AsyncClient(base_url=second) as two_http,
            graphql_ws(first) as one,
            graphql_ws(second) as two,
        ):
            processes = [GraphQLClient(one_http, token), GraphQLClient(two_http, token)]
            for gql in processes:
                assert (await gql("{ me { email } }"))["me"]["email"] == "designer@example.com"
            await subscribed(one, token, in_process=False)
            await subscribed(two, token, in_process=False)

            status, _, err = await propflow(
                "operator", "revoke", "--email", "designer@example.com", "--db", empty_db,
                env=environment,
            )  # fmt: skip

            assert status == 0, err
            # Each process forgets the sign-in before it closes the socket: the close is the
            # signal that the event was heard.
            assert await closed_code(one) == 4403
            assert await closed_code(two) == 4403
            for gql in processes:
                assert code_of(await gql.error("{ me { email } }")) == "UNAUTHENTICATED"
