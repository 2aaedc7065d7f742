"""Contacts and their values: validated writes, atomic increments and history, one transaction each.

Values are checked against their property's type before any transaction starts; the writes go
through the value store (`api/contacts/value_store.py`), which locks the contact so that the old
values recorded in history are exact. Subscribers hear of a change after its commit (`announce`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from pypika_tortoise import Table
from tortoise.functions import Count
from tortoise.query_api import execute_pypika
from tortoise.transactions import in_transaction

from api import db, pubsub
from api.contacts import value_store
from api.contacts.models import Contact, PropertyChange, PropertyValue
from api.contacts.value_store import Origin, ValueChange
from api.contacts.values import VALUE_COLUMNS, column_for, from_column, read_value
from api.errors import NotFoundError, ValidationFailedError
from api.ids import parse_id
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from flow_graph.errors import InvalidValueError
from flow_graph.property_types import Value, normalize_value

MAX_HISTORY = 500
_VALUE = Table("property_value")


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
        changes = await _store_values(contact, normalized, origin=origin)
    await announce(contact, [change.key for change in changes], origin)
    return contact


async def set_values(
    workspace_id: int, contact_id: str, *, values: Sequence[tuple[str, Any]], origin: Origin
) -> tuple[Contact, list[ValueChange]]:
    """Set (or, with None, clear) several values at once: all are written or none."""
    contact = await require_contact(workspace_id, contact_id)
    normalized = await normalize_values(workspace_id, values)
    async with in_transaction():
        changes = await _store_values(contact, normalized, origin=origin)
    if changes:  # a write of the values it already had wakes no subscriber
        await announce(contact, [change.key for change in changes], origin)
    return contact, changes


async def increment_value(
    workspace_id: int, contact_id: str, *, key: str, by: float, origin: Origin
) -> tuple[Contact, ValueChange]:
    """Add `by` to a NUMBER value (an unset value counts as 0) under the contact's lock."""
    contact = await require_contact(workspace_id, contact_id)
    definition = await require_definition(workspace_id, key)
    async with in_transaction():
        store = await value_store.lock([contact], {definition.id: definition})
        await store.touch([contact])
        change = store.increment(contact, definition, by, origin=origin)
        await store.flush()
    await announce(contact, [change.key], origin)
    return contact, change


async def _store_values(
    contact: Contact,
    normalized: Sequence[tuple[PropertyDefinition, Value | None]],
    *,
    origin: Origin,
) -> list[ValueChange]:
    """Inside a transaction: lock the contact and write over its values; the changes made."""
    store = await value_store.lock(
        [contact], {definition.id: definition for definition, _ in normalized}
    )
    await store.touch([contact])
    changes = [
        store.set(contact, definition, value, origin=origin) for definition, value in normalized
    ]
    await store.flush()
    return [change for change in changes if change is not None]


async def delete_contact(workspace_id: int, contact_id: str, *, origin: Origin) -> None:
    contact = await require_contact(workspace_id, contact_id)
    definitions = await properties_service.definitions_by_key(workspace_id)
    keys = [
        value.definition.key
        for value in (await values_of([contact.id], definitions)).get(contact.id, [])
    ]
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


async def visitor_contacts(visitors: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Contact]:
    """Inside the caller's transaction: the contacts of these (workspace, visitor) pairs by pair,
    created for a visitor's first event, in order, so that two transactions creating the same
    ones never wait for each other in a cycle. Another process may create one at the same
    moment: its row wins, ours is skipped (ON CONFLICT DO NOTHING waits for its commit), and
    both read it."""
    wanted = sorted(set(visitors))
    found = await _contacts_of_visitors(wanted)
    missing = [pair for pair in wanted if pair not in found]
    if missing:
        await Contact.bulk_create(
            [Contact(workspace_id=w, visitor_id=visitor_id) for w, visitor_id in missing],
            ignore_conflicts=True,
        )
        found |= await _contacts_of_visitors(missing)
    return found


async def _contacts_of_visitors(
    pairs: Sequence[tuple[int, str]],
) -> dict[tuple[int, str], Contact]:
    found: dict[tuple[int, str], Contact] = {}
    for workspace_id in sorted({workspace_id for workspace_id, _ in pairs}):
        visitor_ids = [visitor_id for w, visitor_id in pairs if w == workspace_id]
        for contact in await Contact.filter(workspace_id=workspace_id, visitor_id__in=visitor_ids):
            found[workspace_id, str(contact.visitor_id)] = contact
    return found


async def find_visitor_contact(workspace_id: int, visitor_id: str) -> Contact | None:
    return await Contact.get_or_none(workspace_id=workspace_id, visitor_id=visitor_id)


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


class StoredValue(NamedTuple):
    """One set value of a contact, read without a model object."""

    definition: PropertyDefinition
    value: Value | None
    updated_at: datetime


async def values_of(
    contact_ids: Iterable[int], definitions: Mapping[str, PropertyDefinition]
) -> dict[int, list[StoredValue]]:
    """The set values of many contacts for the given properties, in one query, each contact's
    in property order, as plain rows: a page of 100 contacts with 5 columns built 500 models
    for this, with their properties prefetched and every timestamp parsed by iso8601 (a third
    of the page's request). Ordered as the (contact, property) key holds them, so that SQLite
    walks that key: ordered by property alone, without statistics, it walked each property's
    values instead (an export of 100,000 contacts at 330 rows/s)."""
    by_id = {definition.id: definition for definition in definitions.values()}
    query = (
        db.connection()
        .query_class.from_(_VALUE)
        .select(_VALUE.contact_id, _VALUE.property_id, *VALUE_COLUMNS, _VALUE.updated_at)
        .where(_VALUE.contact_id.isin(list(contact_ids)))
        .where(_VALUE.property_id.isin(list(by_id)))
        .orderby(_VALUE.contact_id, _VALUE.property_id)
    )
    result: dict[int, list[StoredValue]] = {}
    for row in (await execute_pypika(query, using_db=db.connection())).rows:
        definition = by_id.get(row["property_id"])
        if definition is not None:
            stored = row[column_for(definition.type)]
            value = StoredValue(
                definition, from_column(definition.type, stored), db.timestamp(row["updated_at"])
            )
            result.setdefault(row["contact_id"], []).append(value)
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
