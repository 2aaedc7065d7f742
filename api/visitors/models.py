"""Visitor events already handled, so a retried or duplicated event counts once."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


class VisitorEvent(Model):
    id = fields.IntField(primary_key=True)
    workspace_id = fields.IntField()
    visitor_id = fields.CharField(max_length=128)
    event_id = fields.CharField(max_length=128)
    # SHA-256 of the event's payload: the same id with another payload is a CONFLICT.
    payload_hash = fields.CharField(max_length=64)
    result: fields.Field[dict[str, Any] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "visitor_event"
        unique_together = (("workspace_id", "visitor_id", "event_id"),)
