"""GraphQL types the visitor widget sees."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.enums import MessageAuthor
from api.flows.models import BotMessage as BotMessageModel
from api.workspaces import types as workspace_types


@strawberry.type(
    description="A message of the visitor's transcript: the bot's, an operator's or its own."
)
class BotMessage:
    id: strawberry.ID
    text: str
    options: list[str] | None = strawberry.field(description="Buttons of a decision.")
    expects_answer: bool = strawberry.field(
        description="A question or decision is waiting for the visitor."
    )
    at: datetime
    author: MessageAuthor = strawberry.field(
        default=MessageAuthor.BOT,
        description="BOT for flows, OPERATOR for an operator, VISITOR for the visitor's own.",
    )
    operator_id: strawberry.Private[int | None] = None

    @classmethod
    def from_model(cls, message: BotMessageModel) -> BotMessage:
        return cls(
            id=strawberry.ID(str(message.id)),
            text=message.text,
            options=message.options,
            expects_answer=message.expects_answer,
            at=message.at,
            author=message.author,
            operator_id=message.operator_id,
        )

    @strawberry.field(description="The operator's display name (name, else email).")
    async def author_name(self, info: strawberry.Info) -> str | None:
        return await workspace_types.author_name(info, self.operator_id)


@strawberry.type
class VisitorEventResult:
    contact_id: strawberry.ID
    messages: list[BotMessage]
    started_runs: int
    duplicate: bool = strawberry.field(
        description="This eventId was seen before: the first result, nothing changed again."
    )
