import json
from pathlib import Path

import pytest

from flow_graph import (
    IssueCode,
    PropertyInfo,
    PropertyType,
    Severity,
    has_errors,
    parse_document,
    used_property_keys,
    validate,
)
from tests.flow_graph.builders import PROPERTIES, doc, edge, node

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"


def codes(document, properties=PROPERTIES) -> list[str]:
    return sorted(issue.code.value for issue in validate(document, properties))


def a_counter(*extra):
    return doc(
        node("t", "page_visit"),
        node("inc", "increment_property"),
        node("end", "end"),
        edge("t", "next", "inc"),
        edge("inc", "next", "end"),
        *extra,
    )


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("page_views", "page_views"),
        ("shoe_size", "shoe_size"),
        ("lead_score", "lead_score"),
        ("hot_lead", "lead_score"),
    ],
)
def test_validate_accepts_the_fixtures_given_the_properties_of_their_readme(name, key):
    document = parse_document(json.loads((FIXTURES / f"{name}.json").read_text()))

    assert codes(document, {key: PropertyInfo(key, PropertyType.NUMBER)}) == []


def test_validate_accepts_a_minimal_counter():
    assert codes(a_counter()) == []


def test_validate_reports_no_trigger():
    assert codes(doc(node("end", "end"))) == ["NO_TRIGGER"]


def test_validate_reports_duplicate_id():
    issues = validate(a_counter(node("end", "send_message")), PROPERTIES)

    assert [i.code for i in issues] == [IssueCode.DUPLICATE_ID]
    assert issues[0].node_id == "end"


def test_validate_reports_duplicate_edge_id():
    document = a_counter(edge("t", "next", "end", edge_id="t.next->inc"))

    assert "DUPLICATE_ID" in codes(document)


def test_validate_reports_unknown_node_type():
    document = doc(node("t", "page_visit"), node("x", "teleport"), edge("t", "next", "x"))

    assert codes(document) == ["UNKNOWN_NODE_TYPE"]


def test_validate_reports_invalid_config():
    document = doc(
        node("t", "page_visit", url="", match="regex"), node("end", "end"), edge("t", "next", "end")
    )

    issues = validate(document, PROPERTIES)
    assert [i.code for i in issues] == [IssueCode.INVALID_CONFIG, IssueCode.INVALID_CONFIG]
    assert "'match'" in issues[0].message


@pytest.mark.parametrize(
    ("type", "config"),
    [
        ("decision", {"options": []}),
        ("decision", {"options": ["A", " "]}),
        ("ask_question", {"maxRetries": -1}),
        ("ask_question", {"text": 42}),
        ("update_property", {"updates": []}),
        ("update_property", {"updates": [{"value": 1}]}),
        (
            "update_property",
            {"updates": [{"key": "plan", "value": "Pro"}, {"key": "plan", "value": "Free"}]},
        ),
        ("increment_property", {"by": "2"}),
        ("increment_property", {"by": True}),
        ("increment_property", {"by": 0}),
        ("increment_property", {"key": ""}),
        ("condition", {"op": "LIKE"}),
        ("condition", {"op": "EQ", "value": None}),
        ("condition", {"op": "IN", "value": 3}),
        ("condition", {"op": "CONTAINS", "value": 5}),
        ("condition", {"op": "STARTS_WITH", "value": ""}),
        ("send_message", {"text": "  "}),
    ],
)
def test_validate_reports_invalid_config_per_type(type, config):
    document = doc(node("t", "page_visit"), node("n", type, **config), edge("t", "next", "n"))

    assert "INVALID_CONFIG" in codes(document)


def test_validate_reports_dangling_edge():
    issues = validate(a_counter(edge("end", "next", "ghost", edge_id="bad")), PROPERTIES)

    assert [(i.code, i.edge_id) for i in issues] == [(IssueCode.DANGLING_EDGE, "bad")]


def test_validate_reports_unknown_port():
    document = a_counter(
        node("m", "send_message"), edge("inc", "yes", "m"), edge("m", "next", "end")
    )

    assert codes(document) == ["UNKNOWN_PORT"]


def test_validate_names_only_a_few_ports_of_a_big_decision():
    document = doc(
        node("t", "page_visit"),
        node("q", "decision", options=[f"Option {i}" for i in range(20)]),
        edge("t", "next", "q"),
        edge("q", "20", "t"),
    )

    unknown = [i for i in validate(document, PROPERTIES) if i.code is IssueCode.UNKNOWN_PORT]
    assert unknown[0].message.endswith("(its ports: 0, 1, 2, 3, 4, 5, …)")


def test_validate_reports_port_used_twice():
    document = a_counter(
        node("m", "send_message"), edge("inc", "next", "m"), edge("m", "next", "end")
    )

    assert codes(document) == ["PORT_USED_TWICE"]


def test_validate_reports_trigger_has_input():
    document = doc(
        node("t", "page_visit"),
        node("m", "send_message"),
        node("t2", "page_visit"),
        node("end", "end"),
        edge("t", "next", "m"),
        edge("m", "next", "t2"),
        edge("t2", "next", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [(i.code, i.node_id) for i in issues] == [(IssueCode.TRIGGER_HAS_INPUT, "t2")]


def test_validate_reports_unreachable_node():
    issues = validate(a_counter(node("lonely", "end")), PROPERTIES)

    assert [(i.code, i.node_id) for i in issues] == [(IssueCode.UNREACHABLE_NODE, "lonely")]


def test_validate_reaches_nodes_from_every_trigger():
    document = a_counter(
        node("t2", "page_visit"),
        node("m", "send_message"),
        edge("t2", "next", "m"),
        edge("m", "next", "end", edge_id="m-end"),
    )

    assert codes(document) == []


def test_validate_takes_trigger_and_waiting_from_the_type_even_with_a_bad_config():
    document = doc(
        node("t", "page_visit", url=""),
        node("q", "decision", options=[]),
        node("m", "send_message"),
        edge("t", "next", "q"),
        edge("q", "0", "m"),
        edge("m", "next", "q"),
    )

    assert codes(document) == ["INVALID_CONFIG", "INVALID_CONFIG"]


def test_validate_reports_unknown_property():
    document = doc(
        node("t", "page_visit"),
        node("inc", "increment_property", key="nope"),
        node("end", "end"),
        edge("t", "next", "inc"),
        edge("inc", "next", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [i.code for i in issues] == [IssueCode.UNKNOWN_PROPERTY]
    assert "nope" in issues[0].message


def test_validate_reports_unknown_property_for_save_to():
    document = doc(
        node("t", "page_visit"),
        node("q", "ask_question", saveTo="nope"),
        node("end", "end"),
        edge("t", "next", "q"),
        edge("q", "next", "end"),
    )

    assert codes(document) == ["UNKNOWN_PROPERTY"]


def test_validate_reports_property_type_mismatch():
    document = doc(
        node("t", "page_visit"),
        node("inc", "increment_property", key="name"),
        node("end", "end"),
        edge("t", "next", "inc"),
        edge("inc", "next", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [i.code for i in issues] == [IssueCode.PROPERTY_TYPE_MISMATCH]
    assert "NUMBER" in issues[0].message and "TEXT" in issues[0].message


@pytest.mark.parametrize(
    "config",
    [
        {"key": "page_views", "op": "CONTAINS", "value": "1"},
        {"key": "vip", "op": "GT", "value": True},
    ],
)
def test_validate_reports_property_type_mismatch_for_conditions(config):
    document = doc(
        node("t", "page_visit"),
        node("c", "condition", **config),
        node("end", "end"),
        edge("t", "next", "c"),
        edge("c", "true", "end"),
        edge("c", "false", "end"),
    )

    assert codes(document) == ["PROPERTY_TYPE_MISMATCH"]


def test_validate_lets_update_property_clear_a_value():
    document = doc(
        node("t", "page_visit"),
        node("u", "update_property", updates=[{"key": "plan", "value": None}]),
        node("end", "end"),
        edge("t", "next", "u"),
        edge("u", "next", "end"),
    )

    assert codes(document) == []


@pytest.mark.parametrize(
    ("type", "config"),
    [
        ("update_property", {"updates": [{"key": "plan", "value": "Enterprise"}]}),
        ("update_property", {"updates": [{"key": "page_views", "value": "many"}]}),
        ("condition", {"key": "birthday", "op": "LT", "value": "soon"}),
        ("condition", {"key": "plan", "op": "IN", "value": ["Pro", "Gold"]}),
    ],
)
def test_validate_reports_invalid_value(type, config):
    document = doc(node("t", "page_visit"), node("n", type, **config), edge("t", "next", "n"))

    assert "INVALID_VALUE" in codes(document)


def test_validate_reports_infinite_loop():
    document = doc(
        node("t", "page_visit"),
        node("a", "increment_property"),
        node("b", "send_message"),
        edge("t", "next", "a"),
        edge("a", "next", "b"),
        edge("b", "next", "a"),
    )

    issues = validate(document, PROPERTIES)
    assert [i.code for i in issues] == [IssueCode.INFINITE_LOOP]
    assert issues[0].node_id == "a"


def test_validate_reports_a_self_loop_as_infinite():
    document = doc(
        node("t", "page_visit"),
        node("c", "condition"),
        edge("t", "next", "c"),
        edge("c", "true", "c"),
        edge("c", "false", "c"),
    )

    assert codes(document) == ["INFINITE_LOOP"]


def test_validate_accepts_a_loop_through_a_waiting_node():
    document = doc(
        node("t", "page_visit"),
        node("q", "decision"),
        node("inc", "increment_property"),
        edge("t", "next", "q"),
        edge("q", "0", "inc"),
        edge("inc", "next", "q"),
        edge("q", "1", "inc", "e2"),
    )

    assert "INFINITE_LOOP" not in codes(document)


def test_validate_lets_an_unconnected_output_end_the_flow():
    document = doc(
        node("t", "page_visit"),
        node("m", "send_message"),
        node("ask", "ask_question", saveTo="shoe_size"),
        edge("t", "next", "m"),
        edge("m", "next", "ask"),
    )

    assert validate(document, PROPERTIES) == []


def test_validate_warns_dead_end():
    issues = validate(
        doc(node("t", "page_visit"), node("ask", "ask_question"), edge("t", "next", "ask")),
        PROPERTIES,
    )

    assert [(i.code, i.severity, i.node_id, i.message) for i in issues] == [
        (IssueCode.DEAD_END, Severity.WARNING, "ask", "'Your size?' — the answer leads nowhere")
    ]
    assert not has_errors(issues)


def test_validate_warns_unconnected_port():
    document = doc(
        node("t", "page_visit"),
        node("q", "decision"),
        node("end", "end"),
        edge("t", "next", "q"),
        edge("q", "0", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [(i.code, i.severity) for i in issues] == [
        (IssueCode.UNCONNECTED_PORT, Severity.WARNING)
    ]
    assert issues[0].message == "'Pick one' — button 'B' leads nowhere"


def test_validate_names_nodes_by_their_text_and_type_not_their_id():
    document = doc(
        node("t", "page_visit"),
        node("bump", "increment_property", key="shoe"),
        node("lost", "send_message", text="Nobody   sees\nthis " + "very " * 20),
        edge("t", "next", "bump"),
    )

    messages = {issue.code: issue.message for issue in validate(document, PROPERTIES)}

    assert messages == {
        IssueCode.UNKNOWN_PROPERTY: "Increment property uses the property 'shoe', which does not "
        "exist (any more)",
        IssueCode.UNREACHABLE_NODE: "'Nobody sees this very very very very very very…' "
        "never runs: no wire leads to it from a trigger",
    }


def test_validate_leaves_the_optional_failed_port_alone():
    document = doc(
        node("t", "page_visit"),
        node("q", "ask_question", saveTo="shoe_size"),
        node("end", "end"),
        edge("t", "next", "q"),
        edge("q", "next", "end"),
    )

    assert codes(document) == []


def test_validate_warns_hidden_property():
    document = doc(
        node("t", "page_visit"),
        node("u", "update_property", updates=[{"key": "secret", "value": "x"}]),
        node("m", "send_message", text="Psst {secret}"),
        node("end", "end"),
        edge("t", "next", "u"),
        edge("u", "next", "m"),
        edge("m", "next", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [i.code for i in issues] == [IssueCode.HIDDEN_PROPERTY, IssueCode.HIDDEN_PROPERTY]
    assert not has_errors(issues)


def test_validate_warns_unknown_placeholder():
    document = doc(
        node("t", "page_visit"),
        node("m", "send_message", text="Hi {name}, size {nope|?}"),
        node("end", "end"),
        edge("t", "next", "m"),
        edge("m", "next", "end"),
    )

    issues = validate(document, PROPERTIES)
    assert [(i.code, i.severity) for i in issues] == [
        (IssueCode.UNKNOWN_PLACEHOLDER, Severity.WARNING)
    ]


def test_validate_reports_every_problem_at_once():
    document = doc(
        node("a", "increment_property", key="nope"),
        node("a", "end"),
        node("x", "warp"),
        edge("a", "next", "ghost"),
    )

    assert codes(document) == [
        "DANGLING_EDGE",
        "DUPLICATE_ID",
        "NO_TRIGGER",
        "UNKNOWN_NODE_TYPE",
        "UNKNOWN_PROPERTY",
    ]


def test_used_property_keys_lists_reads_writes_and_placeholders():
    document = doc(
        node("t", "page_visit"),
        node("c", "condition", key="vip", op="IS_SET"),
        node("u", "update_property", updates=[{"key": "plan", "value": "Pro"}]),
        node("q", "ask_question", saveTo="shoe_size", text="Size, {name}?"),
        node("bad", "increment_property", key="score", by="x"),
        node("odd", "teleport", key="ignored"),
    )

    assert used_property_keys(document) == {"vip", "plan", "shoe_size", "name", "score"}


def test_validate_accepts_a_condition_on_whether_a_property_is_set():
    document = doc(
        node("t", "page_visit"),
        node("c", "condition", key="page_views", op="IS_SET"),
        node("yes", "end"),
        node("no", "end"),
        edge("t", "next", "c"),
        edge("c", "true", "yes"),
        edge("c", "false", "no"),
    )

    assert codes(document) == []


def test_used_property_keys_keeps_the_keys_of_half_done_nodes():
    document = doc(
        node("i", "increment_property", key="score", by=0),
        node("c", "condition", key="vip"),
        node("u", "update_property", updates=[{"key": "plan", "value": "Pro"}, {"key": "plan"}, 3]),
        node("q", "ask_question", saveTo=None),
    )

    assert used_property_keys(document) == {"score", "vip", "plan"}


def test_every_issue_code_has_a_test_named_after_it():
    prefixes = ("test_validate_reports_", "test_validate_warns_")
    tested = {name.split("_", 3)[3] for name in globals() if name.startswith(prefixes)}

    assert {code.lower() for code in IssueCode} - tested == {"invalid_document"}
