"""The Inbox: one conversation per contact (resolved and reopened, never a second one), what
each operator has read of it, the pages each contact viewed, and who is on the site now.

The conversation's messages are the contact's transcript (`api/flows/models.py`, `BotMessage`):
the bot's messages, the visitor's answers and free text, the operators' messages, in one order.
"""

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class ConversationStatus(StrEnum):
    # The contract's ConversationStatus enum.
    OPEN = "OPEN"
    RESOLVED = "RESOLVED"


class Conversation(Model):
    id = fields.IntField(primary_key=True)
    workspace_id = fields.IntField()
    contact: fields.OneToOneRelation = fields.OneToOneField(
        "propflow.Contact", related_name="conversation", on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(ConversationStatus, max_length=16)
    assignee: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "propflow.Operator", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # A hand-off, or a visitor message no operator has answered yet.
    waiting_for_operator = fields.BooleanField(default=False)
    # An operator has sent a message since it (re)opened: page visits start no flow meanwhile.
    operator_joined = fields.BooleanField(default=False)
    # How many visitor messages it ever had: an operator's unread count is this minus the
    # count they had read (ReadMark), with no count over the transcript.
    visitor_messages = fields.IntField(default=0)
    last_activity_at = fields.DatetimeField()
    created_at = fields.DatetimeField(auto_now_add=True)

    contact_id: int
    assignee_id: int | None

    class Meta:
        table = "conversation"
        indexes = (Index(fields=("workspace_id", "last_activity_at")),)


class ReadMark(Model):
    id = fields.IntField(primary_key=True)
    conversation: fields.ForeignKeyRelation[Conversation] = fields.ForeignKeyField(
        "propflow.Conversation", related_name="read_marks", on_delete=fields.CASCADE
    )
    operator: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Operator", related_name=False, on_delete=fields.CASCADE
    )
    # The conversation's `visitor_messages` when this operator last read it.
    read_count = fields.IntField(default=0)

    conversation_id: int
    operator_id: int

    class Meta:
        table = "read_mark"
        unique_together = (("conversation", "operator"),)


# A page a contact viewed: the Visitor details panel shows the latest ones, newest first, read
# through the (contact_id, id) index.
class PageViewRecord(Model):
    id = fields.IntField(primary_key=True)
    contact: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "propflow.Contact", related_name="page_view_records", on_delete=fields.CASCADE
    )
    url = fields.CharField(max_length=2048)
    at = fields.DatetimeField(auto_now_add=True)

    contact_id: int

    class Meta:
        table = "page_view_record"
        indexes = (Index(fields=("contact_id", "id")),)


# A visitor whose widget has a socket open (on any process): `sockets` counts them, so a
# visitor with two tabs stays online until both close. A visit lasts while sockets come back
# within VISIT_GAP (api/inbox/presence.py); its page count and current page live here.
class VisitorPresence(Model):
    id = fields.IntField(primary_key=True)
    workspace_id = fields.IntField()
    visitor_id = fields.CharField(max_length=128)
    sockets = fields.IntField(default=0)
    online_since = fields.DatetimeField()
    last_seen_at = fields.DatetimeField()
    current_url = fields.CharField(max_length=2048, null=True)
    pages_this_visit = fields.IntField(default=0)
    # When the last socket closed; None while one is open (a stay timer sees the visitor left).
    left_at = fields.DatetimeField(null=True)

    class Meta:
        table = "visitor_presence"
        unique_together = (("workspace_id", "visitor_id"),)
        indexes = (Index(fields=("workspace_id", "sockets")),)
