"""The editor as a test sees it: one page object, locating by role and data-* attributes."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect


class EditorPage:
    def __init__(self, page: Page, token: str) -> None:
        self.page = page
        self.token = token

    def sign_in(self) -> None:
        self.page.goto("/editor/")
        self.page.get_by_label("Operator token").fill(self.token)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_role("heading", name="Flows")).to_be_visible()

    def create_flow(self, name: str) -> str:
        self.page.get_by_label("New flow name").fill(name)
        self.page.get_by_role("button", name="Create flow").click()
        expect(self.page.locator(".pf-flow-name")).to_have_text(name)
        return self.page.url.rsplit("/", 1)[-1]

    def node(self, node_id: str) -> Locator:
        return self.page.locator(f'.pf-node[data-node-id="{node_id}"]')

    def add_node(self, node_type: str, x: int, y: int) -> str:
        """Drag a type from the palette onto the canvas at (x, y) of the canvas; its node id."""
        before = set(self.node_ids())
        canvas = self.page.locator(".pf-canvas")
        self.page.locator(f'.pf-palette-item[data-node-type="{node_type}"]').drag_to(
            canvas, target_position={"x": x, "y": y}
        )
        expect(self.page.locator(".pf-node")).to_have_count(len(before) + 1)
        (added,) = set(self.node_ids()) - before
        return added

    def node_ids(self) -> list[str]:
        return self.page.locator(".pf-node").evaluate_all(
            "(nodes) => nodes.map(n => n.dataset.nodeId)"
        )

    def connect(self, source: str, port: str, target: str) -> None:
        handle = self.node(source).locator(f'.pf-port[data-port="{port}"]')
        handle.drag_to(self.node(target).locator(".pf-node-header"))

    def select(self, node_id: str) -> None:
        self.node(node_id).locator(".pf-node-header").click()

    def field(self, name: str) -> Locator:
        return self.page.locator(f'.pf-inspector .pf-field[data-field="{name}"]')

    def set_text(self, name: str, value: str) -> None:
        box = self.field(name).locator("input, textarea").first
        box.fill(value)
        box.press("Tab")

    def choose(self, name: str, value: str) -> None:
        self.field(name).locator("select").first.select_option(value)

    def wait_saved(self) -> None:
        expect(self.page.get_by_role("status")).to_have_text("Saved", timeout=10_000)

    def issues(self) -> list[str]:
        return self.page.locator(".pf-issue").evaluate_all(
            "(items) => items.map(i => i.dataset.code)"
        )

    def publish(self) -> None:
        self.page.get_by_role("button", name="Publish").click()

    def banner(self) -> Locator:
        return self.page.locator(".pf-banner")
