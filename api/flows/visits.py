"""What the visit triggers know of a contact's page views: whether there was one before (a first
visit), when the last one was (a returning visitor), and whether it is still the last one when a
"Visitor stays on a page" timer ends (another page view first cancels it, and so does the
visitor leaving: the Inbox's presence notes when its last widget socket closed).

The stay timer is a `flow.stay` job scheduled with the page view; it starts its flow only if
the contact's last page view is still the one it was scheduled for, once (its runs remember
their cause).
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from api.bulk_insert import insert_rows, update_rows
from api.contacts.models import Contact
from api.flows.models import ContactVisit
from api.inbox.models import VisitorPresence
from api.jobs import queue
from flow_graph.engine import Program, Visit, stay_triggers

STAY_JOB = "flow.stay"
MAX_URL = 2000
COLUMNS = ["last_view_at", "last_url", "views"]


@dataclass
class VisitLog:
    """The last page views of a batch's contacts, read once and kept current as views apply."""

    _last: dict[int, ContactVisit]
    _touched: dict[int, ContactVisit] = field(default_factory=dict)
    _new: set[int] = field(default_factory=set)  # contacts of touched rows not yet stored

    @classmethod
    async def load(cls, contact_ids: Collection[int]) -> VisitLog:
        rows = await ContactVisit.filter(contact_id__in=list(contact_ids))
        return cls({row.contact_id: row for row in rows})

    def visit(self, contact: Contact, url: str, at: datetime.datetime) -> Visit:
        """Record a page view; what the triggers see of it."""
        last = self._last.get(contact.id)
        away = None if last is None else (at - last.last_view_at).total_seconds() / 60
        if last is None:
            last = self._last[contact.id] = ContactVisit(contact_id=contact.id, views=0)
            self._new.add(contact.id)
        last.last_view_at, last.last_url, last.views = at, url[:MAX_URL], last.views + 1
        self._touched[contact.id] = last
        return Visit(url, minutes_away=away)

    async def flush(self) -> None:
        """Write the touched rows: the new ones in one statement, the others in another."""
        table = ContactVisit._meta.db_table
        touched = self._touched.values()
        new = [_columns_of(row) for row in touched if row.contact_id in self._new]
        await insert_rows(table, [*COLUMNS, "contact_id"], new)
        old = [_columns_of(row) for row in touched if row.contact_id not in self._new]
        await update_rows(table, COLUMNS, ["contact_id"], old)
        self._touched.clear()
        self._new.clear()


def _columns_of(row: ContactVisit) -> tuple[Any, ...]:
    return (row.last_view_at, row.last_url, row.views, row.contact_id)


async def schedule_stays(
    contact: Contact,
    *,
    flow_id: int,
    version: int,
    program: Program,
    url: str,
    at: datetime.datetime,
) -> None:
    """A `flow.stay` job for each "stays on a page" trigger of the program that `url` matches."""
    for trigger, seconds in stay_triggers(program, url):
        payload = {
            "workspaceId": contact.workspace_id,
            "contactId": contact.id,
            "flowId": flow_id,
            "version": version,
            "nodeId": trigger.node_id,
            "once": trigger.once_per_visitor,
            "viewAt": at.isoformat(),
        }
        await queue.schedule(STAY_JOB, payload, at=at + datetime.timedelta(seconds=seconds))


async def still_there(contact: Contact, payload: dict[str, Any]) -> bool:
    """Whether the page view a stay timer was scheduled for is still the contact's last, and
    the visitor has not left since (its last widget socket closed after the view, none open)."""
    last = await ContactVisit.get_or_none(contact_id=contact.id)
    view_at = datetime.datetime.fromisoformat(payload["viewAt"])
    if last is None or last.last_view_at != view_at:
        return False
    presence = await VisitorPresence.get_or_none(
        workspace_id=contact.workspace_id, visitor_id=contact.visitor_id
    )
    return presence is None or presence.left_at is None or presence.left_at < view_at
