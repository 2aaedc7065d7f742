import math

import pytest
from email_validator import EmailNotValidError, validate_email

from flow_graph import InvalidValueError, PropertyType, normalize_value
from flow_graph.property_types import incremented

T = PropertyType


@pytest.mark.parametrize(
    ("type", "raw", "expected"),
    [
        (T.TEXT, "hello", "hello"),
        (T.TEXT, "", ""),
        (T.NUMBER, 42, 42),
        (T.NUMBER, 4.5, 4.5),
        (T.NUMBER, 42.0, 42),
        (T.NUMBER, " -3.25 ", -3.25),
        (T.NUMBER, "1e3", 1000),
        (T.NUMBER, ".5", 0.5),
        (T.NUMBER, 2**60, float(2**60)),
        (T.EMAIL, " Ann@EXAMPLE.com ", "Ann@example.com"),
        (T.URL, "https://shop.example.com/a?b=1", "https://shop.example.com/a?b=1"),
        (T.URL, "HTTP://example.com", "HTTP://example.com"),
        (T.PHONE, "+44 20 7946 0958", "+442079460958"),
        (T.PHONE, "0044 20 7946 0958", "+442079460958"),
        (T.DATE, "2024-02-29", "2024-02-29"),
        (T.DATE, "20240229", "2024-02-29"),
        (T.BOOLEAN, True, True),
        (T.BOOLEAN, "Yes", True),
        (T.BOOLEAN, "off", False),
        (T.SELECT, "pro", "Pro"),
    ],
)
def test_normalize_value_accepts_and_canonicalises(type, raw, expected):
    value = normalize_value(type, raw, options=["Free", "Pro"])

    assert value == expected
    assert type is not T.NUMBER or isinstance(value, int) == isinstance(expected, int)


@pytest.mark.parametrize(
    ("type", "raw", "reason"),
    [
        (T.TEXT, 5, "expected text"),
        (T.TEXT, "a\x00b", "NUL"),
        (T.TEXT, "x" * 10_001, "longer than 10,000"),
        (T.NUMBER, True, "not a boolean"),
        (T.NUMBER, "abc", "not a number"),
        (T.NUMBER, "NaN", "not a number"),
        (T.NUMBER, "inf", "not a number"),
        (T.NUMBER, "1e309", "not a finite number"),
        (T.NUMBER, math.nan, "not a finite number"),
        (T.NUMBER, math.inf, "not a finite number"),
        (T.NUMBER, [1], "expected a number"),
        (T.NUMBER, "1_000", "not a number"),
        (T.EMAIL, "ann@", "not an email address"),
        (T.EMAIL, 7, "expected an email address"),
        (T.URL, "ftp://example.com", "http(s) URL"),
        (T.URL, "https://exa mple.com", "spaces"),
        (T.URL, "example.com", "http(s) URL"),
        (T.URL, "http://[::1", "http(s) URL"),
        (T.NUMBER, 10**400, "not a finite number"),
        (T.PHONE, "12345", "country code"),
        (T.PHONE, "+1 555", "not a valid phone number"),
        (T.DATE, "2023-02-29", "ISO 8601"),
        (T.DATE, "yesterday", "ISO 8601"),
        (T.BOOLEAN, "maybe", "true or false"),
        (T.BOOLEAN, 1, "true or false"),
        (T.SELECT, "Gold", "one of 'Free', 'Pro'"),
        (T.SELECT, "   ", "one of the options"),
        (T.SELECT, "a\x00", "one of the options"),
    ],
)
def test_normalize_value_refuses_naming_why(type, raw, reason):
    with pytest.raises(InvalidValueError) as refused:
        normalize_value(type, raw, options=["Free", "Pro"], key="thing")

    assert reason in refused.value.reason
    assert refused.value.key == "thing"
    assert refused.value.type == type.value
    assert str(refused.value).startswith(f"Property 'thing' ({type.value}) refused")


def test_invalid_value_error_without_a_key_and_with_a_long_value():
    with pytest.raises(InvalidValueError) as refused:
        normalize_value(T.NUMBER, "x" * 500)

    assert str(refused.value).startswith("NUMBER value 'xxxx")
    assert str(refused.value).count("x") < 100


@pytest.mark.parametrize(
    ("old", "by", "expected"),
    [(None, 1, 1), (4, -1, 3), (0.5, 0.5, 1), (1, 0.25, 1.25), (2**53, 1, float(2**53 + 1))],
)
def test_incremented_adds_to_an_unset_value_as_zero_in_canonical_form(old, by, expected):
    total = incremented(old, by)

    assert total == expected
    assert type(total) is type(expected)


def test_incremented_leaves_an_infinite_sum_to_the_caller():
    assert incremented(1.7e308, 1.7e308) == math.inf


@pytest.mark.parametrize(
    "address",
    [
        "user1@example.com",
        "a.b+tag_x-y@mail.shop.example.co",
        "a@1.io",
        "x@localhost.com",
        "a" * 64 + "@example.com",
        "a" * 65 + "@example.com",
        "a@" + "b" * 63 + ".com",
        "a@" + "b" * 64 + ".com",
        "a@" + ".".join(["b" * 60] * 4) + ".com",
        "postmaster@example.com",
        "Postmaster@example.com",
        "ann@Example.com",
        "ann@example.test",
        "ann@mail.local",
        "ann@x.arpa",
        "ann@test",
        "ann@xn--bcher-kva.com",
        "ann@ab--cd.com",
        "ann@-ab.com",
        "ann@ab-.com",
        "ann@a.c0m",
        "ann@a.c",
        "ann..lee@example.com",
        ".ann@example.com",
        "ann.@example.com",
        "ann@example..com",
        "ann@example.com.",
        "ann#x@example.com",
        "ann@exämple.com",
    ],
)
def test_plain_addresses_get_email_validators_answer(address):
    """The quick check of plain addresses answers as email_validator does, value and message."""
    try:
        expected = validate_email(address, check_deliverability=False).normalized
    except EmailNotValidError as error:
        with pytest.raises(InvalidValueError) as refused:
            normalize_value(T.EMAIL, address)
        assert f"not an email address ({error})" in str(refused.value)
    else:
        assert normalize_value(T.EMAIL, address) == expected
