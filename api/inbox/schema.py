"""GraphQL queries, mutations and the live `inboxEvents` of the Inbox, for operators.

Every operation names conversations of the signed-in operator's workspace only; another
workspace's are NOT_FOUND, and its events never reach this workspace's channel.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

import strawberry

from api import pubsub
from api.contacts import service as contacts_service
from api.contacts.types import Contact, PageInfo
from api.flows import transcript
from api.inbox import conversations, listing, presence
from api.inbox.channels import inbox_channel
from api.inbox.models import Conversation as ConversationModel
from api.inbox.types import (
    Conversation,
    ConversationConnection,
    ConversationEdge,
    ConversationFilter,
    ConversationMessage,
    InboxEvent,
    InboxEventKind,
    OnlineVisitor,
    online_visitor,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="The workspace's conversations, newest activity first; at most 200 a page."
    )
    async def conversations(
        self,
        info: strawberry.Info,
        filter: ConversationFilter | None = None,
        first: int | None = 50,
        after: str | None = None,
    ) -> ConversationConnection:
        operator = await info.context.operator()
        wanted = filter or ConversationFilter()
        page = await listing.list_conversations(
            operator.workspace_id,
            filter=listing.ConversationFilter(
                status=wanted.status,
                assignee_id=None if wanted.assignee_id is None else str(wanted.assignee_id),
                unassigned=wanted.unassigned,
            ),
            first=50 if first is None else first,
            after=after,
        )
        edges = [
            ConversationEdge(node=_conversation(row), cursor=cursor)
            for row, cursor in page.conversations
        ]
        return ConversationConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            total_unread=await listing.total_unread(operator.workspace_id, operator.id),
        )

    @strawberry.field
    async def conversation(self, info: strawberry.Info, id: strawberry.ID) -> Conversation | None:
        workspace_id = await info.context.workspace_id()
        found = await conversations.find(workspace_id, str(id))
        return None if found is None else await _loaded(found)

    @strawberry.field(description="Visitors whose widget is open now, longest online first.")
    async def online_visitors(self, info: strawberry.Info) -> list[OnlineVisitor]:
        workspace_id = await info.context.workspace_id()
        return [
            await _visitor(workspace_id, v) for v in await presence.online_visitors(workspace_id)
        ]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="Open (or reopen) the conversation with any contact.")
    async def start_conversation(
        self, info: strawberry.Info, contact_id: strawberry.ID
    ) -> Conversation:
        workspace_id = await info.context.workspace_id()
        return await _loaded(await conversations.start(workspace_id, str(contact_id)))

    @strawberry.mutation(
        description="A message to the visitor (its widget shows it live, with your name); you "
        "join the conversation, and take it when nobody has."
    )
    async def send_operator_message(
        self, info: strawberry.Info, conversation_id: strawberry.ID, text: str
    ) -> ConversationMessage:
        operator = await info.context.operator()
        _, message = await conversations.send_operator_message(
            operator, str(conversation_id), text=text
        )
        return ConversationMessage.from_model(message)

    @strawberry.mutation
    async def resolve_conversation(
        self, info: strawberry.Info, conversation_id: strawberry.ID
    ) -> Conversation:
        workspace_id = await info.context.workspace_id()
        return await _loaded(await conversations.resolve(workspace_id, str(conversation_id)))

    @strawberry.mutation
    async def reopen_conversation(
        self, info: strawberry.Info, conversation_id: strawberry.ID
    ) -> Conversation:
        workspace_id = await info.context.workspace_id()
        return await _loaded(await conversations.reopen(workspace_id, str(conversation_id)))

    @strawberry.mutation(description="Assign to one of the workspace's operators; null unassigns.")
    async def assign_conversation(
        self,
        info: strawberry.Info,
        conversation_id: strawberry.ID,
        operator_id: strawberry.ID | None = None,
    ) -> Conversation:
        workspace_id = await info.context.workspace_id()
        conversation = await conversations.assign(
            workspace_id, str(conversation_id), None if operator_id is None else str(operator_id)
        )
        return await _loaded(conversation)

    @strawberry.mutation(description="You have read every visitor message so far.")
    async def mark_conversation_read(
        self, info: strawberry.Info, conversation_id: strawberry.ID
    ) -> Conversation:
        operator = await info.context.operator()
        return await _loaded(await conversations.mark_read(operator, str(conversation_id)))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The workspace's Inbox as it changes: messages, conversations, visitors "
        'coming and going. Sign in with {"authorization": "Bearer <token>"} in the '
        "connection_init payload."
    )
    async def inbox_events(self, info: strawberry.Info) -> AsyncGenerator[InboxEvent, None]:
        workspace_id = await info.context.workspace_id()
        async for event in pubsub.subscribe(inbox_channel(workspace_id)):
            if pubsub.missed(event):
                yield pubsub.events_missed()  # type: ignore[misc]  # an error, not the end
                continue
            inbox_event = await _event(workspace_id, event)
            if inbox_event is not None:
                yield inbox_event


async def _event(workspace_id: int, event: dict[str, Any]) -> InboxEvent | None:
    """The event as operators see it, read now; None when what it names is gone."""
    kind = InboxEventKind(event["kind"])
    if "visitor" in event:
        return InboxEvent(
            kind=kind,
            conversation=None,
            message=None,
            visitor=await _visitor(workspace_id, event["visitor"]),
        )
    found = await listing.conversation(event["conversationId"])
    if found is None or found.workspace_id != workspace_id:
        return None
    message = None
    if kind is InboxEventKind.MESSAGE_ADDED:
        stored = await transcript.message(event["messageId"])
        if stored is None:
            return None
        message = ConversationMessage.from_model(stored)
    return InboxEvent(kind=kind, conversation=_conversation(found), message=message, visitor=None)


async def _visitor(workspace_id: int, described: dict[str, Any]) -> OnlineVisitor:
    contact = None
    if described["contactId"] is not None:
        found = await contacts_service.get_contact(workspace_id, str(described["contactId"]))
        contact = Contact.from_model(found) if found is not None else None
    return online_visitor(described, contact)


async def _loaded(conversation: ConversationModel) -> Conversation:
    await conversation.fetch_related("contact")
    return _conversation(conversation)


def _conversation(conversation: ConversationModel) -> Conversation:
    """A conversation whose contact is loaded."""
    return Conversation.from_model(conversation, Contact.from_model(conversation.contact))
