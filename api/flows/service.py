"""Flows: drafts guarded by revisions, validation, publishing frozen numbered versions.

A draft may be invalid (designers save half-done work) but must parse. Publishing validates the
draft against the workspace's current property definitions and freezes it as version N+1;
versions never change afterwards.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from tortoise.expressions import F, Q
from tortoise.functions import Count
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.errors import ConflictError, NotFoundError, ValidationFailedError
from api.flows.models import Flow, FlowNodeEntry, FlowPropertyUse, FlowRun, FlowVersion
from api.ids import parse_id
from api.properties import service as properties_service
from flow_graph import FlowDocument, Issue, PropertyInfo, Severity, parse_document, validate
from flow_graph import used_property_keys as document_property_keys
from flow_graph.engine import compile_document
from flow_graph.errors import InvalidDocumentError
from flow_graph.simulation import Simulation, check_events
from flow_graph.simulation import simulate as simulate_document

EMPTY_GRAPH: dict[str, Any] = {"nodes": [], "edges": []}
MAX_NAME_LENGTH = 200
MAX_RUNS_PAGE = 500


async def create_flow(workspace_id: int, *, name: str, graph: Any = None) -> Flow:
    document = parse(graph if graph is not None else EMPTY_GRAPH)
    async with in_transaction():
        flow = await Flow.create(
            workspace_id=workspace_id, name=_clean_name(name), draft=_as_json(document)
        )
        await _record_property_uses(flow, document)
    return flow


async def save_draft(
    workspace_id: int,
    flow_id: str,
    *,
    graph: Any,
    name: str | None = None,
    expected_revision: int | None = None,
) -> Flow:
    """Replace the draft; with `expected_revision`, only if nobody saved in between."""
    flow = await get_flow(workspace_id, flow_id)
    document = parse(graph)
    changes: dict[str, Any] = {"draft": _as_json(document), "updated_at": now()}
    if name is not None:
        changes["name"] = _clean_name(name)
    async with in_transaction():
        query = Flow.filter(id=flow.id)
        if expected_revision is not None:
            query = query.filter(revision=expected_revision)
        if not await query.update(revision=F("revision") + 1, **changes):
            current = await Flow.get(id=flow.id)
            raise ConflictError(
                f"The flow was saved elsewhere (revision {current.revision}, you edited "
                f"revision {expected_revision}); reload it before saving",
                revision=current.revision,
            )
        await flow.refresh_from_db()
        await _record_property_uses(flow, document)
    return flow


async def delete_flow(workspace_id: int, flow_id: str) -> None:
    flow = await get_flow(workspace_id, flow_id)
    async with in_transaction():
        await flow.delete()


async def list_flows(workspace_id: int) -> list[Flow]:
    return await Flow.filter(workspace_id=workspace_id).order_by("id")


async def get_flow(workspace_id: int, flow_id: str) -> Flow:
    """The workspace's flow with that id; another workspace's id is NOT_FOUND."""
    flow = None
    row_id = parse_id(flow_id)
    if row_id is not None:
        flow = await Flow.get_or_none(id=row_id, workspace_id=workspace_id)
    if flow is None:
        raise NotFoundError(f"No flow with id '{flow_id}'", id=flow_id)
    return flow


async def find_flow(workspace_id: int, flow_id: str) -> Flow | None:
    try:
        return await get_flow(workspace_id, flow_id)
    except NotFoundError:
        return None


async def validate_graph(workspace_id: int, graph: Any) -> list[Issue]:
    """Every problem of a document, parse problems included, against current definitions."""
    try:
        document = parse_document(graph)
    except InvalidDocumentError as error:
        return list(error.issues)
    return validate(document, await property_infos(workspace_id))


async def publish(workspace_id: int, flow_id: str, *, actor_id: int | None) -> Flow:
    """Freeze the draft as version N+1, or refuse with every error found."""
    flow = await get_flow(workspace_id, flow_id)
    issues = await validate_graph(workspace_id, flow.draft)
    errors = [issue for issue in issues if issue.severity is Severity.ERROR]
    if errors:
        raise ValidationFailedError(
            f"The flow has {len(errors)} error(s); fix them before publishing",
            issues=[issue_as_json(issue) for issue in errors],
        )
    async with in_transaction():
        # Lock the flow row first: concurrent publishes get consecutive numbers.
        await Flow.filter(id=flow.id).update(updated_at=now())
        latest = await FlowVersion.filter(flow_id=flow.id).order_by("-version").first()
        number = (latest.version if latest else 0) + 1
        await FlowVersion.create(
            flow_id=flow.id, version=number, graph=flow.draft, published_by_id=actor_id
        )
        await Flow.filter(id=flow.id).update(published_version=number)
        await flow.refresh_from_db()
        await _record_property_uses(flow, parse(flow.draft))
    return flow


async def restore_version(workspace_id: int, flow_id: str, *, version: int) -> Flow:
    """Copy an old version into the draft (the versions themselves never change)."""
    flow = await get_flow(workspace_id, flow_id)
    stored = await FlowVersion.get_or_none(flow_id=flow.id, version=version)
    if stored is None:
        raise NotFoundError(f"The flow has no version {version}", version=version)
    return await save_draft(workspace_id, flow_id, graph=stored.graph)


async def set_enabled(workspace_id: int, flow_id: str, *, enabled: bool) -> Flow:
    """A disabled flow starts no runs, and its waiting runs end."""
    flow = await get_flow(workspace_id, flow_id)
    if enabled and flow.published_version is None:
        raise ValidationFailedError("Publish the flow before enabling it", id=flow_id)
    async with in_transaction():
        await Flow.filter(id=flow.id).update(enabled=enabled, updated_at=now())
        if not enabled:
            await FlowRun.filter(flow_id=flow.id, status="waiting").update(
                status="failed", failure="the flow was disabled", finished_at=now()
            )
    await flow.refresh_from_db()
    return flow


async def simulate(
    workspace_id: int, graph: Any, *, contact_id: str | None, events: Any
) -> Simulation:
    """Run the pure engine over a document (a draft, usually); nothing is written."""
    properties = await property_infos(workspace_id)
    problem = check_events(events, properties)
    if problem:
        raise ValidationFailedError(f"Cannot simulate: {problem}", field="events")
    program = compile_document(parse(graph))
    values: dict[str, Any] = {}
    if contact_id is not None:
        contact = await contacts_service.require_contact(workspace_id, contact_id)
        values = await contacts_service.values_by_key(
            contact, await properties_service.definitions_by_key(workspace_id)
        )
    return simulate_document(program, events, values=values, properties=properties, now=now())


async def runs_of(workspace_id: int, flow_id: str, *, first: int) -> list[FlowRun]:
    """The flow's runs, newest first."""
    flow = await get_flow(workspace_id, flow_id)
    first = max(0, min(first, MAX_RUNS_PAGE))
    return await (
        FlowRun.filter(flow_id=flow.id).order_by("-id").limit(first).prefetch_related("contact")
    )


async def runs_of_contact(contact_id: int, *, first: int) -> list[FlowRun]:
    """The contact's runs, newest first."""
    first = max(0, min(first, MAX_RUNS_PAGE))
    return await FlowRun.filter(contact_id=contact_id).order_by("-id").limit(first)


async def stats_by_flow(workspace_id: int, flow_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """How many runs entered each node of each flow's published version, in two queries."""
    flows = await Flow.filter(id__in=list(flow_ids), workspace_id=workspace_id)
    result: dict[int, dict[str, int]] = {flow.id: {} for flow in flows}
    published = Q(
        *[
            Q(flow_id=flow.id, version=flow.published_version)
            for flow in flows
            if flow.published_version is not None
        ],
        join_type="OR",
    )
    if not published.children:
        return result
    rows = (
        await FlowNodeEntry.filter(published)
        .annotate(entered=Count("run_id", distinct=True))
        .group_by("flow_id", "node_id")
        .values("flow_id", "node_id", "entered")
    )
    for row in rows:
        result[row["flow_id"]][row["node_id"]] = row["entered"]
    return result


async def versions_of(flow_ids: Sequence[int]) -> dict[int, list[FlowVersion]]:
    """Versions of many flows, newest first, in one query."""
    result: dict[int, list[FlowVersion]] = {flow_id: [] for flow_id in flow_ids}
    for version in await FlowVersion.filter(flow_id__in=list(flow_ids)).order_by("-version"):
        result[version.flow_id].append(version)
    return result


async def flows_using(workspace_id: int, keys: Iterable[str]) -> dict[str, list[Flow]]:
    """The flows whose draft or published version uses each key, in one query."""
    uses = await FlowPropertyUse.filter(workspace_id=workspace_id, key__in=list(keys)).order_by(
        "flow_id"
    )
    flows = {flow.id: flow for flow in await Flow.filter(id__in={use.flow_id for use in uses})}
    result: dict[str, list[Flow]] = {}
    for use in uses:
        result.setdefault(use.key, []).append(flows[use.flow_id])
    return result


async def refuse_if_used(workspace_id: int, key: str) -> None:
    """CONFLICT naming the flows whose draft or published version uses the property `key`."""
    users = (await flows_using(workspace_id, [key])).get(key, [])
    if users:
        names = ", ".join(f"'{flow.name}'" for flow in users)
        raise ConflictError(
            f"The property '{key}' is used by the flow(s) {names}; remove it from them first",
            key=key,
            flows=[{"id": str(flow.id), "name": flow.name} for flow in users],
        )


async def property_infos(workspace_id: int) -> dict[str, PropertyInfo]:
    definitions = await properties_service.definitions_by_key(workspace_id)
    return properties_service.property_infos_from(definitions)


def parse(graph: Any) -> FlowDocument:
    """The document, or VALIDATION_FAILED listing every problem of its shape."""
    try:
        return parse_document(graph)
    except InvalidDocumentError as error:
        raise ValidationFailedError(
            f"The flow document is malformed: {len(error.issues)} problem(s)",
            issues=[issue_as_json(issue) for issue in error.issues],
        ) from None


def issue_as_json(issue: Issue) -> dict[str, Any]:
    """An issue in the shape of the GraphQL `ValidationIssue`."""
    return {
        "code": issue.code.value,
        "severity": issue.severity.value,
        "message": issue.message,
        "nodeId": issue.node_id,
        "edgeId": issue.edge_id,
    }


async def _record_property_uses(flow: Flow, draft: FlowDocument) -> None:
    keys = document_property_keys(draft)
    if flow.published_version is not None:
        published = await FlowVersion.get(flow_id=flow.id, version=flow.published_version)
        keys |= document_property_keys(parse(published.graph))
    await FlowPropertyUse.filter(flow_id=flow.id).delete()
    await FlowPropertyUse.bulk_create(
        [FlowPropertyUse(flow_id=flow.id, workspace_id=flow.workspace_id, key=k) for k in keys]
    )


def _as_json(document: FlowDocument) -> dict[str, Any]:
    from flow_graph import to_json

    return to_json(document)


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or "\x00" in name:
        raise ValidationFailedError(
            f"A flow name must be 1 to {MAX_NAME_LENGTH} characters", field="name"
        )
    return name
