import copy
import json
from pathlib import Path

import pytest

from tests.support.builders import create_property
from tests.support.graphql import GraphQLClient, code_of

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"
FLOW_FIELDS = "id name revision enabled draft updatedAt published { version } versions { version }"
CREATE = (
    "mutation($name: String!, $graph: JSON) "
    f"{{ createFlow(name: $name, graph: $graph) {{ {FLOW_FIELDS} }} }}"
)
SAVE = f"""
mutation($id: ID!, $graph: JSON!, $name: String, $expectedRevision: Int) {{
  saveFlowDraft(id: $id, graph: $graph, name: $name, expectedRevision: $expectedRevision) {{
    {FLOW_FIELDS}
  }}
}}"""
PUBLISH = """
mutation($id: ID!) {
  publishFlow(id: $id) {
    id published { version graph publishedAt publishedBy { email } } versions { version }
  }
}"""
VALIDATE = """
query($graph: JSON!) {
  validateFlow(graph: $graph) { valid issues { code severity message nodeId edgeId } }
}"""


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


@pytest.fixture
async def numbers(gql: GraphQLClient) -> None:
    for label in ("Page views", "Shoe size", "Lead score"):
        await create_property(gql, label, "NUMBER")


async def create_flow(gql: GraphQLClient, name: str, graph: dict | None = None) -> dict:
    return (await gql(CREATE, name=name, graph=graph))["createFlow"]


@pytest.mark.parametrize("name", ["page_views", "shoe_size", "lead_score"])
async def test_seed_fixtures_publish_as_version_one(gql: GraphQLClient, numbers, name: str):
    flow = await create_flow(gql, name, fixture(name))

    published = (await gql(PUBLISH, id=flow["id"]))["publishFlow"]

    assert published["published"]["version"] == 1
    assert published["published"]["publishedBy"] == {"email": "ops@example.com"}
    assert published["published"]["graph"]["nodes"] == fixture(name)["nodes"]
    assert [v["version"] for v in published["versions"]] == [1]


async def test_create_flow_starts_with_an_empty_draft(gql: GraphQLClient):
    flow = await create_flow(gql, "Welcome")

    assert flow["draft"] == {"nodes": [], "edges": []}
    assert flow["revision"] == 1
    assert flow["published"] is None
    assert (await gql("{ flows { name } }"))["flows"] == [{"name": "Welcome"}]


async def test_a_draft_may_be_invalid_but_must_parse(gql: GraphQLClient):
    half_done = {
        "nodes": [{"id": "n1", "type": "send_message", "position": {"x": 0, "y": 0}, "config": {}}],
        "edges": [],
    }
    flow = await create_flow(gql, "Half done", half_done)

    malformed = await gql.error(SAVE, id=flow["id"], graph={"nodes": [{"type": 3}], "edges": "x"})

    assert code_of(malformed) == "VALIDATION_FAILED"
    assert malformed["extensions"]["issues"]
    assert all(issue["severity"] == "error" for issue in malformed["extensions"]["issues"])
    stored = await gql("query($id: ID!) { flow(id: $id) { draft revision } }", id=flow["id"])
    assert stored["flow"] == {"draft": flow["draft"], "revision": 1}


async def test_every_save_bumps_the_revision(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter")

    first = (await gql(SAVE, id=flow["id"], graph=fixture("page_views")))["saveFlowDraft"]
    second = (await gql(SAVE, id=flow["id"], graph=fixture("page_views"), name="Views"))[
        "saveFlowDraft"
    ]

    assert (first["revision"], second["revision"]) == (2, 3)
    assert second["name"] == "Views"


async def test_a_save_based_on_a_stale_revision_is_a_conflict(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter")
    await gql(SAVE, id=flow["id"], graph=fixture("page_views"), expectedRevision=1)

    stale = await gql.error(SAVE, id=flow["id"], graph=fixture("shoe_size"), expectedRevision=1)

    assert code_of(stale) == "CONFLICT"
    assert stale["extensions"]["revision"] == 2
    stored = await gql("query($id: ID!) { flow(id: $id) { draft } }", id=flow["id"])
    assert stored["flow"]["draft"]["nodes"] == fixture("page_views")["nodes"]


def node_config(graph: dict, node_id: str) -> dict:
    return next(node for node in graph["nodes"] if node["id"] == node_id)["config"]


def edge_of(graph: dict, edge_id: str) -> dict:
    return next(edge for edge in graph["edges"] if edge["id"] == edge_id)


BROKEN_VARIANTS = [
    ("page_views", lambda g: node_config(g, "count").update(key="lead"), ["UNKNOWN_PROPERTY"]),
    ("page_views", lambda g: node_config(g, "count").update(by="x"), ["INVALID_CONFIG"]),
    ("shoe_size", lambda g: node_config(g, "ask").update(saveTo="colour"), ["UNKNOWN_PROPERTY"]),
    (
        "shoe_size",
        lambda g: edge_of(g, "e3").update(target="ghost"),
        ["DANGLING_EDGE", "UNREACHABLE_NODE"],
    ),
    (
        "lead_score",
        lambda g: node_config(g, "team").update(key="email"),
        ["PROPERTY_TYPE_MISMATCH"],
    ),
    (
        "lead_score",
        lambda g: g["edges"].append(
            {"id": "e6", "source": "ask", "sourcePort": "0", "target": "solo"}
        ),
        ["PORT_USED_TWICE"],
    ),
    ("hot_lead", lambda g: node_config(g, "hot").update(value="lots"), ["INVALID_VALUE"]),
    ("hot_lead", lambda g: edge_of(g, "e5").update(target="score"), ["INFINITE_LOOP"]),
]


@pytest.mark.parametrize(("name", "break_it", "codes"), BROKEN_VARIANTS)
async def test_each_broken_variant_of_a_fixture_is_refused_with_exactly_its_codes(
    gql: GraphQLClient, numbers, name, break_it, codes
):
    broken = copy.deepcopy(fixture(name))
    break_it(broken)
    flow = await create_flow(gql, name, broken)

    error = await gql.error(PUBLISH, id=flow["id"])

    assert sorted(issue["code"] for issue in error["extensions"]["issues"]) == codes


async def test_publish_refuses_errors_listing_them_all(gql: GraphQLClient, numbers):
    broken = copy.deepcopy(fixture("page_views"))
    broken["nodes"] = [node for node in broken["nodes"] if node["type"] != "page_visit"]
    broken["edges"] = []
    broken["nodes"].append(
        {
            "id": "ghost",
            "type": "increment_property",
            "position": {"x": 0, "y": 0},
            "config": {"key": "nope"},
        }
    )
    flow = await create_flow(gql, "Broken", broken)

    error = await gql.error(PUBLISH, id=flow["id"])

    assert code_of(error) == "VALIDATION_FAILED"
    codes = {issue["code"] for issue in error["extensions"]["issues"]}
    assert {"NO_TRIGGER", "UNKNOWN_PROPERTY"} <= codes
    assert set(error["extensions"]["issues"][0]) == {
        "code",
        "severity",
        "message",
        "nodeId",
        "edgeId",
    }
    stored = await gql(
        "query($id: ID!) { flow(id: $id) { published { version } versions { version } } }",
        id=flow["id"],
    )
    assert stored["flow"] == {"published": None, "versions": []}


async def test_validate_flow_reports_issues_without_storing(gql: GraphQLClient, numbers):
    valid = (await gql(VALIDATE, graph=fixture("lead_score")))["validateFlow"]
    empty = (await gql(VALIDATE, graph={"nodes": [], "edges": []}))["validateFlow"]
    malformed = (await gql(VALIDATE, graph={"nodes": "nope"}))["validateFlow"]

    assert valid["valid"] is True
    assert [issue for issue in valid["issues"] if issue["severity"] == "error"] == []
    assert empty["valid"] is False
    assert [issue["code"] for issue in empty["issues"]] == ["NO_TRIGGER"]
    assert malformed["valid"] is False


async def test_publishing_again_freezes_the_next_version(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter", fixture("page_views"))
    await gql(PUBLISH, id=flow["id"])
    await gql(SAVE, id=flow["id"], graph=fixture("shoe_size"))

    second = (await gql(PUBLISH, id=flow["id"]))["publishFlow"]

    assert second["published"]["version"] == 2
    assert [v["version"] for v in second["versions"]] == [2, 1]
    versions = await gql(
        "query($id: ID!) { flow(id: $id) { versions { version graph } } }", id=flow["id"]
    )
    old = versions["flow"]["versions"][1]
    assert old["graph"]["nodes"] == fixture("page_views")["nodes"]


async def test_restore_copies_an_old_version_into_the_draft(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter", fixture("page_views"))
    await gql(PUBLISH, id=flow["id"])
    await gql(SAVE, id=flow["id"], graph=fixture("shoe_size"))
    await gql(PUBLISH, id=flow["id"])

    restored = (
        await gql(
            "mutation($id: ID!) { restoreFlowVersion(id: $id, version: 1) "
            "{ draft revision published { version } } }",
            id=flow["id"],
        )
    )["restoreFlowVersion"]
    missing = await gql.error(
        "mutation($id: ID!) { restoreFlowVersion(id: $id, version: 9) { id } }", id=flow["id"]
    )

    assert restored["draft"]["nodes"] == fixture("page_views")["nodes"]
    assert restored["published"] == {"version": 2}
    assert restored["revision"] == 3
    assert code_of(missing) == "NOT_FOUND"


async def test_set_flow_enabled_turns_a_published_flow_off_and_on(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter", fixture("page_views"))
    unpublished = await gql.error(
        "mutation($id: ID!) { setFlowEnabled(id: $id, enabled: true) { enabled } }", id=flow["id"]
    )
    await gql(PUBLISH, id=flow["id"])

    off = await gql(
        "mutation($id: ID!) { setFlowEnabled(id: $id, enabled: false) { enabled } }", id=flow["id"]
    )
    on = await gql(
        "mutation($id: ID!) { setFlowEnabled(id: $id, enabled: true) { enabled } }", id=flow["id"]
    )

    assert code_of(unpublished) == "VALIDATION_FAILED"
    assert off["setFlowEnabled"]["enabled"] is False
    assert on["setFlowEnabled"]["enabled"] is True


async def test_a_flow_is_enabled_only_once_published(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter", fixture("page_views"))
    query = "query($id: ID!) { flow(id: $id) { enabled } }"
    before = await gql(query, id=flow["id"])
    await gql(PUBLISH, id=flow["id"])

    after = await gql(query, id=flow["id"])

    assert before["flow"]["enabled"] is False
    assert after["flow"]["enabled"] is True


async def test_used_by_flows_lists_draft_and_published_users(gql: GraphQLClient, numbers):
    views = await create_flow(gql, "Views", fixture("page_views"))
    await gql(PUBLISH, id=views["id"])
    await gql(SAVE, id=views["id"], graph={"nodes": [], "edges": []})
    await create_flow(gql, "Sizes", fixture("shoe_size"))

    used = await gql("{ properties(includeHidden: true) { key usedByFlows { name } } }")

    by_key = {p["key"]: [f["name"] for f in p["usedByFlows"]] for p in used["properties"]}
    assert by_key["page_views"] == ["Views"]
    assert by_key["shoe_size"] == ["Sizes"]
    assert by_key["lead_score"] == []


async def test_deleting_a_property_a_flow_uses_is_a_conflict_naming_the_flow(
    gql: GraphQLClient, numbers
):
    await create_flow(gql, "Views counter", fixture("page_views"))
    views = (await gql('{ property(key: "page_views") { id } }'))["property"]

    error = await gql.error("mutation($id: ID!) { deleteProperty(id: $id) }", id=views["id"])

    assert code_of(error) == "CONFLICT"
    assert "Views counter" in error["message"]
    assert error["extensions"]["flows"][0]["name"] == "Views counter"
    assert (await gql('{ property(key: "page_views") { key } }'))["property"] is not None


async def test_a_hidden_property_in_a_flow_is_a_warning(gql: GraphQLClient, numbers):
    views = (await gql('{ property(key: "page_views") { id } }'))["property"]
    await gql(
        "mutation($id: ID!) { updateProperty(input: {id: $id, hidden: true}) { id } }",
        id=views["id"],
    )

    report = (await gql(VALIDATE, graph=fixture("page_views")))["validateFlow"]

    assert report["valid"] is True
    assert "HIDDEN_PROPERTY" in [issue["code"] for issue in report["issues"]]


async def test_publish_checks_the_current_property_types(gql: GraphQLClient):
    await create_property(gql, "Page views", "TEXT")
    flow = await create_flow(gql, "Counter", fixture("page_views"))

    error = await gql.error(PUBLISH, id=flow["id"])

    assert "PROPERTY_TYPE_MISMATCH" in [i["code"] for i in error["extensions"]["issues"]]


async def test_delete_flow(gql: GraphQLClient, numbers):
    flow = await create_flow(gql, "Counter", fixture("page_views"))

    assert (await gql("mutation($id: ID!) { deleteFlow(id: $id) }", id=flow["id"]))["deleteFlow"]
    assert (await gql("query($id: ID!) { flow(id: $id) { id } }", id=flow["id"]))["flow"] is None
    views = (await gql('{ property(key: "page_views") { usedByFlows { id } } }'))["property"]
    assert views["usedByFlows"] == []


async def test_another_workspaces_flow_is_not_found(
    gql: GraphQLClient, other_gql: GraphQLClient, numbers
):
    flow = await create_flow(gql, "Counter", fixture("page_views"))
    ref = {"id": flow["id"]}

    assert (await other_gql("query($id: ID!) { flow(id: $id) { id } }", **ref))["flow"] is None
    assert (await other_gql("{ flows { id } }"))["flows"] == []
    for mutation in [
        "mutation($id: ID!) { saveFlowDraft(id: $id, graph: {nodes: [], edges: []}) { id } }",
        "mutation($id: ID!) { publishFlow(id: $id) { id } }",
        "mutation($id: ID!) { restoreFlowVersion(id: $id, version: 1) { id } }",
        "mutation($id: ID!) { setFlowEnabled(id: $id, enabled: false) { id } }",
        "mutation($id: ID!) { deleteFlow(id: $id) }",
    ]:
        assert code_of(await other_gql.error(mutation, **ref)) == "NOT_FOUND"


async def test_node_types_describe_the_registry(gql: GraphQLClient):
    types = (
        await gql("{ nodeTypes { type label category isTrigger waits timer configSchema ports } }")
    )["nodeTypes"]

    by_type = {t["type"]: t for t in types}
    assert set(by_type) == {
        "page_visit", "first_visit", "returning_visitor", "visitor_stays", "visitor_says",
        "property_changed", "send_message", "decision", "ask_question", "update_property",
        "increment_property", "condition", "hand_off", "wait", "call_webhook", "end",
    }  # fmt: skip
    assert by_type["hand_off"]["label"] == "Hand off to an operator"
    assert by_type["page_visit"]["isTrigger"] is True
    assert by_type["decision"]["waits"] is True and by_type["decision"]["timer"] is False
    assert by_type["wait"]["timer"] is True
    assert by_type["increment_property"]["category"] == "property"


async def test_flow_operations_need_a_token(anonymous: GraphQLClient):
    for operation in [
        "{ flows { id } }",
        "{ nodeTypes { type } }",
        'mutation { createFlow(name: "x") { id } }',
    ]:
        assert code_of(await anonymous.error(operation)) == "UNAUTHENTICATED"
