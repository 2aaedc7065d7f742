"""Workspaces, operators and bearer tokens: creating, issuing, revoking them and turning a
token into an operator."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import re
import secrets
from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from strawberry.http.websocket_origin import normalize_origin
from tortoise.transactions import in_transaction

from api import pubsub
from api.errors import NotFoundError, UnauthenticatedError, ValidationFailedError
from api.ids import parse_id
from api.properties import service as properties_service
from api.workspaces import models
from api.workspaces.sign_ins import SignedIn, SignIns
from flow_graph import InvalidValueError, PropertyType, normalize_value

DEFAULT_WORKSPACE_NAME = "Default"
TOKEN_PREFIX = "pf_"
PUBLIC_KEY_PREFIX = "pk_"
PUBLIC_KEY_MAX_LENGTH = 64  # the column's length
# Revocations are announced here, so every process closes the sockets of those tokens.
TOKENS_REVOKED_CHANNEL = "operator-tokens-revoked"
# lastUsedAt is this precise: a token's row is written at most once per interval.
LAST_USED_INTERVAL = timedelta(minutes=1)
# Tokens whose last write this process remembers, before it forgets the stale ones.
LAST_USED_MEMORY = 10_000
# Reads of a token's row in flight, by its hash (`_read_once`).
_reading: dict[str, asyncio.Future[SignedIn | None]] = {}


async def create_operator(
    *, email: str, workspace_name: str = DEFAULT_WORKSPACE_NAME, name: str | None = None
) -> tuple[models.Operator, str]:
    """Create the operator (and its workspace when new) and return it with a fresh token.

    Running it again for an existing operator issues an additional token; earlier ones stay valid.
    """
    email = _normalized_email(email)
    async with in_transaction():
        workspace = await get_or_create_workspace(workspace_name)
        operator, _ = await models.Operator.get_or_create(
            workspace=workspace, email=email, defaults={"name": name}
        )
        token = await _new_token(operator)
    return operator, token


async def issue_token(
    *, email: str, workspace_name: str = DEFAULT_WORKSPACE_NAME
) -> tuple[models.Operator, str]:
    """Another token for an existing operator (NOT_FOUND otherwise); earlier ones stay valid."""
    operator = await _existing_operator(email, workspace_name)
    return operator, await _new_token(operator)


async def revoke_tokens(
    *, email: str, workspace_name: str = DEFAULT_WORKSPACE_NAME
) -> tuple[models.Operator, int]:
    """Revoke every token of an existing operator; how many there were.

    The rows are deleted rather than marked revoked: a missing row is the one state that
    `authenticate` and the socket re-check (`api/workspaces/sessions.py`) cannot misread, with
    no `revoked_at IS NULL` for either query to forget, and the table keeps only live tokens.
    What is lost (when a dead token was created and last used) has no reader. The revoked
    hashes are announced after the delete, so every process closes those tokens' sockets.
    """
    operator = await _existing_operator(email, workspace_name)
    hashes = await models.OperatorToken.filter(operator=operator).values_list(
        "token_hash", flat=True
    )
    await models.OperatorToken.filter(token_hash__in=hashes).delete()
    forget_sign_ins([str(digest) for digest in hashes])
    await pubsub.publish(
        TOKENS_REVOKED_CHANNEL, {"operatorId": operator.id, "tokenHashes": list(hashes)}
    )
    return operator, len(hashes)


async def operators_of(workspace_id: int) -> list[models.Operator]:
    """The workspace's operators, by email."""
    return await models.Operator.filter(workspace_id=workspace_id).order_by("email")


async def require_operator(workspace_id: int, operator_id: str) -> models.Operator:
    """The workspace's operator with that id; NOT_FOUND for another workspace's."""
    number = parse_id(operator_id)
    operator = None
    if number is not None:
        operator = await models.Operator.get_or_none(id=number, workspace_id=workspace_id)
    if operator is None:
        raise NotFoundError(f"No operator with id '{operator_id}'", id=operator_id)
    return operator


async def get_or_create_workspace(name: str) -> models.Workspace:
    """The workspace called `name`, created with its built-in properties when it is new."""
    name = name.strip()
    if not name:
        raise ValidationFailedError("A workspace needs a name", field="workspace")
    async with in_transaction():
        workspace = await models.Workspace.get_or_none(name=name)
        if workspace is None:
            workspace = await models.Workspace.create(
                name=name, public_key=PUBLIC_KEY_PREFIX + secrets.token_urlsafe(18)
            )
            await properties_service.create_built_ins(workspace)
    return workspace


async def find_workspace(name: str) -> models.Workspace | None:
    return await models.Workspace.get_or_none(name=name.strip())


async def has_workspaces() -> bool:
    return await models.Workspace.exists()


async def authenticate(token: str) -> models.Operator:
    """The operator owning `token`; UnauthenticatedError otherwise. Remembered for a while
    where revocations reach this process (`api/workspaces/sign_ins.py`)."""
    digest = token_hash(token)
    signed_in = _sign_ins.get(digest) if _sign_ins is not None else None
    if signed_in is None:
        signed_in = await _read_once(digest)
    if signed_in is None:
        raise UnauthenticatedError("The bearer token is missing, unknown or revoked.")
    await _note_use(signed_in)
    return signed_in.operator


async def _read_once(digest: str) -> SignedIn | None:
    """The token's row, read once for every request asking at the same time: when a
    remembered sign-in expired, all the requests in flight read it again, one after another
    on SQLite (a p99 of 300 ms at 32 connections, `bench/bench_signin.py`)."""
    reading = _reading.get(digest)
    # A read left by another event loop (one closed with a read in flight, in a test process)
    # would never end.
    if reading is None or reading.get_loop() is not asyncio.get_running_loop():
        reading = asyncio.ensure_future(_read_sign_in(digest))
        _reading[digest] = reading
        reading.add_done_callback(
            lambda done: _reading.pop(digest, None) if _reading.get(digest) is done else None
        )
    # Shielded: a request that goes away does not cancel the read the others wait for.
    return await asyncio.shield(reading)


async def _read_sign_in(digest: str) -> SignedIn | None:
    cache = _sign_ins
    since = cache.generation if cache is not None else 0
    stored = await models.OperatorToken.get_or_none(token_hash=digest).select_related("operator")
    if stored is None or not hmac.compare_digest(stored.token_hash, digest):
        return None
    signed_in = SignedIn(stored.id, stored.token_hash, stored.last_used_at, stored.operator)
    if cache is not None:
        cache.remember(signed_in, since=since)
    return signed_in


def is_remembered(token: str) -> bool:
    """Whether `token` signed in here moments ago (see `api/workspaces/sign_ins.py`)."""
    return _sign_ins is not None and _sign_ins.get(token_hash(token)) is not None


def remember_sign_ins(cache: SignIns | None) -> None:
    """Sign in from `cache` from now on (the app's lifespan installs one, or None)."""
    global _sign_ins
    _sign_ins = cache


def forget_sign_ins(digests: Collection[str] | None) -> None:
    """Forget these tokens' sign-ins (revoked), or all of them (None: events may be lost)."""
    if _sign_ins is None:
        return
    if digests is None:
        _sign_ins.forget_all()
    else:
        _sign_ins.forget(digests)


async def workspace_of(operator: models.Operator) -> models.Workspace:
    """The operator's workspace, read now: a remembered sign-in does not carry it, since its
    settings may change in another process."""
    return await models.Workspace.get(id=operator.workspace_id)


def token_hash(token: str) -> str:
    """What is stored of a token (and what identifies its sockets): its SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


async def workspace_for_key(public_key: str) -> models.Workspace:
    """The workspace whose public key the visitor widget sends; UNAUTHENTICATED otherwise."""
    workspace = _workspaces_by_key.get(public_key)
    if workspace is None:
        if len(public_key) > PUBLIC_KEY_MAX_LENGTH:  # no such key, and not a value to query by
            raise UnauthenticatedError("Unknown workspace key.")
        workspace = await models.Workspace.get_or_none(public_key=public_key)
        if workspace is None:
            raise UnauthenticatedError("Unknown workspace key.")
        _workspaces_by_key[public_key] = workspace
    return workspace


async def set_allowed_origins(
    workspace: models.Workspace, *, origins: list[str]
) -> models.Workspace:
    """Replace the origins whose pages may run the widget; every entry must be an origin."""
    cleaned: list[str] = []
    for entry in origins:
        origin = as_origin(entry)
        if origin is None:
            raise ValidationFailedError(
                f"'{entry}' is not an origin: write the scheme and host, and the port if it is "
                "not the default, like https://shop.example or http://localhost:3000",
                field="allowedOrigins",
                value=entry,
            )
        if origin not in cleaned:
            cleaned.append(origin)
    workspace.allowed_origins = cleaned
    await workspace.save(update_fields=["allowed_origins"])
    return workspace


async def allowed_origins_for_key(public_key: str) -> list[str] | None:
    """The widget origins of the workspace with that key ([] = any); None for an unknown key.

    Read from the database every time, not from the key cache below: operators edit the list,
    and another server process must see the change at once.
    """
    if len(public_key) > PUBLIC_KEY_MAX_LENGTH:
        return None
    found = await models.Workspace.filter(public_key=public_key).values_list(
        "allowed_origins", flat=True
    )
    if not found:
        return None
    return list(found[0] or [])


def as_origin(text: str) -> str | None:
    """`text` as browsers send it in an Origin header (`https://shop.example`); None when it is
    more than an origin (a path, a query, credentials), not an http(s) one, or its host is not
    a DNS name (IDNA, so `https://bücher.example` is stored as its `xn--` form), an IPv4 or a
    bracketed IPv6 address: a browser never sends any other, so another never matches."""
    text = text.strip()
    if not text.isprintable() or " " in text:  # urlsplit would drop a tab or a newline
        return None
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = _ascii_host(parts.hostname or "")
    if (
        scheme not in ("http", "https")
        or host is None
        or port == 0
        or parts.path not in ("", "/")
        or parts.query
        or parts.fragment
        or "@" in parts.netloc
    ):
        return None
    return normalize_origin(f"{scheme}://{host}" + ("" if port is None else f":{port}"))


def _ascii_host(host: str) -> str | None:
    """The host as it travels in an Origin header, or None when it cannot be one."""
    if "%" in host:  # an IPv6 zone: local to one machine
        return None
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:
            return None
    try:
        encoded = host.encode("idna").decode("ascii")
    except UnicodeError:  # a lone surrogate, an empty or overlong label
        return None
    labels = encoded.split(".")
    if len(encoded) > 253 or not all(_DNS_LABEL.fullmatch(label) for label in labels):
        return None
    return encoded


_DNS_LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")  # "_": browsers accept it too


# Public keys never change, so a key seen once is remembered for the life of the process.
_workspaces_by_key: dict[str, models.Workspace] = {}
# Remembered sign-ins, when the app installed them (`remember_sign_ins`).
_sign_ins: SignIns | None = None
# When this process last wrote each token's last_used_at, by hash (an id may be reused).
_last_written: dict[str, datetime] = {}


def _normalized_email(email: str) -> str:
    try:
        return str(normalize_value(PropertyType.EMAIL, email)).lower()
    except InvalidValueError:
        raise ValidationFailedError(f"'{email}' is not an email address", field="email") from None


async def _existing_operator(email: str, workspace_name: str) -> models.Operator:
    operator = await models.Operator.get_or_none(
        email=_normalized_email(email), workspace__name=workspace_name.strip()
    )
    if operator is None:
        raise NotFoundError(
            f"No operator {email} in workspace '{workspace_name}': "
            "create one with `propflow operator create`",
            email=email,
            workspace=workspace_name,
        )
    return operator


async def _new_token(operator: models.Operator) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    await models.OperatorToken.create(operator=operator, token_hash=token_hash(token))
    return token


async def _note_use(signed_in: SignedIn) -> None:
    """Write last_used_at at most once an interval: the row as read says when any process last
    wrote it, and this process's memory keeps a burst of requests, all reading the row before
    the first write commits, from writing it once each."""
    now = _now()
    stale = now - LAST_USED_INTERVAL
    if (signed_in.last_used_at is not None and signed_in.last_used_at > stale) or _last_written.get(
        signed_in.token_hash, stale
    ) > stale:
        return
    if len(_last_written) >= LAST_USED_MEMORY:
        for digest in [key for key, written in _last_written.items() if written <= stale]:
            del _last_written[digest]
    _last_written[signed_in.token_hash] = now
    await models.OperatorToken.filter(id=signed_in.token_id).update(last_used_at=now)


def _now() -> datetime:
    return datetime.now(UTC)
