"""The editor as a test sees it: one page object, locating by role and data-* attributes and
waiting on conditions (Playwright's `expect`), never on time."""

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

    def open_section(self, link: str, heading: str) -> None:
        """Follow a link of the app's navigation to the page with that heading."""
        self.page.get_by_role("link", name=link).click()
        expect(self.page.get_by_role("heading", name=heading)).to_be_visible()

    def create_flow(self, name: str) -> str:
        """Create a flow from the flows list and open it; its id."""
        self.page.get_by_label("New flow name").fill(name)
        self.page.get_by_role("button", name="Create flow").click()
        expect(self.page.get_by_label("Flow name")).to_have_value(name)
        expect(self.page.locator(".pf-issues h3")).not_to_have_text("Checking…")
        return self.page.url.rsplit("/", 1)[-1]

    def open_flow(self, flow_id: str) -> None:
        self.page.goto(f"/editor/#/flows/{flow_id}")
        expect(self.page.locator(".pf-issues h3")).not_to_have_text("Checking…")

    # The canvas

    def node(self, node_id: str) -> Locator:
        return self.page.locator(f'.pf-node[data-node-id="{node_id}"]')

    def nodes(self) -> Locator:
        return self.page.locator(".pf-node")

    def wires(self) -> Locator:
        return self.page.locator(".pf-wire")

    def wire(self, edge_id: str) -> Locator:
        return self.page.locator(f'.pf-wire[data-edge-id="{edge_id}"]')

    def node_ids(self) -> list[str]:
        return self.nodes().evaluate_all("(nodes) => nodes.map((n) => n.dataset.nodeId)")

    def add_node(self, node_type: str, x: int, y: int) -> str:
        """Drag a type from the palette onto the canvas at (x, y) of the canvas; the new id."""
        before = set(self.node_ids())
        self.page.locator(f'.pf-palette-item[data-node-type="{node_type}"]').drag_to(
            self.page.get_by_label("Canvas"), target_position={"x": x, "y": y}
        )
        expect(self.nodes()).to_have_count(len(before) + 1)
        (added,) = set(self.node_ids()) - before
        return added

    def connect(self, source: str, port: str, target: str) -> None:
        """Drag a wire from an output port of `source` onto the node `target`."""
        handle = self.node(source).locator(f'.pf-port[data-port="{port}"]')
        handle.drag_to(self.node(target).locator(".pf-node-header"))

    def select(self, node_id: str) -> None:
        self.node(node_id).locator(".pf-node-header").click()

    def zoom_label(self) -> Locator:
        return self.page.get_by_role("button", name="Reset zoom")

    # The side panel

    def tab(self, name: str) -> None:
        self.page.get_by_role("tab", name=name).click()

    def field(self, name: str) -> Locator:
        return self.page.locator(f'.pf-inspector .pf-field[data-field="{name}"]')

    def set_text(self, name: str, value: str) -> None:
        box = self.field(name).locator("input, textarea").first
        box.fill(value)
        box.press("Tab")

    def choose(self, name: str, value: str) -> None:
        self.field(name).locator("select").first.select_option(value)

    def preview_visit(self, url: str) -> None:
        self.tab("Preview")
        self.page.get_by_label("Preview URL").fill(url)
        self.page.get_by_role("button", name="Visit", exact=True).click()

    def preview_answer(self, text: str) -> None:
        self.page.get_by_label("Preview answer").fill(text)
        self.page.get_by_role("button", name="Send", exact=True).click()

    def bot_messages(self) -> Locator:
        return self.page.locator('.pf-chat-line[data-who="bot"]')

    # Saving, validation, publishing

    def save_status(self) -> Locator:
        return self.page.locator(".pf-save-status")

    def wait_saved(self) -> None:
        expect(self.save_status()).to_have_attribute("data-state", "saved")

    def issues(self) -> list[str]:
        """The codes listed in the issues panel, once the latest check has answered."""
        expect(self.page.locator(".pf-issues")).not_to_have_attribute("data-state", "checking")
        return self.page.locator(".pf-issues .pf-issue").evaluate_all(
            "(items) => items.map((i) => i.dataset.code)"
        )

    def publish(self) -> None:
        self.page.get_by_role("button", name="Publish").click()

    def banner(self) -> Locator:
        return self.page.locator(".pf-banner-text")

    # Flows made through the API

    def open_graph(self, api, graph: dict, name: str = "Flow") -> str:
        """Create a flow whose draft is `graph` through the API, open it; its id."""
        flow_id = api("mutation($n: String!) { createFlow(name: $n) { id } }", n=name)[
            "createFlow"
        ]["id"]
        api(
            "mutation($id: ID!, $g: JSON!) { saveFlowDraft(id: $id, graph: $g) { id } }",
            id=flow_id,
            g=graph,
        )
        self.page.goto(f"/editor/#/flows/{flow_id}")
        # The previous page's panels answer too until this flow is drawn: wait for its name.
        expect(self.page.get_by_label("Flow name")).to_have_value(name)
        expect(self.page.locator(".pf-issues h3")).not_to_have_text("Checking…")
        return flow_id

    def wait_centred(self, node_id: str) -> None:
        """Wait until the node's middle is in the middle third of the canvas."""
        self.page.wait_for_function(
            """(id) => {
                 const canvas = document.querySelector(".pf-canvas").getBoundingClientRect();
                 const node = document.querySelector(`.pf-node[data-node-id="${id}"]`);
                 const box = node.getBoundingClientRect();
                 const x = (box.left + box.right) / 2 - canvas.left;
                 const y = (box.top + box.bottom) / 2 - canvas.top;
                 const middle = (at, size) => at > size / 3 && at < (2 * size) / 3;
                 return middle(x, canvas.width) && middle(y, canvas.height);
               }""",
            arg=node_id,
        )
