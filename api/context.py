"""The per-request GraphQL context: the caller, resolved lazily, and batch loaders."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from strawberry.dataloader import DataLoader

from api import auth
from api.contacts import service as contacts_service
from api.contacts.service import StoredValue
from api.flows import service as flows_service
from api.flows.models import ContactVisit, Flow, FlowVersion
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from api.rate_limits import RateLimiter, client_address
from api.settings import Settings
from api.workspaces.models import Operator

ValuesOfContact = list[StoredValue]


@dataclass
class Context:
    settings: Settings
    token: str | None
    rate_limiter: RateLimiter
    request: Any = None
    connection_params: dict[str, Any] | None = None
    _operator: Operator | None = None
    _definitions: asyncio.Future[dict[str, PropertyDefinition]] | None = None
    values: DataLoader[int, ValuesOfContact] = field(init=False)
    contact_counts: DataLoader[int, int] = field(init=False)
    last_seen: DataLoader[int, datetime | None] = field(init=False)
    operators: DataLoader[int, Operator | None] = field(init=False)
    flow_versions: DataLoader[int, list[FlowVersion]] = field(init=False)
    flows_using: DataLoader[str, list[Flow]] = field(init=False)
    flow_stats: DataLoader[int, dict[str, int]] = field(init=False)

    def __post_init__(self) -> None:
        # Not cached: a WebSocket's context lives as long as its subscriptions.
        self.values = DataLoader(load_fn=self._load_values, cache=False)
        self.contact_counts = DataLoader(load_fn=_load_contact_counts, cache=False)
        self.last_seen = DataLoader(load_fn=_load_last_seen, cache=False)
        self.operators = DataLoader(load_fn=_load_operators)
        self.flow_versions = DataLoader(load_fn=_load_flow_versions)
        self.flows_using = DataLoader(load_fn=self._load_flows_using)
        self.flow_stats = DataLoader(load_fn=self._load_flow_stats, cache=False)

    async def operator(self) -> Operator:
        """The signed-in operator; UNAUTHENTICATED without a valid bearer token."""
        if self._operator is None:
            self._operator = await auth.sign_in(
                self.bearer_token(), limiter=self.rate_limiter, address=self.client_address
            )
        return self._operator

    @property
    def client_address(self) -> str:
        return client_address(self.request)

    def bearer_token(self) -> str | None:
        """The token of the request's Authorization header or of the socket's init payload."""
        if self.token is None and isinstance(self.connection_params, dict):
            return auth.bearer_token(
                {str(key).lower(): str(value) for key, value in self.connection_params.items()}
            )
        return self.token

    def visitor_socket(self) -> tuple[object, object] | None:
        """The (workspaceKey, visitorId) a visitor's WebSocket was opened for, or None."""
        params = self.connection_params
        if isinstance(params, dict) and "workspaceKey" in params:
            return params["workspaceKey"], params.get("visitorId")
        return None

    async def workspace_id(self) -> int:
        return (await self.operator()).workspace_id

    async def definitions(self) -> dict[str, PropertyDefinition]:
        """The workspace's property definitions by key, loaded once per request: the resolvers
        of a page's values ask at the same moment, and all await the one read."""
        if self._definitions is None:
            self._definitions = asyncio.ensure_future(self._read_definitions())
        # Shielded: one resolver cancelled (a closed subscription) must not cancel the read
        # the others, and later ones on a socket's long-lived context, await.
        return await asyncio.shield(self._definitions)

    async def _read_definitions(self) -> dict[str, PropertyDefinition]:
        return await properties_service.definitions_by_key(await self.workspace_id())

    async def _load_values(self, contact_ids: list[int]) -> list[ValuesOfContact]:
        found = await contacts_service.values_of(contact_ids, await self.definitions())
        return [found.get(contact_id, []) for contact_id in contact_ids]

    async def _load_flows_using(self, keys: list[str]) -> list[list[Flow]]:
        found = await flows_service.flows_using(await self.workspace_id(), keys)
        return [found.get(key, []) for key in keys]

    async def _load_flow_stats(self, flow_ids: list[int]) -> list[dict[str, int]]:
        found = await flows_service.stats_by_flow(await self.workspace_id(), flow_ids)
        return [found.get(flow_id, {}) for flow_id in flow_ids]


async def _load_contact_counts(property_ids: list[int]) -> list[int]:
    counts = await contacts_service.count_contacts_with(property_ids)
    return [counts.get(property_id, 0) for property_id in property_ids]


async def _load_last_seen(contact_ids: list[int]) -> list[datetime | None]:
    """When each contact last viewed a page (the visit triggers' record), None if never."""
    visits = await ContactVisit.filter(contact_id__in=contact_ids).values_list(
        "contact_id", "last_view_at"
    )
    found = dict(visits)
    return [found.get(contact_id) for contact_id in contact_ids]


async def _load_flow_versions(flow_ids: list[int]) -> list[list[FlowVersion]]:
    found = await flows_service.versions_of(flow_ids)
    return [found[flow_id] for flow_id in flow_ids]


async def _load_operators(operator_ids: list[int]) -> list[Operator | None]:
    found = {operator.id: operator for operator in await Operator.filter(id__in=operator_ids)}
    return [found.get(operator_id) for operator_id in operator_ids]
