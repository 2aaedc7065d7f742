"""Who is on the site now: a visitor is online while its widget has a socket open on any
process, with the page of its latest page view and the pages of this visit.

The rows are shared by every process (the database), so `onlineVisitors` sees the sockets of
all of them, and the changes are announced through the broker as Inbox events. A visit goes
on while the visitor comes back within VISIT_GAP (a page load closes one socket and opens the
next); after a longer absence the next socket or page view starts a new visit.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence, Set
from datetime import timedelta
from typing import Any

from tortoise.expressions import F
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.bulk_insert import insert_rows, update_rows
from api.contacts import service as contacts_service
from api.inbox import events
from api.inbox.models import PageViewRecord, VisitorPresence

logger = logging.getLogger("propflow.presence")

VISIT_GAP = timedelta(minutes=30)
MAX_ONLINE_LISTED = 1000
# A visitor as the Inbox's presence events carry it and `onlineVisitors` lists it.
Visitor = dict[str, Any]


@contextlib.asynccontextmanager
async def online_while(
    heard: asyncio.Event, workspace_id: int, visitor_id: str
) -> AsyncIterator[None]:
    """The visitor is online from the moment its socket's stream is `heard` (so an operator
    who sees it online can reach it) until the block ends (the socket closed)."""

    async def come_online() -> None:
        await heard.wait()
        await connected(workspace_id, visitor_id)

    coming = asyncio.create_task(come_online())
    try:
        yield
    finally:
        if heard.is_set():
            # Shielded: the socket's close cancels the caller, not the offline write.
            await asyncio.shield(_go_offline(coming, workspace_id, visitor_id))
        else:
            coming.cancel()


async def _go_offline(coming: asyncio.Task[None], workspace_id: int, visitor_id: str) -> None:
    """Offline once the online write is done (a failed one is logged and needs no undoing)."""
    try:
        await coming
    except Exception:
        logger.exception("Could not mark visitor %s online", visitor_id)
        return
    await disconnected(workspace_id, visitor_id)


async def connected(workspace_id: int, visitor_id: str) -> None:
    """A widget socket opened: online (announced when it is the visitor's first)."""
    async with in_transaction():
        presence = await _locked(workspace_id, visitor_id)
        moment = now()
        changes: dict[str, Any] = {
            "sockets": F("sockets") + 1,
            "last_seen_at": moment,
            "left_at": None,
        }
        if presence.sockets == 0 and presence.last_seen_at < moment - VISIT_GAP:
            changes |= {"online_since": moment, "pages_this_visit": 0, "current_url": None}
        await VisitorPresence.filter(id=presence.id).update(**changes)
    if presence.sockets == 0:
        await _announce(events.VISITOR_ONLINE, presence.id)


async def disconnected(workspace_id: int, visitor_id: str) -> None:
    """A widget socket closed: offline once it was the visitor's last (it left the page)."""
    async with in_transaction():
        presence = await _locked(workspace_id, visitor_id)
        moment = now()
        changes: dict[str, Any] = {"sockets": max(presence.sockets - 1, 0), "last_seen_at": moment}
        if presence.sockets <= 1:
            changes["left_at"] = moment
        await VisitorPresence.filter(id=presence.id).update(**changes)
    if presence.sockets <= 1:
        await _announce(events.VISITOR_OFFLINE, presence.id)


async def forget_sockets() -> int:
    """Without Redis one process serves the database: the sockets its last run left counted
    (stopped or killed before they closed) are gone, so nobody is online. How many visitors
    were. (With several processes a process's crash leaves its visitors online until their
    next socket closes.)"""
    return await VisitorPresence.filter(sockets__gt=0).update(sockets=0)


async def record_views(views: Sequence[tuple[int, int, str, str]]) -> list[Visitor | None]:
    """Inside the caller's transaction: (workspace, contact, visitor, url) page views, in
    order: each is kept for the contact's page list and moves its visitor. For each view, the
    visitor as the Inbox shows it after that view when a widget socket of it is open (for
    `announce_moved` once committed), else None. A few statements for the whole group: the
    rows are locked, so the counts written are exact."""
    if not views:
        return []
    moment = now()
    await insert_rows(
        PageViewRecord._meta.db_table,
        ["contact_id", "url", "at"],
        [(contact_id, url, moment) for _, contact_id, _, url in views],
    )
    presences = await _locked_all(
        {(workspace_id, visitor_id) for workspace_id, _, visitor_id, _ in views}
    )
    moved: list[Visitor | None] = []
    for workspace_id, contact_id, visitor_id, url in views:
        presence = presences[workspace_id, visitor_id]
        if presence.sockets == 0 and presence.last_seen_at < moment - VISIT_GAP:
            presence.online_since, presence.pages_this_visit = moment, 0
        presence.current_url, presence.last_seen_at = url, moment
        presence.pages_this_visit += 1
        moved.append(_visitor(presence, contact_id) if presence.sockets > 0 else None)
    await update_rows(
        VisitorPresence._meta.db_table,
        ["current_url", "pages_this_visit", "last_seen_at", "online_since"],
        ["id"],
        [
            (row.current_url, row.pages_this_visit, row.last_seen_at, row.online_since, row.id)
            for row in presences.values()
        ],
    )
    return moved


async def announce_moved(workspace_id: int, visitor: Visitor) -> None:
    """After a page view committed: an online visitor's new page reaches the Inbox."""
    await events.visitor_presence(workspace_id, events.VISITOR_MOVED, visitor)


async def online_visitors(workspace_id: int) -> list[Visitor]:
    """The workspace's online visitors, longest online first."""
    rows = await (
        VisitorPresence.filter(workspace_id=workspace_id, sockets__gt=0)
        .order_by("online_since", "id")
        .limit(MAX_ONLINE_LISTED)
    )
    return [await _described(row) for row in rows]


async def _locked(workspace_id: int, visitor_id: str) -> VisitorPresence:
    """The visitor's row, created when missing, locked until the transaction ends."""
    return (await _locked_all({(workspace_id, visitor_id)}))[workspace_id, visitor_id]


async def _locked_all(visitors: Set[tuple[int, str]]) -> dict[tuple[int, str], VisitorPresence]:
    """The rows of these (workspace, visitor) pairs, created when missing, locked until the
    transaction ends: a returning visitor's in one read."""
    found = await _select_locked(visitors)
    missing = visitors - found.keys()
    if missing:
        moment = now()
        await VisitorPresence.bulk_create(
            [
                VisitorPresence(
                    workspace_id=workspace_id,
                    visitor_id=visitor_id,
                    online_since=moment,
                    last_seen_at=moment,
                )
                for workspace_id, visitor_id in sorted(missing)
            ],
            ignore_conflicts=True,
        )
        found |= await _select_locked(missing)
    return found


async def _select_locked(
    visitors: Set[tuple[int, str]],
) -> dict[tuple[int, str], VisitorPresence]:
    """One locking read per workspace, in id order (two writers lock shared rows alike)."""
    found: dict[tuple[int, str], VisitorPresence] = {}
    for workspace_id in sorted({workspace_id for workspace_id, _ in visitors}):
        visitor_ids = [visitor_id for w, visitor_id in visitors if w == workspace_id]
        for row in await (
            VisitorPresence.filter(workspace_id=workspace_id, visitor_id__in=visitor_ids)
            .order_by("id")
            .select_for_update()
        ):
            found[workspace_id, row.visitor_id] = row
    return found


async def _announce(kind: str, presence_id: int) -> None:
    presence = await VisitorPresence.get(id=presence_id)
    await events.visitor_presence(presence.workspace_id, kind, await _described(presence))


async def _described(presence: VisitorPresence) -> Visitor:
    """The visitor as events carry it and the query lists it."""
    contact = await contacts_service.find_visitor_contact(
        presence.workspace_id, presence.visitor_id
    )
    return _visitor(presence, contact.id if contact is not None else None)


def _visitor(presence: VisitorPresence, contact_id: int | None) -> Visitor:
    return {
        "visitorId": presence.visitor_id,
        "contactId": contact_id,
        "currentUrl": presence.current_url,
        "pagesThisVisit": presence.pages_this_visit,
        "onlineSince": presence.online_since.isoformat(),
        "online": presence.sockets > 0,
    }
