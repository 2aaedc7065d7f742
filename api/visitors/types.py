"""GraphQL types the visitor widget sees."""

from __future__ import annotations

from datetime import datetime

import strawberry

from api.flows.models import BotMessage as BotMessageModel


@strawberry.type(description="A message of the bot to a visitor.")
class BotMessage:
    id: strawberry.ID
    text: str
    options: list[str] | None = strawberry.field(description="Buttons of a decision.")
    expects_answer: bool = strawberry.field(
        description="A question or decision is waiting for the visitor."
    )
    at: datetime

    @classmethod
    def from_model(cls, message: BotMessageModel) -> BotMessage:
        return cls(
            id=strawberry.ID(str(message.id)),
            text=message.text,
            options=message.options,
            expects_answer=message.expects_answer,
            at=message.at,
        )


@strawberry.type
class VisitorEventResult:
    contact_id: strawberry.ID
    messages: list[BotMessage]
    started_runs: int
    duplicate: bool = strawberry.field(
        description="This eventId was seen before: the first result, nothing changed again."
    )
