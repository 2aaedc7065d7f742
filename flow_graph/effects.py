"""What a step of a run asks `api` to do; the engine returns these and never performs them."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum

from flow_graph.property_types import Value


class Actor(StrEnum):
    """Who a value change comes from: the flow itself, or the visitor's answer."""

    FLOW = "FLOW"
    VISITOR = "VISITOR"


@dataclass(frozen=True)
class SetValue:
    node_id: str
    key: str
    value: Value | None
    actor: Actor = Actor.FLOW


@dataclass(frozen=True)
class Increment:
    node_id: str
    key: str
    by: float


@dataclass(frozen=True)
class SendMessage:
    node_id: str
    text: str
    options: tuple[str, ...] | None = None
    expects_answer: bool = False


@dataclass(frozen=True)
class Wait:
    """The run waits at `node_id`: for the visitor, or until `resume_at` when it is set."""

    node_id: str
    resume_at: datetime.datetime | None = None


@dataclass(frozen=True)
class CallWebhook:
    """POST the values of `keys` to `url`; the run waits at `node_id` for the delivery."""

    node_id: str
    url: str
    keys: tuple[str, ...]


@dataclass(frozen=True)
class HandOff:
    """The visitor is handed to an operator: the conversation waits for one."""

    node_id: str


@dataclass(frozen=True)
class End:
    failed: bool = False
    reason: str = ""


Effect = SetValue | Increment | SendMessage | HandOff | CallWebhook | Wait | End
