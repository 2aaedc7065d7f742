"""Wires after Tidy up go around nodes, not through them (issue 15: "one command lays the flow
out left to right with wires that do not cross nodes"), and moving an end makes a wire a plain
curve again."""

import pytest
from playwright.sync_api import expect

from tests.support.big_flow import big_flow

pytestmark = pytest.mark.browser

# Every wire's drawn line, sampled, against every node's box but its own two ends (shrunk by
# a pixel: a wire starts and ends on a box's edge). The nodes are all displayed first (the
# canvas skips those off screen) so that their boxes can be measured.
CROSSINGS = """
() => {
  document.querySelector(".pf-world").style.contentVisibility = "";
  const boxes = new Map();
  for (const node of document.querySelectorAll(".pf-node")) node.hidden = false;
  for (const node of document.querySelectorAll(".pf-node")) {
    const left = parseFloat(node.style.left);
    const top = parseFloat(node.style.top);
    const [right, bottom] = [left + node.offsetWidth, top + node.offsetHeight];
    boxes.set(node.dataset.nodeId, { left, top, right, bottom });
  }
  const edges = new Map();
  for (const wire of document.querySelectorAll(".pf-wire")) edges.set(wire.dataset.edgeId, wire);
  const crossings = [];
  for (const [edgeId, wire] of edges) {
    const path = wire.querySelector(".pf-wire-line");
    const length = path.getTotalLength();
    const ends = wire.dataset.ends.split(" ");
    for (let step = 0; step <= 400; step += 1) {
      const { x, y } = path.getPointAtLength((length * step) / 400);
      for (const [nodeId, box] of boxes) {
        if (ends.includes(nodeId)) continue;
        if (x > box.left + 1 && x < box.right - 1 && y > box.top + 1 && y < box.bottom - 1) {
          crossings.push(`${edgeId} crosses ${nodeId}`);
        }
      }
    }
  }
  return [...new Set(crossings)];
}
"""


def tangled_flow(size: int) -> dict:
    """`big_flow` with some decisions' second button sent four nodes ahead instead of back:
    wires that skip columns as well as wires that loop back."""
    flow = big_flow(size)
    for edge in flow["edges"]:
        index = int(edge["source"][1:])
        if edge["sourcePort"] == "1" and index % 2 and index + 4 < size:
            edge["target"] = f"n{index + 4}"
    return flow


def test_after_tidy_up_no_wire_crosses_a_node(editor, api, page):
    editor.open_graph(api, tangled_flow(80))

    page.get_by_role("button", name="Tidy up").click()
    expect(page.get_by_role("button", name="Undo")).to_have_attribute(
        "title", "Undo Tidy up (Ctrl+Z)"
    )
    editor.wait_saved()

    assert page.evaluate(CROSSINGS) == []


def test_a_routed_wire_becomes_a_curve_again_when_its_node_moves(editor, api, page):
    editor.open_graph(api, tangled_flow(12))
    page.get_by_role("button", name="Tidy up").click()
    expect(page.get_by_role("button", name="Undo")).to_have_attribute(
        "title", "Undo Tidy up (Ctrl+Z)"
    )
    editor.wait_saved()
    wire = editor.wire("en3")
    routed = wire.locator(".pf-wire-line").get_attribute("d")
    assert routed.count("C") > 1, routed

    page.get_by_role("button", name="Undo").click()
    editor.wait_saved()

    expect(wire.locator(".pf-wire-line")).not_to_have_attribute("d", routed)
    assert wire.locator(".pf-wire-line").get_attribute("d").count("C") == 1
