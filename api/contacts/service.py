"""Contacts and their values: validated writes, atomic increments and history, one transaction each.

Every write first touches the contact row (`updated_at`), which on PostgreSQL locks it until
commit: writes to one contact are serialised, so the old values recorded in history are exact.
`apply_values` and `apply_increment` run inside a caller's transaction; the flow runner plans
a whole batch of steps first and stores them with `write_values`, `write_increment` and
`record_history`, together with the runs' state.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.functions import Count
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api import pubsub
from api.contacts.models import ChangeSource, Contact, PropertyChange, PropertyValue
from api.contacts.values import columns_for, read_value
from api.errors import NotFoundError, ValidationFailedError
from api.ids import parse_id
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from flow_graph import property_types
from flow_graph.errors import InvalidValueError
from flow_graph.property_types import PropertyType, Value, normalize_value

MAX_HISTORY = 500


@dataclass(frozen=True)
class Origin:
    """Who or what makes a change, recorded on every history row."""

    source: ChangeSource
    source_id: str | None = None


@dataclass(frozen=True)
class ValueChange:
    key: str
    old: Value | None
    new: Value | None


async def create_contact(
    workspace_id: int,
    *,
    values: Sequence[tuple[str, Any]],
    origin: Origin,
    visitor_id: str | None = None,
) -> Contact:
    """A new contact with `values`, all validated before anything is written."""
    normalized = await normalize_values(workspace_id, values)
    async with in_transaction():
        contact = await Contact.create(workspace_id=workspace_id, visitor_id=visitor_id)
        changes = await apply_values(contact, normalized, origin=origin)
    await announce(contact, [change.key for change in changes], origin)
    return contact


async def set_values(
    workspace_id: int, contact_id: str, *, values: Sequence[tuple[str, Any]], origin: Origin
) -> tuple[Contact, list[ValueChange]]:
    """Set (or, with None, clear) several values at once: all are written or none."""
    contact = await require_contact(workspace_id, contact_id)
    normalized = await normalize_values(workspace_id, values)
    async with in_transaction():
        changes = await apply_values(contact, normalized, origin=origin)
    if changes:  # a write of the values it already had wakes no subscriber
        await announce(contact, [change.key for change in changes], origin)
    return contact, changes


async def increment_value(
    workspace_id: int, contact_id: str, *, key: str, by: float, origin: Origin
) -> tuple[Contact, ValueChange]:
    """Add `by` to a NUMBER value (an unset value counts as 0) with one atomic SQL update."""
    contact = await require_contact(workspace_id, contact_id)
    definition = await require_definition(workspace_id, key)
    async with in_transaction():
        change = await apply_increment(contact, definition, by, origin=origin)
    await announce(contact, [change.key], origin)
    return contact, change


async def delete_contact(workspace_id: int, contact_id: str, *, origin: Origin) -> None:
    contact = await require_contact(workspace_id, contact_id)
    keys = [definition.key for definition, _ in (await values_of([contact.id])).get(contact.id, [])]
    async with in_transaction():
        await contact.delete()
    await announce(contact, keys, origin, deleted=True)


async def announce(
    contact: Contact, changed_keys: Sequence[str], origin: Origin, *, deleted: bool = False
) -> None:
    """Tell subscribers about a committed change (call it after the transaction)."""
    await pubsub.publish(
        changes_channel(contact.workspace_id),
        {
            "contact": {
                "id": contact.id,
                "visitorId": contact.visitor_id,
                "email": contact.email,
                "createdAt": contact.created_at.isoformat(),
                "updatedAt": contact.updated_at.isoformat(),
            },
            "changedKeys": list(changed_keys),
            "source": origin.source.value,
            "deleted": deleted,
        },
    )


def changes_channel(workspace_id: int) -> str:
    return f"contacts:{workspace_id}"


async def get_contact(workspace_id: int, contact_id: str) -> Contact | None:
    """The workspace's contact with that id, or None (also for another workspace's id)."""
    row_id = parse_id(contact_id)
    if row_id is None:
        return None
    return await Contact.get_or_none(id=row_id, workspace_id=workspace_id)


async def require_contact(workspace_id: int, contact_id: str) -> Contact:
    contact = await get_contact(workspace_id, contact_id)
    if contact is None:
        raise NotFoundError(f"No contact with id '{contact_id}'", id=contact_id)
    return contact


async def create_visitor_contact(workspace_id: int, visitor_id: str) -> Contact:
    """A contact for the visitor's first event (concurrent firsts create one, both get it)."""
    try:
        async with in_transaction():
            return await Contact.create(workspace_id=workspace_id, visitor_id=visitor_id)
    except IntegrityError:
        return await Contact.get(workspace_id=workspace_id, visitor_id=visitor_id)


async def visitor_contacts(workspace_id: int, visitor_ids: Iterable[str]) -> dict[str, Contact]:
    """The contacts these visitors already have, by visitor id, in one query."""
    found = await Contact.filter(workspace_id=workspace_id, visitor_id__in=list(visitor_ids))
    return {contact.visitor_id: contact for contact in found if contact.visitor_id is not None}


async def find_visitor_contact(workspace_id: int, visitor_id: str) -> Contact | None:
    return await Contact.get_or_none(workspace_id=workspace_id, visitor_id=visitor_id)


async def hold(contacts: Iterable[Contact]) -> None:
    """Inside a transaction: lock these contacts' rows in id order, changing nothing.

    Two transactions that each hold several contacts take them in the same order, so neither
    waits for the other in a cycle (PostgreSQL; SQLite has a single writer anyway). A contact
    deleted meanwhile is NOT_FOUND."""
    ids = sorted({contact.id for contact in contacts})
    if not ids:
        return
    held = await Contact.filter(id__in=ids).order_by("id").select_for_update()
    if len(held) != len(ids):
        raise _first_missing(ids, {contact.id for contact in held})


async def lock(
    contacts: Sequence[Contact], definitions: Mapping[int, PropertyDefinition]
) -> dict[int, dict[str, Value | None]]:
    """Inside a transaction: serialise writes to these contacts (`hold` them first when there
    are several) by touching `updated_at`, and return their current values by contact id.
    `definitions`: by property id."""
    stamp = now()
    ids = sorted({contact.id for contact in contacts})
    if await Contact.filter(id__in=ids).update(updated_at=stamp) != len(ids):
        present = await Contact.filter(id__in=ids).values_list("id")
        raise _first_missing(ids, {id for (id,) in present})
    for contact in contacts:
        contact.updated_at = stamp
    values: dict[int, dict[str, Value | None]] = {id: {} for id in ids}
    for row in await PropertyValue.filter(contact_id__in=ids):
        definition = definitions.get(row.property_id)
        if definition is not None:
            values[row.contact_id][definition.key] = read_value(definition.type, row)
    return values


def _first_missing(ids: Sequence[int], present: set[int]) -> NotFoundError:
    missing = next(id for id in ids if id not in present)
    return NotFoundError(f"No contact with id '{missing}'", id=str(missing))


async def values_by_key(
    contact: Contact, definitions: Mapping[str, PropertyDefinition]
) -> dict[str, Value | None]:
    """The contact's values by key, read with definitions the caller already has."""
    by_id = {definition.id: definition for definition in definitions.values()}
    return {
        by_id[row.property_id].key: read_value(by_id[row.property_id].type, row)
        for row in await PropertyValue.filter(contact_id=contact.id)
        if row.property_id in by_id
    }


async def require_definition(workspace_id: int, key: str) -> PropertyDefinition:
    definition = await properties_service.get_by_key(workspace_id, key)
    if definition is None:
        raise ValidationFailedError(f"There is no property with the key '{key}'", key=key)
    return definition


async def normalize_values(
    workspace_id: int, values: Sequence[tuple[str, Any]]
) -> list[tuple[PropertyDefinition, Value | None]]:
    """Check every value against its property's type before anything is written."""
    definitions = await properties_service.definitions_by_key(workspace_id)
    normalized: list[tuple[PropertyDefinition, Value | None]] = []
    seen: set[str] = set()
    for key, raw in values:
        definition = definitions.get(key)
        if definition is None:
            raise ValidationFailedError(f"There is no property with the key '{key}'", key=key)
        if key in seen:
            raise ValidationFailedError(f"The property '{key}' is given twice", key=key)
        seen.add(key)
        normalized.append((definition, None if raw is None else normalize(definition, raw)))
    return normalized


def normalize(definition: PropertyDefinition, raw: Any) -> Value:
    """`normalize_value` for a stored definition, its refusal turned into VALIDATION_FAILED."""
    try:
        return normalize_value(definition.type, raw, options=definition.options, key=definition.key)
    except InvalidValueError as error:
        raise ValidationFailedError(
            str(error), key=error.key, type=error.type, value=error.value, reason=error.reason
        ) from None


@dataclass(frozen=True)
class ValueWrite:
    """One stored value replaced: `old` is what the locked contact has, `new` what it gets."""

    contact: Contact
    definition: PropertyDefinition
    old: Value | None
    new: Value | None


async def apply_values(
    contact: Contact,
    normalized: Sequence[tuple[PropertyDefinition, Value | None]],
    *,
    origin: Origin,
    locked_values: Mapping[str, Value | None] | None = None,
) -> list[ValueChange]:
    """Write already-normalized values; the caller holds the transaction. `locked_values`: the
    caller has locked the contact (`lock`) and these are its current values."""
    current = locked_values
    if current is None:
        current = await _lock_and_read(contact, [definition for definition, _ in normalized])
    writes = [
        ValueWrite(contact, definition, current.get(definition.key), value)
        for definition, value in normalized
        if not unchanged(current.get(definition.key), value)
    ]
    await write_values(writes)
    changes = [ValueChange(write.definition.key, write.old, write.new) for write in writes]
    await record_history([(contact, change, origin) for change in changes])
    return changes


def unchanged(old: Value | None, new: Value | None) -> bool:
    """Equal and of one type: `1` over `True` or `1.5` over `"1.5"` is still a change."""
    return old == new and type(old) is type(new)


async def write_values(writes: Sequence[ValueWrite]) -> None:
    """Store each write (at most one per contact and property); new rows in one statement."""
    created = []
    for write in writes:
        contact, definition = write.contact, write.definition
        stored = PropertyValue.filter(contact_id=contact.id, property_id=definition.id)
        if write.new is None:
            await stored.delete()
        elif write.old is None:
            created.append(
                PropertyValue(
                    contact_id=contact.id,
                    property_id=definition.id,
                    **columns_for(definition.type, write.new),
                )
            )
        else:
            await stored.update(updated_at=now(), **columns_for(definition.type, write.new))
        if definition.key == "email":
            await Contact.filter(id=contact.id).update(email=write.new)
            contact.email = write.new  # type: ignore[assignment]
    if created:
        await PropertyValue.bulk_create(created)


async def apply_increment(
    contact: Contact, definition: PropertyDefinition, by: float, *, origin: Origin
) -> ValueChange:
    """Increment inside the caller's transaction: `value_number = value_number + by` in SQL.

    The contact is locked first, so the old value read here is exact and the new one is
    old + by; the write itself stays one atomic SQL update."""
    check_increment(definition, by)
    old = (await _lock_and_read(contact, [definition])).get(definition.key)
    change = ValueChange(definition.key, old, incremented(definition, old, by))
    await write_increment(contact, definition, change, by)
    await record_history([(contact, change, origin)])
    return change


def check_increment(definition: PropertyDefinition, by: float) -> None:
    """Only NUMBER properties, and only by a finite number."""
    if definition.type is not PropertyType.NUMBER:
        raise ValidationFailedError(
            f"Only NUMBER properties can be incremented; '{definition.key}' is "
            f"{definition.type.value}",
            key=definition.key,
            type=definition.type.value,
        )
    if isinstance(by, bool) or not math.isfinite(by):
        raise ValidationFailedError(
            f"Cannot increment '{definition.key}' by {by!r}: not a finite number",
            key=definition.key,
            value=by,
        )


def incremented(definition: PropertyDefinition, old: Value | None, by: float) -> Value:
    """old + by (an unset value counts as 0), refused when it leaves the finite range."""
    total = property_types.incremented(old, by)
    if not math.isfinite(total):
        raise ValidationFailedError(
            f"Incrementing '{definition.key}' by {by!r} would leave it out of range",
            key=definition.key,
            value=by,
        )
    return total


async def write_increment(
    contact: Contact, definition: PropertyDefinition, change: ValueChange, by: float
) -> None:
    """An increment of a set value is the atomic SQL update; of an unset one, a new row."""
    if change.old is None:
        await write_values([ValueWrite(contact, definition, None, change.new)])
    else:
        await PropertyValue.filter(contact_id=contact.id, property_id=definition.id).update(
            value_number=F("value_number") + by, updated_at=now()
        )


async def _lock_and_read(
    contact: Contact, definitions: Sequence[PropertyDefinition]
) -> dict[str, Value | None]:
    locked = await lock([contact], {definition.id: definition for definition in definitions})
    return locked[contact.id]


async def values_of(
    contact_ids: Iterable[int],
) -> dict[int, list[tuple[PropertyDefinition, PropertyValue]]]:
    """The set values of many contacts, with their definitions, in one query."""
    result: dict[int, list[tuple[PropertyDefinition, PropertyValue]]] = {}
    rows = await PropertyValue.filter(contact_id__in=list(contact_ids)).prefetch_related("property")
    for row in sorted(rows, key=lambda row: row.property_id):
        result.setdefault(row.contact_id, []).append((row.property, row))
    return result


async def history(contact_id: int, *, first: int) -> list[PropertyChange]:
    """Newest first."""
    first = max(0, min(first, MAX_HISTORY))
    return await PropertyChange.filter(contact_id=contact_id).order_by("-at", "-id").limit(first)


async def count_contacts_with(property_ids: Iterable[int]) -> dict[int, int]:
    """How many contacts have a value, per property id, in one query."""
    rows = (
        await PropertyValue.filter(property_id__in=list(property_ids))
        .annotate(count=Count("id"))
        .group_by("property_id")
        .values("property_id", "count")
    )
    return {row["property_id"]: row["count"] for row in rows}


async def record_history(changes: Sequence[tuple[Contact, ValueChange, Origin]]) -> None:
    """History rows for committed-together changes, in order, in one statement."""
    if changes:
        await PropertyChange.bulk_create(
            [
                PropertyChange(
                    contact_id=contact.id,
                    key=change.key,
                    old_value=json.dumps(change.old),
                    new_value=json.dumps(change.new),
                    source=origin.source,
                    source_id=origin.source_id,
                )
                for contact, change, origin in changes
            ]
        )
