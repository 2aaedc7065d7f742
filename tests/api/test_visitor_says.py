"""The "Visitor says" trigger over the real API: the widget's free text that answers no waiting
question starts the flows whose keywords or pattern it matches, ignoring case; not while an
operator has joined the conversation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from api.flows.models import FlowRun
from tests.support.builders import (
    create_property,
    flow_node,
    next_edge,
    publish_flow,
    workspace_key,
)
from tests.support.graphql import GraphQLClient
from tests.support.inbox import (
    RESOLVE,
    inbox,
    next_event,
    only_conversation,
    reply,
    transcript,
    widget,
)
from tests.support.visitor import Visitor

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "flows"
PRICES = "Our prices are on /pricing."


@pytest.fixture
async def visitor(gql: GraphQLClient) -> Visitor:
    return Visitor(gql, await workspace_key(gql))


def says(text: str, **config: Any) -> dict[str, Any]:
    """Visitor says (`config`) → send `text`."""
    return {
        "nodes": [
            flow_node("t", "visitor_says", **config),
            flow_node("m", "send_message", text=text),
        ],
        "edges": [next_edge("t", "m")],
    }


def texts(result: dict[str, Any]) -> list[str]:
    return [message["text"] for message in result["messages"]]


async def test_keywords_match_as_words_ignoring_case(gql, visitor):
    await publish_flow(gql, "Prices", says(PRICES, mode="keywords", keywords=["price", "how much"]))

    asked = await visitor.say("HOW   much is shipping?")
    other = await visitor.say("That is priceless")

    assert (asked["startedRuns"], texts(asked)) == (1, [PRICES])
    assert (other["startedRuns"], texts(other)) == (0, [])


async def test_a_pattern_matches_the_whole_text_ignoring_case(gql, visitor):
    await publish_flow(
        gql,
        "Refunds",
        says("Sorry! Refunds take 3 days.", mode="pattern", pattern="*refund*order ??"),
    )

    matched = await visitor.say("I want a REFUND for Order 42")
    unmatched = await visitor.say("I want a refund for order 4242")

    assert texts(matched) == ["Sorry! Refunds take 3 days."]
    assert texts(unmatched) == []


async def test_the_bot_answers_after_the_visitor_in_the_transcript_and_the_widget(gql, visitor):
    await publish_flow(gql, "Prices", says(PRICES, mode="keywords", keywords=["price"]))

    await visitor.say("What is the price?")

    found = await only_conversation(gql)
    assert transcript(found) == [("VISITOR", "What is the price?"), ("BOT", PRICES)]
    assert found["waitingForOperator"] is False  # the bot answered
    assert [(m["author"], m["text"]) for m in await visitor.transcript()] == [
        ("VISITOR", "What is the price?"),
        ("BOT", PRICES),
    ]


async def test_text_no_flow_answers_waits_for_an_operator(gql, visitor):
    await publish_flow(gql, "Prices", says(PRICES, mode="keywords", keywords=["price"]))

    await visitor.say("Do you ship to Norway?")

    assert (await only_conversation(gql))["waitingForOperator"] is True


async def test_while_an_operator_has_joined_no_flow_starts(gql, visitor):
    await publish_flow(gql, "Prices", says(PRICES, mode="keywords", keywords=["price"]))
    await visitor.say("Hello?")
    conversation_id = (await only_conversation(gql))["id"]

    await reply(gql, conversation_id, "Hello, I am here.")
    during = await visitor.say("What is the price?")
    await gql(RESOLVE, id=conversation_id)
    after = await visitor.say("What is the price?")

    assert (during["startedRuns"], texts(during)) == (0, [])
    assert (after["startedRuns"], texts(after)) == (1, [PRICES])


async def test_an_answer_to_a_waiting_question_starts_no_flow(gql, visitor):
    await create_property(gql, "Shoe size", "NUMBER")
    await publish_flow(gql, "Shoe size", json.loads((FIXTURES / "shoe_size.json").read_text()))
    await publish_flow(gql, "Forty-three", says("A fine size!", mode="keywords", keywords=["43"]))
    await visitor.visit("/shoes")

    answer = await visitor.say("43")
    again = await visitor.say("43")

    assert (answer["startedRuns"], texts(answer)) == (
        0,
        ["Thanks! We will show you shoes in size 43."],
    )
    assert (again["startedRuns"], texts(again)) == (1, ["A fine size!"])


async def test_the_same_event_id_starts_the_flow_once(gql, visitor):
    await publish_flow(gql, "Prices", says(PRICES, mode="keywords", keywords=["price"]))

    first = await visitor.say("price?", event_id="e-1")
    retry = await visitor.say("price?", event_id="e-1")

    assert (first["startedRuns"], texts(first)) == (1, [PRICES])
    assert (retry["duplicate"], retry["startedRuns"], texts(retry)) == (True, 1, [PRICES])
    assert await FlowRun.all().count() == 1


async def test_the_widget_hears_the_bot_on_its_socket(live_url, live_gql):
    visitor = Visitor(live_gql, await workspace_key(live_gql))
    await publish_flow(live_gql, "Prices", says(PRICES, mode="keywords", keywords=["price"]))
    async with inbox(live_url, live_gql) as operator, widget(live_url, visitor) as bubble:
        assert (await next_event(operator))["kind"] == "VISITOR_ONLINE"  # the widget listens
        sent = await visitor.say("What is the price?")
        heard = (await bubble.next_data("messages"))["visitorMessages"]

    assert texts(sent) == [PRICES]
    assert heard == {"author": "BOT", "authorName": None, "text": PRICES}
