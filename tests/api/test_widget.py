"""GET /widget.js and the demo shop's pages."""

import re
from pathlib import Path

import pytest

from tests.support.builders import workspace_key

WIDGET = Path(__file__).resolve().parents[2] / "editor_static" / "widget" / "widget.js"
MAX_WIDGET_BYTES = 30 * 1024


async def test_the_widget_is_served_as_cacheable_javascript(client):
    response = await client.get("/widget.js")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.content == WIDGET.read_bytes()
    revalidated = await client.get(
        "/widget.js", headers={"If-None-Match": response.headers["etag"]}
    )
    assert revalidated.status_code == 304
    assert revalidated.content == b""


def test_the_widget_is_one_small_file_that_never_parses_html():
    source = WIDGET.read_text()

    assert len(source.encode()) < MAX_WIDGET_BYTES
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source
    assert not re.search(r"^\s*(import|export)\b", source, re.MULTILINE)


@pytest.mark.parametrize(
    "path",
    ["/demo/", "/demo/pricing", "/demo/shop", "/demo/shoes/asics-gel-kayano"],
)
async def test_demo_pages_carry_the_widget_of_the_default_workspace(client, operator_client, path):
    shop = await operator_client(workspace="Default")
    await operator_client("other@example.com", workspace="Other")
    key = await workspace_key(shop)

    response = await client.get(path)

    assert response.status_code == 200
    assert f'<script src="/widget.js" data-workspace="{key}" async></script>' in response.text


async def test_demo_pages_explain_a_missing_default_workspace(client):
    response = await client.get("/demo/pricing")

    assert response.status_code == 200
    assert "/widget.js" not in response.text
    assert "propflow operator create" in response.text


@pytest.mark.parametrize(
    "path", ["/demo/nothing", "/demo/shoes/nothing", "/demo/shoes/..%2Flayout"]
)
async def test_unknown_demo_pages_are_not_found(client, path):
    assert (await client.get(path)).status_code == 404
