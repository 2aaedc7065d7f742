"""Event ids: the widget names each event, so that a retry or a duplicate counts once.

An event id is claimed, with a fingerprint of its payload and the answer it got, in the same
transaction as the event's effects. An id claimed before, or earlier in the same group, is a
duplicate: the same payload gets the first answer again, another payload is a CONFLICT. A claim
is bound to its workspace and visitor: `(workspace_id, visitor_id, event_id)`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass
class Sorted:
    """A group's events sorted out by their ids, by index: the new ones to apply, and what each
    other one is (a duplicate of a new one, the answer of an id claimed before, a CONFLICT)."""

    new: list[int] = field(default_factory=list)
    same_as: dict[int, int] = field(default_factory=dict)
    answered: dict[int, Answer] = field(default_factory=dict)
    conflicts: dict[int, ConflictError] = field(default_factory=dict)


async def sort_out(events: Sequence[tuple[Claim | None, str]]) -> Sorted:
    """Sort out (claim, fingerprint) events: one without an id is new, and so is the first of an
    id not claimed before. Inside a transaction, read after the events' contacts are locked:
    the claims another process committed meanwhile are seen."""
    seen = await _claimed(claim for claim, _ in events if claim is not None)
    first_of: dict[Claim, int] = {}
    result = Sorted()
    for index, (claim, fingerprint) in enumerate(events):
        if claim is None:
            result.new.append(index)
            continue
        if claim in seen:
            first_fingerprint = seen[claim].payload_hash
        elif claim in first_of:
            first_fingerprint = events[first_of[claim]][1]
        else:
            first_of[claim] = index
            result.new.append(index)
            continue
        if fingerprint != first_fingerprint:
            result.conflicts[index] = ConflictError(
                "This eventId was already used for a different event", eventId=claim[2]
            )
        elif claim in seen:
            result.answered[index] = _answer_of(seen[claim])
        else:
            result.same_as[index] = first_of[claim]
    return result


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


async def _claimed(claims: Iterable[Claim]) -> dict[Claim, VisitorEvent]:
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


def _answer_of(seen: VisitorEvent) -> Answer:
    stored: dict[str, Any] = seen.result or {}
    return Answer(
        contact_id=stored.get("contactId", 0),
        started_runs=stored.get("startedRuns", 0),
        message_ids=stored.get("messageIds", []),
    )
