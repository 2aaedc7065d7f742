"""The import's results stay what they were before it was made fast (issue 17): the same files,
imported in the same order, leave the same reports, error files, contacts, values and history.

`EXPECTED` was recorded with the import as it was at 117460e (one statement per new contact
and per value): the reports as they are, the stored rows as a digest of their canonical JSON
(`snapshot`), without timestamps and the import's random source id.
"""

import csv
import hashlib
import io
import json
import random

import pytest

from api.contacts.models import Contact, PropertyChange, PropertyValue
from api.properties.models import PropertyDefinition
from tests.api.test_import import upload
from tests.support.builders import create_contact, create_property
from tests.support.graphql import GraphQLClient

ROWS = 400


def files() -> list[tuple[str, dict[str, str]]]:
    """Three files: new contacts with every kind of cell and bad row; updates by email and by
    id with duplicates inside the file; a dry run over both kinds."""
    rng = random.Random(17)
    first = io.StringIO()
    writer = csv.writer(first)
    writer.writerow(["Email", "Name", "Shoe size", "plan", "Birthday", "Subscribed", "junk"])
    for n in range(ROWS):
        cells = [
            f"user{n % 350}@Example.com",
            f"User {n}" if n % 5 else "",
            ["", "38", "44.5", "-3"][rng.randrange(4)],
            ["", "free", "Pro"][rng.randrange(3)],
            ["", "1990-05-01", "2001-12-24"][rng.randrange(3)],
            ["", "yes", "no", "true"][rng.randrange(4)],
            str(n),
        ]
        if n % 6 == 0:  # one bad cell, or no email at all
            bad = rng.randrange(5)
            cells[bad] = ["not-an-email", "", "x", "Platinum", "2001-02-30"][bad]
        writer.writerow(cells)
    second = io.StringIO()
    writer = csv.writer(second)
    writer.writerow(["id", "email", "shoe_size", "plan"])
    for n in range(ROWS // 2):
        target = str(1 + n * 2) if n % 3 else ""
        email = "" if target and n % 2 else f"user{(n * 7) % 500}@example.com"
        writer.writerow([target, email, str(30 + n % 17), ["Team", "Pro", ""][n % 3]])
    writer.writerow(["999999", "", "40", ""])
    writer.writerow(["", "", "41", "Pro"])
    return [
        (first.getvalue(), {}),
        (second.getvalue(), {}),
        (first.getvalue()[: len(first.getvalue()) // 2] + "\n", {"dryRun": "true"}),
        (second.getvalue(), {"dryRun": "true"}),
    ]


async def snapshot() -> dict:
    """Every stored contact, value and history row, in id order, without what varies."""
    keys = dict(await PropertyDefinition.all().values_list("id", "key"))
    contacts = await Contact.all().order_by("id").values_list("id", "email", "visitor_id")
    values = await (
        PropertyValue.all()
        .order_by("contact_id", "property_id")
        .values_list(
            "contact_id", "property_id", "value_text", "value_number", "value_bool", "value_date"
        )
    )
    history = await (
        PropertyChange.all()
        .order_by("id")
        .values_list("contact_id", "key", "old_value", "new_value", "source")
    )
    return {
        "contacts": [list(row) for row in contacts],
        "values": [[row[0], keys[row[1]], *map(str, row[2:])] for row in values],
        "history": [[*row[:4], str(row[4])] for row in history],
    }


@pytest.fixture
async def workspace(gql: GraphQLClient) -> None:
    await create_property(gql, "Shoe size", "NUMBER")
    await create_property(gql, "Plan", "SELECT", options=["Free", "Pro", "Team"])
    await create_property(gql, "Birthday", "DATE")
    await create_property(gql, "Subscribed", "BOOLEAN")
    for n in range(0, 40, 3):  # some contacts exist before the import
        await create_contact(gql, email=f"user{n}@example.com", shoe_size=n)


async def test_the_same_files_leave_the_same_results(client, gql, workspace, monkeypatch):
    from api.contacts import importing

    monkeypatch.setattr(importing, "BATCH_SIZE", 64)  # several batches per file
    reports = []
    for body, params in files():
        response = await upload(client, gql, body, **params)
        assert response.status_code == 200, response.text
        reports.append(response.json())

    stored = json.dumps(await snapshot(), sort_keys=True, separators=(",", ":"))
    record = {
        "reports": [hashlib.sha256(json.dumps(r, sort_keys=True).encode()).hexdigest()[:16]
                    for r in reports],
        "counts": [[r["created"], r["updated"], r["unchanged"], r["failed"]] for r in reports],
        "stored": hashlib.sha256(stored.encode()).hexdigest()[:16],
    }  # fmt: skip
    assert record == EXPECTED


EXPECTED = {
    "reports": ["e42e217e6fa772fc", "eaafe92b4e5a46d9", "780edf97056bc1bd", "fc2afe271d120430"],
    "counts": [[298, 48, 0, 54], [23, 153, 0, 26], [25, 148, 0, 30], [3, 176, 0, 23]],
    "stored": "7b0120501e432801",
}
