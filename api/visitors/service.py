"""The visitor widget's side: page views start flows, replies resume them, exactly once.

No operator token here: the workspace's public key and the widget's own visitor id. A visitor
only ever reaches its own contact. Rate limits come before any database work: events per
visitor, and new visitors per client address (after the one read that tells a visitor is new).
An `eventId` makes an event count once: a retry or a concurrent duplicate gets the first
result back (`duplicate`), and nothing changes again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from cachetools import LRUCache
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import metrics, pubsub
from api.contacts import service as contacts_service
from api.contacts.value_store import Origin
from api.errors import PropflowError, ValidationFailedError
from api.flows import runner, transcript
from api.flows.models import BotMessage
from api.inbox import conversations, events, presence
from api.inbox.channels import visitor_channel
from api.rate_limits import Limit, RateLimiter
from api.visitors import page_views
from api.visitors.models import VisitorEvent
from api.visitors.page_views import EventResult, PageView
from api.workspaces import service as workspaces_service
from flow_graph.nodes.base import Reply

# Retries come within seconds; the contract promises a day. Older event ids are forgotten.
EVENT_ID_RETENTION = timedelta(hours=48)
MAX_URL_LENGTH = 2048
MAX_ID_LENGTH = 128
MAX_REPLY_LENGTH = 10_000
# Visitors this process has served (bounded: a visitor pushed out is asked about once more).
_known_visitors: LRUCache[tuple[int, str], bool] = LRUCache(maxsize=20_000)


@dataclass(frozen=True)
class Guard:
    """The rate limits of a visitor's request, and the address it came from."""

    limiter: RateLimiter
    address: str


async def track_page_view(
    *, workspace_key: str, visitor_id: str, url: str, event_id: str | None, guard: Guard
) -> EventResult:
    """Start every enabled published flow whose trigger matches `url`, within its limit; an
    online visitor's new page reaches the Inbox."""
    try:
        check_text("visitorId", visitor_id, MAX_ID_LENGTH)
        check_text("url", url, MAX_URL_LENGTH)
        if event_id is not None:
            check_text("eventId", event_id, MAX_ID_LENGTH)
        await guard.limiter.hit(Limit.VISITOR_EVENTS, workspace_key, visitor_id)
        workspace = await workspaces_service.workspace_for_key(workspace_key)
        await count_if_new(workspace.id, visitor_id, guard)
    except PropflowError:
        metrics.PAGE_VIEWS.labels("refused").inc()
        raise
    result = await page_views.track(PageView(workspace.id, visitor_id, url, event_id))
    _known_visitors[workspace.id, visitor_id] = True
    metrics.PAGE_VIEWS.labels("duplicate" if result.duplicate else "accepted").inc()
    await announce(result.committed)
    if result.moved is not None:
        await presence.announce_moved(workspace.id, result.moved)
    return result


def forget_known_visitors() -> None:
    """A new database (the app starts) knows none of them."""
    _known_visitors.clear()


async def count_if_new(workspace_id: int, visitor_id: str, guard: Guard) -> None:
    """Count a visitor's first view against its address's new-visitor limit. A visitor this
    process has served is known without asking the database, so a returning visitor's view
    pays no extra read."""
    if (
        not guard.limiter.counts(Limit.NEW_VISITORS)
        or (workspace_id, visitor_id) in _known_visitors
    ):
        return
    if await contacts_service.find_visitor_contact(workspace_id, visitor_id) is not None:
        _known_visitors[workspace_id, visitor_id] = True
        return
    await guard.limiter.hit(Limit.NEW_VISITORS, guard.address)


async def forget_old_events() -> int:
    """Delete the event ids older than EVENT_ID_RETENTION; how many were deleted."""
    return await VisitorEvent.filter(created_at__lt=now() - EVENT_ID_RETENTION).delete()


async def visitor_reply(
    *,
    workspace_key: str,
    visitor_id: str,
    text: str | None,
    choice: int | None,
    guard: Guard,
) -> EventResult:
    """Resume the visitor's waiting run with a typed answer or a button choice."""
    check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    if (text is None) == (choice is None):
        raise ValidationFailedError("Reply with either text or a choice", field="text")
    if text is not None:
        check_text("text", text, MAX_REPLY_LENGTH, allow_empty=True)
    await guard.limiter.hit(Limit.VISITOR_EVENTS, workspace_key, visitor_id)
    workspace = await workspaces_service.workspace_for_key(workspace_key)
    contact = await contacts_service.find_visitor_contact(workspace.id, visitor_id)
    if contact is None:
        raise _nothing_waiting()
    async with in_transaction():
        batch = await runner.lock_for_runs([contact])
        changes = await runner.resume_waiting(batch, contact, reply=Reply(text=text, choice=choice))
        if changes is None:
            raise _nothing_waiting()
    await announce(changes)
    return EventResult(contact.id, changes.messages, 0, committed=changes)


async def visitor_workspace(workspace_key: str, visitor_id: str) -> int:
    """The id of the workspace a visitor's key names (checks the key and the visitor id)."""
    check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    return (await workspaces_service.workspace_for_key(workspace_key)).id


async def message(message_id: int) -> BotMessage | None:
    return await transcript.message(message_id)


async def announce(changes: runner.FlowChanges | None) -> None:
    """Tell the operators and the visitor's widget what an event committed (nothing for a
    duplicate): changed values, the bot's messages to the widget, and the transcript's new
    messages and a hand-off to the Inbox."""
    if changes is None:
        return
    contact = changes.contact
    for source, keys in changes.changed_keys.items():
        await contacts_service.announce(contact, sorted(keys), Origin(source, None))
    if contact.visitor_id is not None:
        channel = visitor_channel(contact.workspace_id, contact.visitor_id)
        for bot_message in changes.messages:
            await pubsub.publish(channel, {"messageId": bot_message.id})
    written = sorted(message.id for message in [*changes.answers, *changes.messages])
    conversation = changes.conversation
    if conversation is None:
        await conversations.announce_transcript(contact, written)
        return
    for message_id in written:
        await events.message_added(contact.workspace_id, conversation.id, message_id)
    if changes.handed_off or not written:
        await events.conversation_changed(contact.workspace_id, conversation.id)


def check_text(name: str, value: str, limit: int, *, allow_empty: bool = False) -> None:
    if (not value and not allow_empty) or len(value) > limit or "\x00" in value:
        raise ValidationFailedError(
            f"'{name}' must be 1 to {limit:,} characters without NUL", field=name
        )


def _nothing_waiting() -> ValidationFailedError:
    return ValidationFailedError("No question is waiting for this visitor's answer")
