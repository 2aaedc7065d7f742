"""Property definitions: the typed custom attributes of a workspace's contacts."""

from tortoise import fields
from tortoise.models import Model

from flow_graph.property_types import PropertyType


class PropertyDefinition(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Workspace", related_name="properties", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=64)
    label = fields.CharField(max_length=200)
    type = fields.CharEnumField(PropertyType, max_length=16)
    options: fields.Field[list[str] | None] = fields.JSONField(null=True)
    hidden = fields.BooleanField(default=False)
    built_in = fields.BooleanField(default=False)
    created_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "propflow.Operator", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    workspace_id: int
    created_by_id: int | None

    class Meta:
        table = "property_definition"
        unique_together = (("workspace", "key"),)
