"""Scalars as codegen and clients read them: each says which specification its values follow
(`@specifiedBy`), so a typed client can map it instead of falling back to `unknown`."""

from __future__ import annotations

import dataclasses
import datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

RFC_3339 = "https://www.rfc-editor.org/rfc/rfc3339"

# Strawberry's own DateTime (ISO 8601 text, parsed and printed the same), naming its standard.
DATE_TIME = dataclasses.replace(
    DateTimeDefinition,
    description="A date and time with its offset, as RFC 3339 text: 2026-11-30T22:54:41+00:00.",
    specified_by_url=RFC_3339,
)
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime.datetime: DATE_TIME}
