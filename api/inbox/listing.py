"""Reading the Inbox: pages of conversations (newest activity first), unread counts per
operator, and a contact's recent page views.

A cursor is the last row's (lastActivityAt, id), so a page never repeats or skips a row that
did not move; a conversation with new activity moves to the top, where a client reading live
events shows it anyway.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import Q

from api.errors import ValidationFailedError
from api.ids import MAX_ID, parse_id
from api.inbox.models import Conversation, ConversationStatus, PageViewRecord, ReadMark

MAX_PAGE = 200


@dataclass(frozen=True)
class ConversationFilter:
    status: ConversationStatus | None = None
    assignee_id: str | None = None
    unassigned: bool | None = None


@dataclass(frozen=True)
class ConversationPage:
    conversations: list[tuple[Conversation, str]]
    has_next_page: bool


async def list_conversations(
    workspace_id: int, *, filter: ConversationFilter, first: int, after: str | None
) -> ConversationPage:
    """A page of the workspace's conversations matching `filter`, contacts loaded."""
    check_page_size(first, "first")
    query = Conversation.filter(workspace_id=workspace_id)
    if filter.status is not None:
        query = query.filter(status=filter.status)
    if filter.assignee_id is not None:
        query = query.filter(assignee_id=parse_id(filter.assignee_id) or 0)
    if filter.unassigned is not None:
        query = query.filter(assignee_id__isnull=filter.unassigned)
    position = _decode_cursor(after)
    if position is not None:
        at, last_id = position
        query = query.filter(Q(last_activity_at__lt=at) | Q(last_activity_at=at, id__lt=last_id))
    rows = await (
        query.order_by("-last_activity_at", "-id").limit(first + 1).prefetch_related("contact")
    )
    return ConversationPage(
        [(row, _encode_cursor(row)) for row in rows[:first]], has_next_page=len(rows) > first
    )


async def unread_counts(operator_id: int, visitor_messages: Mapping[int, int]) -> dict[int, int]:
    """By conversation id, from each one's count of visitor messages: those the operator has
    not read."""
    marks = dict(
        await ReadMark.filter(
            operator_id=operator_id, conversation_id__in=list(visitor_messages)
        ).values_list("conversation_id", "read_count")
    )
    return {id: max(count - marks.get(id, 0), 0) for id, count in visitor_messages.items()}


async def total_unread(workspace_id: int, operator_id: int) -> int:
    """Unread visitor messages over all of the workspace's open conversations."""
    counts = dict(
        await Conversation.filter(
            workspace_id=workspace_id, status=ConversationStatus.OPEN, visitor_messages__gt=0
        ).values_list("id", "visitor_messages")
    )
    return sum((await unread_counts(operator_id, counts)).values())


async def conversation_of(contact_id: int) -> Conversation | None:
    return await Conversation.get_or_none(contact_id=contact_id)


async def conversation(conversation_id: int) -> Conversation | None:
    """By id alone: for events, whose channel is the workspace's already."""
    return await Conversation.get_or_none(id=conversation_id).prefetch_related("contact")


async def recent_page_views(contact_id: int, *, first: int) -> list[PageViewRecord]:
    """The contact's latest page views, newest first."""
    check_page_size(first, "first")
    return await PageViewRecord.filter(contact_id=contact_id).order_by("-id").limit(first)


def check_page_size(first: int, name: str) -> None:
    if not 0 <= first <= MAX_PAGE:
        raise ValidationFailedError(f"'{name}' must be 0 to {MAX_PAGE}", field=name)


def _encode_cursor(row: Conversation) -> str:
    raw = json.dumps([row.last_activity_at.isoformat(), row.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """What a cursor of this module holds; anything else is VALIDATION_FAILED naming `after`."""
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, last_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if type(last_id) is not int or not 0 < last_id <= MAX_ID or type(at) is not str:
            raise ValueError(cursor)
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError(cursor)
        return moment, last_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise not_a_cursor("after") from None


def not_a_cursor(name: str) -> ValidationFailedError:
    return ValidationFailedError(f"'{name}' is not a cursor of this list", field=name)
