"""GraphQL types of the Inbox.

A conversation's contact is given by whoever builds it (the Inbox's resolvers, or the contact
itself for `Contact.conversation`), so this module needs the contacts types only lazily and the
contacts domain may show conversations.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry

from api.enums import ConversationStatus, MessageAuthor
from api.flows import transcript
from api.flows.models import BotMessage
from api.ids import parse_id
from api.inbox import listing, models
from api.workspaces import types as workspace_types
from api.workspaces.types import Operator

if TYPE_CHECKING:
    from api.contacts.types import Contact, PageInfo

LazyContact = Annotated["Contact", strawberry.lazy("api.contacts.types")]


@strawberry.type(
    description="A message of a conversation: the visitor's, the bot's or an operator's."
)
class ConversationMessage:
    id: strawberry.ID
    author: MessageAuthor
    text: str
    options: list[str] | None = strawberry.field(description="A bot decision's buttons.")
    chosen: str | None = strawberry.field(
        description="For a visitor's answer that pressed a button: the button's label."
    )
    at: datetime
    operator_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, message: BotMessage) -> ConversationMessage:
        return cls(
            id=strawberry.ID(str(message.id)),
            author=message.author,
            text=message.text,
            options=message.options,
            chosen=message.chosen,
            at=message.at,
            operator_id=message.operator_id,
        )

    @strawberry.field(description="The operator who wrote it, for an OPERATOR message.")
    async def operator(self, info: strawberry.Info) -> Operator | None:
        if self.operator_id is None:
            return None
        operator = await info.context.operators.load(self.operator_id)
        return Operator.from_model(operator) if operator else None

    @strawberry.field(description="The operator's display name (name, else email).")
    async def author_name(self, info: strawberry.Info) -> str | None:
        return await workspace_types.author_name(info, self.operator_id)


@strawberry.type
class ConversationMessageEdge:
    node: ConversationMessage
    cursor: str


@strawberry.type
class ConversationMessagePage:
    edges: list[ConversationMessageEdge] = strawberry.field(
        description="Oldest first within the page."
    )
    has_earlier: bool = strawberry.field(
        description="Older messages exist: ask again with `before` = the first cursor."
    )


@strawberry.type(description="A live chat with one contact; the contact has one at a time.")
class Conversation:
    id: strawberry.ID
    contact: LazyContact
    status: ConversationStatus
    waiting_for_operator: bool = strawberry.field(
        description="A hand-off, or a visitor message no operator has answered yet."
    )
    last_activity_at: datetime
    assignee_id: strawberry.Private[int | None]
    contact_id: strawberry.Private[int]
    visitor_messages: strawberry.Private[int]

    @classmethod
    def from_model(cls, conversation: models.Conversation, contact: Contact) -> Conversation:
        return cls(
            id=strawberry.ID(str(conversation.id)),
            contact=contact,
            status=conversation.status,
            waiting_for_operator=conversation.waiting_for_operator,
            last_activity_at=conversation.last_activity_at,
            assignee_id=conversation.assignee_id,
            contact_id=conversation.contact_id,
            visitor_messages=conversation.visitor_messages,
        )

    @strawberry.field
    async def assignee(self, info: strawberry.Info) -> Operator | None:
        if self.assignee_id is None:
            return None
        operator = await info.context.operators.load(self.assignee_id)
        return Operator.from_model(operator) if operator else None

    @strawberry.field(description="Visitor messages the signed-in operator has not read.")
    async def unread_count(self, info: strawberry.Info) -> int:
        operator = await info.context.operator()
        conversation_id = int(self.id)
        counts = await listing.unread_counts(operator.id, {conversation_id: self.visitor_messages})
        return counts[conversation_id]

    @strawberry.field
    async def last_message(self) -> ConversationMessage | None:
        messages, _ = await transcript.page(self.contact_id, first=1)
        return ConversationMessage.from_model(messages[0]) if messages else None

    @strawberry.field(
        description="The transcript (the bot's messages and the visitor's answers included), "
        "the newest page first (older ones with `before`); at most 200 a page."
    )
    async def messages(
        self, first: int | None = 50, before: str | None = None
    ) -> ConversationMessagePage:
        first = 50 if first is None else first
        listing.check_page_size(first, "first")
        before_id = None
        if before is not None:
            before_id = parse_id(before)
            if before_id is None:
                raise listing.not_a_cursor("before")
        messages, has_earlier = await transcript.page(
            self.contact_id, first=first, before=before_id
        )
        return ConversationMessagePage(
            edges=[
                ConversationMessageEdge(
                    node=ConversationMessage.from_model(message), cursor=str(message.id)
                )
                for message in messages
            ],
            has_earlier=has_earlier,
        )


@strawberry.type
class ConversationEdge:
    node: Conversation
    cursor: str


@strawberry.type
class ConversationConnection:
    edges: list[ConversationEdge]
    page_info: Annotated[PageInfo, strawberry.lazy("api.contacts.types")]
    total_unread: int = strawberry.field(
        description="Unread visitor messages of all open conversations, for the signed-in "
        "operator (not only this page's)."
    )


@strawberry.input
class ConversationFilter:
    status: ConversationStatus | None = None
    assignee_id: strawberry.ID | None = strawberry.field(
        default=None, description='"Mine" is the operator\'s own id.'
    )
    unassigned: bool | None = None


@strawberry.type(description="A visitor whose widget is open now.")
class OnlineVisitor:
    visitor_id: str
    contact: LazyContact | None = strawberry.field(
        description="Null until the visitor's contact exists."
    )
    current_url: str | None
    pages_this_visit: int
    online_since: datetime


@strawberry.type(description="A page a contact viewed.")
class PageViewRecord:
    url: str
    at: datetime

    @classmethod
    def from_model(cls, record: models.PageViewRecord) -> PageViewRecord:
        return cls(url=record.url, at=record.at)


@strawberry.enum
class InboxEventKind(Enum):
    MESSAGE_ADDED = "MESSAGE_ADDED"
    CONVERSATION_CHANGED = "CONVERSATION_CHANGED"
    VISITOR_ONLINE = "VISITOR_ONLINE"
    VISITOR_OFFLINE = "VISITOR_OFFLINE"
    VISITOR_MOVED = "VISITOR_MOVED"


@strawberry.type(description="Something that happened in the workspace's Inbox.")
class InboxEvent:
    kind: InboxEventKind
    conversation: Conversation | None = strawberry.field(
        description="For MESSAGE_ADDED and CONVERSATION_CHANGED."
    )
    message: ConversationMessage | None = strawberry.field(description="For MESSAGE_ADDED.")
    visitor: OnlineVisitor | None = strawberry.field(description="For VISITOR_*.")


def online_visitor(described: dict[str, Any], contact: Contact | None) -> OnlineVisitor:
    """An online visitor from its presence description (`api/inbox/presence.py`)."""
    return OnlineVisitor(
        visitor_id=described["visitorId"],
        contact=contact,
        current_url=described["currentUrl"],
        pages_this_visit=described["pagesThisVisit"],
        online_since=datetime.fromisoformat(described["onlineSince"]),
    )
