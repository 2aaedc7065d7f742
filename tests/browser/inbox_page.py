"""The Inbox as a test sees it: the conversation list and its filters, the visitors on the site,
the transcript and reply box, and the Visitor details panel. Locates by role, label and data-*
attributes; waits on conditions, never on time."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, Response, expect

from tests.browser.editor_page import EditorPage


class InboxPage:
    def __init__(self, page: Page, token: str) -> None:
        self.page = page
        self.token = token

    def open(self) -> None:
        """Sign in and open the Inbox; returns once it is listening live."""
        EditorPage(self.page, self.token).sign_in()
        self.page.get_by_role("link", name="Inbox").click()
        self.wait_live()

    def wait_live(self) -> None:
        inbox = self.page.locator(".pf-inbox")
        expect(inbox).to_have_attribute("data-state", "ready")
        expect(inbox).to_have_attribute("data-live", "on")

    # The left column

    def show(self, filter_label: str) -> None:
        self.page.get_by_role("group", name="Show conversations").get_by_role(
            "button", name=filter_label
        ).click()
        expect(self.filter_button(filter_label)).to_have_attribute("aria-pressed", "true")

    def filter_button(self, label: str) -> Locator:
        return self.page.get_by_role("group", name="Show conversations").get_by_role(
            "button", name=label
        )

    def conversations(self) -> Locator:
        return self.page.locator(".pf-conversation-item")

    def conversation_of(self, contact_id: str) -> Locator:
        return self.page.locator(f'.pf-conversation-item[data-contact-id="{contact_id}"]')

    def conversation_saying(self, text: str) -> Locator:
        return self.conversations().filter(has_text=text)

    def unread_badge(self, item: Locator) -> Locator:
        return item.locator(".pf-unread")

    def open_conversation(self, item: Locator) -> None:
        item.get_by_role("button").first.click()
        expect(item).to_have_attribute("aria-current", "true")
        expect(self.page.locator(".pf-conversation")).to_have_attribute("data-state", "ready")

    def online_visitor(self, visitor_id: str) -> Locator:
        return self.page.locator(f'.pf-online-visitor[data-visitor-id="{visitor_id}"]')

    # The conversation

    def messages(self, author: str | None = None) -> Locator:
        selector = f'.pf-message[data-author="{author}"]' if author else ".pf-message"
        return self.page.locator(".pf-conversation").locator(selector)

    def reply_box(self) -> Locator:
        return self.page.get_by_label("Reply", exact=True)

    def reply(self, text: str) -> None:
        self.reply_box().fill(text)
        self.reply_box().press("Enter")

    def reply_error(self) -> Locator:
        return self.page.locator(".pf-reply-error")

    def status(self) -> Locator:
        return self.page.locator(".pf-conversation-head .pf-status")

    def act(self, action: str) -> None:
        """Press Resolve or Reopen above the conversation."""
        self.page.locator(".pf-conversation-head").get_by_role("button", name=action).click()

    def assign(self, operator_label: str) -> None:
        """Choose the assignee and wait until the API answered: the box shows the choice
        before the mutation commits, and a filter read first found nothing."""
        with self.page.expect_response(_assigning):
            self.page.get_by_label("Assignee").select_option(label=operator_label)

    # Visitor details

    def details(self) -> Locator:
        return self.page.get_by_role("complementary", name="Visitor details")

    def field(self, key: str) -> Locator:
        return self.details().locator(f'.pf-contact-field[data-key="{key}"]')

    def set_field(self, key: str, value: str) -> None:
        """Type into a shown field and leave it, which saves it."""
        box = self.field(key).locator("input, select").first
        box.fill(value)
        box.press("Enter")

    def add_property(self, label: str) -> None:
        self.details().get_by_label("Add property").select_option(label=label)
        expect(self.field_labelled(label)).to_be_focused()

    def field_labelled(self, label: str) -> Locator:
        return self.details().get_by_label(label, exact=True)

    def create_property(self, label: str, type_label: str) -> None:
        self.details().get_by_role("button", name="Create a new property").click()
        self.details().get_by_label("New property label").fill(label)
        self.details().get_by_label("New property type").select_option(label=type_label)
        self.details().get_by_role("button", name="Create", exact=True).click()
        expect(self.field_labelled(label)).to_be_focused()


def _assigning(response: Response) -> bool:
    """The answer to assignConversation (the only operation with an `op` variable: a document
    sent before goes by its hash alone, so its text is not always in the body)."""
    return response.request.method == "POST" and '"op":' in (response.request.post_data or "")
