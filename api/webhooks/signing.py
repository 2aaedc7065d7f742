"""Each workspace's webhook signing secret: made on first use, shown to its operators, rotated
on demand."""

from __future__ import annotations

import secrets

from tortoise.exceptions import IntegrityError

from api.webhooks.models import WebhookSecret


async def secret_of(workspace_id: int) -> str:
    stored = await WebhookSecret.get_or_none(workspace_id=workspace_id)
    if stored is not None:
        return stored.secret
    try:
        created = await WebhookSecret.create(
            workspace_id=workspace_id, secret=secrets.token_hex(32)
        )
    except IntegrityError:  # made meanwhile by another request
        return (await WebhookSecret.get(workspace_id=workspace_id)).secret
    return created.secret


async def rotate(workspace_id: int) -> str:
    """A new secret; signatures made with the old one no longer verify."""
    await secret_of(workspace_id)
    secret = secrets.token_hex(32)
    await WebhookSecret.filter(workspace_id=workspace_id).update(secret=secret)
    return secret
