"""The Inbox live: inboxEvents, operators' messages on the widget's socket, who is online;
within one process and across two through Redis."""

import httpx
import pytest

from api.app import create_app
from api.settings import RateLimitSettings, Settings
from tests.support import databases
from tests.support.builders import create_contact, workspace_key
from tests.support.graphql import GraphQLClient
from tests.support.inbox import ONLINE, START, inbox, next_event, reply, widget
from tests.support.server import operator_token, served, serving
from tests.support.visitor import Visitor


@pytest.fixture
async def visitor(live_gql: GraphQLClient) -> Visitor:
    return Visitor(live_gql, await workspace_key(live_gql))


async def test_a_visitor_message_reaches_the_inbox_and_the_reply_reaches_the_widget(
    live_url, live_gql, visitor
):
    async with inbox(live_url, live_gql) as operator, widget(live_url, visitor) as bubble:
        online = await next_event(operator)
        await visitor.say("Do you have size 44?")
        added = await next_event(operator)
        await reply(live_gql, added["conversation"]["id"], "Yes we do.")
        answered = await next_event(operator)
        received = (await bubble.next_data("messages"))["visitorMessages"]

    assert online["kind"] == "VISITOR_ONLINE"
    assert online["visitor"]["visitorId"] == visitor.id
    assert added["kind"] == "MESSAGE_ADDED"
    assert added["conversation"]["status"] == "OPEN"
    assert added["conversation"]["waitingForOperator"] is True
    assert added["conversation"]["contact"] == {"visitorId": visitor.id}
    assert (added["message"]["author"], added["message"]["text"]) == (
        "VISITOR",
        "Do you have size 44?",
    )
    assert answered["kind"] == "MESSAGE_ADDED"
    assert answered["conversation"]["waitingForOperator"] is False
    assert answered["message"]["author"] == "OPERATOR"
    assert received == {"author": "OPERATOR", "authorName": "ops@example.com", "text": "Yes we do."}


async def test_presence_follows_the_widget_socket_and_its_pages(live_url, live_gql, visitor):
    async with inbox(live_url, live_gql) as operator:
        async with widget(live_url, visitor):
            online = await next_event(operator)
            await visitor.visit("https://shop.example/shoes")
            moved = await next_event(operator)
            await visitor.visit("https://shop.example/shoes/trail")
            moved_again = await next_event(operator)
            listed = (await live_gql(ONLINE))["onlineVisitors"]
        offline = await next_event(operator)
        after = (await live_gql(ONLINE))["onlineVisitors"]

    assert online["kind"] == "VISITOR_ONLINE"
    assert online["visitor"]["contact"] is None  # no page view yet: no contact
    assert moved["kind"] == "VISITOR_MOVED"
    assert (moved["visitor"]["currentUrl"], moved["visitor"]["pagesThisVisit"]) == (
        "https://shop.example/shoes",
        1,
    )
    assert moved_again["visitor"]["pagesThisVisit"] == 2
    assert [(v["visitorId"], v["currentUrl"], v["pagesThisVisit"]) for v in listed] == [
        (visitor.id, "https://shop.example/shoes/trail", 2)
    ]
    assert listed[0]["contact"]["id"]
    assert offline["kind"] == "VISITOR_OFFLINE"
    assert offline["visitor"]["visitorId"] == visitor.id
    assert after == []


async def test_a_visitor_with_two_tabs_stays_online_until_both_close(live_url, live_gql, visitor):
    async with inbox(live_url, live_gql) as operator:
        async with widget(live_url, visitor):
            assert (await next_event(operator))["kind"] == "VISITOR_ONLINE"
            async with widget(live_url, visitor):
                await visitor.say("sentinel: the second tab opened meanwhile, unannounced")
                assert (await next_event(operator))["kind"] == "MESSAGE_ADDED"
            await visitor.say("sentinel: the second tab closed, the visitor stays online")
            assert (await next_event(operator))["kind"] == "MESSAGE_ADDED"
            assert len((await live_gql(ONLINE))["onlineVisitors"]) == 1
        assert (await next_event(operator))["kind"] == "VISITOR_OFFLINE"


async def test_an_operator_hears_only_their_own_workspace(
    live_url, live_gql, live_other_gql, visitor
):
    outsider = Visitor(live_other_gql, await workspace_key(live_other_gql))
    async with inbox(live_url, live_other_gql) as spy, widget(live_url, visitor):
        await visitor.say("Hello")
        await outsider.say("sentinel")
        first = await next_event(spy)

    assert first["kind"] == "MESSAGE_ADDED"
    assert first["message"]["text"] == "sentinel"
    assert (await live_other_gql(ONLINE))["onlineVisitors"] == []


async def test_an_operator_started_conversation_is_announced(live_url, live_gql):
    contact = await create_contact(live_gql, email="ann@example.com")
    async with inbox(live_url, live_gql) as operator:
        started = (await live_gql(START, id=contact["id"]))["startConversation"]
        changed = await next_event(operator)

    assert changed["kind"] == "CONVERSATION_CHANGED"
    assert changed["conversation"]["id"] == started["id"]


@pytest.fixture
async def shared_postgres(postgres_url: str) -> str:
    await databases.truncate_postgres(postgres_url)
    return postgres_url


# Leaving the in-process operator server cancels its open subscriptions; a field resolver that
# graphql-core had created but not yet awaited at that moment is reported as never awaited.
@pytest.mark.filterwarnings(
    "ignore:Exception ignored in.*_async_resolver:pytest.PytestUnraisableExceptionWarning"
)
async def test_a_visitor_on_one_process_chats_with_an_operator_on_another(shared_postgres):
    redis_url = databases.require_redis()
    token = operator_token(shared_postgres)
    # The operator's server runs in this process, so the test can wait until its broker
    # listens; the visitor's widget talks to a `propflow serve` process.
    operating = Settings(
        database_url=shared_postgres,
        redis_url=redis_url,
        rate_limits=RateLimitSettings(enabled=False),
    )
    with served(shared_postgres, env={"REDIS_URL": redis_url}) as first:
        async with (
            httpx.AsyncClient(base_url=first) as visitor_http,
            serving(create_app(operating)) as second,
            httpx.AsyncClient(base_url=second) as operator_http,
        ):
            gql = GraphQLClient(operator_http, token)
            visitor = Visitor(GraphQLClient(visitor_http, None), await workspace_key(gql))
            async with inbox(second, gql) as operator, widget(first, visitor) as bubble:
                online = await next_event(operator)  # the widget's stream is heard on `first`
                await visitor.visit("https://shop.example/shoes")
                moved = await next_event(operator)
                await visitor.say("Do you have size 44?")
                added = await next_event(operator)
                await reply(gql, added["conversation"]["id"], "Yes, in black.")
                received = (await bubble.next_data("messages"))["visitorMessages"]

    assert online["kind"] == "VISITOR_ONLINE"
    assert moved["visitor"]["currentUrl"] == "https://shop.example/shoes"
    assert added["message"]["text"] == "Do you have size 44?"
    assert received["text"] == "Yes, in black."
    assert received["author"] == "OPERATOR"
