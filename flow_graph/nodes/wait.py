"""Wait: for a duration, or until a DATE property plus or minus an offset; then go on at `next`.

flow_graph has no clock: the engine hands the node `now`, and the node answers when the run
resumes. A time already past (or an unset date) goes on at once, so a run never waits for a
moment that has gone. A date is taken as midnight UTC of that day.
"""

from __future__ import annotations

import datetime
from typing import Any

from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, RunContext
from flow_graph.property_types import PropertyType

UNIT_SECONDS = {"minutes": 60, "hours": 3600, "days": 86400}
MODES = ("duration", "until_date")
MAX_WAIT_SECONDS = 3650 * 86400


class Wait(NodeType):
    type = "wait"
    label = "Wait"
    category = "logic"
    waits = True
    timer = True
    fields = (
        ConfigField("mode", "enum", "Wait", default="duration", choices=MODES),
        ConfigField("amount", "integer", "For", default=1),
        ConfigField("unit", "enum", "Unit", default="hours", choices=tuple(UNIT_SECONDS)),
        ConfigField(
            "key",
            "property",
            "Until the date in",
            nullable=True,
            property_types=(PropertyType.DATE,),
        ),
        ConfigField("offset", "number", "Plus (minus when negative)", default=0),
        ConfigField(
            "offsetUnit", "enum", "Offset unit", default="days", choices=tuple(UNIT_SECONDS)
        ),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        if config["mode"] == "until_date":
            if not config.get("key"):
                return ["'key' is required to wait until a date"]
            if config["offset"] != int(config["offset"]):
                return ["'offset' must be a whole number"]
            if abs(config["offset"]) * UNIT_SECONDS[config["offsetUnit"]] > MAX_WAIT_SECONDS:
                return ["'offset' must be at most 10 years"]
            return []
        if config["amount"] < 1:
            return ["'amount' must be 1 or more"]
        if config["amount"] * UNIT_SECONDS[config["unit"]] > MAX_WAIT_SECONDS:
            return ["'amount' must be at most 10 years"]
        return []

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        if config["mode"] != "until_date":
            return []
        return [PropertyUse(config["key"], writes=False, types=(PropertyType.DATE,))]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        if run.now is None:
            return Outcome(failure="no clock was given to time the wait")
        resume_at = self.resume_at(config, run)
        if resume_at is None or resume_at <= run.now:
            return Outcome(port="next")
        return Outcome(wait=True, resume_at=resume_at)

    @staticmethod
    def resume_at(config: dict[str, Any], run: RunContext) -> datetime.datetime | None:
        """When the run goes on; None when the date property is unset."""
        assert run.now is not None
        if config["mode"] == "duration":
            return run.now + _span(config["amount"], config["unit"])
        raw = run.values.get(config["key"])
        if not isinstance(raw, str):
            return None
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            return None
        midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=datetime.UTC)
        try:
            return midnight + _span(config["offset"], config["offsetUnit"])
        except OverflowError:  # years before 1 or after 9999: no moment to wait for
            return None


def _span(amount: float, unit: str) -> datetime.timedelta:
    return datetime.timedelta(seconds=int(amount) * UNIT_SECONDS[unit])
