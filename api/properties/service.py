"""Property definitions: built-ins, create, edit (never retype), hide and delete."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping, Sequence

from cachetools import TTLCache
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from api.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    TypeImmutableError,
    ValidationFailedError,
)
from api.ids import parse_id
from api.properties.models import PropertyDefinition
from flow_graph import PropertyInfo
from flow_graph.property_types import PropertyType

KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,63}")
MAX_LABEL_LENGTH = 200
MAX_OPTIONS = 500
BUILT_INS = (
    ("name", "Name", PropertyType.TEXT),
    ("email", "Email", PropertyType.EMAIL),
    ("phone", "Phone", PropertyType.PHONE),
)


async def create_built_ins(workspace: object) -> None:
    """Give a new workspace its `name`, `email` and `phone` properties."""
    for key, label, type in BUILT_INS:
        await PropertyDefinition.create(
            workspace=workspace, key=key, label=label, type=type, built_in=True
        )


async def list_properties(
    workspace_id: int, *, include_hidden: bool = False
) -> list[PropertyDefinition]:
    query = PropertyDefinition.filter(workspace_id=workspace_id)
    if not include_hidden:
        query = query.filter(hidden=False)
    return await query.order_by("-built_in", "id")


async def definitions_by_key(workspace_id: int) -> dict[str, PropertyDefinition]:
    """Every definition of the workspace, hidden ones included, by key."""
    definitions = await PropertyDefinition.filter(workspace_id=workspace_id).order_by("id")
    return {definition.key: definition for definition in definitions}


async def definitions_for_events(workspace_id: int) -> dict[str, PropertyDefinition]:
    """`definitions_by_key`, remembered for a moment: the visitor hot path reads them on every
    page view. Keys and types never change; a property created or edited in this process is
    seen at once, one from another process within RECENT_SECONDS. Read-only: do not modify."""
    definitions = _recent.get(workspace_id)
    if definitions is None:
        definitions = await definitions_by_key(workspace_id)
        _recent[workspace_id] = definitions
    return definitions


def forget_recent(workspace_id: int | None = None) -> None:
    """Drop remembered definitions (of one workspace, or all when a database is opened)."""
    if workspace_id is None:
        _recent.clear()
    else:
        _recent.pop(workspace_id, None)


RECENT_SECONDS = 2.0
RECENT_WORKSPACES = 10_000  # a bound, so many workspaces cannot grow it without end
_recent: TTLCache[int, dict[str, PropertyDefinition]] = TTLCache(
    maxsize=RECENT_WORKSPACES, ttl=RECENT_SECONDS
)


async def get_by_key(workspace_id: int, key: str) -> PropertyDefinition | None:
    """None also for a text that cannot be a key (it never reaches the database, where a NUL
    character is an error on PostgreSQL)."""
    if not KEY_PATTERN.fullmatch(key):
        return None
    return await PropertyDefinition.get_or_none(workspace_id=workspace_id, key=key)


async def get_by_id(workspace_id: int, property_id: str) -> PropertyDefinition:
    """The workspace's property with that id; another workspace's id is NOT_FOUND."""
    definition = None
    row_id = parse_id(property_id)
    if row_id is not None:
        definition = await PropertyDefinition.get_or_none(id=row_id, workspace_id=workspace_id)
    if definition is None:
        raise NotFoundError(f"No property with id '{property_id}'", id=property_id)
    return definition


async def create_property(
    workspace_id: int,
    *,
    label: str,
    type: PropertyType,
    key: str | None = None,
    options: Sequence[str] | None = None,
    actor_id: int | None = None,
) -> PropertyDefinition:
    label = _clean_label(label)
    key = _check_key(key) if key is not None else derive_key(label)
    cleaned_options = _clean_options(type, options)
    if cleaned_options is None and type is PropertyType.SELECT:
        raise ValidationFailedError(
            f"The SELECT property '{key}' needs a list of options", key=key, field="options"
        )
    if await get_by_key(workspace_id, key) is not None:
        raise ConflictError(f"A property with the key '{key}' already exists", key=key)
    forget_recent(workspace_id)
    try:
        async with in_transaction():
            return await PropertyDefinition.create(
                workspace_id=workspace_id,
                key=key,
                label=label,
                type=type,
                options=cleaned_options,
                created_by_id=actor_id,
            )
    except IntegrityError:
        raise ConflictError(f"A property with the key '{key}' already exists", key=key) from None


async def update_property(
    workspace_id: int,
    property_id: str,
    *,
    label: str | None = None,
    hidden: bool | None = None,
    options: Sequence[str] | None = None,
    type: PropertyType | None = None,
) -> PropertyDefinition:
    """Edit the label, options or hidden state; asking for another type is TYPE_IMMUTABLE."""
    definition = await get_by_id(workspace_id, property_id)
    if type is not None and type is not definition.type:
        raise TypeImmutableError(
            f"The type of property '{definition.key}' is {definition.type.value} and cannot be "
            f"changed to {type.value}; create a new property instead",
            key=definition.key,
            type=definition.type.value,
            requestedType=type.value,
        )
    if hidden and definition.built_in:
        raise ForbiddenError(
            f"The built-in property '{definition.key}' cannot be hidden", key=definition.key
        )
    if label is not None:
        definition.label = _clean_label(label)
    if options is not None:
        definition.options = _clean_options(definition.type, options)
    if hidden is not None:
        definition.hidden = hidden
    async with in_transaction():
        await definition.save()
    forget_recent(workspace_id)
    return definition


async def delete_property(
    workspace_id: int,
    property_id: str,
    *,
    refuse_if_used: Callable[[int, str], Awaitable[None]],
) -> None:
    """Delete the definition and every contact's value for it (their history is kept).

    `refuse_if_used(workspace_id, key)` is the flows' guard (a property a flow uses stays),
    called in the deleting transaction; passed in, so properties never import flows.
    """
    definition = await get_by_id(workspace_id, property_id)
    if definition.built_in:
        raise ForbiddenError(
            f"The built-in property '{definition.key}' cannot be deleted", key=definition.key
        )
    async with in_transaction():
        await refuse_if_used(workspace_id, definition.key)
        await definition.delete()
    forget_recent(workspace_id)


def property_infos_from(definitions: Mapping[str, PropertyDefinition]) -> dict[str, PropertyInfo]:
    """What flow_graph knows of each property: its type, options and whether it is hidden."""
    return {
        key: PropertyInfo(
            key=key, type=definition.type, options=definition.options, hidden=definition.hidden
        )
        for key, definition in definitions.items()
    }


def derive_key(label: str) -> str:
    """`Favorite color` -> `favorite_color`: accents stripped, words joined by underscores."""
    ascii_label = (
        unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode("ascii").lower()
    )
    key = re.sub(r"[^a-z0-9]+", "_", ascii_label).strip("_")
    if key and not key[0].isalpha():
        key = "p_" + key
    key = key[:64].rstrip("_")
    if not key:
        raise ValidationFailedError(
            f"Cannot derive a key from the label '{label}': give one explicitly", field="key"
        )
    return key


def _check_key(key: str) -> str:
    if not KEY_PATTERN.fullmatch(key):
        raise ValidationFailedError(
            f"The key '{key}' is not valid: it must match [a-z][a-z0-9_]{{0,63}}",
            key=key,
            field="key",
        )
    return key


def _clean_label(label: str) -> str:
    label = label.strip()
    if not label or len(label) > MAX_LABEL_LENGTH or "\x00" in label:
        raise ValidationFailedError(
            f"A property label must be 1 to {MAX_LABEL_LENGTH} characters", field="label"
        )
    return label


def _clean_options(type: PropertyType, options: Sequence[str] | None) -> list[str] | None:
    if options is None:
        return None
    if type is not PropertyType.SELECT:
        raise ValidationFailedError(
            f"Only SELECT properties have options, not {type.value}", field="options"
        )
    cleaned = [option.strip() for option in options]
    if not cleaned or any(not option or "\x00" in option for option in cleaned):
        raise ValidationFailedError("SELECT options must be non-empty texts", field="options")
    if len(cleaned) > MAX_OPTIONS:
        raise ValidationFailedError(f"A SELECT has at most {MAX_OPTIONS} options", field="options")
    if len({option.casefold() for option in cleaned}) != len(cleaned):
        raise ValidationFailedError("SELECT options must be different", field="options")
    return cleaned
