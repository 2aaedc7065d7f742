"""The widget's GraphQL operations: page views, replies and the live bot-message stream."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from api import pubsub
from api.errors import ForbiddenError
from api.visitors import service
from api.visitors.types import BotMessage, VisitorEventResult


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
        result = await service.visitor_reply(
            workspace_key=workspace_key,
            visitor_id=visitor_id,
            text=text,
            choice=choice,
            guard=_guard(info),
        )
        return _result(result)


@strawberry.type
class Subscription:
    @strawberry.subscription(description="The bot's messages to this visitor, as they are sent.")
    async def visitor_messages(
        self, info: strawberry.Info, workspace_key: str, visitor_id: str
    ) -> AsyncGenerator[BotMessage, None]:
        params = info.context.connection_params or {}
        if "workspaceKey" in params and (
            params["workspaceKey"] != workspace_key or params.get("visitorId") != visitor_id
        ):
            raise ForbiddenError("A visitor's socket carries only its own messages.")
        channel = await service.messages_channel(workspace_key, visitor_id)
        async for event in pubsub.subscribe(channel):
            message = await service.message(event["messageId"])
            if message is not None:
                yield BotMessage.from_model(message)


def _guard(info: strawberry.Info) -> service.Guard:
    return service.Guard(info.context.rate_limiter, info.context.client_address)


def _result(result: service.EventResult) -> VisitorEventResult:
    return VisitorEventResult(
        contact_id=strawberry.ID(str(result.contact_id)),
        messages=[BotMessage.from_model(message) for message in result.messages],
        started_runs=result.started_runs,
        duplicate=result.duplicate,
    )
