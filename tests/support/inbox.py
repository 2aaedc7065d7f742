"""The Inbox's operations, as the operator UI calls them, for tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from tests.support.graphql import GraphQLClient
from tests.support.visitor import Visitor
from tests.support.ws import GraphQLWebSocket, graphql_ws

MESSAGE = "id author authorName text options chosen operator { id email } at"
CONVERSATION = f"""
id status waitingForOperator lastActivityAt unreadCount
contact {{ id visitorId }} assignee {{ id email }} lastMessage {{ {MESSAGE} }}
"""
CONVERSATIONS = f"""
query($filter: ConversationFilter, $first: Int, $after: String) {{
  conversations(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {CONVERSATION} }} }}
    pageInfo {{ hasNextPage endCursor }}
    totalUnread
  }}
}}"""
CONVERSATION_QUERY = f"""
query($id: ID!, $first: Int, $before: String) {{
  conversation(id: $id) {{
    {CONVERSATION}
    messages(first: $first, before: $before) {{
      hasEarlier edges {{ cursor node {{ {MESSAGE} }} }}
    }}
  }}
}}"""
START = f"mutation($id: ID!) {{ startConversation(contactId: $id) {{ {CONVERSATION} }} }}"
SEND = f"""
mutation($id: ID!, $text: String!) {{ sendOperatorMessage(conversationId: $id, text: $text) {{
  {MESSAGE}
}} }}"""
RESOLVE = f"mutation($id: ID!) {{ resolveConversation(conversationId: $id) {{ {CONVERSATION} }} }}"
REOPEN = f"mutation($id: ID!) {{ reopenConversation(conversationId: $id) {{ {CONVERSATION} }} }}"
ASSIGN = f"""
mutation($id: ID!, $operatorId: ID) {{
  assignConversation(conversationId: $id, operatorId: $operatorId) {{ {CONVERSATION} }}
}}"""
MARK_READ = (
    f"mutation($id: ID!) {{ markConversationRead(conversationId: $id) {{ {CONVERSATION} }} }}"
)
EVENTS = f"""
subscription {{ inboxEvents {{
  kind
  conversation {{ id status waitingForOperator contact {{ visitorId }} }}
  message {{ {MESSAGE} }}
  visitor {{ visitorId currentUrl pagesThisVisit contact {{ id }} }}
}} }}"""
ONLINE = "{ onlineVisitors { visitorId currentUrl pagesThisVisit onlineSince contact { id } } }"


async def conversations(gql: GraphQLClient, **variables: Any) -> dict[str, Any]:
    return (await gql(CONVERSATIONS, **variables))["conversations"]


async def only_conversation(gql: GraphQLClient) -> dict[str, Any]:
    """The workspace's one conversation, with its transcript."""
    (edge,) = (await conversations(gql))["edges"]
    return await conversation(gql, edge["node"]["id"])


async def conversation(gql: GraphQLClient, conversation_id: str, **variables: Any) -> Any:
    return (await gql(CONVERSATION_QUERY, id=conversation_id, **variables))["conversation"]


def transcript(conversation: dict[str, Any]) -> list[tuple[str, str]]:
    """(author, text) of each message, oldest first."""
    return [(e["node"]["author"], e["node"]["text"]) for e in conversation["messages"]["edges"]]


async def reply(gql: GraphQLClient, conversation_id: str, text: str) -> dict[str, Any]:
    return (await gql(SEND, id=conversation_id, text=text))["sendOperatorMessage"]


MESSAGES = """
subscription($key: String!, $visitor: String!) {
  visitorMessages(workspaceKey: $key, visitorId: $visitor) { author authorName text }
}"""


def bearer(gql: GraphQLClient) -> dict:
    return {"authorization": f"Bearer {gql.token}"}


@contextlib.asynccontextmanager
async def inbox(base_url: str, gql: GraphQLClient) -> AsyncIterator[GraphQLWebSocket]:
    """An operator's socket listening to the Inbox (of an app served in this process)."""
    async with graphql_ws(base_url) as ws:
        assert (await ws.init(bearer(gql)))["type"] == "connection_ack"
        await ws.subscribed("inbox", EVENTS)
        yield ws


@contextlib.asynccontextmanager
async def widget(base_url: str, visitor: Visitor) -> AsyncIterator[GraphQLWebSocket]:
    """The visitor's widget socket with its message stream subscribed (not awaited: an
    operator learns it is listening from VISITOR_ONLINE)."""
    async with graphql_ws(base_url) as ws:
        params = {"workspaceKey": visitor.key, "visitorId": visitor.id}
        assert (await ws.init(params))["type"] == "connection_ack"
        await ws.subscribe("messages", MESSAGES, key=visitor.key, visitor=visitor.id)
        yield ws


async def next_event(ws: GraphQLWebSocket) -> dict:
    return (await ws.next_data("inbox"))["inboxEvents"]
