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
from api.flows import runner
from api.flows.models import BotMessage
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
    """Start every enabled published flow whose trigger matches `url`, within its limit."""
    try:
        _check_text("visitorId", visitor_id, MAX_ID_LENGTH)
        _check_text("url", url, MAX_URL_LENGTH)
        if event_id is not None:
            _check_text("eventId", event_id, MAX_ID_LENGTH)
        await guard.limiter.hit(Limit.VISITOR_EVENTS, workspace_key, visitor_id)
        workspace = await workspaces_service.workspace_for_key(workspace_key)
        await _count_if_new(workspace.id, visitor_id, guard)
    except PropflowError:
        metrics.PAGE_VIEWS.labels("refused").inc()
        raise
    result = await page_views.track(PageView(workspace.id, visitor_id, url, event_id))
    _known_visitors[workspace.id, visitor_id] = True
    metrics.PAGE_VIEWS.labels("duplicate" if result.duplicate else "accepted").inc()
    await _announce(result.committed)
    return result


def forget_known_visitors() -> None:
    """A new database (the app starts) knows none of them."""
    _known_visitors.clear()


async def _count_if_new(workspace_id: int, visitor_id: str, guard: Guard) -> None:
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
    _check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    if (text is None) == (choice is None):
        raise ValidationFailedError("Reply with either text or a choice", field="text")
    if text is not None:
        _check_text("text", text, MAX_REPLY_LENGTH, allow_empty=True)
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
    await _announce(changes)
    return EventResult(contact.id, changes.messages, 0, committed=changes)


async def messages_channel(workspace_key: str, visitor_id: str) -> str:
    """The live channel of one visitor's bot messages (checks the workspace key)."""
    _check_text("visitorId", visitor_id, MAX_ID_LENGTH)
    workspace = await workspaces_service.workspace_for_key(workspace_key)
    return _channel(workspace.id, visitor_id)


async def message(message_id: int) -> BotMessage | None:
    return await BotMessage.get_or_none(id=message_id)


async def _announce(changes: runner.FlowChanges | None) -> None:
    """Tell the operators and the visitor's widget what an event committed (nothing for a
    duplicate)."""
    if changes is None:
        return
    contact = changes.contact
    for source, keys in changes.changed_keys.items():
        await contacts_service.announce(contact, sorted(keys), Origin(source, None))
    if contact.visitor_id is not None:
        channel = _channel(contact.workspace_id, contact.visitor_id)
        for bot_message in changes.messages:
            await pubsub.publish(channel, {"messageId": bot_message.id})


def _channel(workspace_id: int, visitor_id: str) -> str:
    return f"visitor:{workspace_id}:{visitor_id}"


def _check_text(name: str, value: str, limit: int, *, allow_empty: bool = False) -> None:
    if (not value and not allow_empty) or len(value) > limit or "\x00" in value:
        raise ValidationFailedError(
            f"'{name}' must be 1 to {limit:,} characters without NUL", field=name
        )


def _nothing_waiting() -> ValidationFailedError:
    return ValidationFailedError("No question is waiting for this visitor's answer")
