"""The flow editor in Chromium at 300 and 1,000 nodes: how long the first render takes, and the
worst main-thread task (Long Tasks API, tasks over 50 ms; 0 means none) while a designer drags a
node, types in the inspector, pans and zooms, plus the frames per second while zooming.

Each size opens its own flow in a fresh page of a real `propflow serve`. The baseline row is the
300-node render, measured in the same run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, VIEWPORT
from tests.support.big_flow import big_flow
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import UNLIMITED, operator_token, served

SIZES = (300, 1_000)
TYPED = "Hello there"
# The zoom gesture is repeated from the same view: one long task in a few gestures (a frame that
# paints many nodes at once, more likely on a busy machine) shows in the worst of them.
ZOOMS = 5
# Collects every long task of the page from the start, for the phases to read and clear.
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push(entry.duration);
}).observe({ type: "longtask", buffered: true });
"""
# Zooms by a wheel event on every frame for a second (out across the overview's threshold and
# back); the frames drawn in that second.
ZOOM_FOR_A_SECOND = """
() => new Promise((done) => {
  const canvas = document.querySelector(".pf-canvas");
  const box = canvas.getBoundingClientRect();
  const started = performance.now();
  let frames = 0;
  const frame = (now) => {
    if (now - started >= 1000) return done(frames);
    frames += 1;
    canvas.dispatchEvent(new WheelEvent("wheel", {
      deltaY: frames % 40 < 20 ? 40 : -40, clientX: box.left + box.width / 2,
      clientY: box.top + box.height / 2, bubbles: true, cancelable: true,
    }));
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})
"""


def rows() -> list[tuple[str, float, float | str | None]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'bench.db'}"
        token = operator_token(url)
        with (
            served(url, env=UNLIMITED) as base_url,
            httpx.Client(base_url=base_url, timeout=60) as http,
            sync_playwright() as playwright,
        ):
            api = SyncGraphQL(http, token)
            api('mutation { createProperty(input: {label: "Page views", type: NUMBER}) { id } }')
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                measured = [
                    _measure(browser, base_url, token, _flow(api, size), size) for size in SIZES
                ]
            finally:
                browser.close()
    return [row for size_rows in measured for row in size_rows]


def _flow(api: SyncGraphQL, size: int) -> str:
    flow_id = api('mutation { createFlow(name: "Big") { id } }')["createFlow"]["id"]
    api(
        "mutation($id: ID!, $g: JSON!) { saveFlowDraft(id: $id, graph: $g) { id } }",
        id=flow_id,
        g=big_flow(size),
    )
    return str(flow_id)


def _measure(browser: Any, base_url: str, token: str, flow_id: str, size: int) -> list[Any]:
    context = browser.new_context(viewport=VIEWPORT, base_url=base_url)
    context.add_init_script(f"localStorage.setItem('propflow.token', {token!r});" + LONG_TASKS)
    page = context.new_page()
    try:
        page.goto("/editor/#/")
        expect(page.get_by_role("heading", name="Flows")).to_be_visible()
        render_ms = page.evaluate(
            """([id, size]) => new Promise((done) => {
                 const started = performance.now();
                 location.hash = `#/flows/${id}`;
                 const poll = () => document.querySelectorAll(".pf-node").length >= size
                   ? requestAnimationFrame(() => done(performance.now() - started))
                   : requestAnimationFrame(poll);
                 poll();
               })""",
            [flow_id, size],
        )
        _settle(page)
        _start_view(page)
        drag = _worst(page, lambda: _drag_a_node(page))
        typing = _worst(page, lambda: _type_in_inspector(page))
        pan = _worst(page, lambda: _pan(page))
        frames: list[int] = []
        zooms = []
        for _ in range(ZOOMS):
            _start_view(page)
            zooms.append(_worst(page, lambda: frames.append(page.evaluate(ZOOM_FOR_A_SECOND))))
    finally:
        context.close()
    label = f"{size:,} nodes"
    return [
        (f"editor, {label}: first render", render_ms, None),
        (f"editor, {label}: worst task while dragging a node", drag, None),
        (f"editor, {label}: worst task while typing 11 characters", typing, None),
        (f"editor, {label}: worst task while panning", pan, None),
        (
            f"editor, {label}: worst task while zooming ({ZOOMS} times)",
            max(zooms),
            f"{min(frames)}-{max(frames)} frames/s; each: {', '.join(f'{z:.0f}' for z in zooms)}",
        ),
    ]


def _start_view(page: Page) -> None:
    """The gestures happen at 48 % (100 % zoomed out 4 times): the nodes are still drawn as DOM
    there, and a screen holds about a hundred of them."""
    page.get_by_role("button", name="Reset zoom").click()
    for _ in range(4):
        page.get_by_role("button", name="Zoom out").click()
    _rest(page)


def _worst(page: Page, action: Any) -> float:
    """The longest main-thread task from the action until the editor has validated and saved
    and the view has rested (its frames after the gesture included)."""
    page.evaluate("window.__longTasks.length = 0")
    action()
    _settle(page)
    _rest(page)
    return float(page.evaluate("Math.max(0, ...window.__longTasks)"))


def _rest(page: Page) -> None:
    """Past the view's settling delay (viewport.js, 300 ms) and two frames after it: the frame
    that draws the world sharp again belongs to the gesture before it."""
    page.evaluate(
        """() => new Promise((done) => setTimeout(
             () => requestAnimationFrame(() => requestAnimationFrame(done)), 400))"""
    )


def _settle(page: Page) -> None:
    expect(page.locator(".pf-issues")).not_to_have_attribute(
        "data-state", "checking", timeout=60_000
    )
    expect(page.locator(".pf-save-status")).to_have_text("Saved", timeout=60_000)


def _drag_a_node(page: Page) -> None:
    header = _visible_node(page, "send_message").locator(".pf-node-header")
    box = header.bounding_box()
    assert box, "a message node is on screen"
    page.mouse.move(box["x"] + 20, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(box["x"] + 140, box["y"] + 90, steps=30)
    page.mouse.up()


def _type_in_inspector(page: Page) -> None:
    _visible_node(page, "send_message").locator(".pf-node-header").click()
    field = page.get_by_role("tab", name="Inspector")
    field.click()
    text = page.locator('.pf-inspector [data-path="text"]')
    text.click()
    text.press("End")
    page.keyboard.type(TYPED, delay=40)


def _pan(page: Page) -> None:
    spot = page.evaluate(
        """() => {
             const box = document.querySelector(".pf-canvas").getBoundingClientRect();
             for (let y = box.top + 10; y < box.bottom; y += 7)
               for (let x = box.left + 10; x < box.right; x += 7) {
                 const hit = document.elementFromPoint(x, y);
                 if (hit && !hit.closest(".pf-node, .pf-wire, .pf-minimap")) return { x, y };
               }
             return null;
           }"""
    )
    assert spot, "an empty spot of the canvas to pan from"
    page.mouse.move(spot["x"], spot["y"])
    page.mouse.down()
    page.mouse.move(spot["x"] - 300, spot["y"] - 200, steps=40)
    page.mouse.up()


def _visible_node(page: Page, node_type: str) -> Any:
    """A node of `node_type` whose header is inside the canvas."""
    node_id = page.evaluate(
        """(type) => {
             const canvas = document.querySelector(".pf-canvas").getBoundingClientRect();
             const inside = (r) => r.left > canvas.left + 10 && r.right < canvas.right - 150 &&
               r.top > canvas.top + 10 && r.bottom < canvas.bottom - 100;
             const onTop = (r) =>
               document.elementFromPoint(r.left + 20, r.top + 8)?.closest(".pf-node");
             const all = document.querySelectorAll(`.pf-node[data-node-type="${type}"]`);
             const node = [...all].find((n) => {
               const header = n.querySelector(".pf-node-header").getBoundingClientRect();
               return inside(header) && onTop(header) === n;
             });
             return node?.dataset.nodeId;
           }""",
        node_type,
    )
    assert node_id, f"a {node_type} node is on screen"
    return page.locator(f'.pf-node[data-node-id="{node_id}"]')


if __name__ == "__main__":
    for row in rows():
        print(f"{row[0]:58} {row[1]:10.1f} ms  {row[2] or ''}")
