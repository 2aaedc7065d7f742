"""Webhook deliveries (one per call of a "Call a webhook" node) and each workspace's secret."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class WebhookDelivery(Model):
    id = fields.IntField(primary_key=True)
    workspace_id = fields.IntField()
    flow_id = fields.IntField()
    run_id = fields.IntField()
    node_id = fields.CharField(max_length=200)
    url = fields.CharField(max_length=2000)
    keys: fields.Field[list[str]] = fields.JSONField()
    # pending (not tried yet), retrying, ok, failed
    status = fields.CharField(max_length=16, default="pending")
    attempts = fields.IntField(default=0)
    last_status_code = fields.IntField(null=True)
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "webhook_delivery"
        indexes = (Index(fields=("flow_id", "id")),)


# The key of each workspace's signatures (HMAC-SHA256 of the body), made on first use.
class WebhookSecret(Model):
    id = fields.IntField(primary_key=True)
    workspace_id = fields.IntField(unique=True)
    secret = fields.CharField(max_length=128)

    class Meta:
        table = "webhook_secret"
