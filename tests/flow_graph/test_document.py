import json

import pytest

from flow_graph import InvalidDocumentError, Issue, IssueCode, Severity, parse_document, to_json
from flow_graph.document import MAX_DEPTH, MAX_NODES, Position
from tests.flow_graph.builders import edge, node, raw_doc


def issues(raw) -> list[Issue]:
    with pytest.raises(InvalidDocumentError) as refused:
        parse_document(raw)
    assert all(issue.code is IssueCode.INVALID_DOCUMENT for issue in refused.value.issues)
    assert all(issue.severity is Severity.ERROR for issue in refused.value.issues)
    assert str(refused.value)
    return refused.value.issues


def problems(raw) -> list[str]:
    return [issue.message for issue in issues(raw)]


def nested(depth: int) -> list:
    """A list `depth` levels deep, counting itself."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_parse_document_reads_nodes_and_edges():
    raw = raw_doc(node("t", "page_visit"), node("e", "end"), edge("t", "next", "e"))

    document = parse_document(raw)

    assert [n.id for n in document.nodes] == ["t", "e"]
    assert document.nodes[0].position == Position(0, 0)
    assert document.edges[0].source_port == "next"
    assert to_json(document) == raw


def test_parse_document_reads_a_json_string():
    raw = raw_doc(node("t", "page_visit"))

    assert parse_document(json.dumps(raw)) == parse_document(raw)


def test_parse_document_defaults_missing_parts():
    document = parse_document({"nodes": [{"id": "a", "type": "end", "config": None}]})

    assert document.edges == ()
    assert document.nodes[0].config == {}


def test_parse_document_takes_a_numeric_port_as_text():
    document = parse_document(
        {"edges": [{"id": "e", "source": "a", "sourcePort": 0, "target": "b"}]}
    )

    assert document.edges[0].source_port == "0"


def test_parse_document_lists_every_problem():
    found = problems(
        {
            "nodes": [
                {"type": "end"},
                {"id": "b", "type": 7, "config": [], "position": {"x": "left"}},
                "not a node",
            ],
            "edges": [{"id": "e1", "source": "b"}, 5],
        }
    )

    assert found == [
        "'nodes[0].id' is missing",
        "'nodes[1].type' must be a text of 1 to 200 characters",
        "'nodes[1].config' must be an object",
        "'nodes[1].position' must be an object with finite numbers x and y",
        "'nodes[2]' must be an object",
        "'edges[0].sourcePort' is missing",
        "'edges[0].target' is missing",
        "'edges[1]' must be an object",
    ]


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ([], "must be an object"),
        ({"nodes": {}}, "'nodes' must be a list"),
        ({"edges": "x"}, "'edges' must be a list"),
        ("{not json", "is not JSON"),
        ({"nodes": [{"id": "a", "type": "end", "config": {"x": float("nan")}}]}, "not JSON"),
        ({"nodes": [{"id": "a", "type": "end", "config": {"x": object()}}]}, "not JSON"),
        (
            {"nodes": [{"id": "a", "type": "end", "position": {"x": 10**400, "y": 0}}]},
            "must be an object with finite numbers x and y",
        ),
    ],
)
def test_parse_document_refuses_malformed_shapes(raw, words):
    assert any(words in message for message in problems(raw))


@pytest.mark.parametrize(
    "config",
    [
        {"text": "a\x00b"},
        {"options": [1, True, None, "\x00"]},
        {"updates": [{"key\x00": 1}]},
    ],
)
def test_parse_document_refuses_a_nul_character_anywhere(config):
    raw = {"nodes": [{"id": "a", "type": "end", "config": config}]}

    assert problems(raw) == ["The document contains a NUL character (\\u0000) in a text"]


def test_parse_document_keeps_the_text_backslash_u0000():
    raw = {"nodes": [{"id": "a", "type": "end", "config": {"text": "\\u0000", "n": [1]}}]}

    assert parse_document(raw).nodes[0].config["text"] == "\\u0000"


def test_parse_document_refuses_too_many_nodes():
    raw = {"nodes": [{"id": f"n{i}", "type": "end"} for i in range(MAX_NODES + 1)]}

    assert any("at most 10,000" in message for message in problems(raw))


def test_parse_document_refuses_over_4_mb():
    raw = {"nodes": [{"id": "a", "type": "end", "config": {"text": "x" * (4 * 1024 * 1024)}}]}

    assert any("at most 4,194,304" in message for message in problems(raw))
    assert any("over 4,194,304" in message for message in problems(json.dumps(raw)))


def test_parse_document_refuses_deep_nesting_without_recursing():
    deep: dict = {}
    current = deep
    for _ in range(MAX_DEPTH + 500):
        current["x"] = {}
        current = current["x"]

    found = issues({"nodes": [{"id": "a", "type": "end", "config": deep}]})

    assert [(i.message, i.node_id) for i in found] == [
        ("'nodes[0].config' is nested deeper than 64 levels", "a")
    ]


@pytest.mark.parametrize(
    ("raw", "message", "node_id", "edge_id"),
    [
        (
            {"nodes": [{"id": "a", "type": "end", "position": {"x": 0, "z": nested(61)}}]},
            "'nodes[0].position' is nested deeper than 64 levels",
            "a",
            None,
        ),
        (
            {"edges": [{"id": "e", "meta": nested(62)}]},
            "'edges[0].meta' is nested deeper than 64 levels",
            None,
            "e",
        ),
        (
            {"nodes": [{"id": 7, "config": {"x": nested(61)}}]},
            "'nodes[0].config' is nested deeper than 64 levels",
            None,
            None,
        ),
        ({"extra": nested(5000)}, "'extra[0][0]' is nested deeper than 64 levels", None, None),
        (nested(65), "'[0][0][0]' is nested deeper than 64 levels", None, None),
    ],
)
def test_parse_document_refuses_nesting_anywhere(raw, message, node_id, edge_id):
    assert [(i.message, i.node_id, i.edge_id) for i in issues(raw)] == [(message, node_id, edge_id)]


def test_parse_document_accepts_a_config_at_the_depth_limit():
    config: dict = {}
    current = config
    for _ in range(64 - 4):
        current["x"] = {}
        current = current["x"]

    assert parse_document({"nodes": [{"id": "a", "type": "end", "config": config}]}).nodes


def test_parse_document_refuses_deep_nesting_in_a_string():
    text = '{"nodes": [' + "[" * 100_000 + "]" * 100_000 + "]}"

    assert problems(text) == ["The document is nested deeper than 64 levels"]


def test_parse_document_does_not_judge_meaning():
    raw = raw_doc(node("a", "teleport"), node("a", "end"), edge("a", "nowhere", "ghost"))

    assert len(parse_document(raw).nodes) == 2
