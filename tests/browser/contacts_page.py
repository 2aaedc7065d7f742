"""The Contacts pages as a test sees them: the table (filters, columns, sort, export, import)
and one contact's details. Locates by role, label and data-* attributes; waits on conditions."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.browser.editor_page import EditorPage


class ContactsPage:
    def __init__(self, page: Page, token: str) -> None:
        self.page = page
        self.token = token

    def open(self, query: str = "") -> None:
        """Sign in, then open the table (with a hash query such as `filter=...`)."""
        EditorPage(self.page, self.token).sign_in()
        self.page.goto(f"/editor/#/contacts{'?' + query if query else ''}")
        self.wait_loaded()

    def wait_loaded(self) -> None:
        expect(self.page.locator(".pf-contacts")).to_have_attribute("data-state", "ready")

    # The table

    def rows(self) -> Locator:
        return self.page.locator("tr[data-contact-id]")

    def row(self, contact_id: str) -> Locator:
        return self.page.locator(f'tr[data-contact-id="{contact_id}"]')

    def cell(self, contact_id: str, key: str) -> Locator:
        return self.row(contact_id).locator(f'td[data-key="{key}"]')

    def column(self, key: str) -> list[str]:
        """The texts of one column, top to bottom."""
        return self.page.locator(f'tr[data-contact-id] td[data-key="{key}"]').all_inner_texts()

    def total(self) -> Locator:
        return self.page.locator(".pf-contacts-total")

    def live(self) -> Locator:
        return self.page.locator(".pf-contacts")

    def add_filter(self, key: str, op: str, value: str | None = None) -> None:
        self.page.get_by_label("Filter property").select_option(key)
        self.page.get_by_label("Filter operator").select_option(op)
        if value is not None:
            self.page.get_by_label("Filter value").fill(value)
        self.page.get_by_role("button", name="Add filter").click()
        self.wait_loaded()

    def filters(self) -> Locator:
        return self.page.locator(".pf-filter-chip")

    def filter_texts(self) -> Locator:
        return self.filters().locator(".pf-filter-text")

    def sort_by(self, label: str) -> None:
        self.page.get_by_role("button", name=f"Sort by {label}").click()
        self.wait_loaded()

    def show_column(self, label: str, shown: bool = True) -> None:
        self.page.get_by_role("button", name="Columns").click()
        self.page.get_by_label(f"Column {label}").set_checked(shown)
        self.page.keyboard.press("Escape")
        self.wait_loaded()

    def export(self) -> str:
        """Click Export CSV; the downloaded file's text."""
        with self.page.expect_download() as download:
            self.page.get_by_role("button", name="Export CSV").click()
        return Path(download.value.path()).read_bytes().decode("utf-8")

    # Import

    def import_file(self, path: Path) -> None:
        self.page.get_by_role("button", name="Import CSV").click()
        self.page.get_by_label("CSV file").set_input_files(str(path))
        expect(self.page.locator(".pf-import-mapping")).to_be_visible()

    def mapping_of(self, header: str) -> Locator:
        return self.page.get_by_label(f"Property for column {header}")

    def import_report(self) -> Locator:
        return self.page.locator(".pf-import-report")

    def run_import(self, *, dry_run: bool) -> None:
        name = "Dry run" if dry_run else "Import contacts"
        self.page.get_by_role("button", name=name).click()
        expect(self.import_report()).to_have_attribute("data-dry-run", str(dry_run).lower())

    def failed_rows(self) -> str:
        with self.page.expect_download() as download:
            self.page.get_by_role("link", name="Download failed rows").click()
        return Path(download.value.path()).read_bytes().decode("utf-8")

    # One contact

    def open_contact(self, contact_id: str) -> None:
        self.page.goto(f"/editor/#/contacts/{contact_id}")
        expect(self.page.locator(".pf-contact")).to_have_attribute("data-state", "ready")

    def field(self, key: str) -> Locator:
        return self.page.locator(f'.pf-contact-field[data-key="{key}"]')

    def set_field(self, key: str, value: str) -> None:
        """Type a value into a field and leave it, which saves it."""
        box = self.field(key).locator("input, select").first
        box.fill(value)
        box.press("Enter")

    def field_error(self, key: str) -> Locator:
        return self.field(key).locator(".pf-field-error")

    def history(self) -> Locator:
        return self.page.locator(".pf-history-row")
