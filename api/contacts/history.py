"""Who or what made a change, read from its source id: an operator id, or a flow run's
"flowId:version:nodeId:runId" (for FLOW changes and the VISITOR answers a flow saved)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from api.contacts.models import ChangeSource, PropertyChange
from api.flows.models import Flow
from api.ids import parse_id


@dataclass(frozen=True)
class Author:
    operator_id: int | None = None
    flow_id: int | None = None
    flow_name: str | None = None
    flow_version: int | None = None
    node_id: str | None = None


async def authors(changes: Sequence[PropertyChange]) -> list[Author]:
    """The author of each change; flow names in one query (a deleted flow keeps its ids)."""
    parsed = [_parse(change) for change in changes]
    flow_ids = {author.flow_id for author in parsed if author.flow_id is not None}
    names = dict(await Flow.filter(id__in=flow_ids).values_list("id", "name")) if flow_ids else {}
    return [
        replace(author, flow_name=names.get(author.flow_id)) if author.flow_id else author
        for author in parsed
    ]


def _parse(change: PropertyChange) -> Author:
    source_id = change.source_id or ""
    if change.source is ChangeSource.OPERATOR and (operator_id := parse_id(source_id)):
        return Author(operator_id=operator_id)
    if change.source in (ChangeSource.FLOW, ChangeSource.VISITOR):
        parts = source_id.split(":")
        if len(parts) == 4 and (flow_id := parse_id(parts[0])) and (version := parse_id(parts[1])):
            return Author(flow_id=flow_id, flow_version=version, node_id=parts[2])
    return Author()
