"""Delivering a webhook: the `webhook.deliver` job POSTs the body, signed, and records the
attempt; a failure is tried again with back-off for up to a day (each retry a new job), then the
run goes on at `failed`; a 2xx answer sends it on at `ok`.

Delivery is at least once: a worker that dies after the POST and before recording it sends it
again, with the same `X-Propflow-Delivery` id, which receivers use to drop repeats. The body:
`{"deliveryId", "attempt", "flow": {"id", "version", "name"}, "run": {"id"}, "node",
"contact": {"id", "properties": {key: value}}}`; the signature header is
`X-Propflow-Signature: sha256=<hex HMAC-SHA256 of the body with the workspace's secret>`.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass
from typing import Any

import httpx
from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.contacts import service as contacts_service
from api.flows import runner
from api.flows.models import Flow, FlowRun
from api.flows.pending import DELIVER_JOB
from api.jobs import queue
from api.properties import service as properties_service
from api.visitors import service as visitors_service
from api.webhooks import signing
from api.webhooks.addresses import (
    RefusedDestinationError,
    Resolver,
    resolve_destination,
    system_resolve,
)
from api.webhooks.models import WebhookDelivery

RETRY_FOR = datetime.timedelta(hours=24)
BACKOFF_SECONDS = (60, 300, 1800, 7200, 21600, 43200)
TIMEOUT_SECONDS = 10.0
logger = logging.getLogger("propflow.webhooks")


@dataclass(frozen=True)
class DeliveryOptions:
    allow_private: bool = False
    resolve: Resolver = system_resolve


_options = DeliveryOptions()


def configure(*, allow_private: bool) -> None:
    """Set at start-up from the settings (PROPFLOW_WEBHOOK_ALLOW_PRIVATE)."""
    global _options
    _options = DeliveryOptions(allow_private=allow_private)


@dataclass(frozen=True)
class Attempt:
    ok: bool
    status_code: int | None = None
    error: str | None = None
    retry: bool = True


async def deliver(payload: dict[str, Any]) -> None:
    """The `webhook.deliver` job: one attempt of one delivery (a stale job does nothing)."""
    delivery = await WebhookDelivery.get_or_none(id=payload["deliveryId"])
    if delivery is None or delivery.status in ("ok", "failed"):
        return
    if delivery.attempts != payload["attempt"] - 1:
        return  # this attempt was already made and recorded
    attempt = await _attempt(delivery, payload["attempt"])
    await _record(delivery, payload["attempt"], attempt)


async def _attempt(delivery: WebhookDelivery, number: int) -> Attempt:
    try:
        destination = await resolve_destination(
            delivery.url, allow_private=_options.allow_private, resolve=_options.resolve
        )
    except RefusedDestinationError as refused:
        return Attempt(ok=False, error=refused.reason, retry=False)
    body = json.dumps(await _body(delivery, number), separators=(",", ":")).encode()
    secret = await signing.secret_of(delivery.workspace_id)
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Propflow-Webhook",
        "X-Propflow-Delivery": str(delivery.id),
        "X-Propflow-Signature": f"sha256={signature}",
    }
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as http:
            response = await http.send(destination.request(http, content=body, headers=headers))
    except httpx.HTTPError as error:
        return Attempt(ok=False, error=f"{type(error).__name__}: {error}"[:500])
    return Attempt(ok=200 <= response.status_code < 300, status_code=response.status_code)


async def _body(delivery: WebhookDelivery, number: int) -> dict[str, Any]:
    run = await FlowRun.get(id=delivery.run_id)
    flow = await Flow.get(id=delivery.flow_id)
    contact = await contacts_service.require_contact(delivery.workspace_id, str(run.contact_id))
    definitions = await properties_service.definitions_by_key(delivery.workspace_id)
    values = await contacts_service.values_by_key(contact, definitions)
    return {
        "deliveryId": delivery.id,
        "attempt": number,
        "flow": {"id": flow.id, "version": run.version, "name": flow.name},
        "run": {"id": run.id},
        "node": delivery.node_id,
        "contact": {
            "id": contact.id,
            "properties": {key: values.get(key) for key in delivery.keys},
        },
    }


async def _record(delivery: WebhookDelivery, number: int, attempt: Attempt) -> None:
    """Record the attempt, then retry later, or send the run on at `ok` or `failed`."""
    retry_at = _retry_at(delivery, number) if attempt.retry else None
    status = "ok" if attempt.ok else ("retrying" if retry_at else "failed")
    run = await FlowRun.get(id=delivery.run_id)
    contact = await contacts_service.require_contact(delivery.workspace_id, str(run.contact_id))
    changes = None
    async with in_transaction():
        recorded = await WebhookDelivery.filter(id=delivery.id, attempts=number - 1).update(
            attempts=number,
            status=status,
            last_status_code=attempt.status_code,
            last_error=attempt.error,
            updated_at=now(),
        )
        if not recorded:
            return
        if status == "retrying":
            assert retry_at is not None
            job = {"deliveryId": delivery.id, "attempt": number + 1}
            await queue.schedule(DELIVER_JOB, job, at=retry_at)
        else:
            batch = await runner.lock_for_runs([contact])
            changes = await runner.wake_waiting(
                batch, contact, run_id=run.id, node_id=delivery.node_id, port=status
            )
    if status != "ok":
        logger.warning("Webhook delivery %s attempt %s: %s", delivery.id, number, status)
    await visitors_service.announce(changes)


def _retry_at(delivery: WebhookDelivery, number: int) -> datetime.datetime | None:
    """When to try again after failed attempt `number`; None once a day has gone."""
    delay = BACKOFF_SECONDS[min(number, len(BACKOFF_SECONDS)) - 1]
    at = now() + datetime.timedelta(seconds=delay)
    return at if at <= delivery.created_at + RETRY_FOR else None


JOBS = {DELIVER_JOB: deliver}
