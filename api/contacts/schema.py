"""GraphQL queries and mutations of the contacts domain."""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Sequence
from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from api import pubsub
from api.contacts import listing, service
from api.contacts.models import ChangeSource
from api.contacts.types import (
    Contact,
    ContactChange,
    ContactConnection,
    ContactEdge,
    ContactSort,
    LoadedValues,
    PageInfo,
    PropertyFilter,
    PropertyValueInput,
    SortDirection,
)


@strawberry.type
class Query:
    @strawberry.field(
        description="Contacts matching every filter. Only contacts with an email unless "
        "includeAnonymous; at most 500 per page."
    )
    async def contacts(
        self,
        info: strawberry.Info,
        first: int | None = 50,
        after: str | None = None,
        filter: list[PropertyFilter] | None = None,
        sort: list[ContactSort] | None = None,
        include_anonymous: bool | None = False,
        search: Annotated[
            str | None,
            strawberry.argument(
                description="Only contacts whose email or name contains this text (any case)."
            ),
        ] = None,
    ) -> ContactConnection:
        workspace_id = await info.context.workspace_id()
        filters = [{"key": f.key, "op": f.op.value, "value": f.value} for f in filter or []]
        page = await listing.list_contacts(
            workspace_id,
            first=50 if first is None else first,
            after=after,
            filters=filters,
            sort=[listing.SortKey(s.key, s.direction is SortDirection.DESC) for s in sort or []],
            include_anonymous=bool(include_anonymous),
            search=search,
            definitions=await info.context.definitions(),
        )
        loaded = await _page_values(info, [contact.id for contact in page.contacts])
        edges = [
            ContactEdge(
                node=Contact.from_model(contact, loaded.get(contact.id)), cursor=page.cursor(index)
            )
            for index, contact in enumerate(page.contacts)
        ]
        return ContactConnection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=page.has_next_page,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            counting=functools.partial(
                listing.count_contacts,
                workspace_id,
                filters=filters,
                include_anonymous=bool(include_anonymous),
                search=search,
            ),
        )

    @strawberry.field
    async def contact(self, info: strawberry.Info, id: strawberry.ID) -> Contact | None:
        contact = await service.get_contact(await info.context.workspace_id(), str(id))
        return Contact.from_model(contact) if contact else None


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_contact(
        self, info: strawberry.Info, values: list[PropertyValueInput]
    ) -> Contact:
        operator = await info.context.operator()
        contact = await service.create_contact(
            operator.workspace_id,
            values=[(value.key, value.value) for value in values],
            origin=_operator_origin(operator.id),
        )
        return Contact.from_model(contact)

    @strawberry.mutation(description="Sets several values at once: all are written or none.")
    async def set_contact_properties(
        self, info: strawberry.Info, contact_id: strawberry.ID, values: list[PropertyValueInput]
    ) -> Contact:
        operator = await info.context.operator()
        contact, _ = await service.set_values(
            operator.workspace_id,
            str(contact_id),
            values=[(value.key, value.value) for value in values],
            origin=_operator_origin(operator.id),
        )
        return Contact.from_model(contact)

    @strawberry.mutation(description="Adds `by` (negative to subtract) to a NUMBER, atomically.")
    async def increment_contact_property(
        self, info: strawberry.Info, contact_id: strawberry.ID, key: str, by: float | None = 1
    ) -> Contact:
        operator = await info.context.operator()
        contact, _ = await service.increment_value(
            operator.workspace_id,
            str(contact_id),
            key=key,
            by=1 if by is None else by,
            origin=_operator_origin(operator.id),
        )
        return Contact.from_model(contact)

    @strawberry.mutation
    async def delete_contact(self, info: strawberry.Info, id: strawberry.ID) -> bool:
        operator = await info.context.operator()
        await service.delete_contact(
            operator.workspace_id, str(id), origin=_operator_origin(operator.id)
        )
        return True


VALUE_FIELDS = [{"edges"}, {"node"}, {"value", "properties"}]


async def _page_values(info: strawberry.Info, contact_ids: list[int]) -> dict[int, LoadedValues]:
    """The values of a page's contacts, read at once when the query asks for any."""
    if not contact_ids or not _asks(info.selected_fields[0].selections, VALUE_FIELDS):
        return {}
    definitions = await info.context.definitions()
    found = await service.values_of(contact_ids, definitions)
    return {
        contact_id: LoadedValues(found.get(contact_id, []), definitions)
        for contact_id in contact_ids
    }


def _asks(selections: Sequence[Selection], path: Sequence[set[str]]) -> bool:
    """Whether a field named in path[-1] is selected through fields named in the rest of
    path, in order (fragments looked through)."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            found = selection.name in path[0] and (
                len(path) == 1 or _asks(selection.selections, path[1:])
            )
        else:
            found = _asks(selection.selections, path)
        if found:
            return True
    return False


def _operator_origin(operator_id: int) -> service.Origin:
    return service.Origin(ChangeSource.OPERATOR, str(operator_id))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Committed changes of one contact, or of every contact when contactId is "
        "null; with keys, only changes of one of those keys. Sign in with "
        '{"authorization": "Bearer <token>"} in the connection_init payload.'
    )
    async def contact_updated(
        self,
        info: strawberry.Info,
        contact_id: strawberry.ID | None = None,
        keys: list[str] | None = None,
    ) -> AsyncGenerator[ContactChange, None]:
        workspace_id = await info.context.workspace_id()
        if contact_id is not None:
            await service.require_contact(workspace_id, str(contact_id))
        wanted = set(keys) if keys else None
        async for event in pubsub.subscribe(service.changes_channel(workspace_id)):
            if pubsub.missed(event):
                yield pubsub.events_missed()  # type: ignore[misc]  # an error, not the end
                continue
            if contact_id is not None and str(event["contact"]["id"]) != str(contact_id):
                continue
            if wanted is not None and wanted.isdisjoint(event["changedKeys"]):
                continue
            yield _change(event)


def _change(event: dict[str, Any]) -> ContactChange:
    contact = event["contact"]
    return ContactChange(
        contact=Contact(
            id=strawberry.ID(str(contact["id"])),
            visitor_id=contact["visitorId"],
            email=contact["email"],
            created_at=datetime.fromisoformat(contact["createdAt"]),
            updated_at=datetime.fromisoformat(contact["updatedAt"]),
        ),
        changed_keys=event["changedKeys"],
        source=event["source"],
        deleted=event["deleted"],
    )
