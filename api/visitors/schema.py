"""The widget's GraphQL operations: page views, replies, free text, the transcript and its
live stream (whose socket also tells the Inbox the visitor is online).

Each names a workspace by its public key and a visitor by its id. Who may name which (`_admit`):
- a visitor's WebSocket only the workspace and visitor it was opened for;
- an operator (a bearer token, over HTTP or a WebSocket) only its own workspace's visitors;
- an anonymous HTTP request, the widget's, any workspace: its public key is the credential.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import strawberry

from api import pubsub
from api.errors import ForbiddenError
from api.inbox import presence
from api.inbox.channels import visitor_channel
from api.visitors import chat, service
from api.visitors.types import BotMessage, VisitorEventResult
from api.workspaces import service as workspaces_service


@strawberry.type
class Query:
    @strawberry.field(
        description="The visitor's latest messages (the bot's, operators' and its own), oldest "
        "first, so the bubble keeps its history across page loads; at most 200."
    )
    async def visitor_transcript(
        self, info: strawberry.Info, workspace_key: str, visitor_id: str, first: int | None = 50
    ) -> list[BotMessage]:
        await _admit(info, workspace_key, visitor_id)
        messages = await chat.visitor_transcript(
            workspace_key=workspace_key, visitor_id=visitor_id, first=50 if first is None else first
        )
        return [BotMessage.from_model(message) for message in messages]


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="A page view: starts matching flows. The same eventId counts once."
    )
    async def track_page_view(
        self,
        info: strawberry.Info,
        workspace_key: str,
        visitor_id: str,
        url: str,
        event_id: str | None = None,
    ) -> VisitorEventResult:
        await _admit(info, workspace_key, visitor_id)
        result = await service.track_page_view(
            workspace_key=workspace_key,
            visitor_id=visitor_id,
            url=url,
            event_id=event_id,
            guard=_guard(info),
        )
        return _result(result)

    @strawberry.mutation(description="The visitor's answer: text, or the index of a button.")
    async def visitor_reply(
        self,
        info: strawberry.Info,
        workspace_key: str,
        visitor_id: str,
        text: str | None = None,
        choice: int | None = None,
    ) -> VisitorEventResult:
        await _admit(info, workspace_key, visitor_id)
        result = await service.visitor_reply(
            workspace_key=workspace_key,
            visitor_id=visitor_id,
            text=text,
            choice=choice,
            guard=_guard(info),
        )
        return _result(result)

    @strawberry.mutation(
        description="The visitor's free text (at most 4,000 characters, no control "
        "characters): it (re)opens the conversation in the Inbox, and answers a question that "
        'waits for typed text, or else starts the flows whose "Visitor says" trigger it '
        "matches. The same eventId counts once."
    )
    async def visitor_send_message(
        self,
        info: strawberry.Info,
        workspace_key: str,
        visitor_id: str,
        text: str,
        event_id: str | None = None,
    ) -> VisitorEventResult:
        await _admit(info, workspace_key, visitor_id)
        result = await chat.send_message(
            workspace_key=workspace_key,
            visitor_id=visitor_id,
            text=text,
            event_id=event_id,
            guard=_guard(info),
        )
        return _result(result)


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="The bot's and operators' messages to this visitor, as they are sent. "
        "On the visitor's own socket, the visitor is online while it is open."
    )
    async def visitor_messages(
        self, info: strawberry.Info, workspace_key: str, visitor_id: str
    ) -> AsyncGenerator[BotMessage, None]:
        await _admit(info, workspace_key, visitor_id)
        workspace_id = await service.visitor_workspace(workspace_key, visitor_id)
        heard = asyncio.Event()
        stream = pubsub.subscribe(visitor_channel(workspace_id, visitor_id), heard)
        async with contextlib.AsyncExitStack() as presence_of_socket:
            if info.context.visitor_socket() is not None:
                await presence_of_socket.enter_async_context(
                    presence.online_while(heard, workspace_id, visitor_id)
                )
            async for event in stream:
                if pubsub.missed(event):
                    yield pubsub.events_missed()  # type: ignore[misc]  # an error, not the end
                    continue
                message = await service.message(event["messageId"])
                if message is not None:
                    yield BotMessage.from_model(message)


async def _admit(info: strawberry.Info, workspace_key: str, visitor_id: str) -> None:
    """FORBIDDEN unless the caller may act for that workspace's visitor (see above)."""
    context = info.context
    socket_for = context.visitor_socket()
    if socket_for is not None:
        if socket_for != (workspace_key, visitor_id):
            raise ForbiddenError("A visitor's socket serves only its own workspace and visitor.")
    elif context.bearer_token() is not None:
        workspace = await workspaces_service.workspace_for_key(workspace_key)
        if workspace.id != await context.workspace_id():
            raise ForbiddenError("An operator reaches only the visitors of its own workspace.")


def _guard(info: strawberry.Info) -> service.Guard:
    return service.Guard(info.context.rate_limiter, info.context.client_address)


def _result(result: service.EventResult) -> VisitorEventResult:
    return VisitorEventResult(
        contact_id=strawberry.ID(str(result.contact_id)),
        messages=[BotMessage.from_model(message) for message in result.messages],
        started_runs=result.started_runs,
        duplicate=result.duplicate,
    )
