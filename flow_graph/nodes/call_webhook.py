"""Call a webhook: POST the contact's chosen property values (with the flow and the run) to a URL,
then go on at `ok` once it answered 2xx, or at `failed` once the retries ran out.

The run waits at the node while `api` delivers (a job, retried with back-off); the node only
checks its config and says what to send. Whether an address may be called is decided at send
time, after DNS resolution (`api/webhooks/addresses.py`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flow_graph.effects import CallWebhook
from flow_graph.nodes.base import ConfigField, NodeType, Outcome, PropertyUse, RunContext

MAX_URL_LENGTH = 2000
MAX_KEYS = 50


class CallWebhookNode(NodeType):
    type = "call_webhook"
    label = "Call a webhook"
    category = "action"
    waits = True
    timer = True
    optional_ports = frozenset({"failed"})
    preview_port = "ok"
    fields = (
        ConfigField("url", "text", "URL (https://)", required=True),
        ConfigField("keys", "options", "Properties to send"),
    )

    def extra_problems(self, config: dict[str, Any]) -> list[str]:
        url = config["url"].strip()
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("https", "http") or not parts.hostname:
            return ["'url' must be an https:// address"]
        if len(url) > MAX_URL_LENGTH:
            return [f"'url' must be at most {MAX_URL_LENGTH} characters"]
        if len(config.get("keys") or ()) > MAX_KEYS:
            return [f"'keys' must name at most {MAX_KEYS} properties"]
        return []

    def output_ports(self, config: dict[str, Any]) -> list[str]:
        return ["ok", "failed"]

    def property_uses(self, config: dict[str, Any]) -> list[PropertyUse]:
        return [PropertyUse(key, writes=False) for key in config.get("keys") or ()]

    def enter(self, config: dict[str, Any], run: RunContext) -> Outcome:
        keys = tuple(config.get("keys") or ())
        call = CallWebhook(run.node_id, config["url"].strip(), keys)
        return Outcome([call], wait=True, resume_at=run.now)
