"""Event ids: the widget names each event, so that a retry or a duplicate counts once.

An event id is claimed, with a fingerprint of its payload and the answer it got, in the same
transaction as the event's effects. An id claimed before is a duplicate: the same payload gets
the first answer again, another payload is a CONFLICT. A claim is bound to its workspace and
visitor: `(workspace_id, visitor_id, event_id)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from api.errors import ConflictError
from api.visitors.models import VisitorEvent

Claim = tuple[int, str, str]


@dataclass(frozen=True)
class Answer:
    """What an event's first time answered, kept with its claim to answer duplicates alike."""

    contact_id: int
    started_runs: int
    message_ids: list[int]


async def claimed(claims: Iterable[Claim]) -> dict[Claim, VisitorEvent]:
    """The claims already made (by this process or another), by claim: one query per workspace."""
    wanted = set(claims)
    seen: dict[Claim, VisitorEvent] = {}
    for workspace_id in {claim[0] for claim in wanted}:
        event_ids = [event_id for w, _, event_id in wanted if w == workspace_id]
        for event in await VisitorEvent.filter(workspace_id=workspace_id, event_id__in=event_ids):
            claim = (event.workspace_id, event.visitor_id, event.event_id)
            if claim in wanted:
                seen[claim] = event
    return seen


async def claim(claims: Sequence[tuple[Claim, str, Answer]]) -> None:
    """Inside the events' transaction: claim each (claim, fingerprint, answer), in one statement.
    A claim made meanwhile by another process fails the transaction (IntegrityError)."""
    await VisitorEvent.bulk_create(
        [
            VisitorEvent(
                workspace_id=workspace_id,
                visitor_id=visitor_id,
                event_id=event_id,
                payload_hash=fingerprint,
                result={
                    "contactId": answer.contact_id,
                    "startedRuns": answer.started_runs,
                    "messageIds": answer.message_ids,
                },
            )
            for (workspace_id, visitor_id, event_id), fingerprint, answer in claims
        ]
    )


def fingerprint(kind: str, payload: str) -> str:
    """The payload an event id is bound to: the same id for another payload is a CONFLICT."""
    return hashlib.sha256(json.dumps([kind, payload]).encode()).hexdigest()


def first_answer(event_id: str, fingerprint: str, seen: VisitorEvent) -> Answer:
    """The answer of an event id claimed before; CONFLICT for another payload."""
    check_same(event_id, fingerprint, seen.payload_hash)
    stored: dict[str, Any] = seen.result or {}
    return Answer(
        contact_id=stored.get("contactId", 0),
        started_runs=stored.get("startedRuns", 0),
        message_ids=stored.get("messageIds", []),
    )


def check_same(event_id: str, fingerprint: str, first_fingerprint: str) -> None:
    """CONFLICT unless a duplicate carries its first event's payload."""
    if fingerprint != first_fingerprint:
        raise ConflictError("This eventId was already used for a different event", eventId=event_id)
