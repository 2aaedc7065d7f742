"""Workspaces (tenants), their operators and the operators' bearer tokens."""

from tortoise import fields
from tortoise.models import Model


class Workspace(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    public_key = fields.CharField(max_length=64, unique=True)
    # Origins whose pages may run the visitor widget; null or empty means any origin.
    allowed_origins: fields.Field[list[str] | None] = fields.JSONField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "workspace"


class Operator(Model):
    id = fields.IntField(primary_key=True)
    workspace: fields.ForeignKeyRelation[Workspace] = fields.ForeignKeyField(
        "propflow.Workspace", related_name="operators", on_delete=fields.CASCADE
    )
    email = fields.CharField(max_length=320)
    name = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    workspace_id: int

    class Meta:
        table = "operator"
        unique_together = (("workspace", "email"),)


# Only the SHA-256 of a token is stored; the token itself is shown once, at creation.
# A revoked token's row is deleted (see `service.revoke_tokens`); `last_used_at` is written at
# most once a minute, not on every request.
# (Model docstrings become table comments, so models carry comments instead.)
class OperatorToken(Model):
    id = fields.IntField(primary_key=True)
    operator: fields.ForeignKeyRelation[Operator] = fields.ForeignKeyField(
        "propflow.Operator", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    last_used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "operator_token"
