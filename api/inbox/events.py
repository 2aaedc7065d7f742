"""What the Inbox announces on its workspace channel, after the commit of what it tells.

Events carry ids, not rows: each operator's subscription reads what it shows (with its own
unread count). Presence events carry the visitor itself, which has no row once offline.
"""

from __future__ import annotations

from typing import Any

from api import pubsub
from api.inbox.channels import inbox_channel

MESSAGE_ADDED = "MESSAGE_ADDED"
CONVERSATION_CHANGED = "CONVERSATION_CHANGED"
VISITOR_ONLINE = "VISITOR_ONLINE"
VISITOR_OFFLINE = "VISITOR_OFFLINE"
VISITOR_MOVED = "VISITOR_MOVED"


async def message_added(workspace_id: int, conversation_id: int, message_id: int) -> None:
    await pubsub.publish(
        inbox_channel(workspace_id),
        {"kind": MESSAGE_ADDED, "conversationId": conversation_id, "messageId": message_id},
    )


async def conversation_changed(workspace_id: int, conversation_id: int) -> None:
    await pubsub.publish(
        inbox_channel(workspace_id),
        {"kind": CONVERSATION_CHANGED, "conversationId": conversation_id},
    )


async def visitor_presence(workspace_id: int, kind: str, visitor: dict[str, Any]) -> None:
    await pubsub.publish(inbox_channel(workspace_id), {"kind": kind, "visitor": visitor})
