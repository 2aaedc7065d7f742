"""Contacts, their typed property values (one row per contact and property) and change history."""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ChangeSource(StrEnum):
    # Who or what made a change: the contract's ChangeSource enum.
    OPERATOR = "OPERATOR"
    API = "API"
    FLOW = "FLOW"
    VISITOR = "VISITOR"
    IMPORT = "IMPORT"


class Contact(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Workspace", related_name="contacts", on_delete=fields.CASCADE
    )
    visitor_id = fields.CharField(max_length=128, null=True)
    # A copy of the built-in `email` value: the default list shows contacts that have one.
    email = fields.CharField(max_length=320, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int

    class Meta:
        table = "contact"
        unique_together = (("workspace", "visitor_id"),)
        indexes = (
            Index(fields=("workspace_id", "email")),
            Index(fields=("workspace_id", "created_at")),
        )


# One typed column holds the value: numbers in value_number, booleans in value_bool, dates in
# value_date and every text-like type in value_text, so SQL compares values by their type.
class PropertyValue(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "propflow.Contact", related_name="values", on_delete=fields.CASCADE
    )
    property: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.PropertyDefinition", related_name="values", on_delete=fields.CASCADE
    )
    value_text = fields.TextField(null=True)
    value_number = fields.FloatField(null=True)
    value_bool = fields.BooleanField(null=True)
    value_date = fields.DateField(null=True)
    updated_at = fields.DatetimeField(auto_now=True)

    contact_id: int
    property_id: int

    class Meta:
        table = "property_value"
        unique_together = (("contact", "property"),)
        indexes = (
            # With the contact: a list sorted by a value walks this index alone (0009).
            Index(fields=("property_id", "value_number", "contact_id")),
            Index(fields=("property_id", "value_date", "contact_id")),
            Index(fields=("property_id", "value_bool")),
        )


# The history of a contact's values; the key is kept so history outlives a deleted property.
class PropertyChange(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation[Contact] = fields.ForeignKeyField(
        "propflow.Contact", related_name="changes", on_delete=fields.CASCADE
    )
    key = fields.CharField(max_length=64)
    # JSON text of the values (a JSONField would try to decode a plain string value).
    old_value = fields.TextField(null=True)
    new_value = fields.TextField(null=True)
    source = fields.CharEnumField(ChangeSource, max_length=16)
    source_id = fields.CharField(max_length=200, null=True)
    at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "property_change"
        indexes = (Index(fields=("contact_id", "at")),)
