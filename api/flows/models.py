"""Flows: an editable draft, frozen numbered versions, and which properties each flow uses."""

from enum import StrEnum
from typing import Any

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class Flow(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Workspace", related_name="flows", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=200)
    draft: fields.Field[dict[str, Any]] = fields.JSONField()
    # +1 on every draft save; a save based on an older revision is refused (CONFLICT).
    revision = fields.IntField(default=1)
    enabled = fields.BooleanField(default=True)
    # The number of the version that runs; null until the first publish.
    published_version = fields.IntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    workspace_id: int

    class Meta:
        table = "flow"


class FlowVersion(Model):
    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "propflow.Flow", related_name="versions", on_delete=fields.CASCADE
    )
    version = fields.IntField()
    graph: fields.Field[dict[str, Any]] = fields.JSONField()
    published_at = fields.DatetimeField(auto_now_add=True)
    published_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "propflow.Operator", related_name=False, null=True, on_delete=fields.SET_NULL
    )

    flow_id: int
    published_by_id: int | None

    class Meta:
        table = "flow_version"
        unique_together = (("flow", "version"),)


# One row per property key that a flow's draft or published version reads or writes, kept in
# step with every save and publish, so "which flows use this property" is one indexed query.
class FlowPropertyUse(Model):
    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "propflow.Flow", related_name="property_uses", on_delete=fields.CASCADE
    )
    workspace_id = fields.IntField()
    key = fields.CharField(max_length=64)

    flow_id: int

    class Meta:
        table = "flow_property_use"
        unique_together = (("flow", "key"),)
        indexes = (Index(fields=("workspace_id", "key")),)


class FlowRun(Model):
    id = fields.IntField(primary_key=True)
    flow: fields.ForeignKeyRelation[Flow] = fields.ForeignKeyField(
        "propflow.Flow", related_name="runs", on_delete=fields.CASCADE
    )
    workspace_id = fields.IntField()
    version = fields.IntField()
    contact: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Contact", related_name="runs", on_delete=fields.CASCADE
    )
    # running, waiting, completed, failed, cancelled
    status = fields.CharField(max_length=16)
    current_node_id = fields.CharField(max_length=200, null=True)
    retries = fields.IntField(default=0)
    failure = fields.CharField(max_length=500, null=True)
    started_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)
    finished_at = fields.DatetimeField(null=True)
    # When a run waiting on a timer (a Wait node) goes on; null for every other run.
    resume_at = fields.DatetimeField(null=True)
    # A run started by a "Property changed" trigger: the flows whose runs made that change
    # (none of them starts again from this run's changes), and the job that started it.
    trigger_chain: fields.Field[list[int] | None] = fields.JSONField(null=True)
    cause = fields.CharField(max_length=64, null=True)

    flow_id: int
    contact_id: int

    class Meta:
        table = "flow_run"
        indexes = (
            Index(fields=("contact_id", "status")),
            Index(fields=("flow_id", "version", "contact_id")),
            Index(fields=("flow_id", "started_at")),
        )


# One row per node a run entered: Flow.stats counts them per node of a version.
class FlowNodeEntry(Model):
    id = fields.IntField(primary_key=True)
    run: fields.ForeignKeyRelation[FlowRun] = fields.ForeignKeyField(
        "propflow.FlowRun", related_name="entries", on_delete=fields.CASCADE
    )
    flow_id = fields.IntField()
    version = fields.IntField()
    node_id = fields.CharField(max_length=200)

    run_id: int

    class Meta:
        table = "flow_node_entry"
        indexes = (Index(fields=("flow_id", "version", "node_id")),)


class MessageAuthor(StrEnum):
    # Who wrote a transcript message: the contract's MessageAuthor enum.
    VISITOR = "VISITOR"
    BOT = "BOT"
    OPERATOR = "OPERATOR"


# A contact's transcript, in order (by id): what the bot sent (with its run and node), the
# visitor's answers and free text, and operators' messages. The widget streams it and the
# Inbox shows it, so one table keeps the order the visitor saw.
class BotMessage(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Contact", related_name="bot_messages", on_delete=fields.CASCADE
    )
    run: fields.ForeignKeyNullableRelation[FlowRun] = fields.ForeignKeyField(
        "propflow.FlowRun", related_name="messages", null=True, on_delete=fields.CASCADE
    )
    node_id = fields.CharField(max_length=200, null=True)
    # The database default fills the rows written before authors existed (all the bot's).
    author = fields.CharEnumField(
        MessageAuthor, max_length=16, default=MessageAuthor.BOT, db_default="BOT"
    )
    operator: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "propflow.Operator", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    text = fields.TextField()
    options: fields.Field[list[str] | None] = fields.JSONField(null=True)
    # A visitor's answer that pressed a button: the button's label.
    chosen = fields.CharField(max_length=500, null=True)
    expects_answer = fields.BooleanField(default=False)
    at = fields.DatetimeField(auto_now_add=True)

    contact_id: int
    run_id: int | None
    operator_id: int | None

    class Meta:
        table = "bot_message"
        indexes = (Index(fields=("contact_id", "id")),)


# A contact's last page view, for the visit triggers: a first visit has none, a returning
# visitor's is old, and a "stays on a page" timer fires only if it is still the same one.
class ContactVisit(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.OneToOneRelation = fields.OneToOneField(
        "propflow.Contact", related_name="last_visit", on_delete=fields.CASCADE
    )
    last_view_at = fields.DatetimeField()
    last_url = fields.CharField(max_length=2000)
    views = fields.IntField(default=1)

    contact_id: int

    class Meta:
        table = "contact_visit"
