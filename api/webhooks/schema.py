"""GraphQL of webhooks: the workspace's signing secret and each flow's deliveries."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.webhooks import service
from api.webhooks.models import WebhookDelivery as DeliveryModel


@strawberry.type(description="One call of a 'Call a webhook' node: its last attempt's outcome.")
class WebhookDelivery:
    id: strawberry.ID
    run_id: strawberry.ID
    node_id: str
    url: str
    status: str = strawberry.field(description="pending, retrying, ok or failed.")
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_model(cls, delivery: DeliveryModel) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(str(delivery.id)),
            run_id=strawberry.ID(str(delivery.run_id)),
            node_id=delivery.node_id,
            url=delivery.url,
            status=delivery.status,
            attempts=delivery.attempts,
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            created_at=delivery.created_at,
            updated_at=delivery.updated_at,
        )


@strawberry.type
class Query:
    @strawberry.field(
        description="The key of X-Propflow-Signature (HMAC-SHA256 of each webhook body)."
    )
    async def webhook_secret(self, info: strawberry.Info) -> str:
        return await service.secret(await info.context.workspace_id())

    @strawberry.field(description="A flow's webhook deliveries, newest first.")
    async def webhook_deliveries(
        self, info: strawberry.Info, flow_id: strawberry.ID, first: int | None = 50
    ) -> list[WebhookDelivery]:
        deliveries = await service.deliveries_of(
            await info.context.workspace_id(), str(flow_id), first=50 if first is None else first
        )
        return [WebhookDelivery.from_model(delivery) for delivery in deliveries]


@strawberry.type
class Mutation:
    @strawberry.mutation(description="A new signing secret; the old one stops verifying.")
    async def rotate_webhook_secret(self, info: strawberry.Info) -> str:
        return await service.rotate_secret(await info.context.workspace_id())
