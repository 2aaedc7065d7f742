"""A contact's transcript: the bot's messages, the visitor's answers and free text, and the
operators' messages, in the order they were written (`BotMessage` rows by id).

The runner writes the bot's messages and the answers it takes (`api/flows/runner.py`); the
Inbox writes free text and operators' messages through `add`, inside its own transaction.
"""

from __future__ import annotations

from collections.abc import Collection

from api.flows.models import BotMessage, MessageAuthor


async def add(
    contact_id: int, *, author: MessageAuthor, text: str, operator_id: int | None = None
) -> BotMessage:
    """Append a message that belongs to no run (inside the caller's transaction)."""
    return await BotMessage.create(
        contact_id=contact_id, author=author, text=text, operator_id=operator_id
    )


async def message(message_id: int) -> BotMessage | None:
    return await BotMessage.get_or_none(id=message_id)


async def page(
    contact_id: int, *, first: int, before: int | None = None
) -> tuple[list[BotMessage], bool]:
    """Up to `first` messages before the message `before` (the newest without it), oldest
    first, and whether older ones exist."""
    query = BotMessage.filter(contact_id=contact_id)
    if before is not None:
        query = query.filter(id__lt=before)
    newest_first = await query.order_by("-id").limit(first + 1)
    return list(reversed(newest_first[:first])), len(newest_first) > first


async def latest(contact_ids: Collection[int]) -> dict[int, BotMessage]:
    """The newest message of each contact that has one, one indexed read per contact."""
    found = {}
    for contact_id in contact_ids:
        newest = await BotMessage.filter(contact_id=contact_id).order_by("-id").first()
        if newest is not None:
            found[contact_id] = newest
    return found
