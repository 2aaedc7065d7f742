"""The one layer that writes contact values: lock the contacts, plan the changes, store them.

Every writer (the contact mutations, the import, the flow runner for page views and replies) does
the same inside its own transaction: `lock` the contacts it will write, all in one statement in id
order, so that two writers wait for each other but never in a cycle and the values read under the
lock are exact; plan its changes on the `ValueStore` (`set`, `increment`), each one seeing the ones
before it; `flush` them at the end, one write per changed value and one history row per change.
Its callers publish the changes after commit. A listener installed at start-up (the flows'
"Property changed" triggers) hears every flushed change inside the transaction, whatever its
source, and may schedule work that runs once it commits.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from tortoise.timezone import now

from api.bulk_insert import insert_rows, update_rows
from api.contacts.models import ChangeSource, Contact, PropertyChange, PropertyValue
from api.contacts.values import VALUE_COLUMNS, columns_for, read_value
from api.errors import NotFoundError, ValidationFailedError
from api.properties.models import PropertyDefinition
from flow_graph import property_types
from flow_graph.property_types import PropertyType, Value


@dataclass(frozen=True)
class Origin:
    """Who or what makes a change, recorded on every history row."""

    source: ChangeSource
    source_id: str | None = None

    def resolved(self) -> Origin:
        return self

    def chain(self) -> tuple[int, ...]:
        """The flows whose runs led to this change (none: it did not come from a flow)."""
        return ()


class LateOrigin(Protocol):
    """An origin whose history `sourceId` is known only at `flush` (a flow run inserted there)."""

    @property
    def source(self) -> ChangeSource: ...

    def resolved(self) -> Origin: ...

    def chain(self) -> tuple[int, ...]: ...


@dataclass(frozen=True)
class FlushedChanges:
    """One contact's changes of one flush from one chain of flows: key → (old, new)."""

    contact: Contact
    chain: tuple[int, ...]
    changes: dict[str, tuple[Value | None, Value | None]]


ChangeListener = Callable[[Sequence[FlushedChanges]], Awaitable[None]]
_listener: ChangeListener | None = None


def listen(listener: ChangeListener | None) -> None:
    """Install (None: remove) the one listener of flushed changes."""
    global _listener
    _listener = listener


@dataclass(frozen=True)
class ValueChange:
    key: str
    old: Value | None
    new: Value | None


async def lock(
    contacts: Iterable[Contact], definitions: Mapping[int, PropertyDefinition]
) -> ValueStore:
    """Inside a transaction: lock these contacts' rows in id order and read their values
    (`definitions`: by property id). A contact deleted meanwhile is NOT_FOUND."""
    ids = sorted({contact.id for contact in contacts})
    values: dict[int, dict[str, Value | None]] = {id: {} for id in ids}
    if not ids:
        return ValueStore(values)
    held = await Contact.filter(id__in=ids).order_by("id").select_for_update()
    if len(held) != len(ids):
        present = {contact.id for contact in held}
        missing = next(id for id in ids if id not in present)
        raise NotFoundError(f"No contact with id '{missing}'", id=str(missing))
    for row in await PropertyValue.filter(contact_id__in=ids):
        definition = definitions.get(row.property_id)
        if definition is not None:
            values[row.contact_id][definition.key] = read_value(definition.type, row)
    return ValueStore(values)


@dataclass
class _ValueHistory:
    """One contact's property in this transaction: its value under lock, then its latest."""

    contact: Contact
    definition: PropertyDefinition
    locked: Value | None
    latest: Value | None


@dataclass
class ValueStore:
    """The locked contacts' values as the planned changes leave them, and the writes to make.

    Several writers of one contact in one transaction (a visitor's page views applied together)
    share its values here on purpose: each sees what the ones before it changed."""

    _values: dict[int, dict[str, Value | None]]
    _changed: dict[tuple[int, int], _ValueHistory] = field(default_factory=dict)
    _history: list[tuple[Contact, ValueChange, LateOrigin]] = field(default_factory=list)

    def adopt(self, contact: Contact) -> None:
        """A contact created in this transaction: nobody else sees it, and it has no values."""
        self._values[contact.id] = {}

    def values(self, contact: Contact) -> dict[str, Value | None]:
        """A copy of the contact's current values, by key."""
        return dict(self._values[contact.id])

    def set(
        self,
        contact: Contact,
        definition: PropertyDefinition,
        value: Value | None,
        *,
        origin: LateOrigin,
    ) -> ValueChange | None:
        """Set (None clears) an already-normalised value; None when it is unchanged."""
        old = self._values[contact.id].get(definition.key)
        if unchanged(old, value):
            return None
        return self._change(contact, definition, ValueChange(definition.key, old, value), origin)

    def increment(
        self, contact: Contact, definition: PropertyDefinition, by: float, *, origin: LateOrigin
    ) -> ValueChange:
        """Add `by` to a NUMBER value (an unset value counts as 0)."""
        check_increment(definition, by)
        old = self._values[contact.id].get(definition.key)
        new = _incremented(definition, old, by)
        return self._change(contact, definition, ValueChange(definition.key, old, new), origin)

    async def touch(self, contacts: Sequence[Contact]) -> None:
        """Mark these locked contacts as updated now, whether or not a value changes."""
        stamp = now()
        await Contact.filter(id__in=[contact.id for contact in contacts]).update(updated_at=stamp)
        for contact in contacts:
            contact.updated_at = stamp

    async def flush(self) -> None:
        """Write each changed value once, as its latest, and the history rows in order."""
        await _write_values(
            history
            for history in self._changed.values()
            if not unchanged(history.locked, history.latest)
        )
        if self._history:
            stamp = now()
            await insert_rows(
                PropertyChange._meta.db_table,
                ["contact_id", "key", "old_value", "new_value", "source", "source_id", "at"],
                [
                    (
                        contact.id,
                        change.key,
                        json.dumps(change.old),
                        json.dumps(change.new),
                        origin.source.value,
                        origin.resolved().source_id,
                        stamp,
                    )
                    for contact, change, origin in self._history
                ],
            )
            if _listener is not None:
                await _listener(_grouped(self._history))
        self._changed.clear()
        self._history.clear()

    def _change(
        self,
        contact: Contact,
        definition: PropertyDefinition,
        change: ValueChange,
        origin: LateOrigin,
    ) -> ValueChange:
        key = (contact.id, definition.id)
        history = self._changed.get(key)
        if history is None:
            history = self._changed[key] = _ValueHistory(contact, definition, change.old, None)
        history.latest = change.new
        self._values[contact.id][definition.key] = change.new
        self._history.append((contact, change, origin))
        return change


def _grouped(history: Sequence[tuple[Contact, ValueChange, LateOrigin]]) -> list[FlushedChanges]:
    """Per contact and chain, each key's value before its first change and after its last."""
    groups: dict[tuple[int, tuple[int, ...]], FlushedChanges] = {}
    for contact, change, origin in history:
        chain = origin.chain()
        group = groups.get((contact.id, chain))
        if group is None:  # not setdefault: a group built for every change was an import's tenth
            group = groups[contact.id, chain] = FlushedChanges(contact, chain, {})
        first_old = group.changes.get(change.key, (change.old, None))[0]
        group.changes[change.key] = (first_old, change.new)
    return [group for group in groups.values() if _changed_any(group)]


def _changed_any(group: FlushedChanges) -> bool:
    return any(not unchanged(old, new) for old, new in group.changes.values())


def unchanged(old: Value | None, new: Value | None) -> bool:
    """Equal and of one type: `1` over `True` or `1.5` over `"1.5"` is still a change."""
    return old == new and type(old) is type(new)


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


def _incremented(definition: PropertyDefinition, old: Value | None, by: float) -> Value:
    """old + by, refused when it leaves the finite range."""
    total = property_types.incremented(old, by)
    if not math.isfinite(total):
        raise ValidationFailedError(
            f"Incrementing '{definition.key}' by {by!r} would leave it out of range",
            key=definition.key,
            value=by,
        )
    return total


async def _write_values(histories: Iterable[_ValueHistory]) -> None:
    """Each value's latest: a delete, or an update or a new row (each kind in one statement for
    all). The rows are locked with their contacts, so writing the sum of increments loses none."""
    created: list[tuple[Any, ...]] = []
    updated: list[tuple[Any, ...]] = []
    stamp = now()
    for history in histories:
        contact, definition, new = history.contact, history.definition, history.latest
        if new is None:
            await PropertyValue.filter(contact_id=contact.id, property_id=definition.id).delete()
        else:  # no query built per value: an import writes hundreds of thousands
            columns = columns_for(definition.type, new)
            values = [columns[column] for column in VALUE_COLUMNS]
            if history.locked is None:
                created.append((contact.id, definition.id, *values, stamp))
            else:
                updated.append((*values, stamp, contact.id, definition.id))
        if definition.key == "email" and contact.email != new:  # an import creates with it
            await Contact.filter(id=contact.id).update(email=new)
            contact.email = new  # type: ignore[assignment]
    table = PropertyValue._meta.db_table
    await insert_rows(table, ["contact_id", "property_id", *VALUE_COLUMNS, "updated_at"], created)
    await update_rows(table, [*VALUE_COLUMNS, "updated_at"], ["contact_id", "property_id"], updated)
