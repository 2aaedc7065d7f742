"""The job table of the in-process worker (SQLite); on PostgreSQL, procrastinate keeps its own."""

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


# Times are epoch milliseconds: the worker compares them in SQL, where integers compare exactly.
class Job(Model):
    id = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=64)
    payload: fields.Field[dict] = fields.JSONField()
    due_ms = fields.BigIntField()
    # todo, doing (claimed until lease_ms), failed (out of attempts; kept for the operator)
    status = fields.CharField(max_length=8, default="todo")
    attempts = fields.IntField(default=0)
    lease_ms = fields.BigIntField(default=0)
    last_error = fields.CharField(max_length=500, null=True)

    class Meta:
        table = "job"
        indexes = (Index(fields=("status", "due_ms")),)
