"""Conversations change here: opened by a visitor's free text, a flow's hand-off or an
operator; answered, resolved, reopened, assigned and read by operators.

A contact has one conversation row, resolved and reopened as it goes: "one open per contact"
holds by construction, and concurrent openers meet on its unique key (the second one's insert
does nothing). Writers publish after their commit (`api/inbox/events.py`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from tortoise.expressions import F
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import pubsub
from api.contacts import service as contacts_service
from api.contacts.models import Contact
from api.errors import NotFoundError
from api.flows import transcript
from api.flows.models import BotMessage, MessageAuthor
from api.ids import parse_id
from api.inbox import events
from api.inbox.channels import visitor_channel
from api.inbox.models import Conversation, ConversationStatus, ReadMark
from api.inbox.text import check_message_text
from api.workspaces import service as workspaces_service
from api.workspaces.models import Operator


async def visitor_wrote(contact: Contact, *, answered_by_bot: bool) -> Conversation:
    """Inside the caller's transaction, the contact locked: the visitor's free text (re)opens
    the conversation, and waits for an operator unless a flow's question took it as its
    answer."""
    conversation = await _ensure(contact)
    changes: dict[str, Any] = {"status": ConversationStatus.OPEN, "last_activity_at": now()}
    if conversation.status is ConversationStatus.RESOLVED:
        changes["operator_joined"] = False
    if not answered_by_bot:
        changes["waiting_for_operator"] = True
    await Conversation.filter(id=conversation.id).update(
        visitor_messages=F("visitor_messages") + 1, **changes
    )
    conversation.update_from_dict(changes)
    conversation.visitor_messages += 1  # exact: the contact's lock orders its visitor's writes
    return conversation


async def hand_off(contact: Contact) -> Conversation:
    """Inside the caller's transaction: a flow hands the visitor to an operator."""
    conversation = await _ensure(contact)
    await _set(
        conversation,
        status=ConversationStatus.OPEN,
        waiting_for_operator=True,
        last_activity_at=now(),
    )
    return conversation


async def start(workspace_id: int, contact_id: str) -> Conversation:
    """An operator opens (or reopens) the conversation with any of the workspace's contacts."""
    contact = await contacts_service.require_contact(workspace_id, contact_id)
    async with in_transaction():
        conversation = await _ensure(contact)
        if conversation.status is ConversationStatus.RESOLVED:
            await _set(conversation, status=ConversationStatus.OPEN, operator_joined=False)
    await events.conversation_changed(workspace_id, conversation.id)
    return conversation


async def send_operator_message(
    operator: Operator, conversation_id: str, *, text: str
) -> tuple[Conversation, BotMessage]:
    """The operator's message to the visitor: the operator joins (and, if nobody is, takes)
    the conversation, which no longer waits; the visitor's widget hears it live."""
    text = check_message_text(text)
    conversation = await require(operator.workspace_id, conversation_id)
    async with in_transaction():
        message = await transcript.add(
            conversation.contact_id,
            author=MessageAuthor.OPERATOR,
            text=text,
            operator_id=operator.id,
        )
        await _set(
            conversation,
            status=ConversationStatus.OPEN,
            operator_joined=True,
            waiting_for_operator=False,
            last_activity_at=message.at,
        )
        # Only an unassigned one: of two operators answering at once, one takes it.
        await Conversation.filter(id=conversation.id, assignee_id=None).update(
            assignee_id=operator.id
        )
        await _mark_read(conversation, operator.id)
    await conversation.refresh_from_db(fields=["assignee_id"])
    contact = await conversation.contact
    if contact.visitor_id is not None:
        await pubsub.publish(
            visitor_channel(contact.workspace_id, contact.visitor_id), {"messageId": message.id}
        )
    await events.message_added(operator.workspace_id, conversation.id, message.id)
    return conversation, message


async def resolve(workspace_id: int, conversation_id: str) -> Conversation:
    """Done: flows may start for the visitor again; a new visitor message reopens it."""
    return await _change(
        workspace_id,
        conversation_id,
        status=ConversationStatus.RESOLVED,
        operator_joined=False,
        waiting_for_operator=False,
    )


async def reopen(workspace_id: int, conversation_id: str) -> Conversation:
    return await _change(workspace_id, conversation_id, status=ConversationStatus.OPEN)


async def assign(workspace_id: int, conversation_id: str, operator_id: str | None) -> Conversation:
    """Give it to one of the workspace's operators, or to nobody (None)."""
    conversation = await require(workspace_id, conversation_id)
    assignee = None
    if operator_id is not None:
        assignee = await workspaces_service.require_operator(workspace_id, operator_id)
    return await _change(
        workspace_id, conversation, assignee_id=assignee.id if assignee is not None else None
    )


async def mark_read(operator: Operator, conversation_id: str) -> Conversation:
    """The operator has read every visitor message so far."""
    conversation = await require(operator.workspace_id, conversation_id)
    await _mark_read(conversation, operator.id)
    await events.conversation_changed(operator.workspace_id, conversation.id)
    return conversation


async def require(workspace_id: int, conversation_id: str) -> Conversation:
    """The workspace's conversation with that id; NOT_FOUND for another workspace's."""
    conversation = await find(workspace_id, conversation_id)
    if conversation is None:
        raise NotFoundError(f"No conversation with id '{conversation_id}'", id=conversation_id)
    return conversation


async def find(workspace_id: int, conversation_id: str) -> Conversation | None:
    number = parse_id(conversation_id)
    if number is None:
        return None
    return await Conversation.get_or_none(id=number, workspace_id=workspace_id)


async def joined_contacts(contact_ids: Collection[int]) -> set[int]:
    """Those of the contacts whose open conversation an operator has joined."""
    if not contact_ids:
        return set()
    rows = await Conversation.filter(
        contact_id__in=list(contact_ids), status=ConversationStatus.OPEN, operator_joined=True
    ).values_list("contact_id")
    return {contact_id for (contact_id,) in rows}


async def announce_transcript(contact: Contact, message_ids: Collection[int]) -> None:
    """After a flow's step committed: the messages of an open conversation reach the Inbox."""
    if not message_ids:
        return
    conversation = await Conversation.get_or_none(
        contact_id=contact.id, status=ConversationStatus.OPEN
    )
    if conversation is not None:
        for message_id in message_ids:
            await events.message_added(contact.workspace_id, conversation.id, message_id)


async def _change(
    workspace_id: int, conversation: Conversation | str, **changes: object
) -> Conversation:
    if not isinstance(conversation, Conversation):
        conversation = await require(workspace_id, conversation)
    await _set(conversation, **changes)
    await events.conversation_changed(workspace_id, conversation.id)
    return conversation


async def _set(conversation: Conversation, **changes: object) -> None:
    """Write the changes and keep the instance in step."""
    await Conversation.filter(id=conversation.id).update(**changes)
    for name, value in changes.items():
        setattr(conversation, name, value)


async def _ensure(contact: Contact) -> Conversation:
    """The contact's conversation, created open when it has none."""
    await Conversation.bulk_create(
        [
            Conversation(
                workspace_id=contact.workspace_id,
                contact_id=contact.id,
                status=ConversationStatus.OPEN,
                last_activity_at=now(),
            )
        ],
        ignore_conflicts=True,
    )
    return await Conversation.get(contact_id=contact.id)


async def _mark_read(conversation: Conversation, operator_id: int) -> None:
    read_count = (
        await Conversation.filter(id=conversation.id).values_list("visitor_messages", flat=True)
    )[0]
    await ReadMark.bulk_create(
        [ReadMark(conversation_id=conversation.id, operator_id=operator_id)],
        ignore_conflicts=True,
    )
    await ReadMark.filter(conversation_id=conversation.id, operator_id=operator_id).update(
        read_count=read_count
    )
