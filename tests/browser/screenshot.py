"""`make screenshot`: serve the app with a demo flow and save the editor as docs/editor.png."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from tests.api.test_concurrency import operator_token
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.editor_page import EditorPage
from tests.support.graphql_sync import SyncGraphQL
from tests.support.server import served

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "tests" / "fixtures" / "flows" / "lead_score.json"
TARGET = ROOT / "docs" / "editor.png"


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'demo.db'}"
        token = operator_token(url)
        with served(url) as base_url, httpx.Client(base_url=base_url) as http:
            api = SyncGraphQL(http, token)
            api('mutation { createProperty(input: {label: "Lead score", type: NUMBER}) { id } }')
            flow = api(
                'mutation($g: JSON) { createFlow(name: "Lead score", graph: $g) { id } }',
                g=json.loads(DEMO.read_text()),
            )["createFlow"]
            api("mutation($id: ID!) { publishFlow(id: $id) { id } }", id=flow["id"])
            _shoot(base_url, token, flow["id"])
    print(f"saved {TARGET.relative_to(ROOT)}")


def _shoot(base_url: str, token: str, flow_id: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800}, base_url=base_url)
        editor = EditorPage(page, token)
        editor.sign_in()
        page.goto(f"/editor/#/flows/{flow_id}")
        editor.select("team")
        page.get_by_label("Preview URL").fill("/pricing")
        page.get_by_role("button", name="Visit", exact=True).click()
        page.get_by_label("Preview messages").wait_for()
        TARGET.parent.mkdir(exist_ok=True)
        page.screenshot(path=str(TARGET))
        browser.close()


if __name__ == "__main__":
    main()
