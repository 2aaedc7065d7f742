"""Property types and the one place where a raw value becomes a canonical, typed value.

The API, the CSV import and the flow engine (visitor answers, update_property values) all call
`normalize_value`, so a value is accepted or refused the same way wherever it comes from.
`phonenumbers` and `email_validator` are pure libraries (no I/O with deliverability checks off),
so using them keeps this package free of side effects.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import phonenumbers
from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

from flow_graph.errors import InvalidValueError

MAX_TEXT_LENGTH = 10_000

Value = str | int | float | bool
"""A canonical property value: a number for NUMBER, a bool for BOOLEAN, a string otherwise."""


class PropertyType(StrEnum):
    TEXT = "TEXT"
    NUMBER = "NUMBER"
    EMAIL = "EMAIL"
    URL = "URL"
    PHONE = "PHONE"
    DATE = "DATE"
    BOOLEAN = "BOOLEAN"
    SELECT = "SELECT"


TYPE_LABELS = MappingProxyType(
    {
        PropertyType.TEXT: "Text",
        PropertyType.NUMBER: "Number",
        PropertyType.EMAIL: "Email",
        PropertyType.URL: "URL",
        PropertyType.PHONE: "Phone",
        PropertyType.DATE: "Date",
        PropertyType.BOOLEAN: "Yes/no",
        PropertyType.SELECT: "Select",
    }
)
"""What a type is called where an operator picks one."""


@dataclass(frozen=True)
class PropertyInfo:
    """What flows need to know of a workspace's property definition."""

    key: str
    type: PropertyType
    options: Sequence[str] | None = None
    hidden: bool = False


def normalize_value(
    type: PropertyType,
    raw: Any,
    *,
    options: Sequence[str] | None = None,
    key: str = "",
) -> Value:
    """Return the canonical form of `raw` for `type`, or raise InvalidValueError naming why.

    Strings are accepted for every type (visitor answers and CSV cells are text), so "42" is a
    NUMBER and "yes" a BOOLEAN; JSON numbers and booleans are accepted only where they fit.
    """
    try:
        return _NORMALIZERS[type](raw, options or ())
    except _RefusedError as refused:
        raise InvalidValueError(key, type.value, raw, str(refused)) from None


def incremented(old: Value | None, by: float) -> int | float:
    """A NUMBER value after adding `by`, an unset one counting as 0, in canonical form.

    The engine, the simulation and the contacts service all add this way, so a flow's preview
    shows what the database will store. The sum may be infinite: each caller decides whether
    that is refused."""
    return _canonical(float(old or 0) + by)


class _RefusedError(Exception):
    """Internal: the reason a normalizer refused a value."""


_NUMBER_TEXT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
_FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
_LARGEST_EXACT_INTEGER = 2**53


def _text(raw: Any, _options: Sequence[str]) -> str:
    if not isinstance(raw, str):
        raise _RefusedError("expected text")
    if "\x00" in raw:
        raise _RefusedError("text must not contain NUL characters")
    if len(raw) > MAX_TEXT_LENGTH:
        raise _RefusedError(f"text is longer than {MAX_TEXT_LENGTH:,} characters")
    return raw


def _number(raw: Any, _options: Sequence[str]) -> int | float:
    if isinstance(raw, bool):
        raise _RefusedError("expected a number, not a boolean")
    if isinstance(raw, str):
        text = raw.strip()
        if not _NUMBER_TEXT.fullmatch(text):
            raise _RefusedError("not a number")
        raw = float(text)
    if not isinstance(raw, int | float):
        raise _RefusedError("expected a number")
    try:
        number = float(raw)
    except OverflowError:
        raise _RefusedError("not a finite number") from None
    if not math.isfinite(number):
        raise _RefusedError("not a finite number")
    return _canonical(number)


def _canonical(number: float) -> int | float:
    """Whole numbers as int (JSON `3`, not `3.0`) while a float holds them exactly."""
    return int(number) if number.is_integer() and abs(number) < _LARGEST_EXACT_INTEGER else number


# Addresses email_validator accepts unchanged: lowercase ASCII, a dot-atom of a few characters
# before the @ (at most 64), domain labels of letters, digits and single hyphens (at most 63
# each), an alphabetic top-level domain. Checked here alone, they skip its IDNA and Unicode
# checks: a tenth of an import's time. Anything else goes through it, for its answer and message.
_PLAIN_EMAIL = re.compile(
    r"(?=[^@]{1,64}@)[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*"
    r"@(?:(?!-)(?!..--)[a-z0-9-]{1,63}(?<!-)\.)+[a-z]{2,63}"
)
_SPECIAL_USE_SUFFIXES = tuple("." + name for name in SPECIAL_USE_DOMAIN_NAMES)


def _plain_email(text: str) -> bool:
    return (
        len(text) <= 254
        and _PLAIN_EMAIL.fullmatch(text) is not None
        and not ("." + text.rpartition("@")[2]).endswith(_SPECIAL_USE_SUFFIXES)
        and len(text.rpartition("@")[2]) <= 253
    )


def _email(raw: Any, _options: Sequence[str]) -> str:
    text = _stripped_text(raw, "an email address")
    if _plain_email(text):
        return text
    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        raise _RefusedError(f"not an email address ({error})") from None
    return str(checked.normalized)


def _url(raw: Any, _options: Sequence[str]) -> str:
    text = _stripped_text(raw, "a URL")
    if any(character.isspace() for character in text):
        raise _RefusedError("a URL must not contain spaces")
    try:
        parts = urlsplit(text)
    except ValueError:  # an unclosed [IPv6 host
        parts = urlsplit("")
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise _RefusedError("expected an http(s) URL with a host, like https://example.com")
    return text


def _phone(raw: Any, _options: Sequence[str]) -> str:
    text = _stripped_text(raw, "a phone number")
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        raise _RefusedError(
            "expected an international phone number with its country code, like +44 20 7946 0958"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise _RefusedError("not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _date(raw: Any, _options: Sequence[str]) -> str:
    text = _stripped_text(raw, "a date")
    try:
        return datetime.date.fromisoformat(text).isoformat()
    except ValueError:
        raise _RefusedError("expected an ISO 8601 date, like 2024-05-31") from None


def _boolean(raw: Any, _options: Sequence[str]) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str):
        word = raw.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
    raise _RefusedError("expected true or false")


def _select(raw: Any, options: Sequence[str]) -> str:
    text = _stripped_text(raw, "one of the options")
    for option in options:
        if option.casefold() == text.casefold():
            return option
    listed = ", ".join(repr(option) for option in options)
    raise _RefusedError(f"expected one of {listed}")


def _stripped_text(raw: Any, expected: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _RefusedError(f"expected {expected}")
    if "\x00" in raw or len(raw) > MAX_TEXT_LENGTH:
        raise _RefusedError(f"expected {expected}")
    return raw.strip()


_NORMALIZERS = {
    PropertyType.TEXT: _text,
    PropertyType.NUMBER: _number,
    PropertyType.EMAIL: _email,
    PropertyType.URL: _url,
    PropertyType.PHONE: _phone,
    PropertyType.DATE: _date,
    PropertyType.BOOLEAN: _boolean,
    PropertyType.SELECT: _select,
}
