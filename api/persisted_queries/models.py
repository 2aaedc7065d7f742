"""Documents registered ahead of time, from the manifests clients' build tools emit."""

from tortoise import fields
from tortoise.models import Model


# `id` is the SHA-256 of `body` in lowercase hexadecimal, checked when the manifest is loaded.
class PersistedDocument(Model):
    id = fields.CharField(max_length=64, primary_key=True)
    body = fields.TextField()
    name = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "persisted_document"
