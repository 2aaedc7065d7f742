"""GraphQL types of the contacts domain."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.scalars import JSON

from api.contacts import models, service
from api.contacts.history import Author, authors
from api.contacts.listing import ContactRow
from api.contacts.service import StoredValue
from api.enums import ChangeSource, FilterOperator, PropertyType
from api.errors import ValidationFailedError
from api.flows import service as flows_service
from api.flows.types import FlowRun
from api.inbox import listing
from api.inbox.types import Conversation, PageViewRecord
from api.properties.models import PropertyDefinition
from api.workspaces.types import Operator

T = TypeVar("T")


@strawberry.enum
class SortDirection(Enum):
    ASC = "ASC"
    DESC = "DESC"


@strawberry.type(description="A contact's value for one property.")
class PropertyValue:
    key: str
    type: PropertyType
    value: JSON | None = strawberry.field(
        description="A number for NUMBER, a boolean for BOOLEAN, a string otherwise."
    )
    updated_at: datetime


@strawberry.type(description="One change of one value, and who or what made it.")
class PropertyChange:
    key: str
    old_value: JSON | None
    new_value: JSON | None
    source: ChangeSource
    source_id: str | None = strawberry.field(
        description='Operator id, "flowId:version:nodeId:runId" or an import id.'
    )
    at: datetime
    flow_id: strawberry.ID | None = strawberry.field(
        description="The flow whose run made the change (also for a visitor's saved answer)."
    )
    flow_name: str | None = strawberry.field(description="Null when the flow was deleted.")
    flow_version: int | None
    node_id: str | None = strawberry.field(description="The flow node that made the change.")
    operator_id: strawberry.Private[int | None]

    @classmethod
    def from_model(cls, change: models.PropertyChange, author: Author) -> PropertyChange:
        return cls(
            key=change.key,
            old_value=json.loads(change.old_value or "null"),
            new_value=json.loads(change.new_value or "null"),
            source=change.source,
            source_id=change.source_id,
            at=change.at,
            flow_id=None if author.flow_id is None else strawberry.ID(str(author.flow_id)),
            flow_name=author.flow_name,
            flow_version=author.flow_version,
            node_id=author.node_id,
            operator_id=author.operator_id,
        )

    @strawberry.field(description="The operator who made the change, if one did.")
    async def operator(self, info: strawberry.Info) -> Operator | None:
        if self.operator_id is None:
            return None
        operator = await info.context.operators.load(self.operator_id)
        return Operator.from_model(operator) if operator else None


@dataclass(frozen=True)
class LoadedValues:
    """A contact's set values with its workspace's definitions. Read with its page, they let its
    value fields answer without awaiting: 500 awaited fields (100 contacts, 5 columns) cost
    more than the page's SQL, a task and a batch-loader future each."""

    values: list[StoredValue]
    definitions: Mapping[str, PropertyDefinition]

    def value(self, key: str) -> JSON | None:
        for stored in self.values:
            if stored.definition.key == key:
                return JSON(stored.value)
        if key not in self.definitions:
            raise ValidationFailedError(f"There is no property with the key '{key}'", key=key)
        return None

    def properties(self, keys: list[str] | None) -> list[PropertyValue]:
        wanted = set(keys) if keys is not None else None
        return [
            PropertyValue(
                key=stored.definition.key,
                type=stored.definition.type,
                value=JSON(stored.value),
                updated_at=stored.updated_at,
            )
            for stored in self.values
            if wanted is None or stored.definition.key in wanted
        ]


@strawberry.type(description="A visitor or customer of the website.")
class Contact:
    id: strawberry.ID
    visitor_id: str | None
    email: str | None
    created_at: datetime
    updated_at: datetime
    loaded: strawberry.Private[LoadedValues | None] = None

    @classmethod
    def from_model(
        cls, contact: models.Contact | ContactRow, loaded: LoadedValues | None = None
    ) -> Contact:
        return cls(
            id=strawberry.ID(str(contact.id)),
            visitor_id=contact.visitor_id,
            email=contact.email,
            created_at=contact.created_at,
            updated_at=contact.updated_at,
            loaded=loaded,
        )

    @strawberry.field(description="When the contact last viewed a page; null if never.")
    async def last_seen_at(self, info: strawberry.Info) -> datetime | None:
        seen: datetime | None = await info.context.last_seen.load(int(self.id))
        return seen

    @strawberry.field(
        graphql_type=list[PropertyValue],
        description="The values that are set; only the given keys when asked.",
    )
    def properties(
        self, info: strawberry.Info, keys: list[str] | None = None
    ) -> list[PropertyValue] | Awaitable[list[PropertyValue]]:
        if self.loaded is None:
            return self._read_then(info, lambda loaded: loaded.properties(keys))
        return self.loaded.properties(keys)

    @strawberry.field(
        graphql_type=JSON | None,
        description="The value of one property, or null when it is not set.",
    )
    def value(self, info: strawberry.Info, key: str) -> JSON | Awaitable[JSON | None] | None:
        if self.loaded is None:
            return self._read_then(info, lambda loaded: loaded.value(key))
        return self.loaded.value(key)

    async def _read_then(self, info: strawberry.Info, answer: Callable[[LoadedValues], T]) -> T:
        """`answer` from this contact's values, read on their own (batched with the other
        contacts' of the response that were not read with a page)."""
        values = await info.context.values.load(int(self.id))
        return answer(LoadedValues(values, await info.context.definitions()))

    @strawberry.field(description="Its conversation in the Inbox (open or resolved), if any.")
    async def conversation(self) -> Conversation | None:
        found = await listing.conversation_of(int(self.id))
        return None if found is None else Conversation.from_model(found, self)

    @strawberry.field(description="The pages it viewed, newest first; at most 200.")
    async def page_views(self, first: int | None = 20) -> list[PageViewRecord]:
        records = await listing.recent_page_views(
            int(self.id), first=20 if first is None else first
        )
        return [PageViewRecord.from_model(record) for record in records]

    @strawberry.field(description="The flow runs it had, newest first.")
    async def flow_runs(self, first: int | None = 20) -> list[FlowRun]:
        runs = await flows_service.runs_of_contact(
            int(self.id), first=20 if first is None else first
        )
        return [FlowRun.from_model(run, self) for run in runs]

    @strawberry.field(description="Changes of its values, newest first.")
    async def history(self, info: strawberry.Info, first: int | None = 50) -> list[PropertyChange]:
        changes = await service.history(int(self.id), first=50 if first is None else first)
        return [
            PropertyChange.from_model(change, author)
            for change, author in zip(changes, await authors(changes), strict=True)
        ]


@strawberry.type(description="A committed change of a contact, from any source.")
class ContactChange:
    contact: Contact
    changed_keys: list[str]
    source: ChangeSource
    deleted: bool = strawberry.field(description="The contact was deleted by this change.")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class ContactEdge:
    node: Contact
    cursor: str


@strawberry.type
class ContactConnection:
    edges: list[ContactEdge]
    page_info: PageInfo
    # The COUNT over every match costs more than the page at 100,000 contacts: run on demand.
    counting: strawberry.Private[Callable[[], Awaitable[int]]]

    @strawberry.field(description="How many contacts match every filter (counted when asked).")
    async def total_count(self) -> int:
        return await self.counting()


@strawberry.input
class PropertyFilter:
    key: str
    op: FilterOperator
    value: JSON | None = None


@strawberry.input
class ContactSort:
    key: str = strawberry.field(description="A property key, createdAt or lastSeenAt.")
    direction: SortDirection | None = SortDirection.ASC


@strawberry.input
class PropertyValueInput:
    key: str
    value: JSON | None = strawberry.field(default=None, description="null clears the property.")
