"""Contacts from CSV: every value validated like any other write, rows upserted by email or id.

The file is read twice from a spooled copy: once to check its encoding and CSV structure (a
malformed file is refused before anything is written), then in batches of BATCH_SIZE rows, each
batch in one transaction. Memory stays bounded by a batch plus the failed rows.
"""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from tortoise.timezone import now
from tortoise.transactions import in_transaction

from api.bulk_insert import insert_returning
from api.contacts import value_store
from api.contacts.models import ChangeSource, Contact
from api.contacts.service import announce, normalize
from api.contacts.value_store import Origin
from api.errors import ValidationFailedError
from api.ids import parse_id
from api.properties import service as properties_service
from api.properties.models import PropertyDefinition
from flow_graph.property_types import PropertyType, Value

BATCH_SIZE = 500
MAX_COLUMNS = 500
ID_COLUMN = "id"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    dry_run: bool = False
    skipped_columns: list[str] = field(default_factory=list)
    failed_rows: io.StringIO = field(default_factory=io.StringIO)

    def as_json(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "failed": self.failed,
            "dryRun": self.dry_run,
            "skippedColumns": self.skipped_columns,
            "failedRowsCsv": self.failed_rows.getvalue() if self.failed else None,
        }


@dataclass(frozen=True)
class _Row:
    number: int
    cells: list[str]


async def import_contacts(
    workspace_id: int,
    source: IO[bytes],
    *,
    dry_run: bool,
    mapping: Mapping[str, str] | None = None,
    skip_unknown: bool = True,
) -> ImportReport:
    """Import the CSV in `source` (seekable bytes); ValidationFailedError for a bad file."""
    header = _check_file(source)
    definitions = await properties_service.definitions_by_key(workspace_id)
    columns, skipped = _map_columns(header, definitions, mapping or {}, skip_unknown)
    report = ImportReport(dry_run=dry_run, skipped_columns=skipped)
    failures = csv.writer(report.failed_rows)
    failures.writerow([*header, "error"])
    origin = Origin(ChangeSource.IMPORT, f"import:{uuid.uuid4().hex[:12]}")
    seen_emails: set[str] = set()
    for batch in _batches(source):
        await _import_batch(
            workspace_id, batch, columns, definitions, report, failures, origin, seen_emails
        )
    return report


def _check_file(source: IO[bytes]) -> list[str]:
    """The header; a clear error for bad encoding, broken quoting or a missing header."""
    header: list[str] | None = None
    try:
        for number, cells in enumerate(_rows(source), start=1):
            if header is None:
                header = [cell.strip() for cell in cells]
            elif len(cells) > len(header):
                raise ValidationFailedError(
                    f"Row {number} has {len(cells)} cells but the header has {len(header)}",
                    row=number,
                )
    except UnicodeDecodeError as error:
        raise ValidationFailedError(
            f"The file is not UTF-8 text (byte {error.start}): save it as UTF-8 CSV"
        ) from None
    except csv.Error as error:
        raise ValidationFailedError(f"The file is not valid CSV: {error}") from None
    if not header or not any(header):
        raise ValidationFailedError("The file has no header row naming its columns")
    if len(header) > MAX_COLUMNS:
        raise ValidationFailedError(f"The file has more than {MAX_COLUMNS} columns")
    return header


def _rows(source: IO[bytes]) -> Iterator[list[str]]:
    source.seek(0)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        yield from csv.reader(text, strict=True)
    finally:
        text.detach()


def _batches(source: IO[bytes]) -> Iterator[list[_Row]]:
    batch: list[_Row] = []
    for number, cells in enumerate(_rows(source), start=1):
        if number == 1 or not any(cell.strip() for cell in cells):
            continue
        batch.append(_Row(number, cells))
        if len(batch) == BATCH_SIZE:
            yield batch
            batch = []
    if batch:
        yield batch


def _map_columns(
    header: Sequence[str],
    definitions: Mapping[str, PropertyDefinition],
    mapping: Mapping[str, str],
    skip_unknown: bool,
) -> tuple[dict[int, str], list[str]]:
    """Column index -> property key (or `id`); header cells match a key or a label."""
    by_name = {definition.key.casefold(): key for key, definition in definitions.items()}
    by_name |= {definition.label.casefold(): key for key, definition in definitions.items()}
    columns: dict[int, str] = {}
    unknown: list[str] = []
    for index, name in enumerate(header):
        key = mapping[name] if name in mapping else by_name.get(name.casefold())
        if name.casefold() == ID_COLUMN and name not in mapping:
            key = ID_COLUMN
        if key == "":
            continue  # mapped to nothing: skipped on purpose
        if key is None or (key != ID_COLUMN and key not in definitions):
            unknown.append(name)
            continue
        columns[index] = key
    if unknown and not skip_unknown:
        raise ValidationFailedError(
            "Unknown column(s): " + ", ".join(unknown) + " (map them or skip unknown columns)",
            columns=unknown,
        )
    return columns, unknown


async def _import_batch(
    workspace_id: int,
    batch: Sequence[_Row],
    columns: Mapping[int, str],
    definitions: Mapping[str, PropertyDefinition],
    report: ImportReport,
    failures: Any,
    origin: Origin,
    seen_emails: set[str],
) -> None:
    parsed: list[tuple[_Row, str | None, list[tuple[PropertyDefinition, Value]]]] = []
    for row in batch:
        try:
            contact_id, values = _parse_row(row, columns, definitions)
        except ValidationFailedError as error:
            report.failed += 1
            failures.writerow([*row.cells, f"row {row.number}: {error}"])
            continue
        parsed.append((row, contact_id, values))
    existing = await _existing_contacts(workspace_id, parsed)
    changed: list[tuple[Contact, list[str]]] = []
    touched: list[Contact] = []
    async with in_transaction():
        # All at once, in id order: never in a lock cycle with a group of page views.
        store = await value_store.lock(
            [] if report.dry_run else existing.values(),
            {definition.id: definition for definition in definitions.values()},
        )
        fresh = set() if report.dry_run else await _create_contacts(workspace_id, parsed, existing)
        for row, contact_id, values in parsed:
            email = _email_of(values)
            contact = (
                existing.get(f"id:{contact_id}") if contact_id else existing.get(f"email:{email}")
            )
            if contact_id and contact is None:
                report.failed += 1
                failures.writerow(
                    [*row.cells, f"row {row.number}: no contact with id {contact_id}"]
                )
                continue
            if contact is None and email is None:
                report.failed += 1
                failures.writerow([*row.cells, f"row {row.number}: needs an email or an id"])
                continue
            if report.dry_run:
                _count_dry(report, contact, email, values, seen_emails)
                continue
            assert contact is not None  # `_create_contacts` made the batch's new ones
            created = contact.id in fresh
            if created:
                fresh.discard(contact.id)  # a later row with its email updates it
                store.adopt(contact)
            else:
                touched.append(contact)
            keys = [
                change.key
                for definition, value in values
                if (change := store.set(contact, definition, value, origin=origin)) is not None
            ]
            _count(report, created=created, changed=bool(keys))
            if keys:
                changed.append((contact, keys))
        if touched:
            await store.touch(touched)
        await store.flush()
    for contact, keys in changed:
        await announce(contact, keys, origin)


async def _create_contacts(
    workspace_id: int,
    parsed: Sequence[tuple[_Row, str | None, list[tuple[PropertyDefinition, Value]]]],
    existing: dict[str, Contact],
) -> set[int]:
    """Create, in one statement, the contacts the batch's rows will create (a row with an email
    no contact has, and no id), in the order of their first row, each with its email; add them
    to `existing`; their ids."""
    emails: dict[str, None] = {}  # in order, each once
    for _, contact_id, values in parsed:
        email = _email_of(values)
        if not contact_id and email and f"email:{email}" not in existing:
            emails[email] = None
    if not emails:
        return set()
    stamp = now()
    created = await insert_returning(
        Contact._meta.db_table,
        ["workspace_id", "email", "created_at", "updated_at"],
        [(workspace_id, email, stamp, stamp) for email in emails],
        ("id", "email"),
    )
    # Built from what the insert returned: reading them back was a tenth of an import of new
    # contacts, and parsing their timestamps as much again.
    for id, email in created:
        contact = Contact._init_from_db(
            id=id,
            workspace_id=workspace_id,
            visitor_id=None,
            email=email,
            created_at=None,
            updated_at=None,
        )
        contact.created_at = contact.updated_at = stamp
        existing[f"email:{email}"] = contact
    return {id for id, _ in created}


def _count(report: ImportReport, *, created: bool, changed: bool) -> None:
    if created:
        report.created += 1
    elif changed:
        report.updated += 1
    else:
        report.unchanged += 1


def _parse_row(
    row: _Row, columns: Mapping[int, str], definitions: Mapping[str, PropertyDefinition]
) -> tuple[str | None, list[tuple[PropertyDefinition, Value]]]:
    contact_id = None
    values: list[tuple[PropertyDefinition, Value]] = []
    for index, key in columns.items():
        cell = row.cells[index].strip() if index < len(row.cells) else ""
        if not cell:
            continue
        if key == ID_COLUMN:
            contact_id = cell
            continue
        values.append((definitions[key], normalize(definitions[key], cell)))
    return contact_id, values


def _email_of(values: Sequence[tuple[PropertyDefinition, Value]]) -> str | None:
    for definition, value in values:
        if definition.key == "email" and definition.type is PropertyType.EMAIL:
            return str(value)
    return None


async def _existing_contacts(
    workspace_id: int, parsed: Sequence[tuple[_Row, str | None, list[tuple[Any, Value]]]]
) -> dict[str, Contact]:
    """The batch's contacts already stored, by `id:<id>` and `email:<email>`, in two queries."""
    ids = [row_id for _, cid, _ in parsed if cid and (row_id := parse_id(cid)) is not None]
    emails = [email for _, _, values in parsed if (email := _email_of(values))]
    found: dict[str, Contact] = {}
    for contact in await Contact.filter(workspace_id=workspace_id, id__in=ids):
        found[f"id:{contact.id}"] = contact
    for contact in await Contact.filter(workspace_id=workspace_id, email__in=emails).order_by("id"):
        found.setdefault(f"email:{contact.email}", contact)
    return found


def _count_dry(
    report: ImportReport,
    contact: Contact | None,
    email: str | None,
    values: Sequence[tuple[PropertyDefinition, Value]],
    seen_emails: set[str],
) -> None:
    """What a real run would do; a new email seen earlier in the file counts as an update."""
    if contact is None and email not in seen_emails:
        seen_emails.add(str(email))
        report.created += 1
    elif values:
        report.updated += 1
    else:
        report.unchanged += 1
