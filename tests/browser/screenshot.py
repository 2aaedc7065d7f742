"""`make screenshot`: serve the app with a demo flow and save the editor as docs/editor.png.

The demo is the lead-score flow, published and visited by a few visitors (so each node shows its
run count), with the preview tab having run it to its end: the chat, the path highlighted on
the canvas and the change the flow would make.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.editor_page import EditorPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import operator_token, served

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "fixtures" / "flows" / "lead_score.json"
TARGET = ROOT / "docs" / "editor.png"
# Wider than the tests' 1280x800, so the fitted flow is drawn near full size.
VIEWPORT = {"width": 1440, "height": 900}
# Each visitor opens /pricing and clicks a button of the decision (0: a team, 1: just me).
ANSWERS = {"ada": 0, "bo": 0, "cy": 1, "dee": 0, "eli": 1}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'demo.db'}"
        token = operator_token(url)
        with served(url) as base_url, httpx.Client(base_url=base_url) as http:
            flow_id = _publish_demo(SyncGraphQL(http, token))
            _shoot(base_url, token, flow_id)
    print(f"saved {TARGET.relative_to(ROOT)}")


def _publish_demo(api: SyncGraphQL) -> str:
    api('mutation { createProperty(input: {label: "Lead score", type: NUMBER}) { id } }')
    flow = api(
        'mutation($g: JSON) { createFlow(name: "Lead score", graph: $g) { id } }',
        g=json.loads(DEMO.read_text()),
    )["createFlow"]
    api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow["id"])
    key = api("{ workspace { publicKey } }")["workspace"]["publicKey"]
    for visitor, choice in ANSWERS.items():
        api(
            "mutation($k: String!, $v: String!) { trackPageView(workspaceKey: $k, visitorId: $v, "
            'url: "/pricing") { startedRuns } }',
            k=key,
            v=visitor,
        )
        api(
            "mutation($k: String!, $v: String!, $c: Int!) { visitorReply(workspaceKey: $k, "
            "visitorId: $v, choice: $c) { startedRuns } }",
            k=key,
            v=visitor,
            c=choice,
        )
    return flow["id"]


def _shoot(base_url: str, token: str, flow_id: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=VIEWPORT, base_url=base_url)
        editor = EditorPage(page, token)
        editor.sign_in()
        editor.open_flow(flow_id)
        expect(editor.node("done").locator(".pf-node-count")).to_have_text(str(len(ANSWERS)))
        editor.preview_visit("/pricing")
        page.get_by_role("button", name="Yes, a team", exact=True).click()
        expect(page.get_by_label("Preview changes")).to_have_text("Lead score + 5")
        expect(editor.banner()).to_be_hidden()
        TARGET.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(TARGET))
        browser.close()


if __name__ == "__main__":
    main()
