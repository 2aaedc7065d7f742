from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from api.contacts.models import ChangeSource
from flow_graph.property_types import PropertyType
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name="Workspace",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                ("name", fields.CharField(unique=True, max_length=200)),
                ("public_key", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "workspace", "app": "propflow", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Contact",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "propflow.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="contacts",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("visitor_id", fields.CharField(null=True, max_length=128)),
                ("email", fields.CharField(null=True, max_length=320)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "contact",
                "app": "propflow",
                "unique_together": (("workspace", "visitor_id"),),
                "indexes": [
                    Index(fields=["workspace_id", "email"]),
                    Index(fields=["workspace_id", "created_at"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="Operator",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "propflow.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="operators",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("email", fields.CharField(max_length=320)),
                ("name", fields.CharField(null=True, max_length=200)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "operator",
                "app": "propflow",
                "unique_together": (("workspace", "email"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="OperatorToken",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "operator",
                    fields.ForeignKeyField(
                        "propflow.Operator",
                        source_field="operator_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="tokens",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("token_hash", fields.CharField(unique=True, max_length=64)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={"table": "operator_token", "app": "propflow", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PropertyChange",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "contact",
                    fields.ForeignKeyField(
                        "propflow.Contact",
                        source_field="contact_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=64)),
                ("old_value", fields.TextField(null=True, unique=False)),
                ("new_value", fields.TextField(null=True, unique=False)),
                (
                    "source",
                    fields.CharEnumField(
                        description="OPERATOR: OPERATOR\nAPI: API\nFLOW: FLOW\nVISITOR: VISITOR\nIMPORT: IMPORT",
                        enum_type=ChangeSource,
                        max_length=16,
                    ),
                ),
                ("source_id", fields.CharField(null=True, max_length=200)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "property_change",
                "app": "propflow",
                "indexes": [Index(fields=["contact_id", "at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PropertyDefinition",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "workspace",
                    fields.ForeignKeyField(
                        "propflow.Workspace",
                        source_field="workspace_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="properties",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("key", fields.CharField(max_length=64)),
                ("label", fields.CharField(max_length=200)),
                (
                    "type",
                    fields.CharEnumField(
                        description="TEXT: TEXT\nNUMBER: NUMBER\nEMAIL: EMAIL\nURL: URL\nPHONE: PHONE\nDATE: DATE\nBOOLEAN: BOOLEAN\nSELECT: SELECT",
                        enum_type=PropertyType,
                        max_length=16,
                    ),
                ),
                (
                    "options",
                    fields.JSONField(
                        null=True,
                        encoder=functools.partial(dumps, separators=(",", ":")),
                        decoder=loads,
                    ),
                ),
                ("hidden", fields.BooleanField(default=False)),
                ("built_in", fields.BooleanField(default=False)),
                (
                    "created_by",
                    fields.ForeignKeyField(
                        "propflow.Operator",
                        source_field="created_by_id",
                        null=True,
                        db_constraint=True,
                        to_field="id",
                        related_name=False,
                        on_delete=OnDelete.SET_NULL,
                    ),
                ),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={
                "table": "property_definition",
                "app": "propflow",
                "unique_together": (("workspace", "key"),),
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PropertyValue",
            fields=[
                (
                    "id",
                    fields.IntField(generated=True, primary_key=True, unique=True, db_index=True),
                ),
                (
                    "contact",
                    fields.ForeignKeyField(
                        "propflow.Contact",
                        source_field="contact_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="values",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "property",
                    fields.ForeignKeyField(
                        "propflow.PropertyDefinition",
                        source_field="property_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="values",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("value_text", fields.TextField(null=True, unique=False)),
                ("value_number", fields.FloatField(null=True)),
                ("value_bool", fields.BooleanField(null=True)),
                ("value_date", fields.DateField(null=True)),
                ("updated_at", fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={
                "table": "property_value",
                "app": "propflow",
                "unique_together": (("contact", "property"),),
                "indexes": [
                    Index(fields=["property_id", "value_number"]),
                    Index(fields=["property_id", "value_text"]),
                    Index(fields=["property_id", "value_date"]),
                    Index(fields=["property_id", "value_bool"]),
                ],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
    ]
