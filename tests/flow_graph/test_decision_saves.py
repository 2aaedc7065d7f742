"""A decision that saves the choice as a contact property: config, validation and the run."""

import pytest

from flow_graph import IssueCode, validate
from flow_graph.effects import Actor, SetValue
from flow_graph.engine import resume_run
from flow_graph.nodes import node_type
from flow_graph.nodes.base import Reply
from tests.flow_graph.builders import PROPERTIES, doc, edge, node
from tests.flow_graph.test_engine import program, reply, start


def plans(**config):
    return program(
        node("t", "page_visit"),
        node("q", "decision", text="Which plan?", options=["Free", "Pro"], saveTo="plan", **config),
        node("m", "send_message", text="Thanks"),
        edge("t", "next", "q"),
        edge("q", "1", "m"),
    )


def test_a_choice_saves_the_button_label_as_the_visitor_and_goes_on():
    prog = plans()
    waiting = start(prog).state

    step = reply(prog, waiting, choice=1)

    assert step.effects[0] == SetValue("q", "plan", "Pro", Actor.VISITOR)
    assert step.path == ("m",)


def test_a_button_saves_its_own_value_when_it_has_one():
    prog = program(
        node("t", "page_visit"),
        node("q", "decision", options=["Small", "Big"], saveTo="shoe_size", values={"Big": 46}),
        edge("t", "next", "q"),
    )
    waiting = start(prog).state

    assert reply(prog, waiting, text="big").effects[0] == SetValue(
        "q", "shoe_size", 46, Actor.VISITOR
    )


def test_a_choice_for_a_deleted_property_or_a_refused_value_fails_the_run():
    prog = plans(values={"Pro": "Gold"})
    waiting = start(prog).state
    without_plan = {key: info for key, info in PROPERTIES.items() if key != "plan"}

    gone = resume_run(
        prog, state=waiting, values={}, properties=without_plan, reply=Reply(choice=0)
    )
    refused = reply(prog, waiting, choice=1)

    assert gone.state.status == "failed"
    assert refused.state.status == "failed"
    assert "Gold" in refused.effects[-1].reason


def test_validation_checks_each_saved_value_against_the_property_type():
    document = doc(
        node("t", "page_visit"),
        node("q", "decision", text="Plan?", options=["Free", "Gold"], saveTo="plan"),
        edge("t", "next", "q"),
    )

    issues = validate(document, PROPERTIES)

    assert [issue.code for issue in issues] == [IssueCode.INVALID_VALUE]
    assert issues[0].message.startswith("'Plan?': ")
    assert "Gold" in issues[0].message


def test_a_decision_that_saves_its_choice_may_leave_buttons_unwired():
    document = doc(
        node("t", "page_visit"),
        node("q", "decision", options=["Free", "Pro"], saveTo="plan"),
        edge("t", "next", "q"),
    )

    assert validate(document, PROPERTIES) == []


@pytest.mark.parametrize("values", [["Pro"], {1: "x"}])
def test_values_must_map_button_labels(values):
    _, problems = node_type("decision").parse_config(
        {"text": "Plan?", "options": ["Pro"], "values": values}
    )

    assert problems == ["'values' must map button labels to values"]
