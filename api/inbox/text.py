"""The one rule for a chat message's text, the visitor's (hostile) and the operator's alike."""

from __future__ import annotations

import unicodedata

from api.errors import ValidationFailedError

MAX_MESSAGE_LENGTH = 4000
# Line breaks and tabs are text; every other control character is refused.
_ALLOWED_CONTROLS = frozenset("\n\r\t")


def check_message_text(text: str, *, field: str = "text") -> str:
    """`text` without surrounding blanks; VALIDATION_FAILED naming what is wrong with it."""
    stripped = text.strip()
    if not stripped:
        raise ValidationFailedError(f"'{field}' must not be empty", field=field)
    if len(stripped) > MAX_MESSAGE_LENGTH:
        raise ValidationFailedError(
            f"'{field}' must be at most {MAX_MESSAGE_LENGTH:,} characters", field=field
        )
    for index, character in enumerate(stripped):
        if character not in _ALLOWED_CONTROLS and unicodedata.category(character) in ("Cc", "Cs"):
            raise ValidationFailedError(
                f"'{field}' must not hold control characters (U+{ord(character):04X} at {index})",
                field=field,
            )
    return stripped
