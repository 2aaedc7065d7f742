"""Every GraphQL document the editor, the operator pages and the widget send stays well inside
the edge's limits: at most half of each (api/edge/measure.py) and of the query caps."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from graphql import FragmentDefinitionNode, get_operation_ast, parse
from playwright.sync_api import Page

from api.edge.measure import MAXIMUMS, measure
from api.schema import build_schema
from api.settings import Settings

pytestmark = pytest.mark.browser
WIDGET = Path(__file__).resolve().parents[2] / "editor_static" / "widget" / "widget.js"
# Calls every function of api.js's exports with stand-in arguments, fetch and WebSocket
# replaced by recorders; a function that throws before sending is reported.
RECORD_EVERY_CALL = """async () => {
  const sent = [];
  const opened = [];  // per socket: a promise kept once it sent its subscription
  window.fetch = async (_url, init) => {
    try { const body = JSON.parse(init.body); if (body?.query) sent.push(body); } catch {}
    return new Response(JSON.stringify({ errors: [{ message: "recorded" }] }));
  };
  window.WebSocket = class {
    static CONNECTING = 0; static OPEN = 1; static CLOSING = 2; static CLOSED = 3;
    constructor() { this.readyState = 1; setTimeout(() => this.onopen?.(), 0);
      opened.push(new Promise((resolve) => { this.subscribed = resolve; })); }
    send(text) { const message = JSON.parse(text);
      if (message.type === "connection_init") this.onmessage?.(
        { data: JSON.stringify({ type: "connection_ack" }) });
      if (message.type === "subscribe") { sent.push(message.payload); this.subscribed(); } }
    close() {}
  };
  const api = await import("/editor/js/api.js");
  const handlers = { next() {}, state() {}, error() {} };
  const options = { graph: { nodes: [], edges: [] }, name: "n", expectedRevision: 1,
    filter: [], columns: [], sort: [], mapping: {}, ...handlers };
  const unsent = [];
  for (const [group, functions] of Object.entries(api)) {
    if (typeof functions !== "object" || functions === null) continue;
    for (const [name, call] of Object.entries(functions)) {
      const before = sent.length;
      try { await call("1", options, 1); } catch {}
      // One turn of the event loop (no time passes): a socket the call opens exists by then.
      await new Promise((resolve) => setTimeout(resolve, 0));
      await Promise.all(opened.splice(0));  // each sent its subscription, after open and ack
      if (sent.length === before && !["exportCsv", "importCsv"].includes(name))
        unsent.push(`${group}.${name}`);
    }
  }
  return { sent, unsent };
}"""


def widget_documents() -> list[dict[str, Any]]:
    """The widget's documents, read from its source with their interpolations (`${MESSAGE}`,
    `${RESULT}`: constants of the file) filled in."""
    source = WIDGET.read_text()
    constants: dict[str, str] = {}
    for found in re.finditer(r'const ([A-Z_]+) = (?:"([^"]*)"|`([^`]*)`);', source):
        text = found.group(2) if found.group(2) is not None else found.group(3)
        constants[found.group(1)] = re.sub(
            r"\$\{([A-Z_]+)\}", lambda m: constants.get(m.group(1), m.group(0)), text
        )
    names = ("TRACK", "CHOOSE", "SEND", "TRANSCRIPT", "MESSAGES")
    return [{"query": constants[name]} for name in names]


def test_every_document_sent_is_well_inside_the_limits(page: Page, server: tuple[str, str]):
    page.goto("/editor/")
    recorded = page.evaluate(RECORD_EVERY_CALL)
    assert recorded["unsent"] == []
    documents = recorded["sent"] + widget_documents()
    assert len(documents) > 25

    settings = Settings()
    schema = build_schema(settings)._schema
    for sent in documents:
        query = sent["query"]
        document = parse(query, max_tokens=settings.max_query_tokens // 2)
        assert len(query) <= settings.max_query_chars // 2, query
        operation = get_operation_ast(document)
        assert operation is not None, query
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        measured = measure(schema, operation, fragments, sent.get("variables") or {})
        for name, maximum in MAXIMUMS.items():
            assert getattr(measured, name) <= maximum // 2, (name, measured, json.dumps(sent))
