"""What operators see of webhooks: the signing secret and a flow's deliveries."""

from __future__ import annotations

from api.flows import service as flows_service
from api.webhooks import signing
from api.webhooks.models import WebhookDelivery

MAX_PAGE = 200


async def secret(workspace_id: int) -> str:
    return await signing.secret_of(workspace_id)


async def rotate_secret(workspace_id: int) -> str:
    return await signing.rotate(workspace_id)


async def deliveries_of(workspace_id: int, flow_id: str, *, first: int) -> list[WebhookDelivery]:
    flow = await flows_service.get_flow(workspace_id, flow_id)
    first = max(0, min(first, MAX_PAGE))
    return await WebhookDelivery.filter(flow_id=flow.id).order_by("-id").limit(first)
