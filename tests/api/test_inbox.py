"""The Inbox over HTTP: conversations, their transcript, operators' replies, hand-offs."""

import asyncio
import json
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.inbox import presence
from api.workspaces import service as workspaces_service
from tests.support.builders import create_contact, create_property, publish_flow, workspace_key
from tests.support.graphql import GraphQLClient, code_of
from tests.support.inbox import (
    ASSIGN,
    CONVERSATION_QUERY,
    MARK_READ,
    ONLINE,
    REOPEN,
    RESOLVE,
    START,
    conversation,
    conversations,
    only_conversation,
    reply,
    transcript,
)
from tests.support.visitor import SEND, TRANSCRIPT, Visitor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"
HAND_OFF = {
    "nodes": [
        {"id": "visit", "type": "page_visit", "position": {"x": 0, "y": 0},
         "config": {"match": "prefix", "url": "/help", "limit": "every_visit"}},
        {"id": "handoff", "type": "hand_off", "position": {"x": 260, "y": 0},
         "config": {"text": "One moment: a person will answer you here."}},
    ],
    "edges": [{"id": "e1", "source": "visit", "sourcePort": "next", "target": "handoff"}],
}  # fmt: skip
CONTACT = """
query($id: ID!) { contact(id: $id) {
  conversation { id status }
  pageViews(first: 2) { url at }
  flowRuns { status flow { name } contact { id } }
} }"""


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
async def shop(gql: GraphQLClient) -> str:
    await create_property(gql, "Shoe size", "NUMBER")
    return await workspace_key(gql)


@pytest.fixture
def visitor(gql: GraphQLClient, shop: str) -> Visitor:
    return Visitor(gql, shop)


async def me(gql: GraphQLClient) -> dict:
    return (await gql("{ me { id email name } }"))["me"]


async def test_a_visitor_message_opens_a_conversation_waiting_for_an_operator(gql, visitor):
    sent = await visitor.say("  Do you have size 44?  ")

    page = await conversations(gql)
    (edge,) = page["edges"]
    node = edge["node"]
    assert (node["status"], node["waitingForOperator"], node["unreadCount"]) == ("OPEN", True, 1)
    assert node["contact"] == {"id": sent["contactId"], "visitorId": visitor.id}
    assert node["assignee"] is None
    assert node["lastMessage"]["text"] == "Do you have size 44?"
    assert node["lastMessage"]["author"] == "VISITOR"
    assert page["totalUnread"] == 1
    assert sent["messages"] == [] and sent["startedRuns"] == 0


async def test_an_operator_reply_reaches_the_visitor_and_takes_the_conversation(gql, visitor):
    await visitor.say("Do you have size 44?")
    conversation_id = (await only_conversation(gql))["id"]
    operator = await me(gql)

    sent = await reply(gql, conversation_id, "Yes, in black and white.")

    assert sent["author"] == "OPERATOR"
    assert sent["operator"] == {"id": operator["id"], "email": "ops@example.com"}
    assert sent["authorName"] == "ops@example.com"  # no name: the email
    after = await conversation(gql, conversation_id)
    assert after["waitingForOperator"] is False
    assert after["assignee"]["id"] == operator["id"]
    assert after["unreadCount"] == 0  # replying reads what came before
    assert transcript(after) == [
        ("VISITOR", "Do you have size 44?"),
        ("OPERATOR", "Yes, in black and white."),
    ]
    seen = await visitor.transcript()
    assert [(m["author"], m["authorName"], m["text"]) for m in seen] == [
        ("VISITOR", None, "Do you have size 44?"),
        ("OPERATOR", "ops@example.com", "Yes, in black and white."),
    ]


async def test_the_transcript_holds_the_bot_the_answers_and_the_pressed_buttons_in_order(
    gql, visitor
):
    await create_property(gql, "Brand", "TEXT")
    await publish_flow(gql, "Brands", fixture("brands"))

    await visitor.visit("/shop/shoes")
    await visitor.answer(choice=2)  # Asics: nearly sold out, asks the size
    answered = await visitor.say("44")  # typed text answers the waiting question
    await visitor.say("Can I pick them up today?")

    assert [m["text"] for m in answered["messages"]] == [
        "Thanks! We set aside Asics shoes in size 44 for you."
    ]
    found = await only_conversation(gql)
    messages = [e["node"] for e in found["messages"]["edges"]]
    assert [(m["author"], m["text"], m["chosen"]) for m in messages] == [
        ("BOT", "Hi! Which brand are you looking for?", None),
        ("VISITOR", "Asics", "Asics"),
        ("BOT", "Asics is nearly sold out. What is your shoe size? We will check the stock.", None),
        ("VISITOR", "44", None),
        ("BOT", "Thanks! We set aside Asics shoes in size 44 for you.", None),
        ("VISITOR", "Can I pick them up today?", None),
    ]
    assert messages[0]["options"] == ["Nike", "Adidas", "Asics"]
    # Only the free text waits for a person; both typed messages count as unread.
    assert (found["waitingForOperator"], found["unreadCount"]) == (True, 2)


async def test_text_while_buttons_wait_is_a_message_not_an_answer(gql, visitor):
    await create_property(gql, "Brand", "TEXT")
    await publish_flow(gql, "Brands", fixture("brands"))
    await visitor.visit("/shop/shoes")

    sent = await visitor.say("Which one is the lightest?")

    assert sent["messages"] == []
    assert transcript(await only_conversation(gql))[-1] == ("VISITOR", "Which one is the lightest?")
    assert (await visitor.answer(choice=0))["messages"][0]["text"].startswith("Great choice!")


async def test_a_hand_off_opens_the_conversation_and_ends_the_bot_run(gql, visitor):
    await publish_flow(gql, "Help", HAND_OFF)

    visited = await visitor.visit("/help")

    assert [m["text"] for m in visited["messages"]] == [
        "One moment: a person will answer you here."
    ]
    found = await only_conversation(gql)
    assert (found["status"], found["waitingForOperator"]) == ("OPEN", True)
    assert transcript(found) == [("BOT", "One moment: a person will answer you here.")]
    contact = (await gql(CONTACT, id=visited["contactId"]))["contact"]
    assert contact["flowRuns"] == [
        {"status": "completed", "flow": {"name": "Help"}, "contact": {"id": visited["contactId"]}}
    ]


async def test_while_an_operator_has_joined_page_visits_start_no_flow(gql, visitor):
    await publish_flow(gql, "Help", HAND_OFF)
    await visitor.visit("/help")
    conversation_id = (await only_conversation(gql))["id"]

    await reply(gql, conversation_id, "Hello, I am here.")
    during = await visitor.visit("/help")
    await gql(RESOLVE, id=conversation_id)
    after = await visitor.visit("/help")

    assert during["startedRuns"] == 0 and during["messages"] == []
    assert after["startedRuns"] == 1


async def test_a_joined_conversation_still_lets_a_waiting_question_take_its_answer(gql, visitor):
    await publish_flow(gql, "Shoe size", fixture("shoe_size"))
    await visitor.visit("/shoes")
    await visitor.say("Before that: do you ship to Norway?")
    conversation_id = (await only_conversation(gql))["id"]
    await reply(gql, conversation_id, "We do!")

    answered = await visitor.say("43")

    assert [m["text"] for m in answered["messages"]] == [
        "Thanks! We will show you shoes in size 43."
    ]


async def test_resolve_reopen_and_a_visitor_message_reopens(gql, visitor):
    await visitor.say("Hello?")
    conversation_id = (await only_conversation(gql))["id"]

    resolved = (await gql(RESOLVE, id=conversation_id))["resolveConversation"]
    reopened = (await gql(REOPEN, id=conversation_id))["reopenConversation"]
    await gql(RESOLVE, id=conversation_id)
    await visitor.say("Still there?")

    assert (resolved["status"], resolved["waitingForOperator"]) == ("RESOLVED", False)
    assert reopened["status"] == "OPEN"
    again = await conversation(gql, conversation_id)
    assert (again["status"], again["waitingForOperator"]) == ("OPEN", True)
    assert len((await conversations(gql))["edges"]) == 1  # one conversation per contact


async def test_assign_filters_and_unread_counts_per_operator(gql, operator_client, shop):
    colleague = await operator_client("bob@example.com", "Acme")
    ann, bob, cid = (Visitor(gql, shop) for _ in range(3))
    for someone in (ann, bob, cid):
        await someone.say(f"Hi from {someone.id[:4]}")
    await ann.say("Anyone?")
    by_visitor = {
        e["node"]["contact"]["visitorId"]: e["node"]["id"]
        for e in (await conversations(gql))["edges"]
    }
    bob_id = (await me(colleague))["id"]

    assigned = await gql(ASSIGN, id=by_visitor[bob.id], operatorId=bob_id)
    await gql(RESOLVE, id=by_visitor[cid.id])
    await gql(MARK_READ, id=by_visitor[ann.id])

    assert assigned["assignConversation"]["assignee"]["email"] == "bob@example.com"

    async def visitors(client: GraphQLClient, **filter: object) -> set[str]:
        page = await conversations(client, filter=filter)
        return {e["node"]["contact"]["visitorId"] for e in page["edges"]}

    assert await visitors(gql, status="OPEN") == {ann.id, bob.id}
    assert await visitors(gql, status="RESOLVED") == {cid.id}
    assert await visitors(gql, assigneeId=bob_id) == {bob.id}
    assert await visitors(gql, unassigned=True) == {ann.id, cid.id}
    assert await visitors(gql, unassigned=False) == {bob.id}
    # ann's are read by gql only; the resolved conversation counts in no total.
    assert (await conversations(gql))["totalUnread"] == 1
    assert (await conversations(colleague))["totalUnread"] == 3
    unassigned = await gql(ASSIGN, id=by_visitor[bob.id], operatorId=None)
    assert unassigned["assignConversation"]["assignee"] is None


async def test_pages_of_conversations_go_newest_activity_first(gql, shop):
    visitors = [Visitor(gql, shop) for _ in range(3)]
    for someone in visitors:
        await someone.say("Hello")
    await visitors[0].say("Me again")  # the oldest conversation moves to the top

    first = await conversations(gql, first=2)
    rest = await conversations(gql, first=2, after=first["pageInfo"]["endCursor"])

    order = [e["node"]["contact"]["visitorId"] for e in first["edges"] + rest["edges"]]
    assert order == [visitors[0].id, visitors[2].id, visitors[1].id]
    assert first["pageInfo"]["hasNextPage"] is True
    assert rest["pageInfo"]["hasNextPage"] is False


async def test_messages_come_in_pages_back_in_time(gql, visitor):
    for n in range(5):
        await visitor.say(f"message {n}")
    conversation_id = (await only_conversation(gql))["id"]

    newest = await conversation(gql, conversation_id, first=2)
    earlier = await conversation(
        gql, conversation_id, first=3, before=newest["messages"]["edges"][0]["cursor"]
    )

    assert transcript(newest) == [("VISITOR", "message 3"), ("VISITOR", "message 4")]
    assert newest["messages"]["hasEarlier"] is True
    assert [text for _, text in transcript(earlier)] == ["message 0", "message 1", "message 2"]
    assert earlier["messages"]["hasEarlier"] is False
    assert [m["text"] for m in await visitor.transcript(first=1)] == ["message 4"]


async def test_concurrent_messages_all_count_and_open_one_conversation(gql, visitor):
    await asyncio.gather(*(visitor.say(f"message {n}") for n in range(20)))

    (edge,) = (await conversations(gql))["edges"]
    found = await conversation(gql, edge["node"]["id"], first=50)
    assert found["unreadCount"] == 20
    assert sorted(text for _, text in transcript(found)) == sorted(
        f"message {n}" for n in range(20)
    )


async def test_two_operators_answering_at_once_leave_one_assignee(gql, operator_client, visitor):
    colleague = await operator_client("bob@example.com", "Acme")
    await visitor.say("Hello?")
    conversation_id = (await only_conversation(gql))["id"]

    await asyncio.gather(
        reply(gql, conversation_id, "Hi from ops"), reply(colleague, conversation_id, "Hi from bob")
    )

    found = await conversation(gql, conversation_id)
    assert found["assignee"]["email"] in ("ops@example.com", "bob@example.com")
    mine = await conversations(gql, filter={"assigneeId": found["assignee"]["id"]})
    assert [edge["node"]["id"] for edge in mine["edges"]] == [conversation_id]
    assert sorted(text for _, text in transcript(found)) == ["Hello?", "Hi from bob", "Hi from ops"]


async def test_an_operator_starts_a_conversation_with_any_contact(gql):
    contact = await create_contact(gql, email="ann@example.com")

    started = (await gql(START, id=contact["id"]))["startConversation"]
    again = (await gql(START, id=contact["id"]))["startConversation"]
    await reply(gql, started["id"], "Hi Ann, your order shipped.")

    assert (started["status"], started["waitingForOperator"]) == ("OPEN", False)
    assert again["id"] == started["id"]
    linked = (await gql(CONTACT, id=contact["id"]))["contact"]["conversation"]
    assert linked == {"id": started["id"], "status": "OPEN"}


async def test_the_contact_lists_its_latest_page_views(gql, visitor):
    for path in ("/a", "/b", "/c"):
        contact_id = (await visitor.visit(f"https://shop.example{path}"))["contactId"]

    views = (await gql(CONTACT, id=contact_id))["contact"]["pageViews"]

    assert [v["url"] for v in views] == ["https://shop.example/c", "https://shop.example/b"]


async def test_the_same_event_id_sends_a_message_once(gql, visitor):
    first = await visitor.say("Hello", event_id="m-1")
    again = await visitor.say("Hello", event_id="m-1")
    other = await visitor.error(SEND, text="Bye", eventId="m-1")

    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert code_of(other) == "CONFLICT"
    assert transcript(await only_conversation(gql)) == [("VISITOR", "Hello")]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "must not be empty"),
        ("   \n ", "must not be empty"),
        ("x" * 4001, "at most 4,000 characters"),
        ("bell\x07", "control characters (U+0007"),
        ("escape \x1b[31m", "control characters (U+001B"),
    ],
)
async def test_a_visitor_message_is_validated(gql, visitor, text, problem):
    error = await visitor.error(SEND, text=text)

    assert code_of(error) == "VALIDATION_FAILED"
    assert problem in error["message"]
    assert (await conversations(gql))["edges"] == []


async def test_an_operator_message_is_validated_and_stores_nothing(gql, visitor):
    await visitor.say("Hello")
    conversation_id = (await only_conversation(gql))["id"]
    send = (
        "mutation($id: ID!, $text: String!) "
        "{ sendOperatorMessage(conversationId: $id, text: $text) { id } }"
    )

    for text in ("", "tab\tand\nnewline are fine \x08 but not backspace"):
        error = await gql.error(send, id=conversation_id, text=text)
        assert code_of(error) == "VALIDATION_FAILED", error

    assert transcript(await only_conversation(gql)) == [("VISITOR", "Hello")]


async def test_bad_ids_cursors_and_sizes_are_refused(gql, visitor):
    await visitor.say("Hello")
    conversation_id = (await only_conversation(gql))["id"]

    for unknown in ("999999", "abc", "99999999999999999999"):
        assert (await gql(CONVERSATION_QUERY, id=unknown))["conversation"] is None
        assert code_of(await gql.error(RESOLVE, id=unknown)) == "NOT_FOUND"
        assert code_of(await gql.error(START, id=unknown)) == "NOT_FOUND"
    assert code_of(await gql.error(ASSIGN, id=conversation_id, operatorId="999999")) == "NOT_FOUND"
    for after in ("nonsense", "W10", "WyJ4IiwxXQ"):
        error = await gql.error(
            "query($after: String) { conversations(after: $after) { totalUnread } }", after=after
        )
        assert code_of(error) == "VALIDATION_FAILED" and "'after'" in error["message"]
    for first in (-1, 201):
        error = await gql.error(
            "query($first: Int) { conversations(first: $first) { totalUnread } }", first=first
        )
        assert code_of(error) == "VALIDATION_FAILED"
    error = await gql.error(CONVERSATION_QUERY, id=conversation_id, before="x1")
    assert code_of(error) == "VALIDATION_FAILED"
    assert code_of(await visitor.error(TRANSCRIPT, first=500)) == "VALIDATION_FAILED"


async def test_another_workspace_sees_none_of_it(gql, other_gql, visitor, operator_client):
    await visitor.say("Hello")
    conversation_id = (await only_conversation(gql))["id"]
    contact_id = (await only_conversation(gql))["contact"]["id"]
    outsider = (await me(other_gql))["id"]

    assert (await conversations(other_gql))["edges"] == []
    assert (await other_gql(CONVERSATION_QUERY, id=conversation_id))["conversation"] is None
    for mutation in (RESOLVE, REOPEN, MARK_READ, START):
        ref = contact_id if mutation is START else conversation_id
        assert code_of(await other_gql.error(mutation, id=ref)) == "NOT_FOUND"
    assert code_of(await other_gql.error(ASSIGN, id=conversation_id)) == "NOT_FOUND"
    error = await other_gql.error(
        'mutation($id: ID!) { sendOperatorMessage(conversationId: $id, text: "hi") { id } }',
        id=conversation_id,
    )
    assert code_of(error) == "NOT_FOUND"
    # Nor may this workspace assign its conversation to the other's operator.
    assert code_of(await gql.error(ASSIGN, id=conversation_id, operatorId=outsider)) == "NOT_FOUND"
    assert {o["email"] for o in (await other_gql("{ operators { email } }"))["operators"]} == {
        "spy@globex.example"
    }
    assert (await other_gql("{ onlineVisitors { visitorId } }"))["onlineVisitors"] == []
    assert transcript(await only_conversation(gql)) == [("VISITOR", "Hello")]


async def test_inbox_operations_need_a_token(anonymous, visitor):
    for operation in (
        "{ conversations { totalUnread } }",
        "{ onlineVisitors { visitorId } }",
        "{ operators { id } }",
        'mutation { resolveConversation(conversationId: "1") { id } }',
    ):
        assert code_of(await anonymous.error(operation)) == "UNAUTHENTICATED"


async def online_in(app: object, token: str) -> list:
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, base_url="http://propflow.test") as http:
        return (await GraphQLClient(http, token)(ONLINE))["onlineVisitors"]


async def test_a_restart_without_redis_forgets_the_sockets_of_the_last_run(settings):
    async with LifespanManager(create_app(settings)) as first_run:
        operator, token = await workspaces_service.create_operator(email="ops@example.com")
        await presence.connected(operator.workspace_id, "v-1")  # then the process is killed
        before = await online_in(first_run.app, token)

    async with LifespanManager(create_app(settings)) as second_run:
        after = await online_in(second_run.app, token)

    assert [visitor["visitorId"] for visitor in before] == ["v-1"]
    assert after == []
